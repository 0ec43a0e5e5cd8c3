#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Write the C adapter for one architecture's skeleton (loader/object.c.in),
filling in the embedded object's size and SHA-256."""
import argparse
import hashlib
import pathlib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', required=True)
    ap.add_argument('--target', required=True)
    ap.add_argument('--machines', required=True, help='comma-separated uname -m values')
    ap.add_argument('--object', required=True, type=pathlib.Path)
    ap.add_argument('--template', required=True, type=pathlib.Path)
    ap.add_argument('--output', required=True, type=pathlib.Path)
    a = ap.parse_args()

    blob = a.object.read_bytes()
    values = {
        'NAME': a.name,
        'TARGET': a.target,
        'MACHINES': ', '.join('"%s"' % m for m in a.machines.split(',')),
        'SIZE': str(len(blob)),
        'SHA256': hashlib.sha256(blob).hexdigest(),
    }
    text = a.template.read_text()
    for key, value in values.items():
        text = text.replace('@%s@' % key, value)
    a.output.write_text(text)


if __name__ == '__main__':
    main()
