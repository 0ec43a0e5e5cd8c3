#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""ci/vm-test.py's options for a CI engineer. --kernel-file: the architecture read from an
image's own header (tools/hbc/kfile.py) for each architecture's image kind, raw,
compressed and wrong; the command line's refusals (exit 2, one line saying what the file
is); and end to end, an image cut out of a Debian kernel package that ci/vm/pins.txt does
not boot (the corpus's cloud-amd64 kernel of trixie) booted through every guest stage to
a PASS. --shell: a shell on a real guest's console, driven through a pseudo-terminal."""
import contextlib
import glob
import gzip
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest

from hbc import TOP, kfile, pinfile  # PYTHONPATH=tools (tests/meson.build)
from hbc.proc import session_pids
from hbc.vm import verdict
from hbc.vm.config import CORPUS_PINS, KERNEL_PINS

VM_TEST = os.path.join(TOP, 'ci/vm-test.py')


def image(size=0x10100, **at):
    """SIZE zero bytes with the bytes of AT ({offset: bytes}) written in."""
    data = bytearray(size)
    for off, b in at.items():
        off = int(off[1:], 16)
        data[off:off + len(b)] = b
    return bytes(data)


def x86(flags=1):
    ver = b'6.12.9-test (me@here) #1 SMP\0'
    return image(o202=b'HdrS', o236=bytes([flags]), o20e=struct.pack('<H', 0x400 - 0x200), o400=ver)


def elf(machine, order='<', linux=True):
    head = b'\x7fELF' + bytes([2, 1 if order == '<' else 2, 1]) + bytes(9) + struct.pack(order + 'HH', 2, machine)
    return head + bytes(4096) + (b'Linux version 6.1.0-ppc (x@y) #1\0' if linux else b'')


KINDS = {
    'x86': (x86(), 'an x86 bzImage', '6.12.9-test'),
    'arm64': (image(o18=struct.pack('<Q', 0xa), o38=b'ARM\x64', o100=b'Linux version 6.1.0-arm64 (x@y)'),
              'an arm64 Image (4K pages)', '6.1.0-arm64'),
    'riscv': (image(o38=b'RSC\x05'), 'a riscv64 Image', '-'),
    'arm': (image(o24=struct.pack('<I', 0x016F2818)), 'an arm zImage', '-'),
    's390x': (image(o10008=b'S390EP'), 'an s390x image', '-'),
    'ppc64el': (elf(21), 'an ELF ppc64el vmlinux', '6.1.0-ppc'),
}


class Recognition(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def file(self, data, name='vmlinuz'):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def test_each_architecture_raw(self):
        for arch, (data, what, rel) in KINDS.items():
            got = kfile.identify(self.file(data))
            self.assertEqual((got.arch, got.what, got.release), (arch, what, rel), arch)

    def test_compressed_images_are_looked_into(self):
        data, _, _ = KINDS['arm64']
        got = kfile.identify(self.file(gzip.compress(data)))
        self.assertEqual(got.arch, 'arm64')
        self.assertEqual(got.what, 'an arm64 Image (4K pages) in the gzip stream at 0x0')
        self.assertEqual(got.data, data)    # what QEMU boots: decompressed

    def test_what_is_no_kernel_of_the_table(self):
        cases = {
            'a 32-bit x86 bzImage': x86(flags=0),
            'a big-endian powerpc ELF': elf(21, '>'),
            'an ELF file (e_machine 62) that is no Linux kernel': elf(62, linux=False),
            'first bytes: 23 21 2f 62': b'#!/bin/sh\necho hi\n',
            'first bytes: an empty file': b'',
        }
        for what, data in cases.items():
            got = kfile.identify(self.file(data))
            self.assertIsNone(got.arch, what)
            self.assertIn(what, got.what)

    def run_cli(self, *args):
        return subprocess.run([VM_TEST, *args], capture_output=True, text=True)

    def test_the_command_line_refuses_at_once(self):
        for path, arch, said in [(self.file(b'not a kernel\n', 'notes'), None, 'not a kernel image: no kernel image'),
                                 (self.file(KINDS['riscv'][0], 'Image'), 'x86', 'is a riscv64 Image, a kernel for '
                                                                                'riscv, not for --arch x86'),
                                 (os.path.join(self.tmp, 'missing'), None, 'no such file')]:
            p = self.run_cli('--kernel-file', path, *(['--arch', arch] if arch else []), '--list')
            self.assertEqual(p.returncode, 2, p.stderr)
            first = p.stderr.splitlines()[0]
            self.assertIn(said, first)
            self.assertEqual(p.stderr.splitlines()[1:], ['vm: 0 passed, 1 failed'])

    def test_modules_must_be_a_modules_tree(self):
        img, empty = self.file(KINDS['x86'][0]), os.path.join(self.tmp, 'mods')
        os.mkdir(empty)
        p = self.run_cli('--kernel-file', img, '--modules', empty, '--list')
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f'--modules {empty}: no modules.dep in it nor in 6.12.9-test/ below it', p.stderr)
        os.makedirs(os.path.join(empty, '6.12.9-test'))
        open(os.path.join(empty, '6.12.9-test', 'modules.dep'), 'w').close()
        self.assertEqual(self.run_cli('--kernel-file', img, '--modules', empty, '--list').returncode, 0)
        p = self.run_cli('--modules', empty, '--list')
        self.assertEqual(p.returncode, 2)
        self.assertIn('--modules and --btf go with --kernel-file', p.stderr)

    def test_btf_must_be_btf(self):
        p = self.run_cli('--kernel-file', self.file(KINDS['x86'][0]), '--btf', '/etc/os-release', '--list')
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('--btf /etc/os-release: no BTF in it', p.stderr)
        p = self.run_cli('--kernel-file', self.file(KINDS['riscv'][0]), '--btf', '/sys/kernel/btf/vmlinux', '--list')
        self.assertEqual(p.returncode, 2, p.stderr)     # the riscv stand-in names no release
        self.assertIn('names no release', p.stderr)
        p = self.run_cli('--kernel-file', self.file(KINDS['x86'][0]), '--btf', '/sys/kernel/btf/vmlinux', '--list')
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_an_image_lists_as_one_entry(self):
        p = self.run_cli('--kernel-file', self.file(KINDS['s390x'][0]), '--list-json')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r'"id": "s390x-[a-z]+-file-[0-9a-f]{12}"')


