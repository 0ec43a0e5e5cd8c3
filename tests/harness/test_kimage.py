#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Where a kernel's BTF is found (tools/hbc/kimage.py: either byte order, raw or inside a
compressed stream) and how vmlinux/<name>/min-btf/index.txt is read (tools/hbc/btfindex.py:
kernels with their own BTF, embedded ones checked against their SHA-256 and size)."""
import gzip
import hashlib
import os
import struct
import tempfile
import unittest

from hbc import btfindex, kimage, minbtf  # PYTHONPATH=tools (tests/meson.build)
from hbc.errors import ToolError


def blob(order):
    """A BTF blob of byte ORDER ('<' or '>') with no types and the string task_struct."""
    strings = b'\0task_struct\0'
    return struct.pack(order + 'HBBIIIII', 0xEB9F, 1, 0, 24, 0, 0, 0, len(strings)) + strings


class FindBtf(unittest.TestCase):
    def test_little_endian_raw(self):
        data = os.urandom(4096) + blob('<') + os.urandom(4096)
        found, how = kimage.find_btf(data)
        self.assertEqual(found, blob('<'))
        self.assertEqual(how, 'raw image, BTF at 0x1000')

    def test_big_endian_raw_is_found_and_said(self):
        data = b'\0' * 512 + blob('>') + b'\0' * 512
        found, how = kimage.find_btf(data)
        self.assertEqual(found, blob('>'))
        self.assertIn('big-endian', how)

    def test_big_endian_inside_a_gzip_stream(self):
        inner = b'\0' * (2 << 20) + blob('>')  # compressible: the blob is not stored raw
        found, how = kimage.find_btf(b'\0' * 64 + gzip.compress(inner, 1))
        self.assertEqual(found, blob('>'))
        self.assertEqual(how, 'gzip stream at 0x40, big-endian BTF at 0x200000')

    def test_wrong_order_header_is_no_btf(self):
        bad = bytearray(blob('>'))
        bad[0:2] = b'\x9f\xeb'  # little-endian magic on a big-endian header: sizes are garbage
        self.assertIsNone(kimage.find_btf(bytes(bad) + b'\0' * 64))

    def test_no_task_struct_is_not_the_vmlinux_btf(self):
        other = blob('<').replace(b'task_struct', b'other_thing')
        self.assertIsNone(kimage.find_btf(other))


def long_header(order, layout_len=0):
    """blob(ORDER) with the 32-byte header of Linux 7.x (layout_off, layout_len)."""
    b = blob(order)
    strings = b[24:]
    return struct.pack(order + 'HBBIIIIIII', 0xEB9F, 1, 0, 32, 0, 0, 0, len(strings),
                       len(strings), layout_len) + strings + b'\0' * layout_len


class MinimalHeader(unittest.TestCase):
    """What the loader embeds must be readable by libbpf on a host of the other byte order."""

    def test_long_header_with_empty_layout_becomes_24_bytes(self):
        for order in '<>':
            self.assertEqual(minbtf.classic_header(long_header(order)), blob(order))

    def test_24_byte_header_is_kept(self):
        self.assertEqual(minbtf.classic_header(blob('>')), blob('>'))

    def test_a_layout_section_is_an_error(self):
        with self.assertRaisesRegex(ToolError, 'non-empty layout section'):
            minbtf.classic_header(long_header('<', 8))


class Index(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.btf = blob('>')
        with open(os.path.join(self.dir, '6.1.0-50-s390x.btf'), 'wb') as f:
            f.write(self.btf)

    def write(self, *lines):
        with open(os.path.join(self.dir, 'index.txt'), 'w') as f:
            f.write('# header\n' + ''.join(l + '\n' for l in lines))

    def line(self, release, kind, digest=None, size=None):
        digest = digest or (hashlib.sha256(self.btf).hexdigest() if kind == 'embedded' else '-')
        size = size or (str(len(self.btf)) if kind == 'embedded' else '-')
        return f'{release} bookworm linux-image-{release} 6.1.176-1 {"a" * 64} {kind} {digest} {size}'

    def test_kernel_and_embedded_entries(self):
        self.write(self.line('6.1.0-50-s390x', 'embedded'), self.line('7.2.13+deb14-s390x', 'kernel'))
        entries = btfindex.read(self.dir)
        self.assertEqual([(e.release, e.btf) for e in entries],
                         [('6.1.0-50-s390x', 'embedded'), ('7.2.13+deb14-s390x', 'kernel')])
        self.assertEqual([e.blob for e in btfindex.embedded(self.dir)], [self.btf])
        self.assertIsNone(entries[1].path)

    def test_a_changed_file_is_stale(self):
        self.write(self.line('6.1.0-50-s390x', 'embedded', size='99'))
        with self.assertRaisesRegex(btfindex.Stale, 'does not match index.txt'):
            btfindex.read(self.dir)

    def test_an_unknown_kind_is_stale(self):
        self.write(self.line('6.1.0-50-s390x', 'dwarf'))
        with self.assertRaisesRegex(btfindex.Stale, "btf 'dwarf' is none of kernel, embedded"):
            btfindex.read(self.dir)


if __name__ == '__main__':
    unittest.main(verbosity=2)
