#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Pinned Debian packages (format: tools/hbc/pinfile.py), the one tool for every pin file:
kernels (vmlinux/pins.txt, ci/vm/pins.txt, the CO-RE corpus), guest roots
(ci/vm/rootfs-pins.txt) and sysroots (packaging/sysroot-pins.txt).

  ci/pins.py refresh FILE [PACKAGE...]   re-resolve rows (all, or those naming PACKAGE or
                                         its meta package) to the archive's current ones
  ci/pins.py add FILE SUITE ARCH SPEC    add rows: SPEC is PACKAGE, META>GLOB[,GLOB] or @NAME
  ci/pins.py fetch FILE [PACKAGE [ARCH]] download and verify rows; print their .deb paths
  ci/pins.py mirror                      the archive URI in use
  ci/pins.py cache [SUBDIR]              the cache directory (HBC_CACHE_DIR) of everything fetched
"""
import argparse
import sys

from hbc import debian, pinfile
from hbc.errors import HbcError
from hbc.proc import cache


def refresh(path, only):
    old, new = pinfile.refresh(path, set(only))
    before = {(r.suite, r.arch, r.resolver or r.package): r for r in old}
    for r in new:
        o = before.get((r.suite, r.arch, r.resolver or r.package))
        if not r.resolver or not r.resolver.startswith('@'):
            state = 'current' if o == r else f'was {o.package} {o.version}' if o else 'new'
            print(f'{r.suite}/{r.arch} {r.package} {r.version}: {state}', file=sys.stderr)
    print(f'pins.py: {path}: {sum(r not in old for r in new)} new row(s), '
          f'{sum(r not in new for r in old)} dropped', file=sys.stderr)


def add(path, suite, arch, spec):
    new = pinfile.add(path, suite, arch, spec)
    print(f'pins.py: {path}: added {len(new)} row(s) for {suite}/{arch} {spec}', file=sys.stderr)


def fetch(path, package='', arch=''):
    rows = [r for r in pinfile.read_pins(path)[0] if package in ('', r.package, (r.resolver or '').split('>')[0])
            and arch in ('', r.arch)]
    if not rows:
        what = ' '.join(w for w in (package, arch) if w)
        raise HbcError(f'no pin for {what} in {path}; add one with: ci/pins.py add {path} SUITE ARCH '
                       f'{package or "PACKAGE"}')
    print('\n'.join(pinfile.fetch(rows, path)))


def parse(argv):
    ap = argparse.ArgumentParser(prog='ci/pins.py', description=__doc__.split('\n\n')[0],
                                 epilog=__doc__.split('\n\n', 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    p = sub.add_parser('refresh', help='re-resolve rows to the archive\'s current ones')
    p.add_argument('file')
    p.add_argument('only', nargs='*', metavar='PACKAGE')
    p.set_defaults(run=lambda a: refresh(a.file, a.only))
    p = sub.add_parser('add', help='add rows')
    for name in ('file', 'suite', 'arch', 'spec'):
        p.add_argument(name)
    p.set_defaults(run=lambda a: add(a.file, a.suite, a.arch, a.spec))
    p = sub.add_parser('fetch', help='download and verify rows; print their .deb paths')
    p.add_argument('file')
    p.add_argument('package', nargs='?', default='')
    p.add_argument('arch', nargs='?', default='')
    p.set_defaults(run=lambda a: fetch(a.file, a.package, a.arch))
    sub.add_parser('mirror', help='the archive URI in use').set_defaults(run=lambda a: print(debian.mirror()))
    p = sub.add_parser('cache', help='the cache directory (HBC_CACHE_DIR)')
    p.add_argument('sub', nargs='?')
    p.set_defaults(run=lambda a: print(cache(*([a.sub] if a.sub else []))))
    return ap.parse_args(argv)


def main(argv):
    a = parse(argv)
    try:
        a.run(a)
    except (HbcError, OSError) as e:
        print(f'pins.py: error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
