#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What the static loader of DEBARCH links in (tools/hbc/staticlibs.py), for the packages.

  static-libs.py PINS DEBARCH built-using     the .deb's Static-Built-Using value
  static-libs.py PINS DEBARCH bundled         the .rpm's Provides: lines, bundled(SOURCE) = VERSION
  static-libs.py PINS DEBARCH notices DIR     DIR/SOURCE.copyright for each source linked in
"""
import argparse
import os
import sys

from hbc import staticlibs
from hbc.errors import HbcError


def notices(debs, libs, out):
    os.makedirs(out, exist_ok=True)
    for lib in libs:
        path = os.path.join(out, f'{lib.source}.copyright')
        with open(path + '.tmp', 'w') as f:
            f.write(staticlibs.copyright_text(debs, lib))
        os.replace(path + '.tmp', path)


def main(argv):
    ap = argparse.ArgumentParser(prog='static-libs.py', description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('pins')
    ap.add_argument('debarch')
    ap.add_argument('what', choices=('built-using', 'bundled', 'notices'))
    ap.add_argument('dir', nargs='?')
    a = ap.parse_args(argv)
    if (a.what == 'notices') != bool(a.dir):
        ap.error('notices takes a DIR, the others none')
    try:
        debs = staticlibs.pinned(a.pins, a.debarch)
        libs = staticlibs.linked(debs)
        if a.what == 'built-using':
            print(staticlibs.built_using(libs))
        elif a.what == 'bundled':
            print('\n'.join(f'Provides: bundled({l.source}) = {staticlibs.upstream(l.version)}' for l in libs))
        else:
            notices(debs, libs, a.dir)
    except HbcError as e:
        sys.exit(f'static-libs.py: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
