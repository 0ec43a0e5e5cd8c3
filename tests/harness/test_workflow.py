#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The hosted-CI workflow (.github/workflows/vm.yml) against the tree, in seconds: its
YAML read by the rehearsal's reader, every script it runs present, every action one the
rehearsal maps, the tools a bare debian image lacks installed before anything needs
them, caches keyed on pins only, what the packages job uploads being what a vm row needs
(PKGDIR: build/packages after ci/build.sh), and every matrix entry a pinned kernel. The
whole run is ci/rehearse.py (minutes, its own command)."""
import json
import os
import re
import subprocess
import unittest

from hbc import TOP, arches, pinfile, workflow  # PYTHONPATH=tools (tests/meson.build)
from hbc.errors import ConfigError
from hbc.vm import matrix, overlay

WORKFLOW = os.path.join(TOP, '.github/workflows/vm.yml')
MAPPED = {'actions/checkout', 'actions/cache', 'actions/cache/restore', 'actions/cache/save',
          'actions/upload-artifact', 'actions/download-artifact'}
BARE = ('python3', 'git', 'ca-certificates', 'zstd')   # not in debian:bookworm


def steps(doc):
    for name, job in doc['jobs'].items():
        for step in job['steps']:
            yield name, job, step


class Reader(unittest.TestCase):
    def test_strings(self):
        doc = workflow.parse('a: 1\nb:\n  - x\n  - k: v\n    l: [p, q]\nc: |\n  one\n  two\nd: >-\n  f\n  g\n'
                             'e: "q # not a comment"  # a comment\n')
        self.assertEqual(doc, {'a': '1', 'b': ['x', {'k': 'v', 'l': ['p', 'q']}], 'c': 'one\ntwo\n',
                               'd': 'f g', 'e': 'q # not a comment'})

    def test_not_yaml_is_an_error(self):
        for text in ('a:\n\t- x\n', 'a: "open\n', 'a: [b\n'):
            with self.assertRaisesRegex(ConfigError, r'^t\.yml: not YAML'):
                workflow.parse(text, 't.yml')

    def test_expressions(self):
        c = workflow.Context({'ref': 'refs/heads/main', 'event_name': 'push'}, matrix={'id': 'r'},
                             needs={'matrix': {'matrix': '[{"id": "r"}]'}})
        self.assertEqual(c.expand('vm-${{ matrix.id }}-${{ github.ref }}'), 'vm-r-refs/heads/main')
        self.assertEqual(c.expand('${{ fromJSON(needs.matrix.outputs.matrix) }}'), [{'id': 'r'}])
        self.assertTrue(c.condition('always()', failed=True))
        self.assertFalse(c.condition(None, failed=True))
        with self.assertRaisesRegex(ConfigError, 'not one this reader evaluates'):
            c.expand('${{ secrets.TOKEN }}')

    def test_conditions(self):
        def ok(text, event, inputs=None, failed=False):
            return workflow.Context({'event_name': event}, inputs or {}).condition(text, failed)
        either = "github.event_name == 'schedule' || inputs.corpus == 'true'"
        self.assertEqual([ok(either, 'push'), ok(either, 'schedule'), ok(either, 'workflow_dispatch', {'corpus': 'true'}),
                          ok(either, 'schedule', failed=True)], [False, True, True, False])
        both = "${{ github.event_name == 'workflow_dispatch' && inputs.kernel != '' }}"
        self.assertEqual([ok(both, 'workflow_dispatch', {'kernel': ''}), ok(both, 'workflow_dispatch', {'kernel': 'k'}),
                          ok(both, 'push', {'kernel': 'k'})], [False, True, False])
        self.assertTrue(ok("inputs.a == 'x' && inputs.b == 'y' || inputs.c == 'z'", 'push', {'c': 'z'}))
        for text in ("github.event_name == schedule", "contains(github.ref, 'main')"):
            with self.assertRaisesRegex(ConfigError, 'not a condition this reader evaluates'):
                ok(text, 'push')


class Workflow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = workflow.load(WORKFLOW)

    def test_job_conditions(self):
        """Every job's if: is one the rehearsal evaluates: the corpus jobs run weekly or on
        request, vm-extra on a request with a kernel, every other job on each push (a job
        runs when its if: holds and every job it needs ran: the runner skips the others)."""
        def runs(event, inputs=None):
            ctx, ran = workflow.Context({'event_name': event}, inputs or {}), set()
            for name, job in self.doc['jobs'].items():  # in file order: a job follows what it needs
                if ctx.condition(job.get('if'), False) and set(workflow.needs(job)) <= ran:
                    ran.add(name)
            return ran
        every = set(self.doc['jobs'])
        self.assertEqual(runs('push'), every - {'corpus-plan', 'corpus', 'vm-extra'})
        self.assertEqual(runs('schedule'), every - {'vm-extra'})
        self.assertEqual(runs('workflow_dispatch', {'corpus': 'true', 'kernel': 'linux-image-arm64'}), every)

    def test_every_action_is_mapped(self):
        for job, _, step in steps(self.doc):
            if 'uses' in step:
                self.assertIn(step['uses'].split('@')[0], MAPPED, f'{job}: {step["uses"]}')

    def test_every_script_it_runs_exists(self):
        for job, _, step in steps(self.doc):
            for script in re.findall(r'(?<![\w/])((?:ci|packaging|tests)/[\w./-]+)', step.get('run') or ''):
                self.assertTrue(os.access(os.path.join(TOP, script), os.X_OK), f'{job}: {script} (executable)')

    def test_bare_image_tools_come_first(self):
        for name, job in self.doc['jobs'].items():
            if not job.get('container'):
                continue
            first = job['steps'][0].get('run') or ''
            for tool in BARE:
                self.assertRegex(first, rf'apt-get install .*\b{tool}\b', f'{name}: first step installs {tool}')

    def test_caches_keyed_on_pins_restored_and_saved(self):
        for name, job, step in steps(self.doc):
            uses = step.get('uses', '')
            if uses.startswith('actions/cache'):
                key = step['with']['key']
                files = re.findall(r"'([^']+)'", key)
                self.assertTrue(files, f'{name}: {key}')
                for f in files:     # each a pin file: rows with versions and SHA-256s
                    self.assertTrue(pinfile.read_pins(os.path.join(TOP, f))[0], f'{name}: {key}: {f}')
                if uses.startswith('actions/cache/save'):
                    self.assertEqual(step.get('if'), 'always()', f'{name}: a failed run saves its downloads too')
            if uses.startswith('actions/cache/restore'):
                self.assertTrue(step['with'].get('restore-keys'), f'{name}: restore-keys')

    def test_runs_once_and_cancels_superseded(self):
        self.assertEqual(self.doc['on']['push'], {'branches': ['main']})
        self.assertTrue(self.doc['concurrency']['group'] and self.doc['concurrency']['cancel-in-progress'] == 'true')

    def test_a_row_is_one_vm_with_every_cpu(self):
        run = next(s['run'] for j, _, s in steps(self.doc) if j == 'vm' and 'vm-test.py' in (s.get('run') or ''))
        self.assertIn('--jobs 1', run)
        self.assertIn("--id '${{ matrix.id }}'", run)

    def test_the_upload_is_what_a_row_needs(self):
        up = next(s['with'] for j, _, s in steps(self.doc) if j == 'packages' and 'upload-artifact' in s.get('uses', ''))
        down = next(s['with'] for j, _, s in steps(self.doc) if j == 'vm' and 'download-artifact' in s.get('uses', ''))
        self.assertEqual((up['name'], up['path'].rstrip('/')), ('packages', 'build/packages'))
        pkgdir = os.environ.get('PKGDIR')
        if not pkgdir:
            self.skipTest('PKGDIR (build/packages of ci/build.sh) not given')
        for entry in matrix.default_matrix(arches.rows(), set()):
            overlay.packages(pkgdir, entry.row)  # raises naming what a row would miss
            self.assertTrue(os.path.isdir(os.path.join(pkgdir, 'test-tools', entry.row['name'])))
        self.assertEqual(down['path'], 'packages')

    def test_every_matrix_entry_is_a_pinned_kernel(self):
        out = subprocess.run([os.path.join(TOP, 'ci/vm-test.py'), '--list-json'], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = json.loads(out.stdout)
        self.assertTrue(rows)
        for r in rows:
            self.assertTrue(r['kernel'], f'{r["id"]}: no kernel pinned (a row that would fail)')
        self.assertEqual({r['arch'] for r in rows}, {r['name'] for r in arches.rows()})


if __name__ == '__main__':
    unittest.main(verbosity=2)
