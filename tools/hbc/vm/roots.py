# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Guest roots: a Debian userland per (suite, architecture) of exactly the pinned
packages (ci/vm/rootfs-pins.txt), built once with mmdebstrap under qemu-user and cached
as a zstd newc cpio (the guest kernel unpacks it as its initramfs)."""
import glob
import hashlib
import inspect
import os
import subprocess
import tempfile
import time

from .. import TOP, pinfile
from ..errors import HbcError
from ..proc import cache, locked, run
from .config import ROOT_PINS, StageError, say

PRUNE = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'usr/share/lintian']


def ensure_binfmt(debarch):
    """qemu-user registered for DEBARCH (ci/lib/deps.sh), unless it is the host's."""
    if debarch == run(['dpkg', '--print-architecture']).strip():
        return
    p = subprocess.run(['bash', '-c', f'. "{TOP}/ci/lib/deps.sh" && ensure_binfmt {debarch}'],
                       capture_output=True, text=True)
    if p.returncode:
        raise StageError('rootfs', p.stderr.strip())


def suites(debarch, pins=ROOT_PINS):
    """The suites with a guest root pinned for DEBARCH, in the pin file's order (newest last)."""
    found = list(dict.fromkeys(r.suite for r in pinfile.read_pins(pins)[0] if r.arch == debarch))
    if not found:
        raise StageError('rootfs', f'{pins} has no {debarch} root: ci/pins.py add')
    return found


def root_rows(entry, pins=ROOT_PINS):
    """The pinned packages of the guest root for ENTRY: its suite's, else the newest pinned."""
    rows, _ = pinfile.read_pins(pins)
    pinned = suites(entry.row['debarch'], pins)
    suite = entry.suite if entry.suite in pinned else pinned[-1]
    return suite, [r for r in rows if r.arch == entry.row['debarch'] and r.suite == suite]


def build_root(suite, arch, pins, out):
    """mmdebstrap of exactly the pinned packages (essential variant + the others named)."""
    ensure_binfmt(arch)
    debs = pinfile.fetch(pins, ROOT_PINS)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out)) as tmp:
        os.mkdir(f'{tmp}/debs')
        for deb in debs:
            os.symlink(deb, os.path.join(tmp, 'debs', os.path.basename(deb)))
        run([f'{TOP}/packaging/apt-repo.sh', f'{tmp}/debs', f'{tmp}/repo'],
            env=dict(os.environ, HBC_REPO_SUITE=suite, HBC_REPO_KEY=''))
        extra = [p.package for p, d in zip(pins, debs) if run(['dpkg-deb', '-f', d, 'Essential']).strip() != 'yes']
        prune = ' '.join(f'"$1/{d}"' for d in PRUNE)
        run(['mmdebstrap', '--mode=root', '--variant=essential', f'--architectures={arch}',
             f'--include={",".join(extra)}', '--aptopt=Acquire::Languages "none"',
             f'--customize-hook=for d in {prune}; do [ ! -d "$d" ] || find "$d" -depth ! -type d -delete; done',
             '--customize-hook=printf "hbc-vm\\n" >"$1/etc/hostname"',
             '--customize-hook=rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*',
             suite, f'{tmp}/root.tar', f'deb [trusted=yes] copy://{tmp}/repo {suite} main'])
        # zstd: the guest kernel unpacks it ~30 % faster than gzip under TCG
        subprocess.run(f'bsdtar --format newc -cf - @{tmp}/root.tar | zstd -q -T0 -12 >{out}.tmp', shell=True, check=True)
        os.rename(f'{out}.tmp', out)


def root(entry):
    """(path of the .cpio.zst, suite, pins) of ENTRY's guest root, built once per pins and
    builder."""
    suite, pins = root_rows(entry)
    arch = entry.row['debarch']
    key = hashlib.sha256(repr((pins, PRUNE, inspect.getsource(build_root))).encode()).hexdigest()[:16]
    path = cache('vm', 'rootfs', f'{suite}-{arch}-{key}.cpio.zst')
    with locked('vm', 'rootfs', f'.{suite}-{arch}.lock'):
        if not os.path.exists(path):
            t0 = time.time()
            say(f'building the {suite}/{arch} guest root ({len(pins)} packages)')
            try:
                build_root(suite, arch, pins, path)
            except (HbcError, subprocess.CalledProcessError) as e:
                raise StageError('rootfs', str(e)[-1500:]) from None
            say(f'built the {suite}/{arch} guest root in {time.time() - t0:.0f} s: '
                f'{os.path.getsize(path) >> 20} MiB')
            for old in glob.glob(cache('vm', 'rootfs', f'{suite}-{arch}-*')):
                if old != path and time.time() - os.path.getmtime(old) > 7 * 86400:
                    os.unlink(old)  # other pins' roots, unused for a week (other checkouts may share)
    os.utime(path)
    return path, suite, pins
