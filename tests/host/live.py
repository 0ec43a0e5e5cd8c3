#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
""""attached:" means live: with two CPU hogs of its own running, the tracer is started,
and the moment it says "attached:" 100 execs of a unique static no-op run (exec-storm -p 1);
when they are done it gets SIGTERM. Every one of the 100 must be printed, in every try, with
the ring and with the perf buffer.

  live.py LOADER EXEC_STORM NOOP [--tries N]"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import secrets
import time

EXECS = 100


def hogs(n):
    return [subprocess.Popen(['sh', '-c', 'while :; do :; done']) for _ in range(n)]


def one_try(loader, storm, d, buffer, out_path, err_path):
    """Printed records of d/n for one try, and a note."""
    with open(out_path, 'wb') as out, open(err_path, 'w+b') as err:
        p = subprocess.Popen([loader, '--json', '--buffer', buffer], stdout=out, stderr=err)
        t0 = time.time()
        while b'\nattached: ' not in b'\n' + open(err_path, 'rb').read():
            if p.poll() is not None or time.time() - t0 > 30:
                p.kill()
                return -1, f'no "attached:" (exit {p.poll()}): {open(err_path, "rb").read()[-300:]!r}'
            time.sleep(0.002)
        t_att = time.time() - t0
        s = subprocess.run([storm, '-n', str(EXECS), '-p', '1', d, 'n'], capture_output=True, text=True)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=60)
    got = open(out_path, 'rb').read().count(f'"path":"{d}/n"'.encode())
    return got, f'attached after {t_att * 1000:.0f} ms, storm: {s.stdout.strip()}, exit {rc}'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('storm')
    ap.add_argument('noop')
    ap.add_argument('--tries', type=int, default=20)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: needs root (loads BPF programs)')
        return 77
    failures = 0
    # a short path (at most 15 bytes with "/n"): loaders before the exec-records issue cut it there
    work = f'/tmp/h{secrets.token_hex(3)}'
    os.mkdir(work, 0o755)
    try:
        shutil.copy(a.noop, os.path.join(work, 'n'))
        hog = hogs(2)
        try:
            for buffer in ('ring', 'perf'):
                missed = []
                for i in range(a.tries):
                    got, note = one_try(a.loader, a.storm, work, buffer, os.path.join(work, 'out'),
                                        os.path.join(work, 'err'))
                    if got != EXECS:
                        missed.append(f'try {i + 1}: {got} of {EXECS} ({note})')
                if missed:
                    failures += 1
                    print(f'FAIL {buffer} buffer, two CPU hogs: {len(missed)} of {a.tries} tries missed execs '
                          f'started after "attached:"; ' + '; '.join(missed[:5]))
                else:
                    print(f'ok {buffer} buffer, two CPU hogs: all {EXECS} execs after "attached:" printed, '
                          f'{a.tries} of {a.tries} tries')
        finally:
            for h in hog:  # stopped by pid: ours only
                h.kill()
                h.wait()
    finally:
        shutil.rmtree(work)
    print(f'{failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