def deb_not_in_the_default_pins():
    """The corpus's trixie cloud-amd64 kernel package (verified), which ci/vm/pins.txt lacks."""
    default = {p.package for p in pinfile.read_pins(KERNEL_PINS)[0]}
    pin = next(p for p in pinfile.read_pins(CORPUS_PINS)[0]
               if p.suite == 'trixie' and p.arch == 'amd64' and '-cloud-' in p.package)
    assert pin.package not in default
    return pin, pinfile.fetch([pin], CORPUS_PINS)[0]


def failed_checks(logs):
    """verdict.excerpt of each console log in LOGS, for a failure message that says what went
    wrong; the logs kept under $HBC_TEST_LOGS (meson-logs/), as the test's directory goes."""
    out, keep = [], os.environ.get('HBC_TEST_LOGS')
    if keep:
        shutil.copytree(logs, os.path.join(keep, 'test_vm_cli-vm-logs'), dirs_exist_ok=True)
    for log in sorted(glob.glob(os.path.join(logs, '*.log'))):
        with open(log, errors='replace') as f:
            text = verdict.excerpt(f.read())
        out += [f'{os.path.basename(log)}:', text] if text else []
    return '\n'.join(out + [f'(console logs kept in {keep}/test_vm_cli-vm-logs)' if keep else '']).strip() \
        or f'no console log in {logs}'


