#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Rehearse the hosted-CI workflow (.github/workflows/vm.yml of REV) on this machine:
the packages job, then the matrix job, then one vm row from the artifact the packages job
uploaded, each job's steps in order, container jobs in fresh Debian roots
(tools/hbc/rehearsal.py says how each part is mapped). A test of the workflow file, not a
CI system. Needs root (mmdebstrap, chroot, mounts) and the Debian archive.

  ci/rehearse.py [--rev REV] [--row ID] [--job NAME]... [--event EVENT] [--input NAME=VALUE]...
                 [--env NAME=VALUE]... [--work DIR] [--keep]
e.g. the weekly corpus job on one shard: --event schedule --job packages --job corpus-plan
--job corpus (--row I/N picks the shard; --env CORPUS_SHARDS=N sizes them)

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
    ap.add_argument('--row', help='the matrix row to run: an id of ci/vm-test.py --list-json, or a corpus '
                                  'shard I/N (default: the first of this machine\'s architecture, else the first)')
    ap.add_argument('--job', action='append', help=f'the jobs, in order (default: {" ".join(DEFAULT_JOBS)})')
    ap.add_argument('--event', default='push', choices=['push', 'pull_request', 'schedule', 'workflow_dispatch'],
                    help='the event the run is for (github.event_name; a job\'s if: may need one)')
    ap.add_argument('--input', action='append', default=[], metavar='NAME=VALUE',
                    help='an input of a workflow_dispatch event')
    ap.add_argument('--env', action='append', default=[], metavar='NAME=VALUE',
                    help='this value for a name of the workflow\'s env: (e.g. CORPUS_SHARDS)')
    ap.add_argument('--work', help='work directory (default: a new one under the cache)')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    a = ap.parse_args(argv)
    for option in ('input', 'env'):
        bad = [item for item in getattr(a, option) if not item.split('=', 1)[0] or '=' not in item]
        if bad:
            ap.error(f'--{option} {bad[0]}: wants NAME=VALUE')
        setattr(a, option, dict(item.split('=', 1) for item in getattr(a, option)))
    if a.input and a.event != 'workflow_dispatch':
        ap.error('--input goes with --event workflow_dispatch')
    return a


def event_settings(doc, a):
    """The workflow's env: with --env's values, and the inputs of a workflow_dispatch (the
    declared defaults, then --input's); a name the workflow does not declare is an error."""
    env = doc.get('env') or {}
    declared = ((doc.get('on') or {}).get('workflow_dispatch') or {}).get('inputs') or {}
    for option, given, names in (('--env', a.env, env), ('--input', a.input, declared)):
        unknown = [k for k in given if k not in names]
        if unknown:
            raise HbcError(f'{option} {unknown[0]}: the workflow declares no such name ({", ".join(names) or "none"})')
    doc['env'] = {**env, **a.env}
    if a.event != 'workflow_dispatch':
        return {}
    return {**{k: (v or {}).get('default', '') for k, v in declared.items()}, **a.input}


def pick_row(rows, wanted):
    if wanted:
        for r in rows:
            if wanted in (r.get('id'), r.get('shard')):
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
        say(f'{rev[:12]}: {os.path.relpath(work)}; jobs {" ".join(a.job or DEFAULT_JOBS)}; event {a.event}')
        inputs = event_settings(doc, a)
        reh = Rehearsal(doc, work, src, rev, event=a.event, inputs=inputs)
        for name in a.job or DEFAULT_JOBS:
            if name not in doc['jobs']:
                raise HbcError(f'the workflow has no job {name} (jobs: {", ".join(doc["jobs"])})')
            missing = [n for n in workflow.needs(doc['jobs'][name]) if n not in reh.outputs]
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
