# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Pin files, for every tool of this project: kernels (vmlinux/pins.txt, ci/vm/pins.txt,
vmlinux/corpus.txt), guest roots (ci/vm/rootfs-pins.txt), sysroots
(packaging/sysroot-pins.txt). Rows are resolved against the archive (debian.Apt) and
every download is checked against the pinned SHA-256; a version the archive dropped is
named, with the command that refreshes the pin.

Format: '#' comments; rows "suite arch package version sha256 [resolver]"; resolver
  (absent)          the same package, at its current version
  META>GLOB[,GLOB]  the first package matching a GLOB in META's dependency closure
  @NAME             a member of the closure defined by a line "@NAME PKG..." (the
                    pattern ?essential allowed): all its rows are re-resolved together
"""
import os
import re
import shutil
import tempfile

from .debian import Apt, Pin
from .errors import ArchiveError, CommandError, ConfigError
from .proc import cache, sha256, slurp

def read_pins(path):
    """(rows, closures): the Pin rows of a pin file and its "@NAME PKG..." definitions."""
    rows, closures = [], {}
    for n, line in enumerate(slurp(path).splitlines(), 1):
        words = line.split('#', 1)[0].split()
        if not words:
            continue
        if words[0].startswith('@'):
            closures[words[0]] = words[1:]
        elif len(words) in (5, 6) and re.fullmatch(r'[0-9a-f]{64}', words[4]):
            rows.append(Pin(*words[:5], words[5] if len(words) == 6 else None))
        else:
            raise ConfigError(f'{path}:{n}: not a pin row ("suite arch package version sha256 '
                              f'[resolver]"): {line.strip()}')
    return rows, closures


def write_pins(path, rows):
    """Replace the rows of PATH (comments and @ lines kept, in place of the old rows)."""
    head = [l for l in slurp(path).splitlines(True) if not l.split('#', 1)[0].strip() or l.startswith('@')]
    body = [f'{r.suite:<8} {r.arch:<8} {r.package:<36} {r.version:<24} {r.sha256}'
            + (f'  {r.resolver}' if r.resolver else '') + '\n' for r in rows]
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.writelines(head + body)
    os.replace(tmp, path)


def deb_path(pin):
    return cache('debs', f'{pin.package}_{pin.version.replace(":", "%3a")}_{pin.arch}.deb')


def fetch(pins, pinfile='PINFILE'):
    """The verified .deb of every pin (one apt-get download per suite/arch); paths in order."""
    missing = {}
    for pin in pins:
        path = deb_path(pin)
        if not (os.path.exists(path) and sha256(path) == pin.sha256):
            missing.setdefault((pin.suite, pin.arch), []).append(pin)
    for (suite, arch), todo in missing.items():
        _download(Apt(suite, arch), todo, f'refresh the pins with: ci/pins.py refresh {pinfile}')
    return [deb_path(p) for p in pins]


def _download(apt, todo, hint):
    os.makedirs(cache('debs'), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache('debs')) as tmp:
        for attempt in (1, 2):  # a stale index may still list a superseded version
            try:
                apt.apt('apt-get', '-q', 'download', *[apt.spec(p.package, p.version) for p in todo], cwd=tmp)
                break
            except CommandError as e:
                if attempt == 1:
                    apt.update(force=True)
                    continue
                gone = [f'{p.package} {p.version}' for p in todo if not apt.record(p.package, p.version)]
                why = f'{", ".join(gone)} ({apt.suite}/{apt.arch}): no longer in the archive ' \
                    '(superseded at a point release?)' if gone else str(e)
                raise ArchiveError(f'{why}; {hint}') from None
        for pin in todo:
            got = [f for f in os.listdir(tmp) if f.startswith(pin.package + '_')]
            digest = sha256(os.path.join(tmp, got[0])) if got else 'none'
            if digest != pin.sha256:
                raise ArchiveError(f'{pin.package} {pin.version} ({apt.suite}/{apt.arch}): downloaded '
                                   f'SHA-256 {digest}, pinned {pin.sha256}; {hint}')
            shutil.move(os.path.join(tmp, got[0]), deb_path(pin))


def refresh(path, only=()):
    """Re-resolve the rows of a pin file (or those naming a package of ONLY) now; the
    file is rewritten only when every row resolved and downloaded. (old, new) rows."""
    rows, closures = read_pins(path)
    apts, groups = {}, {}
    for r in rows:  # one resolution per closure, meta package, or suite/arch of plain rows
        if only and r.package not in only and (r.resolver or '').split('>')[0] not in only:
            key = ('keep', r)
        elif r.resolver:
            key = (r.suite, r.arch, r.resolver)
        else:
            key = (r.suite, r.arch, None)
        groups.setdefault(key, []).append(r)
    out = []
    for key, members in groups.items():
        if key[0] == 'keep':
            out += members
            continue
        suite, arch, resolver = key
        if (suite, arch) not in apts:
            apts[suite, arch] = Apt(suite, arch)
            apts[suite, arch].update(force=True)
        apt = apts[suite, arch]
        if resolver and resolver.startswith('@'):
            out += apt.closure(closures[resolver], resolver)
        elif resolver:
            out += apt.pins([(apt.resolve(*resolver.split('>')), None)], resolver)
        else:
            out += apt.pins([(r.package, None) for r in members])
    fetch(out, path)
    write_pins(path, out)
    return rows, out


def add(path, suite, arch, spec):
    """Add the rows SPEC names (PACKAGE, META>GLOB[,GLOB] or @NAME) for SUITE/ARCH to the
    pin file PATH, downloaded and verified first. The new rows."""
    rows, closures = read_pins(path)
    apt = Apt(suite, arch)
    if spec.startswith('@'):
        if spec not in closures:
            raise ConfigError(f'{path} defines no closure {spec} (a line "{spec} PKG...")')
        new = apt.closure(closures[spec], spec)
    else:
        name = apt.resolve(*spec.split('>')) if '>' in spec else spec
        new = apt.pins([(name, None)], spec if '>' in spec else None)
    fetch(new, path)
    write_pins(path, rows + [r for r in new if r not in rows])
    return new
