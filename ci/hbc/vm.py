# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The VM matrix: one QEMU per (architecture, Debian kernel); the guest installs the
package of its architecture and runs the test; the host reads the verdict from
nonce-tagged console lines:
  HBC-VM-STAGE <nonce> <stage>                    a guest stage begins ('init' first)
  HBC-VM-CHECK <nonce> ok|FAIL <stage>: <what>    one assertion
  HBC-VM-RESULT <nonce> PASS|FAIL attach=<mode> test_s=<s> rc=<n> [reason=...]"""
import concurrent.futures
import glob
import hashlib
import inspect
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from . import debian

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(TOP, 'arch'), os.path.join(TOP, 'vmlinux')]
import arches  # noqa: E402
import kimage  # noqa: E402

CONF = os.environ.get('HBC_VM_CONF', os.path.join(TOP, 'ci/vm/vm.conf'))
KERNEL_PINS = os.environ.get('HBC_VM_KERNEL_PINS', os.path.join(TOP, 'ci/vm/pins.txt'))
ROOT_PINS = os.environ.get('HBC_VM_ROOTFS_PINS', os.path.join(TOP, 'ci/vm/rootfs-pins.txt'))
# Units of a guest's boot that the test needs not and TCG makes slow (a one-CPU guest
# boots ~40 % sooner without them): module loading (the guest has no modules), first-boot
# caches, a persistent journal, the gettys (the console is the test's).
MASKED = ['getty@.service', 'serial-getty@.service', 'getty-static.service', 'modprobe@.service',
          'systemd-modules-load.service', 'ldconfig.service', 'systemd-journal-catalog-update.service',
          'systemd-update-done.service', 'systemd-journal-flush.service', 'systemd-random-seed.service',
          'dev-hugepages.mount', 'dev-mqueue.mount', 'sys-fs-fuse-connections.mount']
PRUNE = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian']


def say(msg):
    print(f'vm: {msg}', file=sys.stderr, flush=True)


def conf(key, default=None):
    for line in open(CONF):
        k, _, v = line.split('#', 1)[0].partition(':')
        if k.strip() == key and v.strip():
            return v.strip()
    if default is None:
        raise debian.ArchiveError(f'{CONF} has no "{key}:"')
    return default


class StageError(Exception):
    def __init__(self, stage, msg):
        super().__init__(f'failed at stage {stage}: {msg}')


@dataclass
class Entry:
    row: dict                       # the arch table row
    suite: str
    pin: debian.Pin = None          # None: no kernel pinned for this architecture
    origin: str = 'pinned'          # pinned (pins.txt) or archive (--kernel)

    @property
    def label(self):
        return re.sub(r'^linux-(image|binary)-', '', self.pin.package) if self.pin else '-'

    @property
    def id(self):
        return f'{self.row["name"]}-{self.suite}-{self.label}'


# ---------------------------------------------------------------- the matrix

def default_matrix(table, wanted):
    out = []
    for pin in debian.read_pins(KERNEL_PINS)[0]:
        row = next((r for r in table if r['debarch'] == pin.arch), None)
        if row is None:
            say(f'{KERNEL_PINS}: no row of {arches.TABLE} has debarch {pin.arch}; skipped')
        elif not wanted or row['name'] in wanted:
            out.append(Entry(row, pin.suite, pin))
    for row in table:  # an architecture without a pinned kernel is a gap to report
        if (not wanted or row['name'] in wanted) and not any(e.row is row for e in out):
            out.append(Entry(row, '-'))
    return out


def kernel_entry(table, wanted, spec, suite):
    """The entry for --kernel PKG[=VERSION]: pinned if pins.txt has it, else from the archive."""
    pkg, _, ver = spec.partition('=')
    rows = [r for r in table if r['name'] in wanted] if len(wanted) == 1 else \
        [r for r in table if pkg.endswith('-' + r['debarch'])]
    if len(rows) != 1:
        raise debian.ArchiveError(f'--kernel {spec}: give one --arch (its name does not end in -DEBARCH of one row)')
    row = rows[0]
    for pin in debian.read_pins(KERNEL_PINS)[0]:
        if pin.arch == row['debarch'] and pin.package == pkg and ver in ('', pin.version):
            return Entry(row, pin.suite, pin)
    for s in [suite] if suite else conf('kernel-search-suites').split():
        apt = debian.Apt(s, row['debarch'])
        if row['debarch'] not in apt.architectures() or not apt.record(pkg):
            continue
        globs = conf('kernel-image-globs')
        image = pkg if any(re.fullmatch(g.replace('*', '.*'), pkg) for g in globs.split(',')) \
            else apt.resolve(pkg, globs)
        if ver and image != pkg:
            say(f'--kernel {spec}: {pkg} is a meta package; using the current {image}')
        pin = apt.pins([(image, ver if image == pkg else None)])[0]
        say(f'kernel from --kernel {spec}: {s}/{pin.arch} {pin.package} {pin.version} sha256 {pin.sha256}')
        return Entry(row, s, pin, 'archive')
    raise debian.ArchiveError(f'--kernel {spec}: no {pkg} for {row["debarch"]} in: {suite or conf("kernel-search-suites")}')


# ---------------------------------------------------------------- host

def ensure_tools():
    """The host packages of ci/vm/host-deps.txt, installed where missing."""
    os.environ['PATH'] += ':/usr/sbin:/sbin'
    p = subprocess.run(['bash', '-c', f'. "{TOP}/ci/lib/deps.sh" && install_missing "{TOP}/ci/vm/host-deps.txt"'],
                       stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise debian.ArchiveError(p.stderr.strip() or 'cannot install the VM host tools')


class Accel:
    """KVM only once a guest was seen to run with it; the verdict holds for the run."""

    def __init__(self):
        self.mode, self.lock, self.kvm = os.environ.get('HBC_VM_ACCEL', 'auto'), threading.Lock(), None
        self.device = os.environ.get('HBC_VM_KVM_DEVICE', '/dev/kvm')
        self.grace = float(os.environ.get('HBC_VM_KVM_GRACE', 20))

    def choose(self, entry, vmlinuz):
        if self.mode in ('kvm', 'tcg'):
            return self.mode
        native = os.uname().machine in entry.row['machines'].split(',')
        if not native or not os.access(self.device, os.R_OK | os.W_OK):
            return 'tcg'
        with self.lock:
            if self.kvm is None:
                self.kvm = self.probe(entry, vmlinuz)
        return 'kvm' if self.kvm else 'tcg'

    def probe(self, entry, vmlinuz):
        """Boot the kernel under KVM: a first console line within the grace time proves it."""
        row, out = entry.row, tempfile.NamedTemporaryFile(prefix='hbc-kvm-')
        cmd = [row['qemu'], '-accel', 'kvm', '-M', row['qmachine'], '-cpu', row['qcpu'], '-m', '256',
               '-nodefaults', '-display', 'none', '-no-reboot', '-serial', f'file:{out.name}',
               '-kernel', vmlinuz, '-append', f'console={row["console"]} panic=-1']
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        end = time.time() + self.grace
        while time.time() < end and p.poll() is None and not os.path.getsize(out.name):
            time.sleep(0.2)
        ran = os.path.getsize(out.name) > 0
        p.kill()
        why = p.communicate()[1].strip().splitlines()[-1:] or [f'no console output within {self.grace:.0f} s']
        say('kvm: a guest ran under KVM: using kvm' if ran else
            f'kvm: {self.device} present but a guest did not run ({why[0]}): using tcg')
        return ran


def ensure_binfmt(debarch):
    if debarch == subprocess.run(['dpkg', '--print-architecture'], capture_output=True, text=True).stdout.strip():
        return
    p = subprocess.run(['bash', '-c', f'. "{TOP}/ci/lib/deps.sh" && ensure_binfmt {debarch}'],
                       capture_output=True, text=True)
    if p.returncode:
        raise StageError('rootfs', p.stderr.strip())


def tcg_cpu(row):
    """The table's qcpu plus the tcg-cpu-options this QEMU accepts for it."""
    cpu = row['qcpu']
    for opt in conf('tcg-cpu-options', '').split(','):
        if opt and subprocess.run([row['qemu'], '-accel', 'tcg', '-M', row['qmachine'], '-cpu', f'{cpu},{opt}',
                                   '-nodefaults', '-display', 'none', '-S', '-monitor', 'stdio'],
                                  input='quit\n', capture_output=True, text=True, timeout=30).returncode == 0:
            cpu += ',' + opt
    return cpu


