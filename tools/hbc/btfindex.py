# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The one reader of vmlinux/<name>/min-btf/index.txt (written by tools/hbc/minbtf.py): the
minimal BTFs the loader embeds, each checked against the SHA-256 and size the index
records. Used by ci/vmlinux.py min-btf --verify, loader/gen-object.py, tests/corecheck."""
import hashlib
import os
from collections import namedtuple

from .errors import ConfigError

Entry = namedtuple('Entry', 'release suite package version deb_sha256 btf_sha256 size path blob')


class Stale(ConfigError):
    """A file of min-btf/ does not match index.txt: regenerate with ci/vmlinux.py min-btf."""


def read(directory):
    """The entries of DIRECTORY/index.txt, in order; Stale if a file does not match."""
    out = []
    with open(os.path.join(directory, 'index.txt')) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            release, suite, package, version, deb_sha, btf_sha, size = line.split()
            path = os.path.join(directory, f'{release}.btf')
            blob = open(path, 'rb').read()
            if hashlib.sha256(blob).hexdigest() != btf_sha or len(blob) != int(size):
                raise Stale(f'{path} does not match index.txt')
            out.append(Entry(release, suite, package, version, deb_sha, btf_sha, int(size), path, blob))
    return out
