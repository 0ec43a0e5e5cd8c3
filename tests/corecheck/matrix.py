#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Every architecture's object against the BTF of Debian kernels, offline: the loader's
own check (--check-btf --json), no kernel booted.

  tests/corecheck/matrix.py [--all] [--loader PATH] [--out DIR]

Kernels: those of the VM matrix (ci/vm/pins.txt) and every row of vmlinux/corpus.txt
whose BTF is in the cache; --all: every row of the corpus (downloads what is missing).
Expected: a same-architecture pair resolves every relocation; a wrong-architecture pair
fails, naming the object's own register access (x86 pt_regs.di against arm64 BTF, ...);
a BTF without riscv's pt_regs.orig_a0 fails naming it. The table goes to stdout and to
OUT/table.md (default build/corecheck); exit 0 only if every expectation held."""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from hbc import arches, btfindex, kimage, minbtf, pinfile  # PYTHONPATH=tools (tests/meson.build)
from hbc.errors import HbcError
from hbc.proc import cache

# What each object reads to find execve's first argument: a wrong-architecture BTF lacks it.
# the register access each object's ksyscall relocates (arch/arches.txt, core-arg)
REGISTER = {r['name']: f'struct {r["core-arg"]}' for r in arches.rows()}


def kernels(everything):
    """(label, debarch, pin) of the kernels to check, BTF extracted where needed. Kernels
    without BTF of their own (vmlinux/*/min-btf/index.txt: Debian's armhf ones, bookworm's
    ppc64el and s390x ones) only with --all or when cached: their BTF comes from a -dbg
    package of 0.6-0.7 GB (ci/vmlinux.py min-btf)."""
    index = btfindex.by_package(minbtf.directory(r) for r in arches.rows())
    vm = [p for p in pinfile.read_pins(os.path.join(TOP, 'ci/vm/pins.txt'))[0]
          if p.sha256 not in index or index[p.sha256].btf == 'kernel']
    corpus = pinfile.read_pins(os.path.join(TOP, 'vmlinux/corpus.txt'))[0]
    rows = {p.sha256: p for p in vm}
    for p in corpus:
        if everything or os.path.exists(cache('btf', f'{p.sha256}.btf')):
            rows.setdefault(p.sha256, p)
    missing = [p for p in rows.values() if not os.path.exists(cache('btf', f'{p.sha256}.btf'))]
    for pin, deb in zip(missing, pinfile.fetch(missing, 'vmlinux/corpus.txt')):
        kimage.btf(deb, pin)
    label = lambda p: f'{p.suite} ' + re.sub(r'^linux-(image|binary)-', '', p.package)
    return sorted(((label(p), p.arch, cache('btf', f'{p.sha256}.btf')) for p in rows.values()),
                  key=lambda k: (k[1], k[0]))


def check(loader, btf, obj):
    p = subprocess.run([loader, '--check-btf', btf, '--arch', obj, '--json'], capture_output=True, text=True)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = {}
    bad = [u['spec'] for prog in report.get('programs', []) for u in prog['unresolved']]
    return p.returncode, report, bad, p.stderr.strip()


def embedded(loader):
    """Every minimal BTF the loader embeds must still serve the object (else it is stale:
    the BPF program changed), and cover the corpus: (report lines, failures, checks)."""
    lines, fails, n = [], [], 0
    for row in arches.rows():
        try:  # a file that does not match index.txt: min-btf --verify below says which
            entries = btfindex.embedded(minbtf.directory(row))
        except (btfindex.Stale, OSError):
            entries = []
        n += len(entries) + 1
        before = len(fails)
        for e in entries:
            rc, _, bad, err = check(loader, e.path, row['name'])
            if rc != 0:
                fails.append(f'{row["name"]} × embedded BTF for {e.release}: exit {rc}, unresolved '
                             f'{", ".join(bad) or err}: stale; regenerate with ci/vmlinux.py min-btf {row["name"]}')
        served = len(entries) - (len(fails) - before)
        verify = subprocess.run([sys.executable, os.path.join(TOP, 'ci/vmlinux.py'), 'min-btf', '--verify', row['name']],
                                capture_output=True, text=True)
        if verify.returncode:
            fails.append(verify.stderr.strip())
        lines.append(f'embedded BTF of {row["name"]}: {len(entries)} kernel release(s), '
                     f'{served} serve the object; {verify.stdout.strip() or verify.stderr.strip()}')
    return lines, fails, n


def synthetic_btf(tmp, rows, bpf_dir):
    """An ELF with .BTF of the types the riscv object relocates against, as a riscv kernel
    of ROWS has them (bpftool gen min_core_btf, dumped as C), but pt_regs without orig_a0."""
    full = next(btf for _, debarch, btf in rows if debarch == 'riscv64')
    tool = minbtf.bpftool()
    with open(f'{tmp}/min.btf', 'wb') as f:
        f.write(minbtf.minimal(tool, full, os.path.join(bpf_dir, 'hello_riscv.bpf.o')))
    header = subprocess.run([tool, 'btf', 'dump', 'file', f'{tmp}/min.btf', 'format', 'c'],
                            capture_output=True, text=True, check=True).stdout
    header = re.sub(r'^\t.* orig_a0;\n', '', header, flags=re.M)
    names = re.findall(r'^struct (\w+) \{$', header, re.M)
    with open(f'{tmp}/btf.c', 'w') as f:
        f.write(header + ''.join(f'struct {n} v_{n};\n' for n in names))
    subprocess.run(['clang', '-target', 'bpf', '-g', '-c', f'{tmp}/btf.c', '-o', f'{tmp}/no-orig_a0.o'], check=True)
    return f'{tmp}/no-orig_a0.o'


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--all', action='store_true', help='every kernel of vmlinux/corpus.txt')
    ap.add_argument('--loader', default=os.path.join(
        TOP, 'build', 'arch-' + arches.find(os.uname().machine)['name'], 'loader', 'hello-buffer-config'))
    ap.add_argument('--out', default=os.path.join(TOP, 'build/corecheck'))
    ap.add_argument('--bpf-dir', default=os.path.join(TOP, 'build/bpf'), help='the build\'s BPF objects')
    a = ap.parse_args(argv)
    objects = [(r['name'], r['debarch']) for r in arches.rows()]
    t0 = time.time()
    try:
        rows = kernels(a.all)
    except HbcError as e:
        sys.exit(f'matrix.py: {e}')
    t1 = time.time()
    fails, table = [], []
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = {(k, o): pool.submit(check, a.loader, k[2], o) for k in rows for o, _ in objects}
    for k in rows:
        cells = []
        for obj, debarch in objects:
            rc, report, bad, err = results[k, obj].result()
            same = debarch == k[1]
            if rc not in (0, 1):  # 2 bad input, 3 could not check: an error, never "unresolved"
                fails.append(f'{obj} × {k[0]}: exit {rc} ({"could not check" if rc == 3 else "bad input"}): {err}')
            elif same and rc != 0:
                fails.append(f'{obj} × {k[0]}: same architecture, unresolved: {", ".join(bad)}')
            elif not same and (rc != 1 or (obj in REGISTER and REGISTER[obj] not in bad)):
                fails.append(f'{obj} × {k[0]}: wrong architecture, but not flagged ({", ".join(bad) or "all resolved"})')
            cells.append('ok' if rc == 0 else f'{len(bad)} unresolved' if rc == 1 else f'error {rc}')
        table.append(f'| {k[0]} | {k[1]} | ' + ' | '.join(cells) + ' |')
    emb_lines, emb_fails, emb_n = embedded(a.loader)
    fails += emb_fails
    with tempfile.TemporaryDirectory() as tmp:
        rc, _, bad, err = check(a.loader, synthetic_btf(tmp, rows, a.bpf_dir), 'riscv')
        if rc != 1 or sorted(set(bad)) != ['struct pt_regs.orig_a0']:  # one per program that reads it
            fails.append(f'riscv × BTF without pt_regs.orig_a0: exit {rc}, unresolved {bad} {err}')
    text = '\n'.join([f'CO-RE check: {len(objects)} objects × {len(rows)} kernels, offline '
                      f'({a.loader}); BTF ready in {t1 - t0:.1f} s, checks {time.time() - t1:.1f} s', '',
                      '| kernel | arch | ' + ' | '.join(o for o, _ in objects) + ' |',
                      '|---|---|' + '---|' * len(objects)] + table + [
                      '', f'synthetic BTF without riscv pt_regs.orig_a0: riscv object -> exit {rc}, '
                      f'unresolved {", ".join(bad)}'] + emb_lines + [''] + [f'FAIL {f}' for f in fails] +
                     [f'corecheck: {len(objects) * len(rows) + 1 + emb_n - len(fails)} checks as expected, {len(fails)} not'])
    print(text)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'table.md'), 'w') as f:
        f.write(text + '\n')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
