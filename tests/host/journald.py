# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""A systemd-journald for the host tests: the machine's own when one reads its socket, else a private
one started here (systemd-journald runs as root without systemd as PID 1: it makes
/run/systemd/journal/ and a runtime journal in /run/log/journal/), stopped and cleaned up
after; and the journal read back with journalctl -o json."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

SOCKET = '/run/systemd/journal/socket'
JOURNALD = '/lib/systemd/systemd-journald'


def listening(path=None):
    """Whether a journald reads PATH (a socket file left by one that exited is no journald)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(path or SOCKET)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Journald:
    def __init__(self):
        self.proc = None
        self.made = []

    def __enter__(self):
        if listening():
            return self
        if os.path.exists(SOCKET):
            print(f'journald.py: {SOCKET} is left from a journald that exited: starting one', file=sys.stderr)
        for d in ('/run/systemd/journal', '/run/log/journal'):
            if not os.path.exists(d):
                self.made.append(d)
        self.proc = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 20
        while not listening():	# not the file: a stale one is there before journald binds
            if time.time() > end or self.proc.poll() is not None:
                raise SystemExit(f'journald.py: {JOURNALD} made no {SOCKET}')
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        for d in self.made:
            shutil.rmtree(d, ignore_errors=True)

    def flush(self):
        """Everything sent so far is readable (journalctl --sync asks journald)."""
        subprocess.run(['journalctl', '--sync'], capture_output=True)


def field(entry, name):
    """A field's bytes (journalctl gives text as a string, other bytes as a list of numbers;
    a field given twice as a list of those), or None."""
    v = entry.get(name)
    if v is None:
        return None
    if isinstance(v, list) and v and not isinstance(v[0], int):
        v = v[0]
    return bytes(v) if isinstance(v, list) else v.encode('utf-8', 'surrogateescape')


def entries(*matches, since=None):
    """The journal's entries for MATCHES ("NAME=value"), as dicts, all that was sent so far
    (journalctl --sync first); with SINCE (seconds since the epoch) only those journald received
    from then on: a _PID match alone also finds an earlier process of the same PID, as PIDs wrap
    (32768 of them here) and the journal outlives a test."""
    subprocess.run(['journalctl', '--sync'], capture_output=True)
    cut = [f'--since=@{int(since)}'] if since is not None else []
    out = subprocess.run(['journalctl', '-q', '-o', 'json', '--no-pager', '--all'] + cut + list(matches),
                         capture_output=True, text=True, errors='surrogateescape').stdout
    got = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [e for e in got if since is None or int(e['__REALTIME_TIMESTAMP']) >= int(since * 1e6)]
