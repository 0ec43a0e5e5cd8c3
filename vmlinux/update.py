#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Regenerate vmlinux/<NAME>/vmlinux.h.xz and PROVENANCE from the pinned Debian kernel of
each row of arch/arches.txt (kernel-suite, kernel-package), or check them offline.

  vmlinux/update.py [NAME...]            fetch, cut the BTF out of the image, dump it as C
  vmlinux/update.py --verify [NAME...]   the headers match PROVENANCE, PROVENANCE pins.txt

A row's pin is added to vmlinux/pins.txt on first use (ci/pins.py add); move to newer
kernels with ci/pins.py refresh vmlinux/pins.txt, then run this again."""
import hashlib
import lzma
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, '../ci'), os.path.join(HERE, '../arch')]
import arches  # noqa: E402
import kimage  # noqa: E402
from hbc import debian  # noqa: E402

PINS = os.path.join(HERE, 'pins.txt')
GLOBS = 'linux-binary-*,linux-image-[0-9]*'


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def checks(header, target):
    """Each line of checks.txt for this target: the struct (and member) is in the header."""
    n = 0
    for line in open(os.path.join(HERE, 'checks.txt')):
        words = line.split('#', 1)[0].split()
        if len(words) != 3 or words[0] not in ('*', target):
            continue
        body = re.search(r'^struct %s \{\n(.*?)^\};' % re.escape(words[1]), header, re.M | re.S)
        if not body or (words[2] != '-' and not re.search(r'[\s*]%s;$' % re.escape(words[2]), body.group(1), re.M)):
            sys.exit(f'update.py: check failed: struct {words[1]} member {words[2]} not in the header')
        n += 1
    return n


def pin_of(row):
    rows = [p for p in debian.read_pins(PINS)[0] if p.arch == row['debarch']]
    if not rows:
        subprocess.run([os.path.join(HERE, '../ci/pins.py'), 'add', PINS, row['kernel-suite'], row['debarch'],
                        f'{row["kernel-package"]}>{GLOBS}'], check=True)
        rows = [p for p in debian.read_pins(PINS)[0] if p.arch == row['debarch']]
    if rows[0].suite != row['kernel-suite']:
        sys.exit(f'update.py: {PINS} pins {row["debarch"]} from {rows[0].suite}, the table says '
                 f'{row["kernel-suite"]}: delete that row and run again')
    return rows[0]


def generate(row):
    pin = pin_of(row)
    deb = debian.fetch([pin], PINS)[0]
    btf = kimage.btf(deb, pin)
    dump = sh('bpftool', 'btf', 'dump', 'file', btf)
    for struct in ('task_struct', 'pt_regs'):
        if not re.search(rf"^\[\d+\] STRUCT '{struct}'", dump, re.M):
            sys.exit(f'update.py: the BTF of {pin.package} has no struct {struct}')
    header = sh('bpftool', 'btf', 'dump', 'file', btf, 'format', 'c')
    n = checks(header, row['target'])
    # "struct foo;" inside a struct: anonymous tagged members (kernels >= 6.19, built with
    # -fms-extensions); BPF code must then be compiled with clang -fms-extensions too
    tagged = len(re.findall(r'^\t+(?:struct|union) [A-Za-z_]\w*;$', header, re.M))
    xz = subprocess.run(['xz', '-9', '-T1', '-c'], input=header.encode(), capture_output=True, check=True).stdout
    out = os.path.join(HERE, row['name'])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'vmlinux.h.xz'), 'wb') as f:
        f.write(xz)
    raw = open(btf, 'rb').read()
    facts = [('name', row['name']), ('target', row['target']), ('suite', pin.suite), ('arch', pin.arch),
             ('meta-package', row['kernel-package']), ('package', pin.package), ('version', pin.version),
             ('deb-sha256', pin.sha256), ('btf-found-in', open(btf + '.how').read().strip()),
             ('btf-size', len(raw)), ('btf-sha256', hashlib.sha256(raw).hexdigest()),
             ('vmlinux.h-size', len(header.encode())),
             ('vmlinux.h-sha256', hashlib.sha256(header.encode()).hexdigest()),
             ('vmlinux.h.xz-size', len(xz)), ('anonymous-tagged-members', tagged),
             ('tools', ' '.join(sh('bpftool', 'version').split('\n')[:2]).strip()
              + f'; {sh("xz", "--version").splitlines()[0]} (xz -9 -T1)'),
             ('command', f'vmlinux/update.py {row["name"]}')]
    with open(os.path.join(out, 'PROVENANCE'), 'w') as f:
        f.write('# written by vmlinux/update.py; do not edit\n' + ''.join(f'{k}: {v}\n' for k, v in facts))
    print(f'update.py: {row["name"]}: {pin.package} {pin.version}, {n} checks, vmlinux.h {len(xz)} bytes xz'
          + (f', {tagged} anonymous tagged members (compile with -fms-extensions)' if tagged else ''))


def verify(row):
    out = os.path.join(HERE, row['name'])
    try:
        prov = dict(l.split(': ', 1) for l in open(os.path.join(out, 'PROVENANCE')).read().splitlines()
                    if ': ' in l and not l.startswith('#'))
        header = lzma.decompress(open(os.path.join(out, 'vmlinux.h.xz'), 'rb').read())
    except OSError as e:
        sys.exit(f'update.py: {row["name"]}: {e}; run vmlinux/update.py {row["name"]}')
    if hashlib.sha256(header).hexdigest() != prov['vmlinux.h-sha256']:
        sys.exit(f'update.py: {row["name"]}: vmlinux.h does not match its PROVENANCE')
    if not any((p.arch, p.package, p.version) == (prov['arch'], prov['package'], prov['version'])
               for p in debian.read_pins(PINS)[0]):
        sys.exit(f'update.py: {row["name"]}: made from {prov["package"]} {prov["version"]}, which '
                 f'{PINS} does not pin; run vmlinux/update.py {row["name"]}')
    print(f'update.py: {row["name"]}: ok ({prov["package"]} {prov["version"]})')


def main(argv):
    check = argv[:1] == ['--verify']
    names = argv[1:] if check else argv
    if any(a.startswith('-') for a in names):
        sys.exit(__doc__)
    table = arches.rows()
    for name in names:
        arches.find(name, table)
    for row in table:
        if not names or row['name'] in names:
            try:
                (verify if check else generate)(row)
            except (debian.ArchiveError, subprocess.CalledProcessError) as e:
                sys.exit(f'update.py: {row["name"]}: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
