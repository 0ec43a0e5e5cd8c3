# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""vmlinux/<NAME>/vmlinux.h.xz and PROVENANCE from the pinned Debian kernel of each row
of arch/arches.txt (kernel-suite, kernel-package), or their offline check
(ci/vmlinux.py update [--verify]). A row's pin is added to vmlinux/pins.txt on first use;
move to newer kernels with ci/pins.py refresh vmlinux/pins.txt, then update again."""
import hashlib
import lzma
import os
import re
import subprocess

from . import TOP, kimage, pinfile
from .errors import ArchiveError, ConfigError
from .proc import run

HERE = os.path.join(TOP, 'vmlinux')
PINS = os.path.join(HERE, 'pins.txt')
GLOBS = 'linux-binary-*,linux-image-[0-9]*'


def sh(*cmd):
    return run(list(cmd))


def checks(header, target):
    """Each line of checks.txt for this target: the struct (and member) is in the header."""
    n = 0
    for line in open(os.path.join(HERE, 'checks.txt')):
        words = line.split('#', 1)[0].split()
        if len(words) != 3 or words[0] not in ('*', target):
            continue
        body = re.search(r'^struct %s \{\n(.*?)^\};' % re.escape(words[1]), header, re.M | re.S)
        if not body or (words[2] != '-' and not re.search(r'[\s*]%s;$' % re.escape(words[2]), body.group(1), re.M)):
            raise ConfigError(f'{os.path.join(HERE, "checks.txt")}: struct {words[1]} member {words[2]} '
                              f'is not in the header made for {target}')
        n += 1
    return n


def pin_of(row):
    rows = [p for p in pinfile.read_pins(PINS)[0] if p.arch == row['debarch']]
    if not rows:
        rows = pinfile.add(PINS, row['kernel-suite'], row['debarch'], f'{row["kernel-package"]}>{GLOBS}')
    if rows[0].suite != row['kernel-suite']:
        raise ConfigError(f'{PINS} pins {row["debarch"]} from {rows[0].suite}, the table says '
                          f'{row["kernel-suite"]}: delete that row and run again')
    return rows[0]


def generate(row):
    pin = pin_of(row)
    deb = pinfile.fetch([pin], PINS)[0]
    btf = kimage.btf(deb, pin)
    dump = sh('bpftool', 'btf', 'dump', 'file', btf)
    for struct in ('task_struct', 'pt_regs'):
        if not re.search(rf"^\[\d+\] STRUCT '{struct}'", dump, re.M):
            raise ArchiveError(f'the BTF of {pin.package} {pin.version} has no struct {struct}')
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
             ('command', f'ci/vmlinux.py update {row["name"]}')]
    with open(os.path.join(out, 'PROVENANCE'), 'w') as f:
        f.write('# written by ci/vmlinux.py update; do not edit\n' + ''.join(f'{k}: {v}\n' for k, v in facts))
    print(f'vmlinux.py: {row["name"]}: {pin.package} {pin.version}, {n} checks, vmlinux.h {len(xz)} bytes xz'
          + (f', {tagged} anonymous tagged members (compile with -fms-extensions)' if tagged else ''))


def verify(row):
    out = os.path.join(HERE, row['name'])
    try:
        prov = dict(l.split(': ', 1) for l in open(os.path.join(out, 'PROVENANCE')).read().splitlines()
                    if ': ' in l and not l.startswith('#'))
        header = lzma.decompress(open(os.path.join(out, 'vmlinux.h.xz'), 'rb').read())
    except OSError as e:
        raise ConfigError(f'{e}; run ci/vmlinux.py update {row["name"]}') from None
    if hashlib.sha256(header).hexdigest() != prov['vmlinux.h-sha256']:
        raise ConfigError(f'{out}/vmlinux.h.xz does not match its PROVENANCE; run ci/vmlinux.py update {row["name"]}')
    if not any((p.arch, p.package, p.version) == (prov['arch'], prov['package'], prov['version'])
               for p in pinfile.read_pins(PINS)[0]):
        raise ConfigError(f'{out}: made from {prov["package"]} {prov["version"]}, which '
                          f'{PINS} does not pin; run ci/vmlinux.py update {row["name"]}')
    print(f'vmlinux.py: {row["name"]}: ok ({prov["package"]} {prov["version"]})')
