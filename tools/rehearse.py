#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Rehearse the hosted-CI workflow (.github/workflows/vm.yml of REV) on this machine:
the packages job, then the matrix job, then one vm row from the artifact the packages job
uploaded, each job's steps in order, container jobs in fresh Debian roots
(tools/hbc/rehearsal.py says how each part is mapped). A test of the workflow file, not a
CI system. Needs root (mmdebstrap, chroot, mounts) and the Debian archive.

  ci/rehearse.py [--rev REV] [--row ID] [--job NAME]... [--work DIR] [--keep]

The last line is "rehearse: PASS" or "rehearse: FAIL at <job, step>"; exit 0 only on PASS."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from hbc import TOP, workflow
from hbc.errors import HbcError
from hbc.proc import cache
from hbc.rehearsal import Rehearsal, StepFailed, say

DEFAULT_JOBS = ['packages', 'matrix', 'vm']


def parse(argv):
    ap = argparse.ArgumentParser(prog='ci/rehearse.py', description=__doc__.split('\n\n')[0])
    ap.add_argument('--rev', default='HEAD', help='the commit to rehearse (its vm.yml and tree)')
    ap.add_argument('--row', help='the vm row to run (an id of ci/vm-test.py --list-json; default the '
                                  'first of this machine\'s architecture)')
    ap.add_argument('--job', action='append', help=f'the jobs, in order (default: {" ".join(DEFAULT_JOBS)})')
    ap.add_argument('--work', help='work directory (default: a new one under the cache)')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    return ap.parse_args(argv)


def pick_row(rows, wanted):
    if wanted:
        for r in rows:
            if r.get('id') == wanted:
                return r
        raise HbcError(f'--row {wanted}: not in the matrix job\'s output ({", ".join(r.get("id", "?") for r in rows)})')
    native = subprocess.run(['dpkg', '--print-architecture'], capture_output=True, text=True).stdout.strip()
    return next((r for r in rows if r.get('debarch') == native), rows[0])


def main(argv):
    a = parse(argv)
    if os.geteuid() != 0:
        print('rehearse: needs root (mmdebstrap, chroot, mounts): run it with sudo', file=sys.stderr)
        return 2
    os.makedirs(cache('rehearsal'), exist_ok=True)
    work = a.work or tempfile.mkdtemp(dir=cache('rehearsal'), prefix='run.')
    t0, verdict, reh = time.time(), 'PASS', None
    try:
        src = os.path.join(work, 'source')
        shutil.rmtree(src, ignore_errors=True)
        subprocess.run(['git', 'clone', '-q', '--no-local', TOP, src], check=True)
        rev = subprocess.run(['git', '-C', TOP, 'rev-parse', a.rev], capture_output=True, text=True,
                             check=True).stdout.strip()
        subprocess.run(['git', '-C', src, 'checkout', '-q', rev], check=True)
        doc = workflow.load(os.path.join(src, '.github/workflows/vm.yml'))
        say(f'{rev[:12]}: {os.path.relpath(work)}; jobs {" ".join(a.job or DEFAULT_JOBS)}')
        reh = Rehearsal(doc, work, src, rev)
        for name in a.job or DEFAULT_JOBS:
            if name not in doc['jobs']:
                raise HbcError(f'the workflow has no job {name} (jobs: {", ".join(doc["jobs"])})')
            needs = doc['jobs'][name].get('needs') or []
            missing = [n for n in ([needs] if isinstance(needs, str) else needs) if n not in reh.outputs]
            if missing:
                raise HbcError(f'job {name} needs {", ".join(missing)}, which did not run before it')
            row = None
            if 'strategy' in doc['jobs'][name]:
                row = pick_row(reh.matrix_rows(name), a.row)
            reh.run_job(name, row)
    except (StepFailed, HbcError, subprocess.CalledProcessError, OSError) as e:
        verdict = f'FAIL at {e}'
    finally:
        if reh:
            print('\n| job | step | s | result |\n|---|---|---|---|')
            for job, step, s, note in reh.transcript:
                print(f'| {job} | {step[:60]} | {s:.0f} | {note[:160]} |')
        if not a.keep and not a.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f'\nrehearse: {time.time() - t0:.0f} s')
    print(f'rehearse: {verdict}')
    return 0 if verdict == 'PASS' else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
