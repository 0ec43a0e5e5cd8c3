#!/usr/bin/env python3
"""Extract the raw vmlinux BTF blob from a kernel image file.

usage: extract_btf.py IMAGE OUT.btf

IMAGE may be a raw kernel image (arm64 Image, an ELF vmlinux), an x86 bzImage, an
EFI zboot PE image (arm64/riscv64/loongarch "vmlinuz.efi"), or anything that holds a
gzip/xz/zstd/lz4/bzip2/lzma-compressed kernel somewhere inside.  The BTF section
is found by its header (magic 0xeB9F, version 1) and validated; the largest valid
blob is written to OUT.  A one-line summary goes to stderr.
"""

import bz2
import lzma
import shutil
import struct
import subprocess
import sys
import zlib

BTF_MAGIC = 0xEB9F
BTF_HDR_FMT = "HBBIIIII"  # magic version flags hdr_len type_off type_len str_off str_len
BTF_HDR_SIZE = struct.calcsize("<" + BTF_HDR_FMT)  # 24

# Compressed-stream magics we scan for when the container format is unknown.
MAGICS = [
    ("gzip", b"\x1f\x8b\x08"),
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("lz4", b"\x02\x21\x4c\x18"),  # lz4 legacy frame, as the kernel uses
    ("bzip2", b"BZh"),
]
MAX_SCAN_TRIES = 64
MIN_IMAGE = 1 << 20  # a decompressed kernel is bigger than this


def log(msg):
    print("extract_btf: " + msg, file=sys.stderr)


def btf_at(data, off):
    """Return (size, endian) if a valid BTF blob starts at off, else None."""
    for endian in "<>":
        if off + BTF_HDR_SIZE > len(data):
            return None
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = \
            struct.unpack_from(endian + BTF_HDR_FMT, data, off)
        if magic != BTF_MAGIC or version != 1 or flags != 0:
            continue
        if hdr_len < BTF_HDR_SIZE or hdr_len > 256 or hdr_len % 4:
            continue
        if type_off % 4 or type_len % 4 or str_len == 0:
            continue
        size = hdr_len + max(type_off + type_len, str_off + str_len)
        if off + size > len(data):
            continue
        strs = off + hdr_len + str_off
        types = off + hdr_len + type_off
        # the sections must not overlap, and the string section starts with the
        # empty string and ends with a NUL
        if not (type_off + type_len <= str_off or str_off + str_len <= type_off):
            continue
        if data[strs] != 0 or data[strs + str_len - 1] != 0:
            continue
        if type_len and types + 12 > off + size:
            continue
        return size, endian
    return None


def find_btf(data):
    """Return (offset, size, endian) of the largest valid BTF blob in data, or None."""
    best = None
    for pat in (b"\x9f\xeb\x01\x00", b"\xeb\x9f\x01\x00"):
        off = data.find(pat)
        while off >= 0:
            hit = btf_at(data, off)
            if hit and (best is None or hit[0] > best[1]):
                best = (off, hit[0], hit[1])
            off = data.find(pat, off + 1)
    return best


def run_tool(argv, payload):
    """Decompress with an external tool; trailing garbage makes tools complain,
    so keep whatever they produced."""
    if shutil.which(argv[0]) is None:
        log("%s not installed, cannot try that stream" % argv[0])
        return b""
    p = subprocess.run(argv, input=payload, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout


def decompress(kind, payload):
    try:
        if kind == "gzip":
            return zlib.decompressobj(wbits=31).decompress(payload)
        if kind == "xz":
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
        if kind == "lzma":
            return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(payload)
        if kind == "bzip2":
            return bz2.BZ2Decompressor().decompress(payload)
        if kind.startswith("zstd"):
            return run_tool(["zstd", "-dcq"], payload)
        if kind == "lz4":
            return run_tool(["lz4", "-dcq"], payload)
        if kind == "lzo":
            return run_tool(["lzop", "-dcq"], payload)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return b""
    return b""


def sniff(payload):
    for kind, magic in MAGICS:
        if payload.startswith(magic):
            return kind
    if payload[:3] == b"\x5d\x00\x00":
        return "lzma"
    if payload[:3] == b"\x89LZ":
        return "lzo"
    return None


def containers(data):
    """Yield (description, kind, payload) for payloads that a known container names."""
    # EFI zboot: "MZ" .. "zimg" at 4, payload offset/size at 8/12, type string at 0x18
    if data[:2] == b"MZ" and data[4:8] == b"zimg":
        off, size = struct.unpack_from("<II", data, 8)
        kind = data[0x18:0x18 + 32].split(b"\0")[0].decode("ascii", "replace")
        yield "EFI zboot %s payload at %#x" % (kind, off), kind, data[off:off + size]
    # x86 bzImage: "HdrS" at 0x202; payload_offset/length at 0x248/0x24c, relative to
    # the protected-mode code that starts after (setup_sects + 1) * 512 bytes
    if len(data) > 0x250 and data[0x202:0x206] == b"HdrS":
        setup_sects = data[0x1F1] or 4
        pm = (setup_sects + 1) * 512
        off, size = struct.unpack_from("<II", data, 0x248)
        payload = data[pm + off:pm + off + size]
        kind = sniff(payload)
        if kind:
            yield "bzImage %s payload at %#x" % (kind, pm + off), kind, payload


def scan(data):
    """Yield (description, kind, payload) for each compression magic found in data."""
    hits = []
    for kind, magic in MAGICS:
        n = 0
        off = data.find(magic)
        while off >= 0 and n < MAX_SCAN_TRIES:  # at most that many tries per kind
            if kind != "bzip2" or (data[off + 3:off + 4].isdigit() and
                                   data[off + 4:off + 10] == b"1AY&SY"):
                hits.append((off, kind))
                n += 1
            off = data.find(magic, off + 1)
    for off, kind in sorted(hits):
        yield "%s stream found at %#x" % (kind, off), kind, data[off:]


def is_vmlinux_btf(data, hit):
    off, size, _ = hit
    return data.find(b"\0task_struct\0", off, off + size) >= 0


def extract(data, how="raw image", depth=0):
    hit = find_btf(data)
    if hit and is_vmlinux_btf(data, hit):
        return hit, data, how
    if depth >= 2:
        return None
    seen = set()
    for gen in (containers, scan):
        for desc, kind, payload in gen(data):
            out = decompress(kind, payload)
            if len(out) < MIN_IMAGE:
                continue
            key = (len(out), out[:64])
            if key in seen:
                continue
            seen.add(key)
            res = extract(out, desc if depth == 0 else how + ", " + desc, depth + 1)
            if res:
                return res
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    res = extract(data)
    if not res:
        log("no BTF found in %s" % argv[1])
        return 1
    (off, size, endian), image, how = res
    with open(argv[2], "wb") as f:
        f.write(image[off:off + size])
    log("%s: BTF at %#x, %d bytes, %s-endian (%s)"
        % (argv[1], off, size, "little" if endian == "<" else "big", how))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
