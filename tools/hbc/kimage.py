# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Debian kernel packages: the image QEMU boots (hbc.vm), and the BTF inside it
(hbc.vmlinux, the CO-RE corpus). Both are cut
out of the .deb once and cached by the .deb's SHA-256:
  cache/kernels/<sha>/{vmlinuz,release,config}   vmlinuz decompressed where QEMU needs it
  cache/btf/<sha>.btf                             the raw BTF blob of the image
An image is a raw Image or ELF, an x86 bzImage, an EFI zboot PE, or holds a
gzip/xz/zstd/lz4/bzip2 stream; BTF is found by its header (magic 0xeB9F).
A kernel built without BTF (Debian's armhf) gets it from its DWARF instead: the image
package's "linux-image-<release>-dbg" of the same version, through pahole -J; the .how
file next to the BTF names the -dbg package, its SHA-256 and the pahole version."""
import bz2
import lzma
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

from . import debian, pinfile
from .errors import ArchiveError, ToolError
from .proc import cache, locked, run, sha256

STREAMS = [('gzip', b'\x1f\x8b\x08'), ('xz', b'\xfd7zXZ\x00'), ('zstd', b'\x28\xb5\x2f\xfd'),
           ('lz4', b'\x02\x21\x4c\x18'), ('bzip2', b'BZh')]
IMAGES = ('./boot/vmlinu[xz]-*', './boot/Image-*', './usr/lib/modules/*/vmlinu[xz]')


def decompress(kind, data):
    """Whatever the decompressor gives for a stream with maybe trailing bytes."""
    tools = {'zstd': ['zstd', '-dcq'], 'lz4': ['lz4', '-dcq'], 'lzo': ['lzop', '-dcq']}
    try:
        if kind == 'gzip':
            return zlib.decompressobj(wbits=31).decompress(data)
        if kind in ('xz', 'lzma'):
            return lzma.LZMADecompressor(lzma.FORMAT_XZ if kind == 'xz' else lzma.FORMAT_ALONE).decompress(data)
        if kind == 'bzip2':
            return bz2.BZ2Decompressor().decompress(data)
        if kind in tools and shutil.which(tools[kind][0]):
            return subprocess.run(tools[kind], input=data, capture_output=True).stdout
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        pass
    return b''


def sniff(data):
    return next((kind for kind, magic in STREAMS if data.startswith(magic)), None)


def payloads(data):
    """(description, kind, bytes) of the compressed kernels a container names, then of
    every compression magic found in DATA."""
    if data[:2] == b'MZ' and data[4:8] == b'zimg':  # EFI zboot: offset/size at 8, type at 0x18
        off, size = struct.unpack_from('<II', data, 8)
        kind = data[0x18:0x38].split(b'\0')[0].decode('ascii', 'replace')
        yield f'EFI zboot {kind} payload at {off:#x}', kind, data[off:off + size]
    if len(data) > 0x250 and data[0x202:0x206] == b'HdrS':  # x86 bzImage
        pm = ((data[0x1F1] or 4) + 1) * 512
        off, size = struct.unpack_from('<II', data, 0x248)
        payload = data[pm + off:pm + off + size]
        if sniff(payload):
            yield f'bzImage {sniff(payload)} payload at {pm + off:#x}', sniff(payload), payload
    for kind, magic in STREAMS:
        off, n = data.find(magic), 0
        while off >= 0 and n < 64:
            if kind != 'bzip2' or data[off + 4:off + 10] == b'1AY&SY':
                n += 1
                yield f'{kind} stream at {off:#x}', kind, data[off:]
            off = data.find(magic, off + 1)


# the BTF header's magic 0xeB9F as each byte order stores it (s390x kernels: big-endian)
MAGICS = {'<': b'\x9f\xeb\x01\x00', '>': b'\xeb\x9f\x01\x00'}


def btf_order(blob):
    """'<' or '>': the byte order of the BTF blob starting at BLOB's first byte, else None."""
    return next((order for order, magic in MAGICS.items() if blob[:2] == magic[:2]), None)


def btf_size(data, off, order='<'):
    """Size of a valid BTF blob of byte ORDER ('<' or '>') starting at OFF, else 0."""
    if off + 24 > len(data):
        return 0
    magic, version, flags, hdr, toff, tlen, soff, slen = struct.unpack_from(order + 'HBBIIIII', data, off)
    if magic != 0xEB9F or version != 1 or flags or hdr < 24 or hdr > 256 or hdr % 4 or toff % 4 \
            or tlen % 4 or not slen or not (toff + tlen <= soff or soff + slen <= toff):
        return 0
    size, strs = hdr + max(toff + tlen, soff + slen), off + hdr + soff
    if off + size > len(data) or data[strs] or data[strs + slen - 1]:
        return 0
    return size


def find_btf(data, how='raw image', depth=0):
    """(bytes, how) of the vmlinux BTF in an image, looking into compressed payloads."""
    best = (0, 0, '')
    for order, magic in MAGICS.items():
        off = data.find(magic)
        while off >= 0:
            size = btf_size(data, off, order)
            if size > best[1] and data.find(b'\0task_struct\0', off, off + size) >= 0:
                best = (off, size, ' big-endian' if order == '>' else '')
            off = data.find(magic, off + 1)
    if best[1]:
        return data[best[0]:best[0] + best[1]], f'{how},{best[2]} BTF at {best[0]:#x}'
    seen = set()
    for desc, kind, payload in payloads(data) if depth < 2 else ():
        out = decompress(kind, payload)
        if len(out) > 1 << 20 and (len(out), out[:64]) not in seen:
            seen.add((len(out), out[:64]))
            found = find_btf(out, desc if not depth else f'{how}, {desc}', depth + 1)
            if found:
                return found
    return None


def _extract(deb, dest):
    """Unpack the image and config of DEB into DEST (not the module tree). (image, release)."""
    cmd = f'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards --no-wildcards-match-slash ' \
          f'{" ".join(repr(p) for p in IMAGES)} ./boot/config-\\* ./usr/lib/modules/\\*/config 2>/dev/null; true'
    subprocess.run(['sh', '-c', cmd, 'sh', deb, dest], check=True)
    for root, _, files in sorted(os.walk(dest)):
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), dest)
            if rel.startswith(('boot/vmlinu', 'boot/Image-')):
                return os.path.join(dest, rel), f.split('-', 1)[1]
            if rel.startswith('usr/lib/modules/') and f in ('vmlinuz', 'vmlinux'):
                return os.path.join(dest, rel), rel.split('/')[3]
    raise ArchiveError(f'no kernel image ({", ".join(IMAGES)}) in {deb}')


