# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What a static fleet loader links in, from the sysroot pins (packaging/sysroot-pins.txt):
the pinned packages of an architecture that ship a static library (.a), their Debian
source and version, and each source's copyright file, for the packages to declare
(Static-Built-Using in the .deb, Provides: bundled(...) in the .rpm, the notices in both)."""
import collections
import os
import re
import subprocess

from . import pinfile
from .errors import ConfigError, CommandError
from .proc import run

Linked = collections.namedtuple('Linked', 'source version deb package')


def _listing(deb):
    """{path: symlink target or None} of a .deb's data."""
    out = {}
    for line in run(['dpkg-deb', '-c', deb], what=f'dpkg-deb -c {deb}').splitlines():
        path = line.split(None, 5)[5]
        path, _, target = path.partition(' -> ')
        out[path.removeprefix('./').rstrip('/')] = target or None
    return out


def _fields(deb):
    out = run(['dpkg-deb', '-f', deb, 'Package', 'Source', 'Version'], what=f'dpkg-deb -f {deb}')
    f = dict(line.split(': ', 1) for line in out.splitlines() if ': ' in line)
    m = re.fullmatch(r'(\S+)(?: \((.+)\))?', f.get('Source', f['Package']))
    return f['Package'], m.group(1), m.group(2) or f['Version']


def pinned(pins_path, debarch):
    """{package: verified .deb} of the DEBARCH rows of the pin file."""
    rows = [r for r in pinfile.read_pins(pins_path)[0] if r.arch == debarch]
    if not rows:
        raise ConfigError(f'{pins_path} has no {debarch} rows: add them with ci/pins.py add')
    return dict(zip((r.package for r in rows), pinfile.fetch(rows, pins_path)))


def linked(debs):
    """One Linked per Debian source that a package of DEBS (pinned()) with a .a comes from."""
    out = {}
    for package, deb in debs.items():
        if any(p.endswith('.a') for p in _listing(deb)):
            package, source, version = _fields(deb)
            out.setdefault(source, Linked(source, version, deb, package))
    return [out[s] for s in sorted(out)]


def upstream(version):
    """A Debian version's upstream part: no epoch, no revision."""
    return version.split(':', 1)[-1].rsplit('-', 1)[0]


def built_using(libs):
    return ', '.join(f'{l.source} (= {l.version})' for l in libs)


def copyright_text(debs, lib):
    """LIB's /usr/share/doc/PACKAGE/copyright; where that directory is a link to another
    package's (libgcc-16-dev -> gcc-16-base), the copyright of that package of DEBS."""
    deb, package = lib.deb, lib.package
    for _ in range(3):
        doc = f'./usr/share/doc/{package}'
        listing = _listing(deb)
        if f'usr/share/doc/{package}/copyright' in listing:
            p = subprocess.run(['dpkg-deb', '--fsys-tarfile', deb], capture_output=True, check=True)
            t = subprocess.run(['tar', '-xOf', '-', f'{doc}/copyright'], input=p.stdout, capture_output=True)
            if t.returncode:
                raise CommandError(f'{deb}: cannot read {doc}/copyright: {t.stderr.decode().strip()}')
            return t.stdout.decode('utf-8', 'replace')
        target = listing.get(f'usr/share/doc/{package}')
        if not target or os.path.basename(target) not in debs:
            break
        package = os.path.basename(target)
        deb = debs[package]
    raise ConfigError(f'no copyright file for {lib.source} ({lib.package}) among the pinned packages of its '
                      f'architecture: pin the package that holds it (ci/pins.py add)')
