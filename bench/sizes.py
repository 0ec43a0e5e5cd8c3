#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""bench/sizes.py FILE: the size on the wire of each exec record in FILE (our tool's JSON
lines): the 132-byte header (bpf/hello-buffer-config.h), the path's bytes, the arguments'
bytes with their NULs; printed as 'median M B, p90 P B, p99 Q B, max X B; N records'."""
import json
import statistics
import sys

HEADER = 132


def size(r):
    path = r['path'] or ''
    n = HEADER + len(path.encode('utf-8', 'surrogateescape'))
    # a cut last argument has no NUL; the others carry theirs
    args = [a.encode('utf-8', 'surrogateescape') for a in r.get('args') or []]
    return n + sum(len(a) + 1 for a in args) - (1 if r.get('args_cut') and args else 0)


def main(path):
    sizes = sorted(size(r) for r in map(json.loads, open(path, encoding='utf-8', errors='surrogateescape'))
                   if r.get('type') == 'exec')
    if not sizes:
        print('no records')
        return
    q = statistics.quantiles(sizes, n=100, method='inclusive') if len(sizes) > 1 else sizes * 99
    print(f'median {statistics.median(sizes):.0f} B, p90 {q[89]:.0f} B, p99 {q[98]:.0f} B, '
          f'max {sizes[-1]} B; {len(sizes)} records')


if __name__ == '__main__':
    main(sys.argv[1])
