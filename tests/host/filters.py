#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The config's exclusions, and a config that cannot stall tracing, on this kernel:
- "exclude uid", "exclude command" (the caller's) and "exclude cgroup" (a cgroup made
  before the start, and one made after: learned from its first record) leave their execs
  out; the summary counts them; an exec beside them is printed;
- `--reload PID` with the exclusions gone lifts them at once;
- a config path that is a FIFO is refused at start (exit 2, one line) and at a reload
  (--reload exits 1 naming it; the tracer goes on);
- a reload of a file on a file system that takes seconds to read (FUSE: slowfs.py) keeps
  the records flowing meanwhile, and puts the file in force once read.

  filters.py LOADER STORM NOOP"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import hostcheck
from hostcheck import cgroup2_mount, check

HERE = os.path.dirname(os.path.abspath(__file__))
class Tracer:
    def __init__(self, loader, config, work):
        self.out, self.err = os.path.join(work, 'out'), os.path.join(work, 'err')
        with open(self.out, 'wb') as o, open(self.err, 'wb') as e:
            self.p = subprocess.Popen([loader, '--json', '--config', config], stdout=o, stderr=e)
        self.wait_for(lambda: b'\nattached: ' in b'\n' + self.stderr(), 60, 'attached:')

    def stderr(self):
        return open(self.err, 'rb').read()

    def records(self, path):
        """The exec records of PATH in the complete lines written so far: the tracer's stdout
        is a file, written a buffer at a time, so the last line may be cut while it runs."""
        out = []
        with open(self.out, 'rb') as f:
            data = f.read()
        for line in data[:data.rfind(b'\n') + 1].decode('utf-8', 'surrogateescape').splitlines():
            r = json.loads(line) if line.startswith('{"type":"exec"') else None
            if r and r['path'] == path:
                out.append(r)
        return out

    def wait_for(self, pred, seconds, what):
        end = time.time() + seconds
        while time.time() < end:
            if pred():
                return True
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        if pred():
            return True
        raise SystemExit(f'filters.py: no {what} within {seconds} s; stderr: {self.stderr()[-500:]!r}')

    def reload(self, loader):
        return subprocess.run([loader, '--reload', str(self.p.pid)], capture_output=True, text=True)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=30)


def run_as(uid, *cmd):
    return subprocess.run(['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups', *cmd])


def in_cgroup(directory, *cmd):
    """CMD run by a shell that moved itself into the cgroup DIRECTORY first."""
    return subprocess.run(['sh', '-c', f'echo $$ > "{directory}/cgroup.procs" && exec "$@"', 'sh', *cmd])


def exclusions(loader, storm, noop, work):
    mount = cgroup2_mount()
    top = f'hbc-filter-{os.getpid()}'
    os.makedirs(os.path.join(mount, top, 'before'))
    d = tempfile.mkdtemp(prefix='f', dir=work)
    os.chmod(d, 0o755)
    for name in ('uid', 'cmd', 'before', 'after', 'control'):
        shutil.copy(noop, os.path.join(d, name))
    # a caller whose command is hbc-excl-cmd: the storm driver under that name
    shutil.copy(storm, os.path.join(d, 'hbc-excl-cmd'))
    conf = os.path.join(work, 'hbc.conf')
    with open(conf, 'w') as f:
        f.write(f'0 root\nexclude uid 4242\nexclude command hbc-excl-cmd\nexclude cgroup /{top}\n')
    t = Tracer(loader, conf, work)
    try:
        run_as(4242, f'{d}/uid')
        subprocess.run([f'{d}/hbc-excl-cmd', '-n', '3', '-p', '1', d, 'cmd'], capture_output=True)
        in_cgroup(os.path.join(mount, top, 'before'), f'{d}/before')
        os.makedirs(os.path.join(mount, top, 'after'))     # made after the config was read
        for _ in range(3):
            in_cgroup(os.path.join(mount, top, 'after'), f'{d}/after')
        subprocess.run([f'{d}/control'])
        t.wait_for(lambda: t.records(f'{d}/control'), 30, 'record of the control exec')
        for name, n in (('uid', 1), ('cmd', 3), ('before', 1), ('after', 3)):
            check(f'excluded by {name}: no record of {n} exec(s)', not t.records(f'{d}/{name}'),
                  f'{t.records(f"{d}/{name}")[:1]}')
        check('the exec beside them is printed, with its message',
              [r['message'] for r in t.records(f'{d}/control')] == ['root'])
        # lift them all at once
        with open(conf, 'w') as f:
            f.write('0 root\n')
        r = t.reload(loader)
        check(f'--reload without the exclusions: exit 0 ({r.stdout.strip()} {r.stderr.strip()})', r.returncode == 0)
        check('the reload says what changed', re.search(rb'reload: .*in force: 1 uids .*0 exclusions \(0 new, 3 lifted\)',
                                                         t.stderr()) is not None, f'{t.stderr()[-300:]!r}')
        run_as(4242, f'{d}/uid')
        in_cgroup(os.path.join(mount, top, 'after'), f'{d}/after')
        t.wait_for(lambda: t.records(f'{d}/uid') and t.records(f'{d}/after'), 30, 'records after the reload')
        check('after the reload uid 4242 and the cgroup are reported again',
              len(t.records(f'{d}/uid')) == 1 and len(t.records(f'{d}/after')) == 1)
    finally:
        rc = t.stop()
        for sub in ('before', 'after', ''):
            try:
                os.rmdir(os.path.join(mount, top, sub))
            except OSError:
                pass
    summary = t.stderr().decode(errors='replace').strip().splitlines()[-1]
    check(f'exit 0 ({rc}), the summary counts the 8 excluded: {summary}',
          rc == 0 and re.match(r'^hello-buffer-config: \d+ events, 0 lost, 8 excluded$', summary) is not None)


