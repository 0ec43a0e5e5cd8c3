#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Boot Debian kernels of every architecture under QEMU, install the package in each
guest with its own dpkg, trace execs there, and print the matrix (ci/vm/README.md).

  ci/vm-test.py [--arch A]... [--id ID]... [--kernel PKG[=VERSION]]...
                [--kernel-file IMAGE [--modules DIR] [--btf FILE]]
                [--suite S] [--package-dir DIR]
                [--all] [--shard I/N | --shards-json N] [--jobs N] [--list | --list-json] [--keep]
                [--log-dir DIR]

Environment: HBC_VM_ACCEL=auto|kvm|tcg, HBC_VM_BOOT_TIMEOUT, HBC_VM_TEST_TIMEOUT,
HBC_CACHE_DIR. The last line is "vm: N passed, N failed"; exit 0 only if all passed,
1 if one failed, 2 for a bad command line or input; SIGTERM kills the VMs under way,
stops the root builds and downloads, starts nothing more: exit 143 (^C: 130)."""
import argparse
import os
import signal
import sys
import time

from hbc import TOP, arches, kfile
from hbc.errors import HbcError, UsageError
from hbc.vm import matrix as vm_matrix
from hbc.vm import roots
from hbc.vm.config import say
from hbc.vm.runner import Runner, ensure_tools, table


def parse(argv):
    ap = argparse.ArgumentParser(prog='ci/vm-test.py', description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', action='append', default=[], help='name, debarch or uname -m of a row of arch/arches.txt')
    ap.add_argument('--id', action='append', default=[], metavar='ID',
                    help='only this entry of the default matrix (an id of --list-json: one hosted-CI row)')
    ap.add_argument('--kernel', action='append', default=[], metavar='PKG[=VERSION]',
                    help='boot this kernel package (image or meta package) instead of ci/vm/pins.txt')
    ap.add_argument('--kernel-file', metavar='IMAGE',
                    help='boot this kernel image file (a vmlinuz, Image, bzImage, zImage or ELF vmlinux with '
                         'BTF; its architecture read from it, or --arch) with the guest root of --suite')
    ap.add_argument('--modules', metavar='DIR',
                    help='with --kernel-file: its modules (a /lib/modules/<release> tree, or the directory above '
                         'it), for a kernel whose console or virtio drivers are modules')
    ap.add_argument('--btf', metavar='FILE',
                    help='with --kernel-file: the BTF of an image without its own; the guest gets it at '
                         '/boot/vmlinux-<release>, where the loader looks')
    ap.add_argument('--suite', help='the suite to find --kernel packages in (default: kernel-search-suites); '
                                    'with --kernel-file, its guest root\'s (default: the newest pinned)')
    ap.add_argument('--all', action='store_true',
                    help='every kernel of vmlinux/corpus.txt (of the --arch rows) instead of ci/vm/pins.txt')
    ap.add_argument('--shard', metavar='I/N',
                    help='only the I-th of N disjoint shards of the entries (every N-th in id order)')
    ap.add_argument('--package-dir', default=os.path.join(TOP, 'build/packages'))
    ap.add_argument('--shards-json', type=int, metavar='N',
                    help='print the hosted CI\'s matrix of N shards of the entries (JSON) and exit')
    ap.add_argument('--jobs', '-j', type=int, default=min(2, os.cpu_count() or 1), help='VMs at once')
    ap.add_argument('--list', action='store_const', const='text', dest='list')
    ap.add_argument('--list-json', action='store_const', const='json', dest='list')
    ap.add_argument('--shell', nargs='?', const='after', choices=['after', 'instead'],
                    help='a root shell on the guest\'s console, on this terminal, after the stages (or instead '
                         'of them); exiting it powers the guest off. One VM only')
    ap.add_argument('--keep', action='store_true', help='keep each VM work directory')
    ap.add_argument('--log-dir', default=os.path.join(TOP, 'build/vm-logs'))
    a = ap.parse_args(argv)
    if a.jobs < 1:
        ap.error('--jobs wants a positive number')
    if a.id and a.kernel:
        ap.error('--id picks entries of the default matrix; --kernel makes its own')
    if a.all and a.kernel:
        ap.error('--all boots the corpus; --kernel makes its own entries')
    if (a.modules or a.btf) and not a.kernel_file:
        ap.error('--modules and --btf go with --kernel-file')
    if a.kernel_file and (a.kernel or a.all or a.id or a.shard or len(a.arch) > 1):
        ap.error('--kernel-file boots one image: no --kernel, --all, --id or --shard, at most one --arch')
    if a.shards_json is not None and (a.shards_json < 1 or a.shard):
        ap.error('--shards-json wants a positive number of shards, and no --shard')
    return a


def file_entry(a, table_rows):
    """--kernel-file: its entry, or a UsageError saying what the file is instead."""
    if not os.path.isfile(a.kernel_file):
        raise UsageError(f'--kernel-file {a.kernel_file}: no such file')
    image = kfile.identify(a.kernel_file)
    if not image.arch:
        raise UsageError(f'--kernel-file {a.kernel_file}: not a kernel image: {image.what}')
    row = arches.find(image.arch, table_rows)
    if a.arch and arches.find(a.arch[0], table_rows) is not row:
        raise UsageError(f'--kernel-file {a.kernel_file} is {image.what}, a kernel for {row["name"]}, '
                         f'not for --arch {a.arch[0]}')
    say(f'--kernel-file {a.kernel_file}: {image.what}, release {image.release}')
    return vm_matrix.file_entry(row, a.kernel_file, image, a.suite or roots.suites(row['debarch'])[-1], a.modules,
                                a.btf)


def entries(a):
    table_rows = arches.rows()
    if a.kernel_file:
        return [file_entry(a, table_rows)]
    wanted = {arches.find(k, table_rows)['name'] for k in a.arch}
    if a.kernel:
        return [vm_matrix.kernel_entry(table_rows, wanted, k, a.suite) for k in a.kernel]
    matrix = vm_matrix.corpus_matrix(table_rows, wanted) if a.all else vm_matrix.default_matrix(table_rows, wanted)
    if a.shard:
        matrix = vm_matrix.shard(matrix, *vm_matrix.parse_shard(a.shard))
    unknown = [i for i in a.id if i not in {e.id for e in matrix}]
    if unknown:
        raise HbcError(f'--id {", ".join(unknown)}: not in the {"corpus" if a.all else "default matrix"}'
                       f'{" shard " + a.shard if a.shard else ""} (ids: {", ".join(e.id for e in matrix)})')
    return [e for e in matrix if e.id in a.id] if a.id else matrix


def main(argv):
    a = parse(argv)
    t0 = time.time()
    try:
        matrix = entries(a)
        if a.list:
            print(vm_matrix.listing(matrix, a.list))
            return 0
        if a.shards_json:
            print(vm_matrix.shard_plan(matrix, a.shards_json))
            return 0
        if a.shell and (len(matrix) != 1 or not sys.stdin.isatty()):
            raise UsageError(f'--shell wants one VM ({len(matrix)} selected: pick one with --id, --arch, '
                             f'--kernel or --kernel-file) and a terminal on stdin')
        ensure_tools(matrix)
        os.makedirs(a.log_dir, exist_ok=True)
        runner = Runner(a.package_dir, a.log_dir, min(a.jobs, max(1, len(matrix))), a.keep, shell=a.shell or '')
    except (HbcError, arches.TableError, OSError) as e:
        print(f'vm-test.py: error: {e}\nvm: 0 passed, 1 failed', file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, runner.stop)
    say(f'{len(matrix)} VM(s), {a.jobs} at a time, {runner.smp} cpu(s) each; logs in {a.log_dir}/')
    try:
        results = runner.run(matrix)
    except KeyboardInterrupt:
        why = 'SIGTERM' if runner.stopping.set else 'an interrupt'
        print(f'vm-test.py: stopped by {why}: the VMs under way were killed, no verdict\n'
              f'vm: 0 passed, 1 failed', file=sys.stderr)
        return 143 if runner.stopping.set else 130
    finally:
        runner.close()
    text = table(results, time.time() - t0)
    print(text, end='')
    open(os.path.join(a.log_dir, 'matrix.txt'), 'w').write(text)
    return 0 if all(r.result in ('PASS', 'SHELL') for r in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
