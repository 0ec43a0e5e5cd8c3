#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The VM runner's parts (tools/hbc/vm/), each alone, in seconds and without a real guest:
golden console logs to verdicts (the parser called directly), the matrix from a pin file
given to it, the KVM decision and one QEMU run with a fake QEMU that hangs under KVM as a
broken nested /dev/kvm does; the overlay of a resolved entry assembled from stand-ins."""
import os
import shutil
import stat
import subprocess
import tempfile
import textwrap
import unittest

from hbc import arches, debian, kfile  # PYTHONPATH=tools (tests/meson.build)
from hbc.vm import accel, matrix, overlay, qemu, resolve, runner, verdict
from hbc.vm.config import StageError

HERE = os.path.dirname(os.path.abspath(__file__))

NONCE = '0123456789abcdef'
FAKE_QEMU = textwrap.dedent('''\
    #!/usr/bin/env python3
    # A stand-in for qemu-system-*: FAKE_QEMU_<ACCEL> says what it does under that accel:
    # "hang" (no output, as KVM without a working nested flavour), or a console log to
    # write to the serial file (@NONCE@ replaced), then exit 0. Its argv goes to FAKE_QEMU_ARGV
    # when set; --version says FAKE_QEMU_VERSION.
    import os, sys, time
    a = sys.argv[1:]
    if a == ['--version']:
        sys.exit(print(f"QEMU emulator version {os.environ.get('FAKE_QEMU_VERSION', '9.2.0')} (fake)"))
    if '-S' in a:
        sys.exit(1)
    if os.environ.get('FAKE_QEMU_ARGV'):
        open(os.environ['FAKE_QEMU_ARGV'], 'a').write(' '.join(a) + '\\n')
    mode = os.environ['FAKE_QEMU_' + a[a.index('-accel') + 1].split(',')[0].upper()]
    out = [x.split('path=')[1] for x in a if 'path=' in x] + [x[5:] for x in a if x.startswith('file:')]
    if mode == 'hang':
        time.sleep(120)
    open(out[0], 'w').write(open(mode).read().replace('@NONCE@', os.environ.get('HBC_VM_NONCE', '')))
    ''')


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def log(name):
    with open(os.path.join(HERE, 'logs', name + '.log')) as f:
        return f.read()


class Verdicts(unittest.TestCase):
    def check(self, name, want, rc=0, timed_out=None, limit=None):
        self.assertEqual(verdict.parse(log(name), NONCE, rc, timed_out, limit), verdict.Verdict(*want))

    def test_pass(self):
        self.check('pass', ('PASS', 'tracepoint', ''))

    def test_pass_but_qemu_failed(self):
        self.check('pass', ('FAIL', 'tracepoint', 'guest passed but qemu exited 1'), rc=1)

    def test_failed_check_is_named(self):
        v = verdict.parse(log('fail-check'), NONCE, 0)
        self.assertEqual((v.result, v.attach), ('FAIL', 'tracepoint'))
        self.assertTrue(v.detail.startswith('trace: uid 1000 ran /tmp/x/'), v.detail)

    def test_failed_stages_without_their_lines(self):
        text = '\n'.join(l for l in log('fail-check').splitlines() if 'HBC-VM-CHECK' not in l)
        self.assertEqual(verdict.parse(text, NONCE, 0),
                         verdict.Verdict('FAIL', 'tracepoint', 'failed at stage(s) trace (no FAIL line on the console)'))

    def test_host_timeout_at_a_stage(self):
        self.check('stopped', ('FAIL', '-', 'timed out at stage unit'), timed_out='unit')
        self.check('stopped', ('FAIL', '-', 'timed out at stage boot after 300 s'), timed_out='boot', limit=300)

    def test_guest_side_timeout(self):
        self.check('guest-timeout', ('FAIL', '-', 'timed out at stage trace (guest-side limit)'))

    def test_kernel_panic(self):
        self.check('panic', ('FAIL', '-', 'kernel panic at stage trace: Kernel panic - not syncing: '
                             'Attempted to kill init! exitcode=0x0000000b'))

    def test_an_excerpt_says_why(self):
        """For a person: failed checks with their context; a panic from its report on."""
        self.assertEqual(verdict.excerpt(log('pass')), '')
        self.assertIn('FAIL trace: uid 1000 ran /tmp/x/', verdict.excerpt(log('fail-check')))
        self.assertEqual(verdict.excerpt(log('panic')).splitlines()[:2], [
            f'HBC-VM-STAGE {NONCE} trace',
            '[   41.512012] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b'])

    def test_qemu_exit_without_verdict(self):
        self.check('stopped', ('FAIL', '-', 'VM stopped at stage unit without a verdict (qemu exit 0)'))

    def test_other_nonce_does_not_count(self):
        self.check('wrong-nonce', ('FAIL', '-', 'VM stopped at stage boot without a verdict (qemu exit 0)'))


class Matrix(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.pins = os.path.join(self.tmp, 'pins.txt')
        sha = 'a' * 64
        write(self.pins, f'# kernels\ntrixie amd64 linux-image-6.12.1-amd64 6.12.1-1 {sha} m>g\n'
                         f'sid sparc64 linux-image-7.0-sparc64 7.0-1 {sha}\n')

    def test_rows_gaps_and_unknown_arches(self):
        entries = matrix.default_matrix(arches.rows(), set(), self.pins)
        ids = [e.id for e in entries]
        self.assertEqual(ids[0], 'x86-trixie-6.12.1-amd64')
        # no kernel pinned for arm64: an entry that fails, not a silent skip
        self.assertIn(('arm64', None), [(e.row['name'], e.pin) for e in entries])
        self.assertEqual(len(entries), len(arches.rows()))

    def test_arch_filter(self):
        self.assertEqual([e.row['name'] for e in matrix.default_matrix(arches.rows(), {'x86'}, self.pins)], ['x86'])

    def test_missing_kernel_fails_with_the_command(self):
        entry = matrix.default_matrix(arches.rows(), {'arm64'}, self.pins)[0]
        self.assertRegex(entry.missing_kernel(self.pins), r'no kernel pinned for arm64 .*ci/pins.py add')
        with self.assertRaisesRegex(StageError, r'failed at stage kernel: no kernel pinned for arm64'):
            runner.prepare(entry, self.tmp, self.tmp, None)


class Kvm(unittest.TestCase):
    """A /dev/kvm that opens but runs no guest: probe says tcg; a silent KVM VM restarts."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.qemu = os.path.join(self.tmp, 'qemu-fake')
        write(self.qemu, FAKE_QEMU)
        os.chmod(self.qemu, stat.S_IRWXU)
        self.device = os.path.join(self.tmp, 'kvm')
        write(self.device, '')
        self.pass_log = os.path.join(self.tmp, 'pass.log')
        write(self.pass_log, log('pass').replace(NONCE, '@NONCE@'))
        machine = os.uname().machine
        self.row = dict(arches.find(machine), qemu=self.qemu)
        os.environ.update(HBC_VM_ACCEL='auto', HBC_VM_KVM_DEVICE=self.device, HBC_VM_KVM_GRACE='1',
                          HBC_VM_NONCE=NONCE, HBC_CACHE_DIR=self.tmp, FAKE_QEMU_TCG=self.pass_log)

    def entry(self):
        pin = debian.Pin('trixie', self.row['debarch'], 'linux-image-x', '1', 'a' * 64, None)
        return matrix.Entry(self.row, 'trixie', pin)

    def policy(self):
        return accel.Policy('auto', os.environ['HBC_VM_KVM_DEVICE'], 1.0)

    def test_probe_sees_a_broken_kvm(self):
        os.environ['FAKE_QEMU_KVM'] = 'hang'
        self.assertEqual(accel.probe(self.row, '/dev/null', 1.0)[0], False)
        self.assertEqual(accel.Accel(self.policy()).choose(self.row, '/dev/null'), 'tcg')

    def test_probe_sees_a_working_kvm(self):
        os.environ['FAKE_QEMU_KVM'] = self.pass_log
        self.assertEqual(accel.Accel(self.policy()).choose(self.row, '/dev/null'), 'kvm')

    def test_no_kvm_device_or_foreign_guest(self):
        os.environ.update(FAKE_QEMU_KVM=self.pass_log)
        self.assertEqual(accel.Accel(accel.Policy('auto', '/nonexistent', 1.0)).choose(self.row, '/dev/null'), 'tcg')
        foreign = dict(self.row, machines='sparc64')
        self.assertEqual(accel.Accel(self.policy()).choose(foreign, '/dev/null'), 'tcg')

    def test_forced_modes(self):
        for mode in ('kvm', 'tcg'):
            self.assertEqual(accel.Accel(accel.Policy(mode, '/nonexistent', 1.0)).choose(self.row, '/x'), mode)

    def test_one_qemu_run_silent_under_kvm(self):
        os.environ['FAKE_QEMU_KVM'] = 'hang'
        cmd = qemu.command(self.row, 'kvm', 'max', 1, 256, '/dev/null', '/dev/null', f'{self.tmp}/con.log')
        run = qemu.watch(cmd, f'{self.tmp}/con.log', NONCE, qemu.Limits(30, 30, 30), qemu.Stopping(),
                         silent_after=1)
        self.assertTrue(run.silent)
        self.assertIsNone(run.boot_s)

    def test_one_qemu_run_to_its_verdict(self):
        cmd = qemu.command(self.row, 'tcg', 'max', 1, 256, '/dev/null', '/dev/null', f'{self.tmp}/con.log')
        run = qemu.watch(cmd, f'{self.tmp}/con.log', NONCE, qemu.Limits(30, 30, 30), qemu.Stopping())
        self.assertEqual((run.rc, run.timed_out, run.silent), (0, None, False))
        self.assertEqual(verdict.parse(open(f'{self.tmp}/con.log').read(), NONCE, run.rc).result, 'PASS')

    def test_tcg_threads(self):
        """x86 guests of 2+ vCPUs get one TCG thread under a QEMU before 8.1, no other guest does."""
        arm64 = arches.find('aarch64')
        x86 = arches.find('x86_64')
        cases = [(x86, 2, (7, 2, 22), 'tcg,thread=single'), (x86, 2, (), 'tcg,thread=single'),
                 (x86, 1, (7, 2, 22), 'tcg'), (x86, 2, (8, 1), 'tcg'), (x86, 4, (10, 0, 3), 'tcg'),
                 (arm64, 2, (7, 2, 22), 'tcg')]
        for row, smp, have, want in cases:
            how, why = qemu.tcg_accel(row, smp, have)
            self.assertEqual(how, want, (row['name'], smp, have))
            self.assertEqual(why is None, want == 'tcg')
        self.assertIn('QEMU 7.2.22 < 8.1', qemu.tcg_accel(x86, 2, (7, 2, 22))[1])

    def test_qemu_version(self):
        os.environ['FAKE_QEMU_VERSION'] = '7.2.22'
        self.addCleanup(os.environ.pop, 'FAKE_QEMU_VERSION')
        qemu.version.cache_clear()
        self.assertEqual(qemu.version(self.qemu), (7, 2, 22))
        qemu.version.cache_clear()
        self.assertEqual(qemu.version('/bin/true'), ())

    def test_old_qemu_runs_an_smp_x86_guest_on_one_thread(self):
        os.environ.update(FAKE_QEMU_VERSION='7.2.22', FAKE_QEMU_ARGV=f'{self.tmp}/argv')
        self.addCleanup(os.environ.pop, 'FAKE_QEMU_VERSION')
        self.addCleanup(os.environ.pop, 'FAKE_QEMU_ARGV')
        qemu.version.cache_clear()
        r = runner.Runner(self.tmp, self.tmp, 1, False, accel.Accel(self.policy()))
        r.smp = 2
        res = runner.Result(self.entry())
        r.boot(self.entry(), 'tcg', self.tmp, self.tmp, NONCE, res)
        r.close()
        qemu.version.cache_clear()
        single = self.row['debarch'] in qemu.INT3_PATCHING
        self.assertEqual(res.result, 'PASS')
        self.assertEqual('-accel tcg,thread=single ' in open(f'{self.tmp}/argv').read(), single)
        self.assertEqual(any('one TCG thread' in n for n in res.notes), single)

    def test_silent_kvm_guest_restarts_under_tcg(self):
        os.environ['FAKE_QEMU_KVM'] = 'hang'
        r = runner.Runner(self.tmp, self.tmp, 1, False, accel.Accel(self.policy()))
        res = runner.Result(self.entry())
        r.boot(self.entry(), 'kvm', self.tmp, self.tmp, NONCE, res)
        r.close()
        self.assertEqual((res.result, res.attach), ('PASS', 'tracepoint'))
        self.assertIn('restarted under tcg', ' '.join(res.notes))
        self.assertIs(r.accel.kvm, False)


