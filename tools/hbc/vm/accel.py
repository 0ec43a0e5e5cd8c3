# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""KVM or TCG. A /dev/kvm that opens may still run no guest (a nested, paravirtual
flavour), so KVM is used only once a guest was seen to run with it: the first native
row probes it (a console line within the grace time), and the answer holds for the run.
A VM that then gives no console output under KVM refutes it: the runner restarts that
row under TCG and tells this object, which says TCG from then on."""
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from .config import say


@dataclass(frozen=True)
class Policy:
    mode: str           # auto, kvm or tcg (HBC_VM_ACCEL)
    device: str         # HBC_VM_KVM_DEVICE
    grace: float        # seconds a KVM guest has to print its first console line

    @classmethod
    def from_env(cls, env=os.environ):
        return cls(env.get('HBC_VM_ACCEL', 'auto'), env.get('HBC_VM_KVM_DEVICE', '/dev/kvm'),
                   float(env.get('HBC_VM_KVM_GRACE', 20)))


def probe(row, vmlinuz, grace):
    """(ran, why): boot VMLINUZ under KVM; a first console line within GRACE proves it."""
    out = tempfile.NamedTemporaryFile(prefix='hbc-kvm-')
    cmd = [row['qemu'], '-accel', 'kvm', '-M', row['qmachine'], '-cpu', row['qcpu'], '-m', '256',
           '-nodefaults', '-display', 'none', '-no-reboot', '-serial', f'file:{out.name}',
           '-kernel', vmlinuz, '-append', f'console={row["console"]} panic=-1']
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.time() + grace
    while time.time() < end and p.poll() is None and not os.path.getsize(out.name):
        time.sleep(0.2)
    ran = os.path.getsize(out.name) > 0
    p.kill()
    why = p.communicate()[1].strip().splitlines()[-1:] or [f'no console output within {grace:.0f} s']
    return ran, why[0]


class Accel:
    """The run's KVM verdict: None until probed, then True or False for every row."""

    def __init__(self, policy=None):
        self.policy = policy or Policy.from_env()
        self.kvm = None
        self.lock = threading.Lock()

    def choose(self, row, vmlinuz):
        """'kvm' or 'tcg' for a guest of ROW booting VMLINUZ."""
        if self.policy.mode in ('kvm', 'tcg'):
            return self.policy.mode
        native = os.uname().machine in row['machines'].split(',')
        if not native or not os.access(self.policy.device, os.R_OK | os.W_OK):
            return 'tcg'
        with self.lock:
            if self.kvm is None:
                ran, why = probe(row, vmlinuz, self.policy.grace)
                say('kvm: a guest ran under KVM: using kvm' if ran else
                    f'kvm: {self.policy.device} present but a guest did not run ({why}): using tcg')
                self.kvm = ran
        return 'kvm' if self.kvm else 'tcg'

    def refute(self, why):
        """A guest gave no console output under KVM: TCG for the rest of the run."""
        with self.lock:
            self.kvm = False
        say(f'kvm: {why}: using tcg from now on')
