# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""One QEMU run: the command line, and the process watched stage by stage until it
powers off or a stage's limit passes. Knows nothing of packages or verdicts: it returns
what happened (Run) and the caller reads the console log."""
import functools
import os
import re
import subprocess
import time
from dataclasses import dataclass

from .. import kimage
from ..proc import slurp
from .config import conf
from .verdict import RESULT, STAGE


# Translation granules of the table's CPU models that lack some: an arm64 kernel built
# for 16K pages hangs silently on a Cortex-A72 (4K and 64K only); it boots on "max".
GRANULES_KIB = {'cortex-a72': (4, 64)}


def cpu_for(row, kernel):
    """(CPU model, why or None): the table's qcpu, or "max" where KERNEL (an image) needs
    a page size the qcpu has no translation granule for."""
    page = kimage.arm64_page_kib(kernel) if row['debarch'] == 'arm64' else None
    if page and page not in GRANULES_KIB.get(row['qcpu'], (page,)):
        return 'max', f'{page}K pages: -cpu max ({row["qcpu"]} has no {page}K granule)'
    return row['qcpu'], None


def tcg_cpu(row, cpu=None):
    """CPU (default: the table's qcpu) plus the tcg-cpu-options this QEMU accepts for it."""
    cpu = cpu or row['qcpu']
    for opt in conf('tcg-cpu-options', '').split(','):
        if opt and subprocess.run([row['qemu'], '-accel', 'tcg', '-M', row['qmachine'], '-cpu', f'{cpu},{opt}',
                                   '-nodefaults', '-display', 'none', '-S', '-monitor', 'stdio'],
                                  input='quit\n', capture_output=True, text=True, timeout=30).returncode == 0:
            cpu += ',' + opt
    return cpu


# QEMU before 8.1 could run a translation of guest code that another vCPU's thread had
# just rewritten (fixed by its commit deba78709a, "accel/tcg: Always lock pages before
# translation"). An x86 kernel rewrites its text (static keys, tracepoints, kprobes)
# through a transient int3, so an x86 guest with 2 or more vCPUs on such a QEMU now and
# then dies of "int3" at a jump patched a moment before (QEMU 7.2, 2 vCPUs flipping the
# sched_switch tracepoint: "Oops: int3" in __schedule within 250 flips, 5 runs of 5; on one
# thread, 0 of 3 runs of 3,000). Such a guest gets one TCG thread for all its vCPUs.
# Other architectures patch one instruction word at a time: a stale translation runs
# either the old or the new one, both of them whole (arm64, same test: 3,000 flips, no oops).
MTTCG_FIXED_IN = (8, 1)
INT3_PATCHING = ('amd64', 'i386')


@functools.lru_cache(maxsize=None)
def version(binary):
    """BINARY's version as a tuple of ints ("QEMU emulator version 7.2.22 (...)": (7, 2, 22)),
    () when it says none."""
    out = subprocess.run([binary, '--version'], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r'^QEMU emulator version (\d+(?:\.\d+)*)', out, re.M)
    return tuple(int(x) for x in m.group(1).split('.')) if m else ()


def tcg_accel(row, smp, have):
    """(-accel value, why or None) for a TCG guest of ROW with SMP vCPUs under QEMU version
    HAVE: one thread for them all where that QEMU could run stale patched x86 text."""
    if smp < 2 or row['debarch'] not in INT3_PATCHING or (have and have >= MTTCG_FIXED_IN):
        return 'tcg', None
    v = '.'.join(map(str, have)) or 'of unknown version'
    return 'tcg,thread=single', (f'{smp} vCPUs on one TCG thread: QEMU {v} < 8.1 can run stale '
                                 'x86 kernel text being patched (an int3 oops)')


def command(row, accel, cpu, smp, memory_mb, kernel, initrd, log, interactive=False):
    """QEMU's command line; INTERACTIVE: the console on this terminal too (--shell), Ctrl-C
    going to the guest, everything still written to LOG."""
    con = f'stdio,id=con,logfile={log},signal=off' if interactive else f'file,id=con,path={log}'
    return [row['qemu'], '-accel', accel, '-M', row['qmachine'], '-cpu', cpu, '-smp', str(smp),
            '-m', str(memory_mb), '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
            '-monitor', 'none', '-chardev', con, '-serial', 'chardev:con',
            '-kernel', kernel, '-initrd', initrd,
            '-append', f'console={row["console"]} panic=-1 oops=panic rdinit=/lib/systemd/systemd '
            'systemd.show_status=0']


@dataclass
class Limits:
    boot: int           # power-on to the guest's 'init' stage
    test: int           # 'init' to its RESULT line
    poweroff: int       # RESULT to QEMU's exit

    @classmethod
    def from_conf(cls, env=os.environ):
        get = lambda k: int(env.get(f'HBC_VM_{k.upper().replace("-", "_")}', conf(k)))
        return cls(get('boot-timeout'), get('test-timeout'), get('poweroff-timeout'))


@dataclass
class Run:
    rc: int = None              # QEMU's exit status
    timed_out: str = None       # the stage the host stopped it at, or None
    silent: bool = False        # stopped because it printed nothing within the grace time
    boot_s: float = None        # power-on to 'init'
    test_s: float = None        # 'init' to RESULT
    wall_s: float = 0.0


class Stopping:
    """Set by the runner on SIGTERM: every watched QEMU is stopped at once."""

    def __init__(self):
        self.set = False
        self.procs = set()

    def stop(self):
        self.set = True
        for p in list(self.procs):
            p.kill()


def watch(cmd, log, nonce, limits, stopping, silent_after=None, workdir=None, interactive=False):
    """Start CMD (its console goes to LOG) and watch it; SILENT_AFTER seconds without a
    console line stop it as silent (KVM that runs no guest). INTERACTIVE (--shell): QEMU
    has this terminal, and once the verdict is out the guest's shell has no time limit."""
    open(log, 'w').close()
    if workdir:
        with open(os.path.join(workdir, 'qemu.cmd'), 'w') as f:
            f.write(' '.join(cmd) + '\n')
    out = open(os.path.join(workdir, 'qemu.out'), 'w') if workdir else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdin=None if interactive else subprocess.DEVNULL,
                         stdout=None if interactive else out, stderr=None if interactive else subprocess.STDOUT)
    stopping.procs.add(p)
    r, t0, t_init, t_res, stage = Run(), time.time(), None, None, 'boot'
    deadline = t0 + limits.boot
    try:
        while p.poll() is None:
            text = slurp(log)
            if silent_after is not None and not text and time.time() - t0 > silent_after:
                r.silent = True
                p.kill()
                break
            if t_init is None and f'{STAGE} {nonce} init' in text:
                t_init, stage, deadline = time.time(), 'setup', time.time() + limits.test
            if t_init and t_res is None and f'{RESULT} {nonce} ' in text:
                t_res, stage = time.time(), 'poweroff'
                deadline = float('inf') if interactive else time.time() + limits.poweroff
            if time.time() > deadline or stopping.set:
                r.timed_out = stage if stage in ('boot', 'poweroff') else \
                    (re.findall(rf'{STAGE} {nonce} (\S+)', text) or [stage])[-1]
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                break
            time.sleep(0.5)
    finally:
        p.wait()
        stopping.procs.discard(p)
        if workdir:
            out.close()
    end, text = time.time(), slurp(log)
    t_init = t_init or (end if f'{STAGE} {nonce} init' in text else None)
    t_res = t_res or (end if f'{RESULT} {nonce} ' in text else None)
    r.rc, r.wall_s = p.returncode, end - t0
    r.boot_s = t_init - t0 if t_init else None
    r.test_s = t_res - t_init if t_init and t_res else None
    return r
