# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A kernel image file a user brings (ci/vm-test.py --kernel-file): which architecture of
arch/arches.txt it is for, read from its own header (compressed images looked into), its
release, and, cut out once and cached by the file's SHA-256 as kimage does for packages:
  cache/kernels/file-<sha>/{vmlinuz,release}   vmlinuz as QEMU's -kernel takes it
  cache/btf/file-<sha>.btf                      its BTF, when it has some
The headers (the kernel's Documentation/arch/*/booting.rst and boot protocols):
  x86      bzImage: "HdrS" at 0x202; xloadflags bit 0 (at 0x236) for a 64-bit kernel
  arm64    Image: "ARM\\x64" at 0x38
  riscv    Image: "RSC\\x05" at 0x38
  arm      zImage: 0x016f2818 at 0x24
  s390x    image: "S390EP" at 0x10008
  any      an ELF vmlinux: its e_machine (ppc64el: EM_PPC64, little-endian)"""
import hashlib
import os
import re
import struct
from dataclasses import dataclass

from . import kimage
from .proc import cache, locked

ELF_MACHINES = {62: 'x86', 183: 'arm64', 243: 'riscv', 40: 'arm', 21: 'ppc64el', 22: 's390x'}


@dataclass(frozen=True)
class Image:
    arch: str           # the arch table's name; None: no kernel of the table
    what: str           # what was found, for messages ("an arm64 Image (16K pages) in a gzip stream")
    release: str = '-'  # "Linux version X": X, where the image says it
    data: bytes = b''   # the bytes QEMU's -kernel boots (decompressed where it needs)
    path: str = ''      # the file
    sha256: str = ''    # the file's SHA-256 (hex), from the one read identify() makes


def _release(data):
    m = re.search(rb'Linux version (\S+) ', data)
    return m.group(1).decode('ascii', 'replace') if m else '-'


def _x86(data):
    if data[0x236] & 1 == 0:
        return None, 'a 32-bit x86 bzImage (the x86 row boots x86_64 kernels)', None
    ver = struct.unpack_from('<H', data, 0x20e)[0] + 0x200   # the setup's version string
    return 'x86', 'an x86 bzImage', data[ver:ver + 128].split(b' ')[0].decode('ascii', 'replace')


def _elf(data):
    order = '<' if data[5] == 1 else '>'
    machine = struct.unpack_from(order + 'H', data, 18)[0]
    arch = ELF_MACHINES.get(machine)
    if arch == 'ppc64el' and order == '>':
        return None, 'a big-endian powerpc ELF (the ppc64el row boots little-endian kernels)', None
    if not arch or b'Linux version ' not in data:
        return None, f'an ELF file (e_machine {machine}) that is no Linux kernel of the table', None
    return arch, f'an ELF {arch} vmlinux', None


def _header(data):
    """(arch, what, release or None) from the bytes' own header: arch None with what
    something is not (an ELF of another machine), or with what None when no header matched."""
    if len(data) > 0x240 and data[0x202:0x206] == b'HdrS':
        return _x86(data)
    if data[0x38:0x3c] == b'ARM\x64':
        page = kimage.arm64_page_kib_of(data)
        return 'arm64', f'an arm64 Image ({page}K pages)' if page else 'an arm64 Image', None
    if data[0x38:0x3c] == b'RSC\x05':
        return 'riscv', 'a riscv64 Image', None
    if len(data) > 0x28 and struct.unpack_from('<I', data, 0x24)[0] == 0x016F2818:
        return 'arm', 'an arm zImage', None
    if data[0x10008:0x1000e] == b'S390EP':
        return 's390x', 'an s390x image', None
    if data[:4] == b'\x7fELF' and len(data) > 20:
        return _elf(data)
    return None, None, None


def identify(path):
    """The Image of the file at PATH: a raw image, or one inside a compressed stream or an
    EFI zboot container (looked into once)."""
    with open(path, 'rb') as f:
        raw = f.read()
    sha = hashlib.sha256(raw).hexdigest()
    arch, what, rel = _header(raw)
    if what:
        return Image(arch, what, rel or _release(raw), raw, path, sha)
    for desc, kind, payload in kimage.payloads(raw):
        inner = kimage.decompress(kind, payload)
        arch, what, rel = _header(inner) if inner else (None, None, None)
        if arch:
            return Image(arch, f'{what} in the {desc}', rel or _release(inner), inner, path, sha)
    head = raw[:16].hex(' ') if raw else 'an empty file'
    return Image(None, f'no kernel image header of arch/arches.txt (first bytes: {head})', path=path, sha256=sha)


def prepare(image, sha):
    """The kernel directory (as kimage.prepare makes for a package) of IMAGE, whose
    file has SHA-256 SHA."""
    out = cache('kernels', f'file-{sha}')
    with locked('kernels', '.lock'):
        if not os.path.exists(os.path.join(out, 'release')):
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, 'vmlinuz'), 'wb') as f:
                f.write(image.data)
            with open(os.path.join(out, 'release'), 'w') as f:
                f.write(image.release + '\n')
    return out


def btf(image, sha):
    """The path of IMAGE's BTF (cache/btf/file-<sha>.btf), cut out once; None: it has none."""
    path = cache('btf', f'file-{sha}.btf')
    with locked('btf', '.lock'):
        if not os.path.exists(path):
            found = kimage.find_btf(image.data)
            if not found:
                return None
            with open(path + '.tmp', 'wb') as f:
                f.write(found[0])
            with open(path + '.how', 'w') as f:
                f.write(found[1] + '\n')
            os.rename(path + '.tmp', path)
    return path
