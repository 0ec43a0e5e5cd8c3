#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What vmlinux/ holds, made from Debian's kernels (vmlinux/README.md):

  ci/vmlinux.py update [NAME...]            fetch the pinned kernel of each row (all by
                                            default), cut its BTF out, write vmlinux.h.xz
                                            and PROVENANCE
  ci/vmlinux.py update --verify [NAME...]   offline: headers match PROVENANCE, PROVENANCE
                                            vmlinux/pins.txt
  ci/vmlinux.py min-btf [--object FILE] [NAME...]
                                            for every corpus kernel of each row (all by
                                            default): its own BTF, or else the minimal BTF
                                            the loader embeds for it
  ci/vmlinux.py min-btf --verify [NAME...]  offline: files match index.txt, index.txt the
                                            corpus

min-btf's object defaults to build/bpf/hello_<NAME>.bpf.o (ci/build.sh makes it); it is
needed only for an architecture with a kernel without BTF."""
import argparse
import os
import sys

from hbc import TOP, arches, minbtf, vmlinux
from hbc.errors import HbcError


def parse(argv):
    ap = argparse.ArgumentParser(prog='ci/vmlinux.py', description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    up = sub.add_parser('update', help='vmlinux/<NAME>/vmlinux.h.xz and PROVENANCE')
    up.add_argument('--verify', action='store_true', help='check offline instead')
    up.add_argument('names', nargs='*', metavar='NAME')
    mb = sub.add_parser('min-btf', help='vmlinux/<NAME>/min-btf/ for kernels without BTF')
    mb.add_argument('--verify', action='store_true', help='check offline instead')
    mb.add_argument('--object', help='the BPF object (default build/bpf/hello_<NAME>.bpf.o)')
    mb.add_argument('names', nargs='*', metavar='NAME')
    a = ap.parse_args(argv)
    if a.command == 'min-btf' and a.verify and a.object:
        ap.error('--object goes without --verify')
    return a


def selected(names):
    table = arches.rows()
    for name in names:
        arches.find(name, table)  # an unknown name is an error, not an empty run
    return [r for r in table if not names or r['name'] in names]


def main(argv):
    a = parse(argv)
    try:
        for row in selected(a.names):
            if a.command == 'update':
                (vmlinux.verify if a.verify else vmlinux.generate)(row)
            elif a.verify:
                minbtf.verify(row)
            else:
                obj = a.object or os.path.join(TOP, 'build', 'bpf', f'hello_{row["name"]}.bpf.o')
                minbtf.generate(row, obj if os.path.exists(obj) else None)
    except (HbcError, arches.TableError, OSError) as e:
        print(f'vmlinux.py: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
