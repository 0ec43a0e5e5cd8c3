#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""List the CO-RE relocations of a BPF object (.BTF.ext), resolved against its .BTF.

  core_relocs.py OBJ                 one line per relocation: SECTION  TYPE.FIELD  KIND
  core_relocs.py --compare OBJ...    fail unless the ksyscall relocations of every pair
                                     of objects differ, and print where they differ
"""
import argparse
import struct
import sys

KINDS = ['byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64',
         'local_type_id', 'target_type_id', 'type_exists', 'type_size', 'enumval_exists',
         'enumval_value', 'type_matches']
# BTF kinds with the size of their extra data: fixed, per-vlen.
EXTRA = {1: (4, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8), 13: (0, 8), 14: (4, 0),
         15: (0, 12), 17: (4, 0), 19: (0, 12)}
STRUCT, UNION, ARRAY = 4, 5, 3
MODIFIERS = {8, 9, 10, 11, 18}  # typedef, volatile, const, restrict, type_tag


def sections(data):
    """ELF64 section headers -> ({name: bytes}, the byte order as struct writes it)."""
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] not in (1, 2):
        raise SystemExit('not a 64-bit ELF object')
    e = '<' if data[5] == 1 else '>'  # EI_DATA: ELFDATA2LSB, ELFDATA2MSB (s390x)
    shoff, = struct.unpack_from(e + 'Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(e + 'HHH', data, 0x3a)
    hdrs = [struct.unpack_from(e + 'IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    stroff, strsize = hdrs[shstrndx][4], hdrs[shstrndx][5]
    names = data[stroff:stroff + strsize]
    out = {}
    for h in hdrs:
        name = names[h[0]:names.index(b'\0', h[0])].decode()
        out[name] = data[h[4]:h[4] + h[5]]
    return out, e


class BTF:
    def __init__(self, blob, e):
        self.e = e  # the object's byte order, for struct
        magic, _, _, hdr_len, type_off, type_len, str_off, str_len = \
            struct.unpack_from(e + 'HBBIIIII', blob, 0)
        if magic != 0xeB9F:
            raise SystemExit('.BTF has a bad magic')
        self.strs = blob[hdr_len + str_off:hdr_len + str_off + str_len]
        self.types = [None]
        pos, end = hdr_len + type_off, hdr_len + type_off + type_len
        while pos < end:
            name_off, info, size_type = struct.unpack_from(e + 'III', blob, pos)
            kind, vlen = (info >> 24) & 0x1f, info & 0xffff
            fixed, per = EXTRA.get(kind, (0, 0))
            extra = blob[pos + 12:pos + 12 + fixed + per * vlen]
            self.types.append((kind, name_off, size_type, vlen, extra))
            pos += 12 + fixed + per * vlen

    def str(self, off):
        return self.strs[off:self.strs.index(b'\0', off)].decode()

    def resolve(self, tid):
        while self.types[tid][0] in MODIFIERS:
            tid = self.types[tid][2]
        return tid

    def name(self, tid):
        return self.str(self.types[tid][1]) or '(anon)'

    def access(self, tid, spec):
        """'0:3:1' from type tid -> 'type.member.member' / 'type.member[1]'."""
        idx = [int(i) for i in spec.split(':')]
        tid = self.resolve(tid)
        out = self.name(tid) + ('[%d]' % idx[0] if idx[0] else '')
        for i in idx[1:]:
            kind, _, _, _, extra = self.types[tid]
            if kind in (STRUCT, UNION):
                m_name, m_type, _ = struct.unpack_from(self.e + 'III', extra, 12 * i)
                out += '.' + self.str(m_name)
                tid = self.resolve(m_type)
            elif kind == ARRAY:
                out += '[%d]' % i
                tid = self.resolve(struct.unpack_from(self.e + 'I', extra, 0)[0])
            else:
                out += ':%d' % i
        return out


def relocs(path):
    with open(path, 'rb') as f:
        secs, e = sections(f.read())
    for need in ('.BTF', '.BTF.ext'):
        if need not in secs:
            raise SystemExit('%s: no %s section' % (path, need))
    btf, ext = BTF(secs['.BTF'], e), secs['.BTF.ext']
    _, _, _, hdr_len = struct.unpack_from(e + 'HBBI', ext, 0)
    if hdr_len < 32:
        return []
    core_off, core_len = struct.unpack_from(e + 'II', ext, 24)
    pos = hdr_len + core_off
    end = pos + core_len
    rec_size, = struct.unpack_from(e + 'I', ext, pos)
    pos += 4
    out = []
    while pos < end:
        sec_off, num = struct.unpack_from(e + 'II', ext, pos)
        pos += 8
        sec = btf.str(sec_off)
        for _ in range(num):
            _, tid, spec_off, kind = struct.unpack_from(e + 'IIII', ext, pos)
            pos += rec_size
            out.append((sec, btf.access(tid, btf.str(spec_off)), KINDS[kind]))
    return out


def compare(paths):
    ksys = {p: sorted({r[1] for r in relocs(p) if r[0].startswith('ksyscall/')}) for p in paths}
    failed = 0
    for i, a in enumerate(paths):
        for b in paths[i + 1:]:
            if ksys[a] == ksys[b]:
                print('SAME: %s and %s read the same pt_regs fields: %s' % (a, b, ksys[a]))
                failed = 1
                continue
            print('%s vs %s:' % (a, b))
            print('  only in first:  %s' % ', '.join(sorted(set(ksys[a]) - set(ksys[b]))))
            print('  only in second: %s' % ', '.join(sorted(set(ksys[b]) - set(ksys[a]))))
    return failed


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.strip().split('\n\n')[0])
    ap.add_argument('--compare', action='store_true', help='the ksyscall fields of each pair of OBJECTs differ')
    ap.add_argument('objects', nargs='+', metavar='OBJECT')
    a = ap.parse_args(argv)
    if a.compare:
        return compare(a.objects)
    if len(a.objects) != 1:
        ap.error('one OBJECT without --compare')
    for sec, what, kind in relocs(a.objects[0]):
        print('%-32s %-48s %s' % (sec, what, kind))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
