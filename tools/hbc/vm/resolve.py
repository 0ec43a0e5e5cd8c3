# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""One VM entry resolved once, before anything is assembled: the packages under test,
the kernel (its .deb downloaded and verified once, the bootable image, where its BTF comes
from and the BTF files the guest's --btf checks use) and the guest root (suite, pins,
the built cpio). overlay.initramfs and the QEMU run take this value and look nothing up
again."""
import subprocess
from dataclasses import dataclass, field

from .. import arches, btfindex, kfile, kimage, minbtf, pinfile
from ..errors import ConfigError, HbcError
from . import overlay, roots
from .config import KERNEL_PINS, StageError, say
from .matrix import Entry


@dataclass(frozen=True)
class Btf:
    kind: str       # "kernel": the kernel has BTF of its own; "embedded": the loader carries one;
                    # "file": --kernel-file --btf FILE, in the guest at /boot/vmlinux-<release>
    own: str        # this kernel's BTF file (cut from its package, or the one the loader embeds)
    other: str      # another architecture's kernel BTF (a --btf that must not load)


@dataclass(frozen=True)
class Resolved:
    entry: Entry
    deb: str                # the package under test, and the previous release's
    prev: str
    kdir: str               # kimage.prepare: vmlinuz, release, config
    btf: Btf
    root_path: str          # the guest root's .cpio.zst
    root_suite: str
    root_pins: list = field(default_factory=list)

    @property
    def notes(self):
        e = self.entry
        return [f'guest root: {self.root_suite} (none pinned for {e.suite})'] if self.root_suite != e.suite else []


def btf_of(entry, deb, index):
    """Where ENTRY's kernel (DEB, verified) gets its BTF, and the files for the --btf checks.
    INDEX: btfindex.by_package of vmlinux/*/min-btf/. A kernel outside the corpus (a
    --kernel from the archive today) is looked at: with BTF it is "kernel"; without, an
    error."""
    sha = entry.pin.sha256
    if sha in index:
        kind = index[sha].btf
    elif kimage.carries_btf(deb, sha):
        kind = 'kernel'
    else:
        raise ConfigError(f'{entry.pin.package} {entry.pin.version} has no BTF and is not in vmlinux/corpus.txt, '
                          f'so the loader carries none for it: add it with ci/pins.py add vmlinux/corpus.txt, '
                          f'then run ci/vmlinux.py min-btf {entry.row["name"]}')
    own = index[sha].path if kind == 'embedded' else kimage.btf(deb, sha=sha)
    return Btf(kind, own, other_btf(entry, index))


def other_btf(entry, index):
    """Another architecture's kernel BTF (a --btf that must not load), from the default pins;
    INDEX as for btf_of."""
    other = next(p for p in pinfile.read_pins(KERNEL_PINS)[0]
                 if p.arch != entry.row['debarch'] and p.sha256 in index and index[p.sha256].btf == 'kernel')
    return kimage.btf(pinfile.fetch([other], KERNEL_PINS)[0], sha=other.sha256)


def file_kernel(entry, index):
    """(kernel dir, Btf) of a --kernel-file entry: a kernel with BTF of its own, else the
    --btf file given (which the guest's loader finds at /boot/vmlinux-<release>), else an
    error saying what to pass."""
    image, sha = entry.image, entry.pin.sha256
    own = kfile.btf(image, sha)
    if own:
        if entry.btf:
            say(f'[{entry.id}] --btf {entry.btf} not used: the image has BTF of its own')
        return kfile.prepare(image, sha), Btf('kernel', own, other_btf(entry, index))
    if not entry.btf:
        raise ConfigError(f'{image.path} ({image.what}) has no BTF, which the loader needs and carries '
                          f'only for the kernels of vmlinux/corpus.txt: pass its BTF with --btf FILE '
                          f'(pahole -J of its vmlinux), or build it with CONFIG_DEBUG_INFO_BTF=y')
    return kfile.prepare(image, sha), Btf('file', entry.btf, other_btf(entry, index))


def resolve(entry, pkgdir):
    """ENTRY resolved (Resolved); StageError naming the stage that could not be."""
    if not entry.pin:
        raise StageError('kernel', entry.missing_kernel())
    deb, prev = overlay.packages(pkgdir, entry.row)
    try:
        index = btfindex.by_package(minbtf.directory(r) for r in arches.rows())   # read once
        if entry.image:
            kdir, btf = file_kernel(entry, index)
        else:
            kdeb = pinfile.fetch([entry.pin], entry.pins)[0]    # downloaded and verified once
            kdir = kimage.prepare(kdeb, entry.pin.sha256)
            btf = btf_of(entry, kdeb, index)
    except (HbcError, OSError, subprocess.CalledProcessError) as e:
        raise StageError('kernel', f'{entry.pin.package} {entry.pin.version}: {e}') from None
    root_path, root_suite, root_pins = roots.root(entry)
    return Resolved(entry, deb, prev, kdir, btf, root_path, root_suite, root_pins)
