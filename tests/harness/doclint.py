#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The READMEs say what is there: every relative link of a tracked Markdown file resolves,
every path a README's file or folder table names (its first column, in backticks) exists,
and every stage of tests/vm/guest.sh is described in ci/vm/README.md. TAP-like lines, exit 1
on any miss.  tests/harness/doclint.py [SOURCE_ROOT]"""
import os
import re
import subprocess
import sys

LINK = re.compile(r'\[[^\]]*\]\(([^)\s]+)\)')
CELL = re.compile(r'`([^`\s]+)`')


def tracked(top, pattern):
    out = subprocess.run(['git', '-C', top, 'ls-files', pattern], capture_output=True, text=True, check=True)
    return out.stdout.split()


def links(top, md):
    """Relative links of MD that name nothing."""
    here = os.path.dirname(os.path.join(top, md))
    for target in LINK.findall(open(os.path.join(top, md)).read()):
        path = target.split('#', 1)[0]
        if path and not re.match(r'^[a-z]+:', path) and not os.path.exists(os.path.join(here, path)):
            yield f'{md}: link {target}'


def table_paths(top, md):
    """Paths in the first column of MD's file or folder tables (a header cell "file",
    "folder") that do not exist."""
    here = os.path.dirname(os.path.join(top, md))
    in_table = False
    for line in open(os.path.join(top, md)):
        cells = [c.strip() for c in line.strip().strip('|').split('|')] if line.startswith('|') else []
        if not cells:
            in_table = False
            continue
        # not "path": the cache's and the package's tables name paths elsewhere
        if cells[0].lower() in ('file', 'files', 'folder', 'folders'):
            in_table = True
            continue
        if not in_table:
            continue
        for name in CELL.findall(cells[0]):
            if any(ch in name for ch in '*<{$') or name.startswith('build/'):
                continue	# a pattern or a build output: nothing to find in the tree
            if not (os.path.exists(os.path.join(here, name)) or os.path.exists(os.path.join(top, name))):
                yield f'{md}: table names {name}'


def guest_stages(top):
    """Stages of the guest test that ci/vm/README.md does not name."""
    stages = re.findall(r'^begin ([\w-]+)', open(os.path.join(top, 'tests/vm/guest.sh')).read(), re.M)
    readme = open(os.path.join(top, 'ci/vm/README.md')).read()
    return [s for s in stages if not re.search(rf'(\*|`){re.escape(s)}(\*|`)', readme)], len(stages)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('SOURCE_ROOT', '.')
    docs = tracked(top, '*.md')
    misses = [m for md in docs for m in links(top, md)]
    print(f'{"ok" if not misses else "FAIL"} relative links of {len(docs)} Markdown files resolve')
    misses2 = [m for md in docs for m in table_paths(top, md)]
    print(f'{"ok" if not misses2 else "FAIL"} the paths the READMEs\' file tables name exist')
    missing, n = guest_stages(top)
    print(f'{"ok" if not missing else "FAIL"} ci/vm/README.md describes the {n} guest stages'
          f'{"" if not missing else " (not: " + ", ".join(missing) + ")"}')
    for m in misses + misses2:
        print(f'    {m}')
    failed = bool(misses) + bool(misses2) + bool(missing)
    print(f'{failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
