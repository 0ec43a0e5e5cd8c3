# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Processes and files, for every module: commands whose failure is a CommandError,
the cache directory (HBC_CACHE_DIR) and its locks, file digests."""
import contextlib
import fcntl
import hashlib
import os
import signal
import subprocess

from .errors import CommandError


def run(cmd, env=None, cwd=None, what=None):
    """The stdout of CMD; a CommandError with the end of its stderr if it fails."""
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if p.returncode:
        tail = (p.stderr or p.stdout).strip()[-2000:]
        raise CommandError(f'{what or " ".join(cmd[:4]) + " ..."}: exit {p.returncode}: {tail}')
    return p.stdout


def processes():
    """(pid, the fields of /proc/PID/stat after the command: state, ppid, pgrp, session...)
    of every process now."""
    for d in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{d}/stat') as f:
                yield int(d), f.read().rpartition(')')[2].split()
        except OSError:
            continue        # one that ended meanwhile


def session_pids(sid):
    """The pids of the live processes of session SID: not its zombies, which hold nothing
    and wait for whoever reaps them (an init that reaps late keeps them a while)."""
    return [pid for pid, fields in processes() if fields[3] == str(sid) and fields[0] != 'Z']


def terminate_children():
    """SIGTERM to every child process of this one (read from /proc), so that what they
    hold (mmdebstrap's mounts, apt's locks, temporary files) is given back by their own
    handlers; the pids signalled."""
    me, pids = str(os.getpid()), []
    for pid, fields in processes():
        if fields[1] == me:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                pids.append(pid)
    return pids


def slurp(path):
    with open(path, errors='replace') as f:
        return f.read()


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def cache(*parts):
    """A path under the cache of everything fetched or built from downloads."""
    root = os.environ.get('HBC_CACHE_DIR') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'hello-buffer-config')
    return os.path.join(root, *parts)


@contextlib.contextmanager
def locked(*parts):
    """Hold an exclusive lock on the cache file PARTS (one builder per cached thing)."""
    path = cache(*parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield
