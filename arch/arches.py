#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The architecture table, read one way: every consumer (meson, ci/, packaging/, tests/)
goes through this module or its command line, and finds columns by the names of the
header line "# name target ...", never by position.

  arches.py rows COLUMN...     one line per row: the values of COLUMN..., space-separated
  arches.py get KEY COLUMN     COLUMN of the row whose name, debarch, rpmarch or machine is KEY
  arches.py json               the whole table as a JSON list of objects
"""
import argparse
import json
import os
import sys

TABLE = os.environ.get('HBC_ARCH_TABLE') or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'arches.txt')


class TableError(Exception):
    pass


def rows(path=TABLE):
    """The rows of the table as dicts, in table order; 'machines' stays a comma list."""
    header, out = None, []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            text = line.split('#', 1)[0].split()
            if not text:
                words = line.lstrip('# \t').split()
                if header is None and words[:1] == ['name']:
                    header = words
                continue
            if header is None:
                raise TableError(f'{path}:{n}: a row before the header line "# name target ..."')
            if len(text) != len(header):
                raise TableError(f'{path}:{n}: {len(text)} columns, the header names {len(header)}')
            out.append(dict(zip(header, text)))
    if not out:
        raise TableError(f'{path}: no rows')
    return out


def find(key, table=None):
    """The row whose name, debarch, rpmarch or one of whose machines is KEY."""
    for row in table or rows():
        if key in (row['name'], row['debarch'], row['rpmarch']) or key in row['machines'].split(','):
            return row
    raise TableError(f'architecture {key!r} is not in {TABLE} (names: {", ".join(r["name"] for r in table or rows())})')


def column(row, name):
    if name not in row:
        raise TableError(f'{TABLE} has no column {name!r} (columns: {" ".join(row)})')
    return row[name]


def _rows(a):
    for row in rows():
        print(' '.join(column(row, c) for c in a.columns))


def main(argv):
    ap = argparse.ArgumentParser(prog='arches.py', description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    sub.add_parser('rows', help='one line per row: the values of COLUMN...').add_argument(
        'columns', nargs='+', metavar='COLUMN')
    get = sub.add_parser('get', help='COLUMN of the row whose name, debarch, rpmarch or machine is KEY')
    get.add_argument('key')
    get.add_argument('column')
    sub.add_parser('json', help='the whole table as a JSON list of objects')
    commands = {'rows': _rows, 'get': lambda a: print(column(find(a.key), a.column)),
                'json': lambda a: print(json.dumps(rows()))}
    a = ap.parse_args(argv)
    try:
        commands[a.command](a)
    except (TableError, OSError) as e:
        sys.exit(f'arches.py: {e}')


if __name__ == '__main__':
    main(sys.argv[1:])