# ---------------------------------------------------------------- guest root

def root_rows(entry):
    """The pinned packages of the guest root for ENTRY: its suite's, else the newest pinned."""
    rows, _ = debian.read_pins(ROOT_PINS)
    suites = [s for s in dict.fromkeys(r.suite for r in rows if r.arch == entry.row['debarch'])]
    if not suites:
        raise StageError('rootfs', f'{ROOT_PINS} has no {entry.row["debarch"]} root: ci/pins.py add')
    suite = entry.suite if entry.suite in suites else suites[-1]
    return suite, [r for r in rows if r.arch == entry.row['debarch'] and r.suite == suite]


def build_root(suite, arch, pins, out):
    """mmdebstrap of exactly the pinned packages (essential variant + the others named)."""
    ensure_binfmt(arch)
    debs = debian.fetch(pins, ROOT_PINS)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out)) as tmp:
        os.mkdir(f'{tmp}/debs')
        for deb in debs:
            os.symlink(deb, os.path.join(tmp, 'debs', os.path.basename(deb)))
        debian.run([f'{TOP}/packaging/apt-repo.sh', f'{tmp}/debs', f'{tmp}/repo'],
                   env=dict(os.environ, HBC_REPO_SUITE=suite, HBC_REPO_KEY=''))
        extra = [p.package for p, d in zip(pins, debs) if debian.run(['dpkg-deb', '-f', d, 'Essential']).strip() != 'yes']
        prune = ' '.join(f'"$1/{d}"' for d in PRUNE)
        debian.run(['mmdebstrap', '--mode=root', '--variant=essential', f'--architectures={arch}',
                    f'--include={",".join(extra)}', '--aptopt=Acquire::Languages "none"',
                    f'--customize-hook=for d in {prune}; do [ ! -d "$d" ] || find "$d" -depth ! -type d -delete; done',
                    '--customize-hook=printf "hbc-vm\\n" >"$1/etc/hostname"',
                    '--customize-hook=rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*',
                    suite, f'{tmp}/root.tar', f'deb [trusted=yes] copy://{tmp}/repo {suite} main'])
        # zstd: the guest kernel unpacks it ~30 % faster than gzip under TCG
        subprocess.run(f'bsdtar --format newc -cf - @{tmp}/root.tar | zstd -q -T0 -12 >{out}.tmp', shell=True, check=True)
        os.rename(f'{out}.tmp', out)


