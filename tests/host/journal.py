#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""--journal on this machine's kernel, into a systemd-journald (the machine's, or a private
one: tests/host/journald.py), read back with journalctl -o json:
- every kind of exec (tests/tools/exec-kinds) is one native entry, its fields (HBC_PID,
  HBC_PATH's exact bytes, HBC_ARGV's, the parent, ids, tty, cgroup, ...) those the record
  has, and MESSAGE its text line;
- the status lines are entries with their MESSAGE_IDs (loader/say.c), none on stderr;
- an exec storm of N reaches the journal whole, and the summary entry's HBC_EVENTS equals
  the exec entries the tracer wrote.

  journal.py LOADER EXEC_KINDS NOOP STORM [-n N]"""
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
from hostcheck import check
from journald import Journald, entries, field

HERE = os.path.dirname(os.path.abspath(__file__))
def message_ids():
    """The MESSAGE_ID of each kind of line: loader/say.c's table, the one place they are."""
    text = open(os.path.join(HERE, '..', '..', 'loader', 'say.c')).read()
    return {k.lower(): v for k, v in re.findall(r'\[HBC_SAY_(\w+)\] = "([0-9a-f]{32})"', text)}


IDS = message_ids()


def start(loader, args):
    """The tracer, once its "attached:" entry is in the journal; its .since is when it began."""
    since = time.time()
    p = subprocess.Popen([loader, '--journal'] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.since = since
    end = time.time() + 60
    while time.time() < end and p.poll() is None:
        if tracer_entries(p, f'MESSAGE_ID={IDS["attached"]}'):
            return p
        time.sleep(0.1)
    out, err = p.communicate(timeout=30) if p.poll() is not None else (b'', b'')
    raise SystemExit(f'journal.py: the tracer said no "attached:" to the journal: {err[-400:]!r}')


def tracer_entries(p, *matches):
    """The entries of tracer P: its PID, from its start on (not a process before of that PID)."""
    return entries(f'_PID={p.pid}', *matches, since=p.since)


def reuse_pid(pid):
    """The next process made here gets PID (unless another is made first): the storm's tracer
    takes the kinds tracer's PID, so its checks see a journal where that PID said it all once."""
    with open('/proc/sys/kernel/ns_last_pid', 'w') as f:
        f.write(str(pid - 1))


def stop(p):
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err


def unescape_text(s):
    out, i, raw = bytearray(), 0, s.encode('utf-8', 'surrogateescape')
    while i < len(raw):
        if raw[i:i + 1] != b'\\':
            out.append(raw[i])
            i += 1
        elif raw[i + 1:i + 2] == b'x':
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            out += {b'\\': b'\\', b't': b'\t', b'n': b'\n', b'r': b'\r'}[raw[i + 1:i + 2]]
            i += 2
    return bytes(out)


def pieces(fields):
    out = {}
    for p in fields.split('\x1e'):
        out.update(json.loads('{' + p.removesuffix(',"message":').rstrip(',') + '}'))
    return out


def want_fields(want):
    """exec-kinds' JSON pieces as the journal entry's HBC_* fields (absent: None)."""
    s = lambda v: None if v is None else str(v).encode('utf-8', 'surrogateescape')
    return {'HBC_PPID': s(want['ppid']), 'HBC_PARENT_COMMAND': s(want['parent_command']) or None,
            'HBC_GID': s(want['gid']), 'HBC_EUID': s(want['euid']), 'HBC_EGID': s(want['egid']),
            'HBC_SETID': b'1' if want.get('setid') else None, 'HBC_LOGINUID': s(want.get('loginuid')),
            'HBC_SESSIONID': s(want.get('sessionid')), 'HBC_TTY': s(want['tty']), 'HBC_CGROUP': s(want['cgroup']),
            'HBC_ARGC': s(want['argc']), 'HBC_ARGS_CUT': b'1' if want.get('args_cut') else None,
            'HBC_ARGS_UNREADABLE': b'1' if want.get('args_unreadable') else None}


def argv_list(v):
    """HBC_ARGV's bytes as the arguments (each NUL-terminated, the last maybe not)."""
    if not v:
        return []
    parts = v.split(b'\0')
    return parts[:-1] if v.endswith(b'\0') else parts


def kinds(loader, exec_kinds, noop, work):
    d = tempfile.mkdtemp(prefix='k', dir=work)
    os.chmod(d, 0o755)
    p = start(loader, [])
    k = subprocess.run([exec_kinds, d, noop], capture_output=True)
    time.sleep(0.3)
    rc, out, err = stop(p)
    check(f'exec-kinds exits 0 ({k.stderr.decode(errors="replace")[-200:]})', k.returncode == 0)
    check(f'tracer exit 0 ({rc})', rc == 0)
    check(f'nothing on stdout or stderr but errors (stdout {out[:80]!r}, stderr {err[-200:]!r})',
          out == b'' and err == b'')
    got = tracer_entries(p, f'MESSAGE_ID={IDS["exec"]}')
    for line in k.stdout.decode('utf-8', 'surrogateescape').split('\n'):
        if not line or line.startswith('#'):
            continue
        kind, pid, uid, sysc, compat, result, hexpath, _, tpath, fields, _ = line.split('\t')
        path = None if hexpath == '-' else bytes.fromhex(hexpath)
        mine = [e for e in got if field(e, 'HBC_PID') == pid.encode() and field(e, 'HBC_PATH') == path]
        if not check(f'{kind}: exactly one entry of pid {pid}, path {path!r:.60}', len(mine) == 1, f'{len(mine)}'):
            continue
        e, want = mine[0], pieces(fields)
        wrong = {n: (field(e, n), v) for n, v in want_fields(want).items() if field(e, n) != v}
        for n, v in (('HBC_UID', uid), ('HBC_SYSCALL', sysc), ('HBC_RESULT', result)):
            if field(e, n) != v.encode() and not (compat == '1' and n == 'HBC_SYSCALL'):
                wrong[n] = (field(e, n), v)
        jargs = [a.encode('utf-8', 'surrogateescape') for a in want['args']]
        if argv_list(field(e, 'HBC_ARGV')) != jargs:
            wrong['HBC_ARGV'] = (field(e, 'HBC_ARGV'), jargs)
        text = field(e, 'MESSAGE').decode('utf-8', 'surrogateescape').split()
        if (unescape_text(text[16]) if text[16] not in ('?', '""') else None if text[16] == '?' else b'') != path:
            wrong['MESSAGE'] = (field(e, 'MESSAGE')[:120], path)
        check(f'{kind}: fields {", ".join(sorted(want_fields(want)))}, HBC_ARGV, MESSAGE', not wrong, f'{wrong}')
    summary = tracer_entries(p, f'MESSAGE_ID={IDS["summary"]}')
    check(f'a summary entry whose HBC_EVENTS ({[field(s, "HBC_EVENTS") for s in summary]}) is the exec '
          f'entries written ({len(got)})', len(summary) == 1 and field(summary[0], 'HBC_EVENTS') == str(len(got)).encode()
          and field(summary[0], 'HBC_JOURNAL_FAILED') == b'0')
    for kind in ('output', 'btf', 'cgroup', 'buffer', 'live', 'attached'):
        lines = tracer_entries(p, f'MESSAGE_ID={IDS[kind]}')
        check(f'status line "{kind}" is an entry with its MESSAGE_ID: '
              f'{[field(x, "MESSAGE").decode()[:70] for x in lines]}',
              len(lines) == 1 and field(lines[0], 'MESSAGE').startswith(kind.encode() + b': '))
    return p.pid


def storm(loader, storm_bin, noop, n, work, pid):
    d = tempfile.mkdtemp(prefix='s', dir=work)
    os.chmod(d, 0o755)
    shutil.copy(noop, os.path.join(d, 'n'))
    reuse_pid(pid)
    p = start(loader, [])
    print(f'storm tracer PID {p.pid} ({"the same as" if p.pid == pid else "not"} the kinds tracer\'s)')
    s = subprocess.run([storm_bin, '-n', str(n), '-p', '2', d, 'n'], capture_output=True, text=True)
    time.sleep(0.5)
    rc, _, err = stop(p)
    got = tracer_entries(p, f'MESSAGE_ID={IDS["exec"]}', f'HBC_PATH={d}/n')
    every = tracer_entries(p, f'MESSAGE_ID={IDS["exec"]}')
    summary = tracer_entries(p, f'MESSAGE_ID={IDS["summary"]}')
    events = field(summary[0], 'HBC_EVENTS') if summary else None
    check(f'storm of {n} ({s.stdout.strip()}): {len(got)} entries of its path in the journal',
          s.returncode == 0 and len(got) == n)
    check(f'summary: HBC_EVENTS {events} = {len(every)} exec entries of the tracer, HBC_LOST '
          f'{field(summary[0], "HBC_LOST") if summary else None}',
          events == str(len(every)).encode() and field(summary[0], 'HBC_LOST') == b'0')
    check(f'storm: tracer exit 0 ({rc}, {err[-200:]!r})', rc == 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('exec_kinds')
    ap.add_argument('noop')
    ap.add_argument('storm')
    ap.add_argument('-n', type=int, default=5000, help='storm execs (journald\'s default rate limit is '
                    '10,000 in 30 s per unit: stay below it, this tracer runs in no unit of its own)')
    a = ap.parse_args()
    if not hostcheck.is_root('loads BPF programs, starts systemd-journald'):
        return 77
    if not os.path.exists('/lib/systemd/systemd-journald') and not os.path.exists('/run/systemd/journal/socket'):
        print('SKIP: no systemd-journald (Debian package systemd)')
        return 77
    with Journald() as j, tempfile.TemporaryDirectory(prefix='hj') as work:
        os.chmod(work, 0o755)
        pid = kinds(a.loader, a.exec_kinds, a.noop, work)
        storm(a.loader, a.storm, a.noop, a.n, work, pid)
        j.flush()
    return hostcheck.verdict()


if __name__ == '__main__':
    sys.exit(main())
