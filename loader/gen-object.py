#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Write the C adapter for one architecture's skeleton (loader/object.c.in),
filling in the embedded object's size and SHA-256, and the minimal BTFs it carries for
kernels without BTF (--min-btf DIR: the "embedded" entries of DIR/index.txt, written by
ci/vmlinux.py min-btf)."""
import argparse
import hashlib
import pathlib

from hbc import btfindex  # PYTHONPATH=tools (loader/meson.build)


def c_string(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def min_btfs(name, directory):
    """(C definitions, table name, count) of the BTFs listed in DIRECTORY/index.txt."""
    if not directory:
        return '', 'NULL', 0
    try:
        rows = btfindex.embedded(directory)
    except btfindex.Stale as e:
        raise SystemExit(f'gen-object.py: {e}; regenerate with ci/vmlinux.py min-btf {name}')
    out, entries, arrays = [], [], {}  # releases with identical BTF share one array
    for release, suite, package, version, _deb_sha, _kind, btf_sha, _size, _path, blob in rows:
        if btf_sha not in arrays:
            arrays[btf_sha] = f'btf_{name}_{len(arrays)}'
            out.append(f'static const unsigned char {arrays[btf_sha]}[] = {{ {",".join(map(str, blob))} }};')
        entries.append(f'\t{{ {c_string(release)}, {c_string(package)}, {c_string(version)}, '
                       f'{arrays[btf_sha]}, sizeof({arrays[btf_sha]}) }},  /* {suite} */')
    if not rows:
        return '', 'NULL', 0
    out.append(f'static const struct hbc_kernel_btf btfs_{name}[] = {{\n' + '\n'.join(entries) + '\n};\n')
    return '\n'.join(out), f'btfs_{name}', len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', required=True)
    ap.add_argument('--machines', required=True, help='comma-separated uname -m values')
    ap.add_argument('--object', required=True, type=pathlib.Path)
    ap.add_argument('--template', required=True, type=pathlib.Path)
    ap.add_argument('--output', required=True, type=pathlib.Path)
    ap.add_argument('--min-btf', type=pathlib.Path, help='directory with index.txt')
    ap.add_argument('--depfile', type=pathlib.Path, help='make-style list of the files read')
    a = ap.parse_args()
    defs, table, count = min_btfs(a.name, a.min_btf)
    if a.depfile:
        read = sorted(a.min_btf.glob('*')) if a.min_btf else []
        a.depfile.write_text(f'{a.output}: ' + ' '.join(str(p) for p in read) + '\n')

    blob = a.object.read_bytes()
    values = {
        'NAME': a.name,
        'MACHINES': ', '.join('"%s"' % m for m in a.machines.split(',')),
        'SIZE': str(len(blob)),
        'SHA256': hashlib.sha256(blob).hexdigest(),
        'BTFS': defs,
        'BTF_TABLE': table,
        'BTF_COUNT': str(count),
    }
    text = a.template.read_text()
    for key, value in values.items():
        text = text.replace('@%s@' % key, value)
    a.output.write_text(text)


if __name__ == '__main__':
    main()