def root(entry):
    """(cpio.gz path, suite) of ENTRY's guest root, built once per pins and builder."""
    suite, pins = root_rows(entry)
    key = hashlib.sha256(repr((pins, PRUNE, inspect.getsource(build_root))).encode()).hexdigest()[:16]
    path = debian.cache('vm', 'rootfs', f'{suite}-{entry.row["debarch"]}-{key}.cpio.zst')
    with debian.locked('vm', 'rootfs', f'.{suite}-{entry.row["debarch"]}.lock'):
        if not os.path.exists(path):
            t0 = time.time()
            say(f'building the {suite}/{entry.row["debarch"]} guest root ({len(pins)} packages)')
            try:
                build_root(suite, entry.row['debarch'], pins, path)
            except (debian.ArchiveError, subprocess.CalledProcessError) as e:
                raise StageError('rootfs', str(e)[-1500:])
            say(f'built the {suite}/{entry.row["debarch"]} guest root in {time.time() - t0:.0f} s: '
                f'{os.path.getsize(path) >> 20} MiB')
            for old in glob.glob(debian.cache('vm', 'rootfs', f'{suite}-{entry.row["debarch"]}-*')):
                if old != path and time.time() - os.path.getmtime(old) > 7 * 86400:
                    os.unlink(old)  # other pins' roots, unused for a week (other checkouts may share)
    os.utime(path)
    return path, suite