def cmdline(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read()
    except OSError:
        return b''


def kill_session(sid):
    for pid in session_pids(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.pkgdir = os.environ.get('PKGDIR')
        if not self.pkgdir or not glob.glob(os.path.join(self.pkgdir, 'hello-buffer-config_*_amd64.deb')):
            self.skipTest('PKGDIR with the amd64 package (ci/build.sh) not given')

    def test_an_image_from_a_package_boots_to_a_pass(self):
        pkgdir = self.pkgdir
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        pin, deb = deb_not_in_the_default_pins()
        subprocess.run(f'dpkg-deb -x "{deb}" "{tmp}/pkg"', shell=True, check=True)
        img = glob.glob(os.path.join(tmp, 'pkg/boot/vmlinuz-*'))[0]
        # its modules, as its postinst would leave them (depmod), for --modules
        src = (glob.glob(os.path.join(tmp, 'pkg/lib/modules/*')) + glob.glob(os.path.join(tmp, 'pkg/usr/lib/modules/*')))[0]
        mods = os.path.join(tmp, 'base/lib/modules', os.path.basename(src))
        os.makedirs(os.path.dirname(mods))
        os.rename(src, mods)
        subprocess.run(['depmod', '-b', os.path.join(tmp, 'base'), os.path.basename(mods)], check=True)
        logs = os.path.join(tmp, 'logs')
        p = subprocess.run([VM_TEST, '--kernel-file', img, '--modules', mods, '--jobs', '1',
                            '--package-dir', pkgdir, '--log-dir', logs], capture_output=True, text=True)
        print(p.stdout + p.stderr[-3000:])
        if p.returncode != 0:
            self.fail(f'{pin.package} {pin.version} from {os.path.basename(img)}: exit {p.returncode}\n'
                      + failed_checks(logs))
        row = next(line for line in p.stdout.splitlines() if line.startswith('x86 '))
        self.assertRegex(row, rf'^x86 +trixie +file-{re.escape(pin.package[12:])} +PASS ')


    def test_sigterm_stops_a_run_at_once(self):
        """SIGTERM while the first VM is being prepared (an empty cache: apt and the root
        build still to run): exit 143 within a minute, said so, and no process of the run left."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp, True)
        env = dict(os.environ, HBC_CACHE_DIR=os.path.join(tmp, 'cache'))
        p = subprocess.Popen([VM_TEST, '--id', 'x86-bookworm-6.1.0-50-amd64', '--package-dir', self.pkgdir,
                              '--log-dir', os.path.join(tmp, 'logs')], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.addCleanup(kill_session, p.pid)  # whatever the outcome, nothing of it outlives the test
        said = ''
        while 'VM(s),' not in said:
            line = p.stdout.readline()
            self.assertTrue(line, f'vm-test.py ended before its run began:\n{said}')
            said += line
        time.sleep(3)   # into the preparation: apt, downloads, or the root build
        p.send_signal(signal.SIGTERM)
        t0 = time.time()
        try:
            rest, _ = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.fail(f'vm-test.py still running 60 s after SIGTERM:\n{said}')
        said += rest
        self.assertEqual(p.returncode, 143, said)
        self.assertIn('vm-test.py: stopped by SIGTERM', said)
        end = time.time() + 10   # children told to stop end in their own time (mmdebstrap unmounts)
        while session_pids(p.pid) and time.time() < end:
            time.sleep(0.2)
        left = [f'{pid} {cmdline(pid)[:80]!r}' for pid in session_pids(p.pid)]
        self.assertEqual(left, [], f'live processes of the run left {time.time() - t0:.0f} s after SIGTERM')

    def test_a_shell_on_the_console(self):
        """--shell instead: the guest's root shell on a terminal; what is typed runs there."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        row = next(p for p in pinfile.read_pins(KERNEL_PINS)[0] if p.arch == 'amd64')
        entry = f'x86-{row.suite}-{row.package[12:]}'
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(VM_TEST, [VM_TEST, '--id', entry, '--shell', 'instead', '--jobs', '1',
                               '--package-dir', self.pkgdir, '--log-dir', os.path.join(tmp, 'logs')])
        seen = b''

        def until(marker, timeout):
            nonlocal seen
            end = time.time() + timeout
            while marker not in seen and time.time() < end:
                if select.select([fd], [], [], 1)[0]:
                    try:
                        seen += os.read(fd, 65536)
                    except OSError:     # the child closed the terminal
                        break
            return marker in seen

        finished = False
        try:
            self.assertTrue(until(b'HBC-VM-SHELL', 600), seen[-2000:].decode(errors='replace'))
            self.assertTrue(until(b'# ', 60), seen[-500:].decode(errors='replace'))
            os.write(fd, b'echo hbc-$((6 * 7)) $(uname -m) $(systemctl is-system-running)\r')
            self.assertTrue(until(b'hbc-42 x86_64 ', 60), seen[-1000:].decode(errors='replace'))
            os.write(fd, b'exit\r')
            self.assertTrue(until(b'vm: 0 passed, 0 failed', 120), seen[-1500:].decode(errors='replace'))
            finished = True
        finally:
            # after its last line it still has to exit: give it the time, SIGTERM only if it hangs
            status = reap(pid, fd, 60 if finished else 0)
        self.assertIn(b' SHELL ', seen)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, seen[-1500:].decode(errors='replace'))


def reap(pid, fd, timeout):
    """the wait status of child pid once it exits by itself within timeout s, else after
    a SIGTERM; reads its terminal fd meanwhile so that it never blocks writing to it"""
    end = time.time() + timeout
    while time.time() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if select.select([fd], [], [], 0.2)[0]:
            try:
                os.read(fd, 65536)
            except OSError:     # it closed the terminal: it is about to exit
                time.sleep(0.05)
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]


if __name__ == '__main__':
    unittest.main(verbosity=2)