def prepare(deb, sha=None):
    """The directory with 'vmlinuz' (bootable by QEMU's -kernel), 'release', maybe 'config'.
    SHA: DEB's SHA-256 where the caller has verified it (pinfile.fetch), else computed."""
    sha = sha or sha256(deb)
    out = cache('kernels', sha)
    with locked('kernels', '.lock'):
        if not os.path.exists(os.path.join(out, 'release')):
            _prepare(deb, out)
    return out


def _prepare(deb, out):
    with tempfile.TemporaryDirectory(dir=cache('kernels')) as tmp:
        image, release = _extract(deb, tmp)
        os.mkdir(os.path.join(tmp, 'out'))
        data = open(image, 'rb').read()
        if data[:2] == b'MZ' and data[4:8] == b'zimg':
            data = decompress(*next(payloads(data))[1:])
        elif sniff(data) == 'gzip':
            data = decompress('gzip', data)
        open(os.path.join(tmp, 'out', 'vmlinuz'), 'wb').write(data)
        config = os.path.join(tmp, 'boot', f'config-{release}')
        if not os.path.exists(config):
            config = os.path.join(tmp, 'usr/lib/modules', release, 'config')
        if os.path.exists(config):
            shutil.move(config, os.path.join(tmp, 'out', 'config'))
        open(os.path.join(tmp, 'out', 'release'), 'w').write(release + '\n')
        shutil.rmtree(out, ignore_errors=True)
        os.rename(os.path.join(tmp, 'out'), out)