# ---------------------------------------------------------------- one VM

@dataclass
class Result:
    entry: Entry
    result: str = 'FAIL'
    attach: str = '-'
    boot_s: str = '-'
    test_s: str = '-'
    detail: str = ''
    notes: list = field(default_factory=list)


def verdict(log, nonce, qemu_rc, timed_out=None, limits=None):
    """(PASS|FAIL, attach, detail) from a console log; TIMED_OUT: the stage the host
    stopped the VM at. Only lines with this run's nonce count."""
    mine = lambda tag: [l.split(None, 2)[2].strip() for l in log.splitlines()
                        if l.startswith(f'{tag} {nonce} ') and len(l.split(None, 2)) == 3]
    stages, result = mine('HBC-VM-STAGE'), (mine('HBC-VM-RESULT') or [''])[-1]
    stage = stages[-1].split()[0] if stages else 'boot'
    fails = '; '.join(c[5:] for c in mine('HBC-VM-CHECK') if c.startswith('FAIL '))
    attach = (re.search(r'attach=(\S+)', result) or ['-', '-'])[1]
    why = (re.search(r'reason=(\S+)', result) or [None, None])[1]
    if timed_out:
        return 'FAIL', attach, f'timed out at stage {timed_out}' + (f' after {limits} s' if limits else '') \
            + (f'; {fails}' if fails else '')
    if not result:
        panic = re.search(r'Kernel panic - not syncing.*', log)
        return 'FAIL', attach, f'kernel panic at stage {stage}: {panic.group(0).strip()}' if panic else \
            f'VM stopped at stage {stage} without a verdict (qemu exit {qemu_rc})'
    if result.startswith('PASS ') and not fails:
        return ('PASS', attach, '') if qemu_rc == 0 else ('FAIL', attach, f'guest passed but qemu exited {qemu_rc}')
    if why == 'timeout':
        return 'FAIL', attach, f'timed out at stage {stage} (guest-side limit)' + (f'; {fails}' if fails else '')
    if why:
        return 'FAIL', attach, f'the test script died at stage {stage} ({why})' + (f'; {fails}' if fails else '')
    return 'FAIL', attach, fails or result