class Overlay(unittest.TestCase):
    """The initramfs of one resolved entry, assembled without the archive: the packages
    ci/build.sh wrote (PKGDIR), stand-ins for the root and the BTF files."""

    @unittest.skipUnless(os.path.isdir(os.environ.get('PKGDIR', '/nonexistent') + '/apt'),
                         'PKGDIR (build/packages of ci/build.sh) not given')
    def test_assembled_from_the_resolved_value(self):
        pkgdir = os.environ['PKGDIR']
        row = next(r for r in arches.rows() if r['name'] == 'x86')
        pin = debian.Pin('bookworm', 'amd64', 'linux-image-6.1.0-50-amd64', '6.1.176-1', '0' * 64, '')
        entry = matrix.Entry(row, 'bookworm', pin)
        with tempfile.TemporaryDirectory() as tmp:
            for name in ('root.cpio.zst', 'own.btf', 'other.btf'):
                write(os.path.join(tmp, name), f'stand-in {name}\n')
            deb, prev = overlay.packages(pkgdir, row)
            res = resolve.Resolved(entry, deb, prev, tmp, resolve.Btf('embedded', f'{tmp}/own.btf', f'{tmp}/other.btf'),
                                   f'{tmp}/root.cpio.zst', 'trixie', [])
            work = os.path.join(tmp, 'work')
            os.mkdir(work)
            nonce = overlay.initramfs(res, pkgdir, work, 600)
            with open(f'{work}/initrd.gz', 'rb') as f:
                data = f.read()
            self.assertTrue(data.startswith(b'stand-in root.cpio.zst\n'), 'the root comes first, as it is')
            listing = subprocess.run(['bsdtar', '-tf', '-'], input=data[len('stand-in root.cpio.zst\n'):],
                                     capture_output=True, check=True).stdout.decode().split()
            for want in ('./hbc/env', './hbc/test.sh', './hbc/kernel.btf', './hbc/other.btf', './hbc/repo',
                         './hbc/tools/exec-kinds', './etc/systemd/system/hbc-test.service'):
                self.assertIn(want, listing)
            env = subprocess.run(['bsdtar', '-xOf', '-', './hbc/env'], input=data[len('stand-in root.cpio.zst\n'):],
                                 capture_output=True, check=True).stdout.decode()
            self.assertIn(f'HBC_NONCE={nonce}\n', env)
            self.assertIn('HBC_BTF=embedded\n', env)
            self.assertIn('HBC_AUTOPKGTEST=0\n', env)
            self.assertEqual(res.notes, ['guest root: trixie (none pinned for bookworm)'])

    def test_a_kernel_file_btf_goes_where_the_loader_looks(self):
        pkgdir = os.environ['PKGDIR']
        row = next(r for r in arches.rows() if r['name'] == 'x86')
        pin = debian.Pin('trixie', 'amd64', 'bzImage', '6.19.0-custom', '0' * 64, None)
        image = kfile.Image('x86', 'an x86 bzImage', '6.19.0-custom', b'', '/x/bzImage')
        with tempfile.TemporaryDirectory() as tmp:
            for name in ('root.cpio.zst', 'own.btf', 'other.btf'):
                write(os.path.join(tmp, name), f'stand-in {name}\n')
            entry = matrix.Entry(row, 'trixie', pin, pins=None, image=image, btf=f'{tmp}/own.btf')
            deb, prev = overlay.packages(pkgdir, row)
            res = resolve.Resolved(entry, deb, prev, tmp, resolve.Btf('file', f'{tmp}/own.btf', f'{tmp}/other.btf'),
                                   f'{tmp}/root.cpio.zst', 'trixie', [])
            work = os.path.join(tmp, 'work')
            os.mkdir(work)
            overlay.initramfs(res, pkgdir, work, 600)
            with open(f'{work}/initrd.gz', 'rb') as f:
                data = f.read()[len('stand-in root.cpio.zst\n'):]
            got = subprocess.run(['bsdtar', '-xOf', '-', './boot/vmlinux-6.19.0-custom'], input=data,
                                 capture_output=True, check=True).stdout
            self.assertEqual(got, b'stand-in own.btf\n')
            env = subprocess.run(['bsdtar', '-xOf', '-', './hbc/env'], input=data, capture_output=True,
                                 check=True).stdout.decode()
            self.assertIn('HBC_BTF=file\n', env)


if __name__ == '__main__':
    unittest.main(verbosity=2)
