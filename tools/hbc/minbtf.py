# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The minimal BTFs the loader carries for kernels built without BTF: for each row of
arch/arches.txt whose btf column is "embedded", one file per kernel of vmlinux/corpus.txt
of that architecture, made by bpftool gen min_core_btf from the kernel's full BTF (pahole
-J of its -dbg package's DWARF, hbc.kimage) and the architecture's BPF object
(ci/vmlinux.py min-btf [--verify]). The -dbg packages are large (0.6-0.7 GB each) and
cached; nothing else needs them."""
import hashlib
import os
import sys
import tempfile

from . import TOP, btfindex, kimage, pinfile
from .errors import ConfigError
from .proc import run

HERE = os.path.join(TOP, 'vmlinux')
CORPUS = os.path.join(HERE, 'corpus.txt')


def sh(*cmd):
    return run(list(cmd))


def corpus(row):
    pins = [p for p in pinfile.read_pins(CORPUS)[0] if p.arch == row['debarch']]
    releases = [kimage.release_of(p) for p in pins]
    twice = {r for r in releases if releases.count(r) > 1}
    if twice:  # the loader picks by uname -r alone
        raise ConfigError(f'{CORPUS} has release(s) {", ".join(sorted(twice))} more than once: '
                          'the loader picks a BTF by uname -r alone')
    return pins


def generate(row, obj):
    out = os.path.join(HERE, row['name'], 'min-btf')
    os.makedirs(out, exist_ok=True)
    lines, how, total = [], [], 0
    for pin in corpus(row):
        full = kimage.btf(pinfile.fetch([pin], CORPUS)[0], pin)
        release = kimage.release_of(pin)
        dest = os.path.join(out, f'{release}.btf')
        with tempfile.TemporaryDirectory() as tmp:
            sh('bpftool', 'gen', 'min_core_btf', full, os.path.join(tmp, 'btf'), obj)
            blob = open(os.path.join(tmp, 'btf'), 'rb').read()
        with open(dest, 'wb') as f:
            f.write(blob)
        total += len(blob)
        lines.append(f'{release:<28} {pin.suite:<18} {pin.package:<40} {pin.version:<20} {pin.sha256} '
                     f'{hashlib.sha256(blob).hexdigest()} {len(blob)}')
        how.append(f'#   {release}: {open(full + ".how").read().strip()}')
        print(f'vmlinux.py: {row["name"]}: {release} ({pin.suite}): {len(blob)} bytes', file=sys.stderr)
    keep = {l.split()[0] + '.btf' for l in lines}
    for name in os.listdir(out):
        if name.endswith('.btf') and name not in keep:
            os.unlink(os.path.join(out, name))
    objsum = hashlib.sha256(open(obj, 'rb').read()).hexdigest()
    tools = ' '.join(sh('bpftool', 'version').split('\n')[:2]).strip()
    with open(os.path.join(out, 'index.txt'), 'w') as f:
        f.write(f'# written by ci/vmlinux.py min-btf {row["name"]}; do not edit. For {os.path.basename(obj)} '
                f'sha256 {objsum}\n# with {tools}; the full BTFs:\n' + '\n'.join(how) +
                '\n# release  suite  package  version  deb-sha256  btf-sha256  bytes\n' + '\n'.join(lines) + '\n')
    print(f'vmlinux.py: {row["name"]}: {len(lines)} kernels, {total} bytes', file=sys.stderr)


def verify(row):
    out = os.path.join(HERE, row['name'], 'min-btf')
    try:
        rows = btfindex.read(out)
    except btfindex.Stale as e:
        raise ConfigError(f'{e}; run ci/vmlinux.py min-btf {row["name"]}') from None
    pins = {p.sha256: p for p in corpus(row)}
    for r in rows:
        if r.deb_sha256 not in pins:
            raise ConfigError(f'{r.release} ({r.package} {r.version}) is not in {CORPUS}; '
                              f'run ci/vmlinux.py min-btf {row["name"]}')
    missing = set(pins) - {r.deb_sha256 for r in rows}
    if missing:
        raise ConfigError(f'{len(missing)} kernel(s) of {CORPUS} have no min BTF '
                 f'({", ".join(pins[s].package for s in sorted(missing))}); run ci/vmlinux.py min-btf {row["name"]}')
    print(f'vmlinux.py: {row["name"]}: ok ({len(rows)} kernels)')
