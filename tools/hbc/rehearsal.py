# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A rehearsal of the hosted-CI workflow on this machine (ci/rehearse.py): each job's
steps, in order, as GitHub's runner would run them. A job with `container: debian:<suite>`
runs in a fresh root of that suite made the way the image is (mmdebstrap --variant=minbase
from the machine's Debian archive), entered with chroot in a mount namespace of its own,
/proc, /sys and /dev bound as a privileged container has them; a job without a container
runs on this machine, in a directory of its own. Every job starts from a fresh clone.

The `uses:` steps are mapped, explicitly: actions/checkout (a clone of the rehearsed
commit: with .git when the root has git, else the files alone, as the action does without
git), actions/cache{,/restore,/save} (a directory per key, restore-keys by prefix),
actions/upload-artifact and download-artifact (a directory per artifact name, its root
where the action puts it). Any other action fails the rehearsal, as do expressions and
conditions the workflow reader does not know (hbc.workflow).
Where a job runs: hbc.jobroot."""
import glob
import hashlib
import os
import shlex
import shutil
import subprocess
import time

from . import workflow
from .errors import ConfigError, HbcError
from .jobroot import HOME, Job, acquire_settings, say
from .proc import run


class StepFailed(HbcError):
    pass


def hash_files(job, patterns):
    """hashFiles(): the SHA-256 of the SHA-256s of the files the patterns match."""
    h = hashlib.sha256()
    for pat in patterns:
        for f in sorted(glob.glob(job.path(pat), recursive=True)):
            if os.path.isfile(f):
                h.update(hashlib.sha256(open(f, 'rb').read()).digest())
    return h.hexdigest()


class Rehearsal:
    def __init__(self, doc, work, source, rev, event='push', ref='refs/heads/main', inputs=None):
        """EVENT: what github.event_name says; INPUTS: a workflow_dispatch's inputs."""
        self.doc, self.work, self.source, self.rev = doc, work, source, rev
        self.github = {'event_name': event, 'ref': ref, 'run_id': str(int(time.time()))}
        self.inputs = inputs or {}
        self.outputs = {}            # job -> its outputs
        self.transcript = []         # (job, step, seconds, result)
        shutil.rmtree(os.path.join(work, 'artifacts'), ignore_errors=True)  # a run's own; caches outlive it
        os.makedirs(os.path.join(work, 'artifacts'))
        os.makedirs(os.path.join(work, 'caches'), exist_ok=True)

    # ---- the mapped actions ----

    def checkout(self, job):
        dest = job.path(job.ws)
        if job.has('git'):
            run(['git', 'clone', '-q', '--no-local', self.source, dest + '.clone'])
            run(['git', '-C', dest + '.clone', 'checkout', '-q', self.rev])
        else:  # actions/checkout without git in the container: the files, from the REST API
            os.makedirs(dest + '.clone')
            subprocess.run(f'git -C {shlex.quote(self.source)} archive {shlex.quote(self.rev)} | '
                           f'tar -x -C {shlex.quote(dest + ".clone")}', shell=True, check=True)
        shutil.rmtree(dest)
        os.rename(dest + '.clone', dest)

    def cache_dir(self, key):
        return os.path.join(self.work, 'caches', hashlib.sha256(key.encode()).hexdigest()[:16])

    def cache_restore(self, job, w):
        keys = [w['key']] + [k.strip() for k in (w.get('restore-keys') or '').split('\n') if k.strip()]
        top = os.path.join(self.work, 'caches')  # the newest first, as actions/cache picks
        entries = sorted(os.listdir(top), key=lambda e: -os.path.getmtime(os.path.join(top, e, 'KEY')))
        for k in keys:
            for e in entries:
                with open(os.path.join(self.work, 'caches', e, 'KEY')) as f:
                    stored = f.read()
                if stored == k or (k != w['key'] and stored.startswith(k)):
                    for p in self.paths(w):
                        src = os.path.join(self.work, 'caches', e, p.lstrip('/'))
                        if os.path.isdir(src):
                            shutil.copytree(src, job.path(p), dirs_exist_ok=True, symlinks=True)
                    return f'restored {stored}'
        return 'cache miss'

    def cache_save(self, job, w):
        d = self.cache_dir(w['key'])
        if os.path.exists(d):
            return f'{w["key"]} exists: not saved again'
        for p in self.paths(w):
            if os.path.isdir(job.path(p)):
                shutil.copytree(job.path(p), os.path.join(d, p.lstrip('/')), symlinks=True)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, 'KEY'), 'w') as f:
            f.write(w['key'])
        return f'saved {w["key"]}'

    @staticmethod
    def paths(w):
        return [p.strip() for p in w['path'].split('\n') if p.strip()]

    def upload(self, job, w):
        dest = os.path.join(self.work, 'artifacts', w['name'])
        if os.path.exists(dest):
            raise StepFailed(f'an artifact named {w["name"]} exists already (upload-artifact@v4 refuses)')
        found = [f for p in self.paths(w) for f in glob.glob(job.path(p))]
        if not found:
            if w.get('if-no-files-found', 'warn') == 'error':
                raise StepFailed(f'no files at {w["path"]}')
            return 'no files: nothing uploaded'
        root = found[0] if len(found) == 1 and os.path.isdir(found[0]) else os.path.commonpath(
            [os.path.dirname(f) if os.path.isfile(f) else f for f in found])
        for f in found:
            rel = os.path.relpath(f, root)
            target = os.path.join(dest, rel) if rel != '.' else dest
            if os.path.isdir(f):
                shutil.copytree(f, target, symlinks=True, dirs_exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(f, target)
        return f'uploaded {sum(len(fs) for _, _, fs in os.walk(dest))} files as {w["name"]}'

    def download(self, job, w):
        src = os.path.join(self.work, 'artifacts', w['name'])
        if not os.path.isdir(src):
            raise StepFailed(f'no artifact named {w["name"]} (uploaded: {os.listdir(os.path.dirname(src))})')
        shutil.copytree(src, job.path(w.get('path') or '.'), symlinks=True, dirs_exist_ok=True)
        return f'downloaded {w["name"]} to {w.get("path") or "."}'

    def action(self, job, uses, w, post):
        name = uses.split('@')[0]
        if name == 'actions/checkout':
            self.checkout(job)
            return 'checked out ' + self.rev
        if name == 'actions/cache/restore':
            return self.cache_restore(job, w)
        if name == 'actions/cache/save':
            return self.cache_save(job, w)
        if name == 'actions/cache':
            post.append(lambda: self.cache_save(job, w))
            return self.cache_restore(job, w)
        if name == 'actions/upload-artifact':
            return self.upload(job, w)
        if name == 'actions/download-artifact':
            return self.download(job, w)
        raise ConfigError(f'uses: {uses}: not an action the rehearsal maps (tools/hbc/rehearsal.py)')

    # ---- jobs ----

    def env(self, job, spec, step, ctx):
        home = HOME if job.container else os.path.join(job.dir, 'home')
        env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': home,
               'CI': 'true', 'GITHUB_ACTIONS': 'true', 'GITHUB_WORKSPACE': job.ws, 'RUNNER_OS': 'Linux',
               'GITHUB_OUTPUT': '/tmp/github-output' if job.container else os.path.join(job.dir, 'github-output'),
               'GITHUB_EVENT_NAME': self.github['event_name'], 'GITHUB_REF': self.github['ref'], 'LANG': 'C.UTF-8'}
        if not job.container and os.environ.get('HBC_DEBIAN_MIRROR'):
            env['HBC_DEBIAN_MIRROR'] = os.environ['HBC_DEBIAN_MIRROR']
        for scope in (self.doc.get('env') or {}, spec.get('env') or {}, step.get('env') or {}):
            env.update({k: str(ctx.expand(v)) for k, v in scope.items()})
        if not job.container:  # the runner's home and cache are its own, not this machine's
            env['HBC_CACHE_DIR'] = os.path.join(home, '.cache', 'hello-buffer-config')
        return env

    def run_job(self, name, matrix=None):
        spec = self.doc['jobs'][name]
        image = (spec.get('container') or {}).get('image')
        options = (spec.get('container') or {}).get('options') or ''
        if options not in ('', '--privileged'):
            raise ConfigError(f'job {name}: container options {options!r}: the rehearsal knows --privileged only')
        steps_out = {}
        ctx = workflow.Context(self.github, self.inputs, matrix=matrix or {}, steps=steps_out,
                               needs=self.outputs, hash_files=lambda pats: hash_files(job, pats))
        if not ctx.condition(spec.get('if'), False):
            raise HbcError(f'job {name} does not run on a {self.github["event_name"]} event with inputs '
                           f'{self.inputs or "none"}: its if: is {spec["if"]!r} (ci/rehearse.py --event, --input)')
        job = Job(self.work, name, image)  # (hash_files() reads it when a step runs)
        title = ctx.expand(spec.get('name') or name)
        say(f'job {title}: {"in a fresh " + image + " root" if image else "on this machine"}'
            + (f' (with this machine\'s apt Acquire settings: {", ".join(acquire_settings())})' if image else ''))
        limit = float(spec.get('timeout-minutes') or 360) * 60
        t_job, failed, post = time.time(), None, []
        for i, step in enumerate(spec['steps'], 1):
            label = ctx.expand(step.get('name') or step.get('uses') or step['run'].split('\n')[0])
            if not ctx.condition(step.get('if'), failed is not None):
                self.transcript.append((title, label, 0.0, 'skipped'))
                continue
            t0 = time.time()
            try:
                if 'uses' in step:
                    note = self.action(job, step['uses'], {k: ctx.expand(v) for k, v in (step.get('with') or {}).items()}, post)
                else:
                    env = self.env(job, spec, step, ctx)
                    out = job.path(env['GITHUB_OUTPUT'])
                    open(out, 'w').close()
                    rc = job.shell(ctx.expand(step['run']), env, max(1, limit - (time.time() - t_job)))
                    if 'id' in step:
                        steps_out[step['id']] = read_outputs(out)
                    if rc:
                        raise StepFailed(f'exit {rc}')
                    note = 'ok'
            except (StepFailed, HbcError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
                note = f'FAILED: {e}'
                failed = failed or f'job {title}, step {i} ({label}): {e}'
            self.transcript.append((title, label, time.time() - t0, note))
            say(f'  step {i} {label}: {note} ({time.time() - t0:.0f} s)')
        for p in post if not failed else []:
            say(f'  post: {p()}')
        self.outputs[name] = {k: ctx.expand(v) for k, v in (spec.get('outputs') or {}).items()}
        if failed:
            raise StepFailed(failed)
        return title, job

    def matrix_rows(self, name):
        include = workflow.Context(self.github, self.inputs, needs=self.outputs).expand(
            self.doc['jobs'][name]['strategy']['matrix']['include'])
        if not isinstance(include, list):
            raise ConfigError(f'job {name}: strategy.matrix.include is not a list: {include!r}')
        return include


def read_outputs(path):
    """A step's GITHUB_OUTPUT file: name=value lines and name<<DELIM heredocs."""
    out, lines = {}, open(path).read().split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if '<<' in line and '=' not in line.split('<<')[0]:
            key, delim = line.split('<<', 1)
            j = lines.index(delim, i + 1)
            out[key] = '\n'.join(lines[i + 1:j])
            i = j
        elif '=' in line:
            k, v = line.split('=', 1)
            out[k] = v
        i += 1
    return out
