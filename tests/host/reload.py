#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Reload without a gap, and the sd_notify protocol, with the real loader on this kernel.

The tracer runs with --json, a --config file and NOTIFY_SOCKET naming a socket of ours.
Once it says READY=1, a storm of execs (uids 4001-4003, a static no-op at a path of this
run) goes on while the config file is switched RELOADS times between two files with
different messages, each time by `LOADER --reload PID` (what the unit's ExecReload= runs):
- every exec of the storm is printed exactly once, and nothing else at its path;
- each record's message is the one of a file in force at some moment during its exec
  (the one in force when it began, or one whose reload overlapped it);
- the summary says 0 lost; the same program ids before and after (nothing reattached);
- the notifications: READY=1 only once "attached:" is on stderr, RELOADING=1 with
  MONOTONIC_USEC= then READY=1 around every reload, STATUS= lines, STOPPING=1 at SIGTERM;
then an unchanged file (nothing done), a bad file (refused: --reload exits 1, stderr names
file:line, the old messages go on), SIGHUP by hand, and NOTIFY_SOCKET in the abstract
namespace.

  reload.py LOADER NOOP [--reloads N]"""
import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

from reloadlib import (Notifications, allowed, message, our_prog_ids, records, storm, storm_child,
                       wait_count, write_config)


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def expect(self, what, cond):
        print(f'{"ok" if cond else "FAIL"} {what}', flush=True)
        if cond:
            self.passed += 1
        else:
            self.failed += 1
        return cond


def reload_storm(c, a, work):
    target = os.path.join(work, 'n')
    conf = os.path.join(work, 'hbc.conf')
    out_path, err_path = os.path.join(work, 'out'), os.path.join(work, 'err')
    sock_path = os.path.join(work, 'notify')
    write_config(conf, 'A')
    notes = Notifications(sock_path)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    before = our_prog_ids(a.bpftool)
    with open(out_path, 'wb') as out, open(err_path, 'w+b') as err:
        p = subprocess.Popen([a.loader, '--json', '--config', conf], stdout=out, stderr=err, env=env)
        t_ready = notes.wait_for('READY=1', 60)
        attached_then = b'\nattached: ' in b'\n' + open(err_path, 'rb').read()
        if not c.expect(f'READY=1 sent ({t_ready is not None}), and "attached:" was on stderr by then '
                        f'({attached_then})', t_ready is not None and attached_then):
            p.kill()
            p.wait()
            notes.close()
            print(open(err_path, 'rb').read()[-600:].decode(errors='replace'))
            return
        progs = our_prog_ids(a.bpftool) - before
        stop = threading.Event()
        log = []
        # the storm runs in a thread; fork() from a threaded Python is fine here: the
        # child only calls setgroups/setgid/setuid/execv
        st = threading.Thread(target=storm, args=(target, stop, log))
        st.start()
        time.sleep(0.05)
        reloads = [(float('-inf'), float('-inf'), 'A')]
        rcs = []
        t_start = time.monotonic()
        for k in range(a.reloads):
            name = 'B' if k % 2 == 0 else 'A'
            write_config(conf, name)
            asked = time.monotonic()
            r = subprocess.run([a.loader, '--reload', str(p.pid)], capture_output=True, text=True)
            reloads.append((asked, time.monotonic(), name))
            rcs.append(r.returncode)
            time.sleep(0.01)
        t_reloads = time.monotonic() - t_start
        time.sleep(0.05)
        stop.set()
        st.join()
        c.expect(f'{a.reloads} reloads in {t_reloads:.2f} s, each --reload exit 0 '
                 f'(exits: {sorted(set(rcs))})', rcs == [0] * a.reloads)
        c.expect(f'the storm ran {len(log)} execs during them, all exit 0',
                 len(log) > 2 * a.reloads and all(s == 0 for *_, s in log))
        last = reloads[-1][2]

        # somebody who may not signal it
        r = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', a.loader,
                            '--reload', str(p.pid)], capture_output=True, text=True)
        c.expect(f'--reload as uid 65534: exit {r.returncode} (1): {r.stderr.strip()[:100]}',
                 r.returncode == 1 and 'cannot signal it: Operation not permitted (run as root' in r.stderr)
        # an unchanged file, then a bad one: nothing changes
        write_config(conf, last)
        r = subprocess.run([a.loader, '--reload', str(p.pid)], capture_output=True, text=True)
        c.expect(f'an unchanged file: --reload exit {r.returncode}', r.returncode == 0)
        with open(conf, 'w') as f:
            f.write('0 root-msg\nbob has no uid\n')
        r = subprocess.run([a.loader, '--reload', str(p.pid)], capture_output=True, text=True)
        c.expect(f'a bad file: --reload exit {r.returncode} (1), says so: {r.stderr.strip()[:120]}',
                 r.returncode == 1 and 'refused' in r.stderr)
        after_bad = []
        t0 = time.monotonic()
        pid = storm_child(target, 4001)
        os.waitpid(pid, 0)
        after_bad.append((pid, 4001, t0))
        # SIGHUP by hand, with the good file back: the other file's messages
        other = 'A' if last == 'B' else 'B'
        write_config(conf, other)
        in_force = open(err_path, 'rb').read().count(b': in force: ')
        os.kill(p.pid, signal.SIGHUP)
        hup_in_force = wait_count(err_path, b': in force: ', in_force + 1, p, 10)
        pid2 = storm_child(target, 4001)
        os.waitpid(pid2, 0)
        progs_after = our_prog_ids(a.bpftool) - before
        t_stop = time.monotonic()
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=60)
    t_stopping = notes.wait_for('STOPPING=1', 5)
    notes.close()
    err_text = open(err_path, 'rb').read().decode(errors='replace')
    c.expect(f'tracer exit {rc} (0) after SIGTERM', rc == 0)
    c.expect(f'the same programs before and after the reloads: {sorted(progs)} / {sorted(progs_after)}',
             bool(progs) and progs == progs_after)

    recs, summary = records(out_path, target)
    by_pid = {}
    for r in recs:
        by_pid.setdefault(r['pid'], []).append(r)
    storm_pids = {pid for pid, *_ in log}
    once = [pid for pid in storm_pids if len(by_pid.get(pid, [])) == 1]
    extra = [pid for pid in by_pid if pid not in storm_pids | {after_bad[0][0], pid2}]
    c.expect(f'every storm exec printed exactly once: {len(once)} of {len(log)}; '
             f'records of no storm exec: {len(extra)}', len(once) == len(log) and not extra)
    wrong = []
    per_msg = {}
    overlapped = 0
    for pid, uid, t0, t1, _ in log:
        for r in by_pid.get(pid, []):
            ok_files = allowed(reloads, t0, t1)
            overlapped += len(ok_files) > 1
            ok_msgs = {message(f, uid) for f in ok_files}
            per_msg[r['message']] = per_msg.get(r['message'], 0) + 1
            if r['uid'] != uid or r['message'] not in ok_msgs:
                wrong.append(f'pid {pid} uid {r["uid"]}: {r["message"]!r} not in {sorted(ok_msgs)}')
    c.expect(f'each message is one of a file in force during its exec: {len(wrong)} wrong '
             f'{wrong[:3]} ({overlapped} execs overlapped a reload: either file allowed; the rest '
             f'one file); records per message: {dict(sorted(per_msg.items()))}', not wrong)
    bad_rec = by_pid.get(after_bad[0][0], [{}])[0].get('message')
    c.expect(f'after the refused file uid 4001 still gets {message(last, 4001)!r}: {bad_rec!r}',
             bad_rec == message(last, 4001))
    c.expect(f'the refusal names file:line: '
             f'{next((ln for ln in err_text.splitlines() if "hbc.conf:2:" in ln), "(none)")}',
             f'{conf}:2: ' in err_text and 'the previous messages and exclusions stay in force' in err_text)
    c.expect('the unchanged file changed nothing: "unchanged (3 uids, 0 exclusions): nothing to do"',
             'unchanged (3 uids, 0 exclusions): nothing to do' in err_text)
    hup_rec = by_pid.get(pid2, [{}])[0].get('message')
    c.expect(f'SIGHUP by hand ({"in force" if hup_in_force else "not seen"}): uid 4001 gets '
             f'{message(other, 4001)!r}: {hup_rec!r}', hup_in_force and hup_rec == message(other, 4001))
    c.expect(f'summary: {summary}', summary is not None and summary['lost'] == 0 and
             summary['events'] >= len(log))

    msgs = [m for _, m in notes.got]
    reloading = [m for m in msgs if m.startswith('RELOADING=1\nMONOTONIC_USEC=')]
    # every RELOADING=1 is followed by a READY=1 before the next RELOADING=1
    seq = ''.join('R' if m.startswith('RELOADING=1') else 'Y' if m == 'READY=1' else ''
                  for m in msgs)
    want = a.reloads + 3  # the storm's, the unchanged, the bad one, the SIGHUP
    c.expect(f'RELOADING=1 + MONOTONIC_USEC= then READY=1 around each of the {want} reloads: '
             f'{len(reloading)} RELOADING, sequence ok {seq == "Y" + "RY" * want}',
             len(reloading) == want and seq == 'Y' + 'RY' * want)
    status = [m for m in msgs if m.startswith('STATUS=')]
    c.expect(f'STATUS= lines: {len(status)}, the last: {status[-1] if status else None}',
             bool(status) and re.search(r'\d+ events, 0 lost', status[-1]) is not None)
    c.expect(f'STOPPING=1 after SIGTERM ({t_stopping is not None and t_stopping >= t_stop})',
             t_stopping is not None and t_stopping >= t_stop)


def abstract_socket(c, a, work):
    name = f'hbc-test-{secrets.token_hex(4)}'
    notes = Notifications('\0' + name)
    err_path = os.path.join(work, 'err2')
    with open(err_path, 'w+b') as err:
        p = subprocess.Popen([a.loader, '--json'], stdout=subprocess.DEVNULL, stderr=err,
                             env=dict(os.environ, NOTIFY_SOCKET='@' + name))
        t = notes.wait_for('READY=1', 60)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
    notes.close()
    c.expect(f'NOTIFY_SOCKET=@{name} (abstract): READY=1 {"received" if t else "not received"}', t is not None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('noop')
    ap.add_argument('--reloads', type=int, default=50)
    ap.add_argument('--bpftool', default=os.environ.get('BPFTOOL', 'bpftool'))
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: needs root (loads BPF programs)')
        return 77
    c = Checks()
    work = f'/tmp/hbc-reload-{secrets.token_hex(3)}'
    os.mkdir(work, 0o755)
    try:
        shutil.copy(a.noop, os.path.join(work, 'n'))
        os.chmod(os.path.join(work, 'n'), 0o755)
        reload_storm(c, a, work)
        abstract_socket(c, a, work)
    finally:
        shutil.rmtree(work)
    print(f'{c.passed} passed, {c.failed} failed')
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main())
