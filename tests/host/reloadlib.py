# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The pieces of the reload test (tests/host/reload.py): the two config files it switches
between, the exec storm it runs meanwhile, the service manager's socket it listens on,
and readers of what the tracer printed."""
import json
import os
import re
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def prog_names():
    """Our programs' names: HBC_PROG_NAMES of tests/lib/scenario.sh, their one list."""
    with open(os.path.join(HERE, '..', 'lib', 'scenario.sh')) as f:
        return re.compile('^(' + re.search(r"^HBC_PROG_NAMES='([^']+)'", f.read(), re.M).group(1) + ')$')


PROG_NAMES = prog_names()
UIDS = (4001, 4002, 4003)
FILES = {
    'A': {0: 'A-root', 4001: 'A-4001', 4002: 'A-4002'},
    'B': {0: 'B-root', 4001: 'B-4001', 4003: 'B-4003'},
}
DEFAULT = 'Hello World'


def write_config(path, name):
    tmp = path + '.new'
    with open(tmp, 'w') as f:
        f.write(f'# file {name}\n')
        for uid, msg in FILES[name].items():
            f.write(f'{uid} {msg}\n')
    os.rename(tmp, path)


def message(name, uid):
    return FILES[name].get(uid, DEFAULT)


class Notifications:
    """The datagrams a service manager would get, each with its arrival time."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.2)
        self.got = []
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self.got.append((time.monotonic(), data.decode(errors='replace')))

    def wait_for(self, line, timeout):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            for t, msg in list(self.got):
                if line in msg.split('\n'):
                    return t
            time.sleep(0.01)
        return None

    def close(self):
        self.done = True
        self.thread.join()
        self.sock.close()


def storm_child(target, uid):
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.execv(target, [target])
        finally:
            os._exit(127)
    return pid


def storm(target, stop, log):
    """Exec target as uids 4001-4003 in turn, one at a time, until stop is set."""
    i = 0
    while not stop.is_set():
        uid = UIDS[i % len(UIDS)]
        t0 = time.monotonic()
        pid = storm_child(target, uid)
        _, status = os.waitpid(pid, 0)
        log.append((pid, uid, t0, time.monotonic(), status))
        i += 1


def our_prog_ids(bpftool):
    out = subprocess.run([bpftool, '--json', 'prog', 'show'], capture_output=True, text=True).stdout
    return {p['id'] for p in json.loads(out or '[]') if PROG_NAMES.match(p.get('name', ''))}


def records(out_path, target):
    recs = []
    summary = None
    with open(out_path) as f:
        for line in f:
            r = json.loads(line)
            if r['type'] == 'summary':
                summary = r
            elif r['type'] == 'exec' and r.get('path') == target:
                recs.append(r)
    return recs, summary


def allowed(reloads, t0, t1):
    """The files that may be in force at some moment of [t0, t1]: reloads are
    (asked, answered, file), in order, the first (-inf, -inf, 'A') the start."""
    files = set()
    last_done = None
    for asked, answered, name in reloads:
        if answered <= t0:
            last_done = name
        elif asked <= t1:
            files.add(name)
    files.add(last_done)
    return files


def wait_count(path, needle, n, proc, timeout):
    """Wait until path holds needle n times."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if open(path, 'rb').read().count(needle) >= n:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False
