# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The one reader of vmlinux/<name>/min-btf/index.txt (written by tools/hbc/minbtf.py): where
the BTF of each corpus kernel of one architecture comes from. "kernel": the kernel carries
its own (/sys/kernel/btf/vmlinux); "embedded": it was built without, and the loader embeds
the minimal BTF <release>.btf made from its DWARF, checked here against the SHA-256 and
size the index records. Whether a kernel has BTF is a fact of that kernel (of its release
and flavour), not of its architecture: Debian's bookworm s390x kernel has none, sid's has.
Used by ci/vmlinux.py min-btf --verify, loader/gen-object.py, tests/, the VM runner.

  python3 -m hbc.btfindex count DIR    the number of embedded BTFs DIR/index.txt lists"""
import hashlib
import os
import sys
from collections import namedtuple

from .errors import ConfigError

KINDS = ('kernel', 'embedded')
Entry = namedtuple('Entry', 'release suite package version deb_sha256 btf btf_sha256 size path blob')


class Stale(ConfigError):
    """A file of min-btf/ does not match index.txt: regenerate with ci/vmlinux.py min-btf."""


def _entry(directory, line):
    release, suite, package, version, deb_sha, kind, btf_sha, size = line.split()
    if kind not in KINDS:
        raise Stale(f'{directory}/index.txt: {release}: btf {kind!r} is none of {", ".join(KINDS)}')
    if kind == 'kernel':
        return Entry(release, suite, package, version, deb_sha, kind, None, 0, None, None)
    path = os.path.join(directory, f'{release}.btf')
    blob = open(path, 'rb').read()
    if hashlib.sha256(blob).hexdigest() != btf_sha or len(blob) != int(size):
        raise Stale(f'{path} does not match index.txt')
    return Entry(release, suite, package, version, deb_sha, kind, btf_sha, int(size), path, blob)


def read(directory):
    """Every entry of DIRECTORY/index.txt, in order; Stale if a file does not match."""
    with open(os.path.join(directory, 'index.txt')) as f:
        return [_entry(directory, line) for line in f if line.strip() and not line.startswith('#')]


def embedded(directory):
    """The entries of the kernels without BTF of their own: what the loader carries."""
    return [e for e in read(directory) if e.btf == 'embedded']


def by_package(directories):
    """{deb sha256: entry} over the indexes of DIRECTORIES (one per architecture)."""
    return {e.deb_sha256: e for d in directories for e in read(d)}


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] != 'count':
        sys.exit(__doc__.rsplit('\n\n', 1)[1])
    try:
        print(len(embedded(sys.argv[2])))
    except (ConfigError, OSError, ValueError) as e:
        sys.exit(f'btfindex: {e}')