def arm64_page_kib(image):
    """The page size in KiB an arm64 Image (decompressed, as prepare() leaves it) was
    built for: its header's flags (Documentation/arch/arm64/booting.rst: bits 1-2 of the
    64-bit flags at 0x18; the magic "ARM\\x64" at 0x38). None: no arm64 Image, or the
    size unspecified."""
    with open(image, 'rb') as f:
        return arm64_page_kib_of(f.read(64))


def arm64_page_kib_of(head):
    """arm64_page_kib() of an image's first bytes."""
    if len(head) < 64 or head[0x38:0x3c] != b'ARM\x64':
        return None
    return {1: 4, 2: 16, 3: 64}.get((struct.unpack_from('<Q', head, 0x18)[0] >> 1) & 3)


def release_of(pin):
    """The kernel release of an image package (linux-image-6.1.0-50-armmp, linux-binary-...)."""
    return re.sub(r'^linux-(image|binary)-', '', pin.package)


def dbg_of(pin):
    """The pin of PIN's -dbg package (same suite and version, SHA-256 from the index)."""
    name = f'linux-image-{release_of(pin)}-dbg'
    apt = debian.Apt(pin.suite, pin.arch)
    if not apt.record(name, pin.version):
        raise ArchiveError(f'{name} {pin.version} is not in {pin.suite}/{pin.arch}: no DWARF '
                                  f'for {pin.package}; refresh the pins (ci/pins.py refresh FILE)')
    return apt.pins([(name, pin.version)])[0]


DWARF_HOW = 'pahole '  # how a .how file of a BTF made from DWARF starts


def dwarf_btf(pin, out):
    """pahole -J of the vmlinux in PIN's -dbg package into OUT; the description for .how."""
    if not shutil.which('pahole'):
        raise ToolError(f'{pin.package} has no BTF and pahole is missing to make it from '
                        f'its DWARF: apt-get install dwarves')
    dbg = dbg_of(pin)
    deb = pinfile.fetch([dbg], f'the -dbg of {pin.package}')[0]
    rel = release_of(pin)
    members = [f'./usr/lib/debug/boot/vmlinux-{rel}', f'./usr/lib/debug/lib/modules/{rel}/vmlinux']
    with tempfile.TemporaryDirectory(dir=cache('btf')) as tmp:
        # one of them is the file, the other a symlink to it (which one changed in 7.x)
        subprocess.run(['sh', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$3" "$4" 2>/dev/null; true',
                        'sh', deb, tmp, *members], check=True)
        found = [os.path.join(tmp, m) for m in members if os.path.isfile(os.path.join(tmp, m))
                 and not os.path.islink(os.path.join(tmp, m))]
        if not found:
            raise ArchiveError(f'no vmlinux ({" or ".join(members)}) in {deb}')
        run(['pahole', '-J', '-j', '--btf_gen_floats', f'--btf_encode_detached={out}', found[0]])
    pahole = subprocess.run(['pahole', '--version'], capture_output=True, text=True).stdout.strip()
    return f'{DWARF_HOW}{pahole} -J from the DWARF of {dbg.package} {dbg.version} (sha256 {dbg.sha256})'


def carries_btf(deb, sha=None):
    """Whether DEB's kernel image has BTF of its own (else btf() needs its pin, for DWARF)."""
    return find_btf(open(os.path.join(prepare(deb, sha), 'vmlinuz'), 'rb').read()) is not None


def btf(deb, pin=None, sha=None):
    """The path of the BTF of DEB's kernel (cache/btf/<sha>.btf), made once: cut out of
    the image, or (given its PIN) generated from the DWARF of its -dbg package. SHA: as
    for prepare()."""
    sha = sha or sha256(deb)
    path = cache('btf', f'{sha}.btf')
    with locked('btf', '.lock'):
        if not os.path.exists(path):
            _btf(deb, pin, path, sha)
    return path


def _btf(deb, pin, path, sha):
    found = find_btf(open(os.path.join(prepare(deb, sha), 'vmlinuz'), 'rb').read())
    if found:
        with open(path + '.tmp', 'wb') as f:
            f.write(found[0])
        how = found[1]
    elif pin:
        how = dwarf_btf(pin, path + '.tmp')
    else:
        raise ArchiveError(f'no BTF in the kernel image of {deb}')
    with open(path + '.how', 'w') as f:
        f.write(how + '\n')
    os.rename(path + '.tmp', path)
