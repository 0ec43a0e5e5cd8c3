# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The matrix run: for each entry, prepare (kernel, BTF files, guest root, overlay),
choose the accelerator, run QEMU (qemu.watch), read the verdict; entries in a thread
pool, alternating architectures so that two VMs of one kind do not start together."""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from .. import TOP
from ..errors import ToolError
from ..proc import cache, run, terminate_children
from . import overlay, qemu, resolve
from .accel import Accel
from .config import StageError, conf, say
from .verdict import parse


@dataclass
class Result:
    entry: object
    result: str = 'FAIL'
    attach: str = '-'
    accel: str = '-'                # what QEMU ran the guest with: kvm or tcg
    boot_s: str = '-'
    test_s: str = '-'
    detail: str = ''
    notes: list = field(default_factory=list)


def host_packages(entries, path=os.path.join(TOP, 'ci/vm/host-deps.txt'), native=None):
    """The packages of host-deps.txt that ENTRIES need ("PACKAGE [WHEN]" lines)."""
    native = native or run(['dpkg', '--print-architecture']).strip()
    names = {e.row['name'] for e in entries}
    foreign = any(e.row['debarch'] != native for e in entries)
    out = []
    with open(path) as f:
        for line in f:
            words = line.split('#', 1)[0].split()
            if words and (len(words) == 1 or names & set(words[1:]) or (foreign and 'foreign' in words[1:])):
                out.append(words[0])
    return out


def ensure_tools(entries):
    """The host packages ENTRIES need (ci/vm/host-deps.txt), installed where missing."""
    os.environ['PATH'] += ':/usr/sbin:/sbin'
    with tempfile.NamedTemporaryFile('w', prefix='hbc-host-deps-', suffix='.txt') as f:
        f.write('\n'.join(host_packages(entries)) + '\n')
        f.flush()
        p = subprocess.run(['bash', '-c', f'. "{TOP}/ci/lib/deps.sh" && install_missing "$1"', 'deps', f.name],
                           stdout=sys.stderr, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise ToolError(p.stderr.strip() or "cannot install the VM host tools (ci/vm/host-deps.txt)")


def note(entry, res, why):
    """WHY (a choice made for ENTRY's run, or None) said now and kept in RES's DETAIL."""
    if why:
        say(f'[{entry.id}] {why}')
        res.notes.append(why)


def prepare(entry, pkgdir, work, limits, shell=''):
    """(kernel dir, nonce, notes) for ENTRY: resolved once, its initramfs in WORK;
    StageError naming the stage."""
    res = resolve.resolve(entry, pkgdir)
    return res.kdir, overlay.initramfs(res, pkgdir, work, limits.test, shell), res.notes


class Runner:
    def __init__(self, pkgdir, logdir, jobs, keep, accel=None, shell=''):
        """JOBS: VMs at once; each gets an equal share of the CPUs (all of them when the
        run has one VM, as a hosted-CI row has). SHELL: --shell's "after" or "instead"."""
        self.pkgdir, self.logdir, self.jobs, self.keep, self.shell = pkgdir, logdir, jobs, keep, shell
        self.smp = max(1, (os.cpu_count() or 1) // jobs)
        self.accel, self.stopping = accel or Accel(), qemu.Stopping()
        self.limits = qemu.Limits.from_conf()
        os.makedirs(cache('vm', 'runs'), exist_ok=True)
        self.runs = tempfile.mkdtemp(dir=cache('vm', 'runs'), prefix='run.')

    def tcg(self, entry, res):
        """-accel's value for ENTRY under TCG; the reason in RES's notes when it is not plain."""
        how, why = qemu.tcg_accel(entry.row, self.smp, qemu.version(entry.row['qemu']))
        note(entry, res, why)
        return how

    def boot(self, entry, accel, kdir, work, nonce, res):
        """QEMU under ACCEL until it stops; the verdict into RES. A guest silent under KVM
        is run again under TCG (and KVM refuted for the rest of the run)."""
        log = os.path.join(self.logdir, f'{entry.id}.log')
        model, why = qemu.cpu_for(entry.row, f'{kdir}/vmlinuz')
        note(entry, res, why)
        while True:
            cpu, how = (model, accel) if accel != 'tcg' else (qemu.tcg_cpu(entry.row, model), self.tcg(entry, res))
            cmd = qemu.command(entry.row, how, cpu, self.smp, conf('memory-mb'), f'{kdir}/vmlinuz',
                               f'{work}/initrd.gz', log, bool(self.shell))
            silent_after = self.accel.policy.grace if accel == 'kvm' else None
            run = qemu.watch(cmd, log, nonce, self.limits, self.stopping, silent_after, work, bool(self.shell))
            if not run.silent:
                break
            why = f'no console output under KVM within {self.accel.policy.grace:.0f} s'
            say(f'[{entry.id}] {why}: restarting under TCG')
            res.notes.append('kvm gave no console output: restarted under tcg')
            self.accel.refute(why)
            accel = 'tcg'
        res.accel = accel
        res.boot_s = f'{run.boot_s:.0f}' if run.boot_s is not None else '-'
        res.test_s = f'{run.test_s:.0f}' if run.test_s is not None else '-'
        limit = self.limits.boot if run.timed_out == 'boot' else None
        with open(log, errors='replace') as f:
            v = parse(f.read(), nonce, run.rc, run.timed_out, limit)
        res.result, res.attach, res.detail = v.result, v.attach, v.detail
        say(f'[{entry.id}] {res.result} {res.attach} {res.boot_s} {res.test_s} {res.detail} '
            f'(qemu ran {run.wall_s:.0f} s with {accel})')
        return res

    def run_one(self, entry):
        if self.stopping.set:
            return Result(entry)
        res, work = Result(entry), tempfile.mkdtemp(dir=self.runs, prefix=entry.row['name'] + '.')
        try:
            t0 = time.time()
            kdir, nonce, notes = prepare(entry, self.pkgdir, work, self.limits, self.shell)
            res.notes += notes
            accel = self.accel.choose(entry.row, f'{kdir}/vmlinuz')
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
            try:
                return [futures[i].result() for i in range(len(entries))]
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)  # the VMs not started: dropped
                self.wind_down(futures.values())
                raise

    @staticmethod
    def wind_down(futures, seconds=30):
        """Until the VMs under way have ended (or SECONDS passed): each step they go on to
        fails at once, since every child they start is told to stop as well."""
        end = time.time() + seconds
        while not all(f.done() for f in futures) and time.time() < end:
            terminate_children()
            time.sleep(0.2)

    def stop(self, *_):
        """SIGTERM: every QEMU killed, every other child (a root build, a download) told to
        stop, no VM started after; the run ends with KeyboardInterrupt."""
        self.stopping.stop()
        terminate_children()
        raise KeyboardInterrupt

    def close(self):
        if not self.keep:
            shutil.rmtree(self.runs, ignore_errors=True)


def table(results, seconds):
    """The matrix as printed and saved (vm-logs/matrix.txt); its last line is the count."""
    fmt = '{:<8} {:<9} {:<22} {:<6} {:<10} {:<5} {:>6} {:>6}  {}'
    lines = ['', fmt.format('ARCH', 'SUITE', 'KERNEL', 'RESULT', 'ATTACH', 'ACCEL', 'BOOT_S', 'TEST_S', 'DETAIL')]
    lines += [fmt.format(r.entry.row['name'], r.entry.suite, r.entry.label, r.result, r.attach, r.accel,
                         r.boot_s, r.test_s, r.detail) for r in results]
    passed, failed = (sum(r.result == v for r in results) for v in ('PASS', 'FAIL'))  # SHELL: neither
    return '\n'.join(lines + ['', f'vm: wall time {seconds:.0f} s',
                              f'vm: {passed} passed, {failed} failed']) + '\n'