class Runner:
    def __init__(self, pkgdir, logdir, jobs, keep):
        self.pkgdir, self.logdir, self.jobs, self.keep = pkgdir, logdir, jobs, keep
        self.smp = max(1, (os.cpu_count() or 1) // jobs)
        self.accel, self.procs, self.stopping = Accel(), set(), False
        self.limits = {k: int(os.environ.get(f'HBC_VM_{k.upper().replace("-", "_")}', conf(k)))
                       for k in ('boot-timeout', 'test-timeout', 'poweroff-timeout')}
        os.makedirs(debian.cache('vm', 'runs'), exist_ok=True)
        self.runs = tempfile.mkdtemp(dir=debian.cache('vm', 'runs'), prefix='run.')

    def packages(self, entry):
        """(current .deb, previous-release .deb) of ENTRY's architecture, beside the
        repositories ci/build.sh wrote (PKGDIR/apt, PKGDIR/previous/apt)."""
        found = []
        for d in (self.pkgdir, os.path.join(self.pkgdir, 'previous')):
            debs = sorted(f for f in os.listdir(d) if re.fullmatch(
                rf'hello-buffer-config_.*_{entry.row["debarch"]}\.deb', f)) if os.path.isdir(d) else []
            if not debs or not os.path.isdir(os.path.join(d, 'apt')):
                raise StageError('package', f'no hello-buffer-config_*_{entry.row["debarch"]}.deb and apt/ '
                                 f'in {d} (run ci/build.sh)')
            found.append(os.path.join(d, debs[-1]))
        return found

    def initramfs(self, entry, work, root_path, btfs):
        """The shared root plus this run's overlay: the test and its unit, env, both repositories."""
        deb, prev = self.packages(entry)
        nonce = os.environ.get('HBC_VM_NONCE') or secrets.token_hex(8)
        field = lambda d, f: debian.run(['dpkg-deb', '-f', d, f]).strip()
        env = {'HBC_NONCE': nonce, 'HBC_PKG': field(deb, 'Package'), 'HBC_OBJECT': entry.row['name'],
               'HBC_MACHINES': entry.row['machines'], 'HBC_BTF': entry.row['btf'], 'HBC_VERSION': field(deb, 'Version'),
               'HBC_PREVIOUS': field(prev, 'Version'), 'HBC_STEP_TIMEOUT': self.limits['test-timeout'] // 3,
               'HBC_GUEST_TIMEOUT': self.limits['test-timeout'] - 10}
        top, units = f'{work}/overlay', f'{work}/overlay/etc/systemd/system'
        os.makedirs(f'{units}/multi-user.target.wants')
        shutil.copytree(os.path.join(self.pkgdir, 'apt'), f'{top}/hbc/repo')
        shutil.copytree(os.path.join(self.pkgdir, 'previous/apt'), f'{top}/hbc/repo-prev')
        shutil.copytree(os.path.join(TOP, 'packaging/debian'), f'{top}/hbc/src/debian')  # its autopkgtest,
        open(f'{top}/hbc/src/debian/files', 'w').close()  # ... as a built tree: no dpkg-dev needed
        tools = os.path.join(self.pkgdir, 'test-tools', entry.row['name'])
        if not os.path.isdir(tools):
            raise StageError('package', f'no {tools} (the guest test tools: run ci/build.sh)')
        shutil.copytree(tools, f'{top}/hbc/tools')
        shutil.copy(btfs[0], f'{top}/hbc/kernel.btf')
        shutil.copy(btfs[1], f'{top}/hbc/other.btf')
        for src, dst in [(os.environ.get('HBC_VM_GUEST_TEST') or 'tests/vm/guest.sh', 'hbc/test.sh'),
                         ('tests/vm/run.sh', 'hbc/run.sh'), ('tests/lib/checks.sh', 'hbc/checks.sh'),
                         ('tests/lib/scenario.sh', 'hbc/scenario.sh'), ('tests/vm/hbc-test.service', 'hbc-test.service')]:
            shutil.copy(os.path.join(TOP, src), f'{units if dst.endswith(".service") else top}/{dst}')
        with open(f'{top}/hbc/env', 'w') as f:
            f.write(''.join(f'{k}={v}\n' for k, v in env.items()))
        os.symlink('../hbc-test.service', f'{units}/multi-user.target.wants/hbc-test.service')
        for masked in MASKED:
            os.symlink('/dev/null', f'{units}/{masked}')
        # no generators: a daemon-reload (every install, upgrade and purge) takes half the
        # time under TCG, and nothing here needs them
        os.makedirs(f'{top}/etc/systemd/system-generators')
        for gen in ('debug', 'fstab', 'getty', 'gpt-auto', 'hibernate-resume', 'rc-local', 'run', 'ssh',
                    'system-update', 'sysv', 'tpm2'):
            os.symlink('/dev/null', f'{top}/etc/systemd/system-generators/systemd-{gen}-generator')
        shutil.copyfile(root_path, f'{work}/initrd.gz')
        with open(f'{work}/initrd.gz', 'ab') as out:
            subprocess.run(f'bsdtar --format newc --uid 0 --gid 0 -cf - -C {top} . | gzip -n -1', shell=True,
                           stdout=out, check=True)
        return nonce

    def prepare(self, entry, work, res):
        if not entry.pin:
            raise StageError('kernel', f'no kernel pinned for {entry.row["debarch"]} in {KERNEL_PINS} '
                             f'(ci/pins.py add {os.path.relpath(KERNEL_PINS, TOP)} SUITE {entry.row["debarch"]} '
                             f'"{entry.row["kernel-package"]}>{conf("kernel-image-globs")}")')
        self.packages(entry)
        try:
            kdir = kimage.prepare(debian.fetch([entry.pin], KERNEL_PINS)[0])
            btfs = self.btf_files(entry)
        except (debian.ArchiveError, subprocess.CalledProcessError) as e:
            raise StageError('kernel', f'{entry.pin.package} {entry.pin.version}: {e}')
        root_path, root_suite = root(entry)
        if root_suite != entry.suite:
            res.notes.append(f'guest root: {root_suite} (none pinned for {entry.suite})')
        return kdir, self.initramfs(entry, work, root_path, btfs)

    def btf_files(self, entry):
        """For the guest's --btf checks: this kernel's BTF (cut from its package, or the
        minimal one the loader embeds for it) and another architecture's kernel BTF."""
        if entry.row['btf'] == 'embedded':
            own = os.path.join(TOP, 'vmlinux', entry.row['name'], 'min-btf', f'{entry.label}.btf')
            if not os.path.exists(own):
                raise debian.ArchiveError(f'no embedded BTF for {entry.label} ({os.path.relpath(own, TOP)}): '
                                          f'run vmlinux/min-btf.py {entry.row["name"]}')
        else:
            own = kimage.btf(debian.fetch([entry.pin], KERNEL_PINS)[0])
        kinds = {r['debarch']: r['btf'] for r in arches.rows()}
        other = next(p for p in debian.read_pins(KERNEL_PINS)[0]
                     if p.arch != entry.pin.arch and kinds.get(p.arch) == 'kernel')
        return own, kimage.btf(debian.fetch([other], KERNEL_PINS)[0])

    def qemu(self, entry, accel, kdir, work, log):
        row = entry.row
        cmd = [row['qemu'], '-accel', accel, '-M', row['qmachine'],
               '-cpu', tcg_cpu(row) if accel == 'tcg' else row['qcpu'], '-smp', str(self.smp),
               '-m', conf('memory-mb'), '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
               '-monitor', 'none', '-chardev', f'file,id=con,path={log}', '-serial', 'chardev:con',
               '-kernel', f'{kdir}/vmlinuz', '-initrd', f'{work}/initrd.gz',
               '-append', f'console={row["console"]} panic=-1 oops=panic rdinit=/lib/systemd/systemd '
               'systemd.show_status=0']
        open(f'{work}/qemu.cmd', 'w').write(' '.join(cmd) + '\n')
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(f'{work}/qemu.out', 'w'),
                                stderr=subprocess.STDOUT)

    def boot(self, entry, accel, kdir, work, nonce, res):
        """Run QEMU until it stops or a stage's limit passes. (qemu rc, timed-out stage)."""
        log = os.path.join(self.logdir, f'{entry.id}.log')
        open(log, 'w').close()
        p = self.qemu(entry, accel, kdir, work, log)
        self.procs.add(p)
        t0, t_init, t_res, stage = time.time(), None, None, 'boot'
        deadline, timed_out = t0 + self.limits['boot-timeout'], None
        try:
            while p.poll() is None:
                text = debian.slurp(log)
                if accel == 'kvm' and not text and time.time() - t0 > self.accel.grace:
                    say(f'[{entry.id}] no console output under KVM within {self.accel.grace:.0f} s: restarting under TCG')
                    res.notes.append('kvm gave no console output: restarted under tcg')
                    self.accel.kvm = False
                    p.kill()
                    p.wait()
                    return self.boot(entry, 'tcg', kdir, work, nonce, res)
                if t_init is None and f'HBC-VM-STAGE {nonce} init' in text:
                    t_init, stage, deadline = time.time(), 'setup', time.time() + self.limits['test-timeout']
                if t_init and t_res is None and f'HBC-VM-RESULT {nonce} ' in text:
                    t_res, stage, deadline = time.time(), 'poweroff', time.time() + self.limits['poweroff-timeout']
                if time.time() > deadline or self.stopping:
                    timed_out = stage if stage in ('boot', 'poweroff') else \
                        (re.findall(rf'HBC-VM-STAGE {nonce} (\S+)', text) or [stage])[-1]
                    p.terminate()
                    try:
                        p.wait(5)
                    except subprocess.TimeoutExpired:
                        p.kill()
                    break
                time.sleep(0.5)
        finally:
            p.wait()
            self.procs.discard(p)
        end, text = time.time(), debian.slurp(log)
        t_init = t_init or (end if f'HBC-VM-STAGE {nonce} init' in text else None)
        t_res = t_res or (end if f'HBC-VM-RESULT {nonce} ' in text else None)
        res.boot_s = f'{t_init - t0:.0f}' if t_init else '-'
        res.test_s = f'{t_res - t_init:.0f}' if t_init and t_res else '-'
        limit = self.limits['boot-timeout'] if timed_out == 'boot' else None
        res.result, res.attach, res.detail = verdict(text, nonce, p.returncode, timed_out, limit)
        say(f'[{entry.id}] {res.result} {res.attach} {res.boot_s} {res.test_s} {res.detail} '
            f'(qemu ran {end - t0:.0f} s with {accel})')
        return res

    def run_one(self, entry):
        res, work = Result(entry), tempfile.mkdtemp(dir=self.runs, prefix=entry.row['name'] + '.')
        try:
            t0 = time.time()
            kdir, nonce = self.prepare(entry, work, res)
            accel = self.accel.choose(entry, f'{kdir}/vmlinuz')
            say(f'[{entry.id}] boot {entry.pin.package} {entry.pin.version} ({entry.suite}/{entry.pin.arch}) '
                f'with {accel}, {self.smp} cpu(s) after {time.time() - t0:.0f} s of preparation; '
                f'console: {os.path.relpath(self.logdir, TOP)}/{entry.id}.log')
            self.boot(entry, accel, kdir, work, nonce, res)
        except Exception as e:  # noqa: BLE001 -- a bug here fails this row, not the matrix
            res.detail = str(e) if isinstance(e, StageError) else f'failed at stage prepare: {e!r}'
            say(f'[{entry.id}] FAIL {res.detail}')
        finally:
            if not self.keep:
                shutil.rmtree(work, ignore_errors=True)
        res.detail = '; '.join([res.detail] * bool(res.detail) + res.notes)
        return res

    def run(self, entries):
        order = sorted(range(len(entries)), key=lambda i: (
            sum(e.row is entries[i].row for e in entries[:i]), i))  # alternate architectures
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            futures = {i: pool.submit(self.run_one, entries[i]) for i in order}
            return [futures[i].result() for i in range(len(entries))]

    def stop(self, *_):
        self.stopping = True
        for p in list(self.procs):
            p.kill()
        raise KeyboardInterrupt

    def close(self):
        if not self.keep:
            shutil.rmtree(self.runs, ignore_errors=True)


def table(results, seconds):
    fmt = '{:<8} {:<9} {:<22} {:<6} {:<10} {:>6} {:>6}  {}'
    lines = ['', fmt.format('ARCH', 'SUITE', 'KERNEL', 'RESULT', 'ATTACH', 'BOOT_S', 'TEST_S', 'DETAIL')]
    lines += [fmt.format(r.entry.row['name'], r.entry.suite, r.entry.label, r.result, r.attach,
                         r.boot_s, r.test_s, r.detail) for r in results]
    passed = sum(r.result == 'PASS' for r in results)
    return '\n'.join(lines + ['', f'vm: wall time {seconds:.0f} s',
                              f'vm: {passed} passed, {len(results) - passed} failed']) + '\n'
