#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The minimal BTFs the loader carries for kernels built without BTF: for each row of
arch/arches.txt whose btf column is "embedded", one file per kernel of vmlinux/corpus.txt
of that architecture, made by bpftool gen min_core_btf from the kernel's full BTF (pahole
-J of its -dbg package's DWARF, vmlinux/kimage.py) and the architecture's BPF object.

  vmlinux/min-btf.py [--object FILE] [NAME...]   regenerate vmlinux/<NAME>/min-btf/
  vmlinux/min-btf.py --verify [NAME...]          offline: files match index.txt, and
                                                 index.txt the corpus

The object defaults to build/bpf/hello_<NAME>.bpf.o (ci/build.sh makes it). The -dbg
packages are large (0.6-0.7 GB each) and cached; nothing else needs them. After
ci/pins.py refresh vmlinux/corpus.txt, run this again and commit vmlinux/<NAME>/min-btf/."""
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(TOP, 'ci'), os.path.join(TOP, 'arch')]
import arches  # noqa: E402
import btfindex  # noqa: E402
import kimage  # noqa: E402
from hbc import debian  # noqa: E402

CORPUS = os.path.join(HERE, 'corpus.txt')


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def corpus(row):
    pins = [p for p in debian.read_pins(CORPUS)[0] if p.arch == row['debarch']]
    releases = [kimage.release_of(p) for p in pins]
    twice = {r for r in releases if releases.count(r) > 1}
    if twice:  # the loader picks by uname -r alone
        sys.exit(f'min-btf.py: {CORPUS} has release(s) {", ".join(sorted(twice))} more than once')
    return pins


def generate(row, obj):
    out = os.path.join(HERE, row['name'], 'min-btf')
    os.makedirs(out, exist_ok=True)
    lines, how, total = [], [], 0
    for pin in corpus(row):
        full = kimage.btf(debian.fetch([pin], CORPUS)[0], pin)
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
        print(f'min-btf.py: {row["name"]}: {release} ({pin.suite}): {len(blob)} bytes', file=sys.stderr)
    keep = {l.split()[0] + '.btf' for l in lines}
    for name in os.listdir(out):
        if name.endswith('.btf') and name not in keep:
            os.unlink(os.path.join(out, name))
    objsum = hashlib.sha256(open(obj, 'rb').read()).hexdigest()
    tools = ' '.join(sh('bpftool', 'version').split('\n')[:2]).strip()
    with open(os.path.join(out, 'index.txt'), 'w') as f:
        f.write(f'# written by vmlinux/min-btf.py {row["name"]}; do not edit. For {os.path.basename(obj)} '
                f'sha256 {objsum}\n# with {tools}; the full BTFs:\n' + '\n'.join(how) +
                '\n# release  suite  package  version  deb-sha256  btf-sha256  bytes\n' + '\n'.join(lines) + '\n')
    print(f'min-btf.py: {row["name"]}: {len(lines)} kernels, {total} bytes', file=sys.stderr)


def verify(row):
    out = os.path.join(HERE, row['name'], 'min-btf')
    try:
        rows = btfindex.read(out)
    except btfindex.Stale as e:
        sys.exit(f'min-btf.py: {e}; run vmlinux/min-btf.py {row["name"]}')
    pins = {p.sha256: p for p in corpus(row)}
    for r in rows:
        if r.deb_sha256 not in pins:
            sys.exit(f'min-btf.py: {r.release} ({r.package} {r.version}) is not in {CORPUS}; '
                     f'run vmlinux/min-btf.py {row["name"]}')
    missing = set(pins) - {r.deb_sha256 for r in rows}
    if missing:
        sys.exit(f'min-btf.py: {len(missing)} kernel(s) of {CORPUS} have no min BTF '
                 f'({", ".join(pins[s].package for s in sorted(missing))}); run vmlinux/min-btf.py {row["name"]}')
    print(f'min-btf.py: {row["name"]}: ok ({len(rows)} kernels)')


def main(argv):
    check = argv[:1] == ['--verify']
    argv = argv[1:] if check else argv
    obj = None
    if argv[:1] == ['--object'] and len(argv) > 1:
        obj, argv = argv[1], argv[2:]
    if any(a.startswith('-') for a in argv):
        sys.exit(__doc__)
    rows = [r for r in arches.rows() if r['btf'] == 'embedded' and (not argv or r['name'] in argv)]
    for row in rows:
        path = obj or os.path.join(TOP, 'build', 'bpf', f'hello_{row["name"]}.bpf.o')
        if not check and not os.path.exists(path):
            sys.exit(f'min-btf.py: no {path}: run ci/build.sh first, or give --object FILE')
        try:
            verify(row) if check else generate(row, path)
        except (debian.ArchiveError, subprocess.CalledProcessError, OSError) as e:
            sys.exit(f'min-btf.py: {row["name"]}: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
