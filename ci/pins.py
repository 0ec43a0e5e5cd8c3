#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Pinned Debian packages (format: ci/hbc/debian.py), the one tool for every pin file:
kernels (vmlinux/pins.txt, ci/vm/pins.txt, the CO-RE corpus), guest roots
(ci/vm/rootfs-pins.txt) and sysroots (packaging/sysroot-pins.txt).

  ci/pins.py refresh FILE [PACKAGE...]   re-resolve rows (all, or those naming PACKAGE or
                                         its meta package) to the archive's current ones
  ci/pins.py add FILE SUITE ARCH SPEC    add rows: SPEC is PACKAGE, META>GLOB[,GLOB] or @NAME
  ci/pins.py fetch FILE [PACKAGE [ARCH]] download and verify rows; print their .deb paths
  ci/pins.py mirror                      the archive URI in use
  ci/pins.py cache [SUBDIR]              the cache directory (HBC_CACHE_DIR) of everything fetched
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hbc import debian  # noqa: E402


def refresh(path, *only):
    old, new = debian.refresh(path, set(only))
    before = {(r.suite, r.arch, r.resolver or r.package): r for r in old}
    for r in new:
        o = before.get((r.suite, r.arch, r.resolver or r.package))
        if not r.resolver or not r.resolver.startswith('@'):
            state = 'current' if o == r else f'was {o.package} {o.version}' if o else 'new'
            print(f'{r.suite}/{r.arch} {r.package} {r.version}: {state}', file=sys.stderr)
    print(f'pins.py: {path}: {sum(r not in old for r in new)} new row(s), '
          f'{sum(r not in new for r in old)} dropped', file=sys.stderr)


def add(path, suite, arch, spec):
    rows, closures = debian.read_pins(path)
    apt = debian.Apt(suite, arch)
    if spec.startswith('@'):
        new = apt.closure(closures[spec], spec)
    else:
        name = apt.resolve(*spec.split('>')) if '>' in spec else spec
        new = apt.pins([(name, None)], spec if '>' in spec else None)
    debian.fetch(new, path)
    debian.write_pins(path, rows + [r for r in new if r not in rows])
    print(f'pins.py: {path}: added {len(new)} row(s) for {suite}/{arch} {spec}', file=sys.stderr)


def fetch(path, package='', arch=''):
    rows = [r for r in debian.read_pins(path)[0] if package in ('', r.package, (r.resolver or '').split('>')[0])
            and arch in ('', r.arch)]
    if not rows:
        raise debian.ArchiveError(f'no pin for {package} {arch or ""} in {path}')
    print('\n'.join(debian.fetch(rows, path)))


def main(argv):
    cmds = {'refresh': (refresh, 1, 99), 'add': (add, 4, 4), 'fetch': (fetch, 1, 3),
            'mirror': (lambda: print(debian.mirror()), 0, 0),
            'cache': (lambda *sub: print(debian.cache(*sub)), 0, 1)}
    if not argv or argv[0] not in cmds or not cmds[argv[0]][1] <= len(argv) - 1 <= cmds[argv[0]][2]:
        sys.exit(__doc__.split('\n\n', 1)[1].rstrip())
    try:
        cmds[argv[0]][0](*argv[1:])
    except (debian.ArchiveError, OSError) as e:
        sys.exit(f'pins.py: error: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
