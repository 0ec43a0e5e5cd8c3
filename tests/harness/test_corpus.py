#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""ci/vm-test.py --all and --shard (the corpus's entries, the shard arithmetic, the command
line's listing and plan) and each image on a CPU that can run it (16K-page arm64 on max),
in seconds, from pin files and synthetic image headers."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from hbc import TOP, arches, kimage  # PYTHONPATH=tools (tests/meson.build)
from hbc.errors import ConfigError
from hbc.vm import matrix, qemu


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


class Corpus(unittest.TestCase):
    """--all and --shard: the corpus's kernels, split into disjoint shards that cover it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.pins = os.path.join(self.tmp, 'corpus.txt')
        rows = [f'{s} {a} linux-image-{v}-{a} {v}-1 {"b" * 64}\n'
                for s in ('bookworm', 'trixie', 'sid') for a in ('amd64', 'arm64', 's390x', 'sparc64')
                for v in ('6.1.0', '6.12.0')]
        write(self.pins, '# corpus\n' + ''.join(rows))

    def test_every_kernel_of_the_wanted_rows(self):
        entries = matrix.corpus_matrix(arches.rows(), set(), self.pins)
        self.assertEqual(len(entries), 18)     # sparc64 is no row of the table
        self.assertEqual({e.pins for e in entries}, {self.pins})
        self.assertEqual(len(matrix.corpus_matrix(arches.rows(), {'arm64'}, self.pins)), 6)
        self.assertEqual(len({e.id for e in entries}), 18)

    def test_shards_are_disjoint_cover_and_do_not_depend_on_order(self):
        entries = matrix.corpus_matrix(arches.rows(), set(), self.pins)
        for n in range(1, 8):
            shards = [[e.id for e in matrix.shard(entries, i, n)] for i in range(1, n + 1)]
            flat = [i for s in shards for i in s]
            self.assertEqual(sorted(flat), sorted(e.id for e in entries), f'{n} shards cover')
            self.assertEqual(len(flat), len(set(flat)), f'{n} shards are disjoint')
            self.assertLessEqual(max(map(len, shards)) - min(map(len, shards)), 1, f'{n} shards are even')
            again = [[e.id for e in matrix.shard(list(reversed(entries)), i, n)] for i in range(1, n + 1)]
            self.assertEqual(again, shards)
        # three architectures, three shards: each shard has each architecture
        for i in (1, 2, 3):
            self.assertEqual({e.row['name'] for e in matrix.shard(entries, i, 3)}, {'x86', 'arm64', 's390x'})

    def test_bad_shard_specs(self):
        self.assertEqual(matrix.parse_shard('3/8'), (3, 8))
        for bad in ('0/3', '4/3', '1/0', '3', '1/2/3', 'a/b', '', '-1/2', ' 1/2'):
            with self.assertRaisesRegex(ConfigError, r'--shard .*: expects I/N'):
                matrix.parse_shard(bad)

    def test_the_command_line_lists_a_shard(self):
        env = dict(os.environ, HBC_VM_CORPUS_PINS=self.pins)
        out = [subprocess.run([os.path.join(TOP, 'ci/vm-test.py'), '--all', '--shard', f'{i}/2', '--list-json'],
                              env=env, capture_output=True, text=True, check=True).stdout for i in (1, 2)]
        ids = [json.loads(o) for o in out]
        self.assertEqual(sorted(x['id'] for s in ids for x in s),
                         sorted(e.id for e in matrix.corpus_matrix(arches.rows(), set(), self.pins)))
        plan = json.loads(subprocess.run([os.path.join(TOP, 'ci/vm-test.py'), '--all', '--shards-json', '4'],
                                         env=env, capture_output=True, text=True, check=True).stdout)
        self.assertEqual([(s['id'], s['shard'], s['kernels']) for s in plan],
                         [('shard-1-of-4', '1/4', 5), ('shard-2-of-4', '2/4', 5), ('shard-3-of-4', '3/4', 4),
                          ('shard-4-of-4', '4/4', 4)])
        p = subprocess.run([os.path.join(TOP, 'ci/vm-test.py'), '--shard', '3/2', '--list'], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('--shard 3/2: expects I/N', p.stderr)


class Cpu(unittest.TestCase):
    """Each image on a CPU that can run it: an arm64 kernel for 16K pages on -cpu max."""

    def image(self, page_bits, magic=b'ARM\x64'):
        path = os.path.join(self.tmp, 'vmlinuz')
        head = bytearray(64)
        struct.pack_into('<Q', head, 0x18, 8 | page_bits << 1)
        head[0x38:0x3c] = magic
        with open(path, 'wb') as f:
            f.write(bytes(head) + b'\0' * 4096)
        return path

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.arm64, self.x86 = arches.find('arm64'), arches.find('x86')

    def test_page_sizes_from_the_header(self):
        self.assertEqual([kimage.arm64_page_kib(self.image(b)) for b in (0, 1, 2, 3)], [None, 4, 16, 64])
        self.assertIsNone(kimage.arm64_page_kib(self.image(2, magic=b'RSC\x05')))

    def test_16k_pages_boot_on_max(self):
        cpu, why = qemu.cpu_for(self.arm64, self.image(2))
        self.assertEqual(cpu, 'max')
        self.assertIn('16K pages', why)
        self.assertEqual(qemu.cpu_for(self.arm64, self.image(1)), (self.arm64['qcpu'], None))
        self.assertEqual(qemu.cpu_for(self.arm64, self.image(3)), (self.arm64['qcpu'], None))
        self.assertEqual(qemu.cpu_for(self.x86, self.image(2)), (self.x86['qcpu'], None))


if __name__ == '__main__':
    unittest.main(verbosity=2)
