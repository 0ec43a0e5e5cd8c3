# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What the Python host tests share: their "ok"/"FAIL" lines and the count of failures,
the root check (a test that loads BPF skips without root, saying so), where cgroup2
is mounted, and cgroups made for a test."""
import os
import subprocess
import time

failures = 0


def check(what, cond, detail=''):
    """One result line; True when COND held. DETAIL is shown on failure."""
    global failures
    print(f'{"ok" if cond else "FAIL"} {what}{"" if cond or not detail else ": " + detail}', flush=True)
    failures += not cond
    return cond


def ok(what):
    check(what, True)


def bad(what):
    check(what, False)


def verdict():
    """The last line and the exit status: 1 if anything failed."""
    print(f'{failures} failed')
    return 1 if failures else 0


def is_root(why='loads BPF programs'):
    """True as root; otherwise prints the skip reason (the caller returns 77)."""
    if os.geteuid() == 0:
        return True
    print(f'SKIP: needs root ({why})')
    return False


def cgroup2_mount():
    """Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts)."""
    for line in open('/proc/self/mountinfo'):
        left, right = line.split(' - ', 1)
        if right.split()[0] == 'cgroup2':
            return left.split()[4].replace('\\040', ' ')
    raise SystemExit('no cgroup2 mount in /proc/self/mountinfo')


def cgroup_for_test():
    """A new cgroup (directory, path under the root) for the cgroup kind."""
    name = f'hbc-kinds-{os.getpid()}-{time.monotonic_ns()}'
    directory = os.path.join(cgroup2_mount(), name)
    os.mkdir(directory)
    return directory, '/' + name


def gone_cgroup_execs(noop, n):
    """N execs, each in a cgroup made for it and removed as soon as it exited (a transient
    unit's, a container's): long before the tracer reads the record. [(pid, path)]."""
    execs = []
    for i in range(n):
        directory, path = cgroup_for_test()
        procs = os.path.join(directory, 'cgroup.procs')

        def join(procs=procs):
            with open(procs, 'w') as f:
                f.write('0')
        p = subprocess.Popen([noop, f'gone-cgroup-{i}'], preexec_fn=join)
        p.wait()
        os.rmdir(directory)
        execs.append((p.pid, path))
    return execs