def fifo(loader, noop, work):
    d = tempfile.mkdtemp(prefix='p', dir=work)
    os.chmod(d, 0o755)
    shutil.copy(noop, os.path.join(d, 'n'))
    conf, fifo_path, good = os.path.join(d, 'hbc.conf'), os.path.join(d, 'fifo'), os.path.join(d, 'good.conf')
    os.mkfifo(fifo_path)
    p = subprocess.run([loader, '--config', fifo_path, '--check'], capture_output=True, text=True, timeout=30)
    check(f'start with a FIFO as config: exit 2, at once ({p.returncode}): {p.stderr.strip()}',
          p.returncode == 2 and p.stderr.strip() == f'hello-buffer-config: {fifo_path}: a FIFO, not a regular '
          'file: give a file')
    with open(good, 'w') as f:
        f.write('0 good\n')
    os.symlink(good, conf)
    t = Tracer(loader, conf, d)
    try:
        os.unlink(conf)
        os.symlink(fifo_path, conf)
        r = t.reload(loader)
        check(f'--reload of a FIFO: exit 1 ({r.returncode}): {r.stderr.strip()}',
              r.returncode == 1 and 'refused' in r.stderr)
        check('the tracer says why', b'a FIFO, not a regular file' in t.stderr())
        subprocess.run([f'{d}/n'])
        t.wait_for(lambda: t.records(f'{d}/n'), 30, 'a record after the refusal')
        check('it goes on, with the messages it had', [r['message'] for r in t.records(f'{d}/n')] == ['good'])
    finally:
        check(f'exit 0 ({t.stop()})', t.p.returncode == 0)


def slow(loader, noop, work, seconds=3):
    d = tempfile.mkdtemp(prefix='s', dir=work)
    os.chmod(d, 0o755)
    shutil.copy(noop, os.path.join(d, 'n'))
    mnt, conf, good, content = (os.path.join(d, x) for x in ('mnt', 'hbc.conf', 'good.conf', 'slow.conf'))
    os.mkdir(mnt)
    with open(good, 'w') as f:
        f.write('0 before\n')
    with open(content, 'w') as f:
        f.write('0 after\n')
    fs = subprocess.Popen(['/usr/bin/python3', os.path.join(HERE, 'slowfs.py'), mnt, content, str(seconds)])
    try:
        end = time.time() + 20
        while not os.path.exists(os.path.join(mnt, 'hbc.conf')) and time.time() < end:
            time.sleep(0.1)
        os.symlink(good, conf)
        t = Tracer(loader, conf, d)
        try:
            os.unlink(conf)
            os.symlink(os.path.join(mnt, 'hbc.conf'), conf)
            hup = time.monotonic()
            t.p.send_signal(signal.SIGHUP)
            time.sleep(0.2)
            subprocess.run([f'{d}/n'])
            t.wait_for(lambda: t.records(f'{d}/n'), 30, 'a record during the reload')
            seen = time.monotonic() - hup
            pending = b'reload:' not in t.stderr()
            check(f'during a reload whose file takes {2 * seconds} s to read, an exec is printed after '
                  f'{seen:.1f} s, the reload still pending', seen < seconds and pending)
            t.wait_for(lambda: b'reload: ' in t.stderr(), 30, 'the reload\'s outcome')
            check(f'then the file is in force, {time.monotonic() - hup:.1f} s after SIGHUP',
                  re.search(rb'reload: .*hbc.conf: in force: 1 uids \(0 added, 0 removed, 1 changed\)',
                            t.stderr()) is not None, f'{t.stderr()[-300:]!r}')
            subprocess.run([f'{d}/n'])
            t.wait_for(lambda: len(t.records(f'{d}/n')) == 2, 30, 'a record after the reload')
            check('messages: before, during; then after', [r['message'] for r in t.records(f'{d}/n')] ==
                  ['before', 'after'])
        finally:
            check(f'exit 0 ({t.stop()})', t.p.returncode == 0)
    finally:
        subprocess.run(['fusermount', '-u', mnt])
        fs.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('storm')
    ap.add_argument('noop')
    a = ap.parse_args()
    if not hostcheck.is_root():
        return 77
    with tempfile.TemporaryDirectory(prefix='hf') as work:
        os.chmod(work, 0o755)
        exclusions(a.loader, a.storm, a.noop, work)
        fifo(a.loader, a.noop, work)
        slow(a.loader, a.noop, work)
    return hostcheck.verdict()


if __name__ == '__main__':
    sys.exit(main())
