# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What one run adds to the shared guest root: the test and its unit, /hbc/env, both
apt repositories, the guest test tools and BTF files; appended to the root as a second
cpio (the kernel unpacks both into its initramfs)."""
import os
import re
import secrets
import shutil
import subprocess
from .. import TOP
from ..proc import run
from .config import StageError, conf

# Units of a guest's boot that the test needs not and TCG makes slow (a one-CPU guest
# boots ~40 % sooner without them): module loading (the guest has no modules), first-boot
# caches, a persistent journal, the gettys (the console is the test's).
MASKED = ['getty@.service', 'serial-getty@.service', 'getty-static.service', 'modprobe@.service',
          'systemd-modules-load.service', 'ldconfig.service', 'systemd-journal-catalog-update.service',
          'systemd-update-done.service', 'systemd-journal-flush.service', 'systemd-random-seed.service',
          'dev-hugepages.mount', 'dev-mqueue.mount', 'sys-fs-fuse-connections.mount']
MODULE_UNITS = ('modprobe@.service', 'systemd-modules-load.service')
# no generators: a daemon-reload (every install, upgrade and purge) takes half the time
# under TCG, and nothing here needs them
GENERATORS = ('debug', 'fstab', 'getty', 'gpt-auto', 'hibernate-resume', 'rc-local', 'run', 'ssh',
              'system-update', 'sysv', 'tpm2')
GUEST_FILES = [('tests/vm/run.sh', 'hbc/run.sh'), ('tests/lib/checks.sh', 'hbc/checks.sh'),
               ('tests/lib/scenario.sh', 'hbc/scenario.sh')]


def packages(pkgdir, row):
    """(current .deb, previous-release .deb) of ROW's architecture, beside the
    repositories ci/build.sh wrote (PKGDIR/apt, PKGDIR/previous/apt)."""
    found = []
    for d in (pkgdir, os.path.join(pkgdir, 'previous')):
        debs = sorted(f for f in os.listdir(d) if re.fullmatch(
            rf'hello-buffer-config_.*_{row["debarch"]}\.deb', f)) if os.path.isdir(d) else []
        if not debs or not os.path.isdir(os.path.join(d, 'apt')):
            raise StageError('package', f'no hello-buffer-config_*_{row["debarch"]}.deb and apt/ '
                             f'in {d} (run ci/build.sh)')
        found.append(os.path.join(d, debs[-1]))
    return found


def guest_env(res, nonce, test_timeout, shell=''):
    """/hbc/env: what tests/vm/guest.sh reads (its header lists the same names)."""
    field = lambda d, f: run(['dpkg-deb', '-f', d, f]).strip()
    row = res.entry.row
    return {'HBC_AUTOPKGTEST': int(any(p.package == 'autopkgtest' for p in res.root_pins)), 'HBC_NONCE': nonce,
            'HBC_PKG': field(res.deb, 'Package'), 'HBC_OBJECT': row['name'],
            'HBC_MACHINES': row['machines'], 'HBC_BTF': res.btf.kind, 'HBC_VERSION': field(res.deb, 'Version'),
            'HBC_PREVIOUS': field(res.prev, 'Version'), 'HBC_STEP_TIMEOUT': test_timeout // 3,
            'HBC_GUEST_TIMEOUT': test_timeout - 10,
            'HBC_STORM': int(os.environ.get('HBC_VM_STORM') or conf('storm-execs')), 'HBC_SHELL': shell,
            'HBC_MODULES': int(bool(res.entry.modules))}


def initramfs(res, pkgdir, work, test_timeout, shell=''):
    """WORK/initrd.gz: the shared root plus this run's overlay, from RES (resolve.Resolved)
    and the repositories beside its packages in PKGDIR; SHELL: "after" or "instead" of the
    stages, a shell on the console (--shell). Returns the run's nonce."""
    entry = res.entry
    nonce = os.environ.get('HBC_VM_NONCE') or secrets.token_hex(8)
    top, units = f'{work}/overlay', f'{work}/overlay/etc/systemd/system'
    os.makedirs(f'{units}/multi-user.target.wants')
    shutil.copytree(os.path.join(pkgdir, 'apt'), f'{top}/hbc/repo')
    shutil.copytree(os.path.join(pkgdir, 'previous/apt'), f'{top}/hbc/repo-prev')
    shutil.copytree(os.path.join(TOP, 'packaging/debian'), f'{top}/hbc/src/debian')  # its autopkgtest,
    open(f'{top}/hbc/src/debian/files', 'w').close()  # ... as a built tree: no dpkg-dev needed
    tools = os.path.join(pkgdir, 'test-tools', entry.row['name'])
    if not os.path.isdir(tools):
        raise StageError('package', f'no {tools} (the guest test tools: run ci/build.sh)')
    shutil.copytree(tools, f'{top}/hbc/tools')
    shutil.copy(res.btf.own, f'{top}/hbc/kernel.btf')
    if res.btf.kind == 'file':  # where the loader looks on a kernel without BTF (loader/kbtf.c)
        os.makedirs(f'{top}/boot')
        shutil.copy(res.btf.own, f'{top}/boot/vmlinux-{entry.image.release}')
    shutil.copy(res.btf.other, f'{top}/hbc/other.btf')
    test = os.path.join(TOP, os.environ.get('HBC_VM_GUEST_TEST') or 'tests/vm/guest.sh')
    shutil.copy(test, f'{top}/hbc/test.sh')
    for src, dst in GUEST_FILES:
        shutil.copy(os.path.join(TOP, src), f'{top}/{dst}')
    shutil.copy(os.path.join(TOP, 'tests/vm/hbc-test.service'), f'{units}/hbc-test.service')
    if entry.modules:   # --modules: the tree, and module loading not masked (udev loads them)
        # under usr/: the roots are merged-/usr, and a "lib" directory in this cpio would
        # replace their /lib symlink when the kernel unpacks it (and /lib/systemd with it)
        shutil.copytree(entry.modules, f'{top}/usr/lib/modules/{entry.image.release}', symlinks=True)
    with open(f'{top}/hbc/env', 'w') as f:
        f.write(''.join(f'{k}={v}\n' for k, v in guest_env(res, nonce, test_timeout, shell).items()))
    os.symlink('../hbc-test.service', f'{units}/multi-user.target.wants/hbc-test.service')
    for masked in MASKED:
        if not (entry.modules and masked in MODULE_UNITS):
            os.symlink('/dev/null', f'{units}/{masked}')
    os.makedirs(f'{top}/etc/systemd/system-generators')
    for gen in GENERATORS:
        os.symlink('/dev/null', f'{top}/etc/systemd/system-generators/systemd-{gen}-generator')
    # the root is zstd, the overlay gzip: the kernel takes concatenated cpio archives of
    # either; the file is named initrd.gz for QEMU's sake only
    shutil.copyfile(res.root_path, f'{work}/initrd.gz')
    with open(f'{work}/initrd.gz', 'ab') as out:
        subprocess.run(f'bsdtar --format newc --uid 0 --gid 0 -cf - -C {top} . | gzip -n -1', shell=True,
                       stdout=out, check=True)
    return nonce
