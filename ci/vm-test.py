#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Boot Debian kernels of every architecture under QEMU, install the package in each
guest with its own dpkg, trace execs there, and print the matrix (ci/vm/README.md).

  ci/vm-test.py [--arch A]... [--kernel PKG[=VERSION]]... [--suite S] [--package-dir DIR]
                [--jobs N] [--list | --list-json] [--keep] [--log-dir DIR]

Environment: HBC_VM_ACCEL=auto|kvm|tcg, HBC_VM_BOOT_TIMEOUT, HBC_VM_TEST_TIMEOUT,
HBC_CACHE_DIR. The last line is "vm: N passed, N failed"; exit 0 only if all passed."""
import argparse
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hbc import debian, vm  # noqa: E402


def parse(argv):
    ap = argparse.ArgumentParser(prog='ci/vm-test.py', description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', action='append', default=[], help='name, debarch or uname -m of a row of arch/arches.txt')
    ap.add_argument('--kernel', action='append', default=[], metavar='PKG[=VERSION]',
                    help='boot this kernel package (image or meta package) instead of ci/vm/pins.txt')
    ap.add_argument('--suite', help='the suite to find --kernel packages in (default: kernel-search-suites)')
    ap.add_argument('--package-dir', default=os.path.join(vm.TOP, 'build/packages'))
    ap.add_argument('--jobs', '-j', type=int, default=min(2, os.cpu_count() or 1), help='VMs at once')
    ap.add_argument('--list', action='store_const', const='text', dest='list')
    ap.add_argument('--list-json', action='store_const', const='json', dest='list')
    ap.add_argument('--keep', action='store_true', help='keep each VM work directory')
    ap.add_argument('--log-dir', default=os.path.join(vm.TOP, 'build/vm-logs'))
    a = ap.parse_args(argv)
    if a.jobs < 1:
        ap.error('--jobs wants a positive number')
    return a


def entries(a):
    table = vm.arches.rows()
    wanted = {vm.arches.find(k, table)['name'] for k in a.arch}
    if a.kernel:
        return [vm.kernel_entry(table, wanted, k, a.suite) for k in a.kernel]
    return vm.default_matrix(table, wanted)


def listing(matrix, kind):
    if kind == 'json':
        print(json.dumps([{'id': e.id, 'arch': e.row['name'], 'debarch': e.row['debarch'], 'suite': e.suite,
                           'kernel': f'{e.pin.package}={e.pin.version}'} for e in matrix if e.pin]))
        return
    fmt = '{:<8} {:<8} {:<9} {:<34} {:<24} {}'
    print(fmt.format('ARCH', 'DEBARCH', 'SUITE', 'KERNEL', 'VERSION', 'QEMU'))
    for e in matrix:
        r = e.row
        print(fmt.format(r['name'], r['debarch'], e.suite, e.label, e.pin.version if e.pin else '-',
                         f'{r["qemu"]} -M {r["qmachine"]} -cpu {r["qcpu"]} console={r["console"]}'))


def main(argv):
    a = parse(argv)
    t0 = time.time()
    try:
        matrix = entries(a)
        if a.list:
            return listing(matrix, a.list)
        vm.ensure_tools()
        os.makedirs(a.log_dir, exist_ok=True)
        runner = vm.Runner(a.package_dir, a.log_dir, a.jobs, a.keep)
    except (debian.ArchiveError, vm.arches.TableError, OSError) as e:
        print(f'vm-test.py: error: {e}\nvm: 0 passed, 1 failed', file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, runner.stop)
    vm.say(f'{len(matrix)} VM(s), {a.jobs} at a time, {runner.smp} cpu(s) each; logs in {a.log_dir}/')
    try:
        results = runner.run(matrix)
    finally:
        runner.close()
    text = vm.table(results, time.time() - t0)
    print(text, end='')
    open(os.path.join(a.log_dir, 'matrix.txt'), 'w').write(text)
    return 0 if all(r.result == 'PASS' for r in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
