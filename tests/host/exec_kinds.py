#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Every kind of exec, exactly once, on this machine's kernel: tests/tools/exec-kinds
performs each (a literal after fork, posix_spawn, vfork, execveat with a dirfd, fexecve,
a 32-bit execve, ENOENT, EACCES, a 4,000-byte path, a newline, invalid and valid UTF-8;
arguments with a space, a newline, invalid UTF-8 and an empty one, 1,000 arguments of
128 KiB in all, succeeding and failing; a setuid-root copy run by another uid and gid, a
reparented grandchild, a non-leader thread, a pty as controlling tty, a cgroup made here)
and prints what the tracer must report; the tracer runs with the ring and with the perf
buffer, in JSON (parsed with Python's json) and in text (unescaped as loader/README.md
documents), with --raw-syscalls and with --args-max, and each expected record must be
there exactly once, with its path, syscall, 32-bit flag, result and command, its parent,
ids, tty, cgroup and arguments, and a time inside the run.

  exec_kinds.py LOADER EXEC_KINDS NOOP"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import hostcheck
from hostcheck import bad, cgroup_for_test, gone_cgroup_execs, ok

ERRNO = {0: '0', -2: 'ENOENT', -13: 'EACCES', -14: 'EFAULT'}


def unescape_text(s):
    """The text columns' escapes back to bytes: \\\\, \\t, \\n, \\r, \\xNN."""
    out, i = bytearray(), 0
    raw = s.encode('utf-8', 'surrogateescape')
    while i < len(raw):
        if raw[i:i + 1] != b'\\':
            out.append(raw[i])
            i += 1
            continue
        c = raw[i + 1:i + 2]
        if c == b'x':
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            out += {b'\\': b'\\', b't': b'\t', b'n': b'\n', b'r': b'\r'}[c]
            i += 2
    return bytes(out)


def parse_json(out):
    recs = []
    for line in out.splitlines():
        r = json.loads(line)  # every line must parse
        if r['type'] == 'exec':
            path = None if r['path'] is None else r['path'].encode('utf-8', 'surrogateescape')
            recs.append((r['syscall'], r['compat'], r['result'], path, r['command'], r, r['pid']))
    return recs


# the text columns before PATH (loader/format.h), then PATH, "[N...]", N arguments, MESSAGE
HEADER = ('TIME PID PPID UID GID EUID EGID AUID SES TTY PCOMM COMMAND SYSCALL RESULT CONTAINER '
          'CGROUP PATH ARGS MESSAGE')
BEFORE_PATH = 16
TEXT = re.compile(r'^((?:\S+ +){16})(\S+) (\[[^] ]*\])((?: \S+)*?) (Hello World)$')


def parse_text(out):
    recs, lines = [], out.splitlines()
    if not lines or lines[0].split() != HEADER.split():
        bad(f'text: header line: {lines[:1]}')
    for line in lines[1:]:
        m = TEXT.match(line)
        if not m:
            bad(f'text: a line that does not parse: {line[:200]!r}')
            continue
        cols = m.group(1).split()
        sysc, res, path = cols[12], cols[13], m.group(2)
        compat = sysc.endswith('/32')
        sysc = sysc[:-3] if compat else sysc
        path = None if path == '?' else b'' if path == '""' else unescape_text(path)
        rec = {'time': cols[0], 'ppid': int(cols[2]), 'uid': int(cols[3]), 'cols': cols,
               'args_text': m.group(3) + m.group(4), 'line': line}
        recs.append((sysc, compat, res, path, unescape_text(cols[11]).decode('utf-8', 'replace'), rec,
                     int(cols[1])))
    return recs


def text_args(s):
    """'[N] A B ...' back to the count and the arguments' bytes."""
    count, *args = s.split(' ')
    return count, [b'' if a == '""' else unescape_text(a) for a in args]


def pieces(fields):
    """exec-kinds' FIELDS: JSON pieces of the record, separated by 0x1e, as one dict."""
    out = {}
    for p in fields.split('\x1e'):
        p = p.removesuffix(',"message":').rstrip(',')
        out.update(json.loads('{' + p + '}'))
    return out


def start(loader, args, out, err):
    return subprocess.Popen([loader] + args, stdout=out, stderr=err)


def wait_for(pred, seconds, proc):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        if proc.poll() is not None:
            return pred()
        time.sleep(0.05)
    return False


def check_context(what, kind, rec, want, fmt, window):
    """The record's parent, ids, tty, cgroup, arguments and time against exec-kinds' pieces."""
    if fmt == 'json':
        # a flag the pieces do not name must be absent; audit fields both or neither
        extra = [k for k in ('setid', 'args_cut', 'args_unreadable', 'loginuid', 'sessionid')
                 if (k in rec) != (k in want)]
        wrong = {k: (rec.get(k), v) for k, v in want.items() if rec.get(k) != v}
        if extra or wrong:
            return f'{kind}: {wrong} {extra}'
        t = rec['time']
    else:
        cols = rec['cols']
        ids = {'ppid': rec['ppid'], 'gid': int(cols[4]), 'euid': int(cols[5].rstrip('*')),
               'egid': int(cols[6].rstrip('*'))}
        wrong = {k: (v, want[k]) for k, v in ids.items() if v != want[k]}
        if cols[5].endswith('*') != ('setid' in want) or cols[6].endswith('*') != ('setid' in want):
            wrong['setid'] = (cols[5], cols[6])
        if cols[9] != (want['tty'] or '-'):
            wrong['tty'] = (cols[9], want['tty'])
        if cols[15] != (want['cgroup'] or '?'):
            wrong['cgroup'] = (cols[15], want['cgroup'])
        if wrong:
            return f'{kind}: {wrong}'
        t = rec['time']
    if not window[0] <= t <= window[1]:
        return f'{kind}: time {t} outside {window}'
    return None


def run(loader, kinds, noop, buffer, fmt, work, extra=(), args_max=4096):
    what = f'{buffer} buffer, {fmt}' + ''.join(f', {x}' for x in extra)
    d = tempfile.mkdtemp(prefix='k', dir=work)
    os.chmod(d, 0o755)
    outp, errp = os.path.join(work, f'{buffer}-{fmt}.out'), os.path.join(work, f'{buffer}-{fmt}.err')
    args = ['--buffer', buffer] + (['--json'] if fmt == 'json' else []) + list(extra)
    cg_dir, cg_path = cgroup_for_test()
    with open(outp, 'wb') as out, open(errp, 'wb') as err:
        p = start(loader, args, out, err)
    try:
        # the kinds right after "attached:" (the loader says it once its programs are live)
        if not wait_for(lambda: b'\nattached: ' in b'\n' + open(errp, 'rb').read(), 60, p):
            bad(f'{what}: the tracer did not attach: {open(errp, "rb").read()[-400:]!r}')
            return
        # where the kernel runs no bpf_loop() the tracer counts fewer argv entries, and says so
        scan = re.findall(rb'^args: .*, at most (\d+) of them$', open(errp, 'rb').read(), re.M)
        k = subprocess.run([kinds, '-a', str(args_max), '-g', f'{cg_dir}={cg_path}'] +
                           (['-s', scan[0].decode()] if scan else []) + [d, noop], capture_output=True)
        if k.returncode != 0:
            bad(f'{what}: exec-kinds exit {k.returncode}: {k.stderr.decode(errors="replace")}')
        gone = gone_cgroup_execs(noop, 3)
        # the last kind's record, then stop
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
        os.rmdir(cg_dir)  # after the tracer has named it
    if rc != 0:
        bad(f'{what}: tracer exit {rc}')
    # Without hooks on the 32-bit entries (tracepoint mode without --raw-syscalls) a
    # 32-bit exec is reported by sched_process_exec alone: syscall unknown, the command the
    # new program's name
    unhooked = b'32-bit entries: not hooked' in open(errp, 'rb').read()
    expected, window = [], ['', '']
    for line in k.stdout.decode('utf-8', 'surrogateescape').split('\n'):
        if not line:
            continue
        if line.startswith('# window-'):
            window[line.startswith('# window-end')] = line.split()[2]
            continue
        if line.startswith('# skip '):
            print(f'# {what}: {line[2:]}')
            continue
        kind, pid, uid, sysc, compat, result, hexpath, jpath, tpath, fields, targs = line.split('\t')
        path = None if hexpath == '-' else bytes.fromhex(hexpath)
        # the forms the VM guests compare with (tests/vm/guest.sh) must be these bytes
        jbytes = json.loads(jpath)
        jbytes = None if jbytes is None else jbytes.encode('utf-8', 'surrogateescape')
        tbytes = None if tpath == '?' else unescape_text(tpath)
        if jbytes != path or tbytes != path:
            bad(f'{what}: {kind}: exec-kinds\' escaped paths {jpath[:60]!r} / {tpath[:60]!r} are not {path!r:.60}')
        want = pieces(fields)
        jargs = [a.encode('utf-8', 'surrogateescape') for a in want['args']]
        if text_args(targs)[1] != jargs:
            bad(f'{what}: {kind}: exec-kinds\' text arguments {targs[:80]!r} are not its JSON ones')
        if compat == '1' and unhooked:
            expected.append((kind, 'unknown', False, int(result), path, os.path.basename(path)[:15].decode(),
                             int(pid), int(uid), want, targs))
        else:
            expected.append((kind, sysc, compat == '1', int(result), path, 'exec-kinds', int(pid), int(uid),
                             want, targs))
    out = open(outp, 'rb').read().decode('utf-8', 'surrogateescape')
    recs = parse_json(out) if fmt == 'json' else parse_text(out)
    # by path and by pid: other execs of the machine may have the same path (the literal's
    # is fixed; /dev/fd/3 is anybody's)
    for kind, sysc, compat, result, path, command, pid, uid, want, targs in expected:
        mine = [r for r in recs if r[3] == path and r[6] == pid]
        res = result if fmt == 'json' else ERRNO[result]
        right = [r for r in mine if r[0] == sysc and r[1] == compat and r[2] == res and r[4] == command
                 and r[5]['uid'] == uid]
        desc = f'{what}: {kind}: {sysc}{"/32" if compat else ""} result {res} command {command} path {path!r:.70}' + \
            (f'... ({len(path)} bytes)' if path and len(path) > 60 else '')
        if len(mine) != 1 or len(right) != 1:
            bad(f'{desc}: {len(mine)} record(s) of that path, {len(right)} right: '
                f'{[r[5] if fmt == "json" else r[5]["line"] for r in mine][:3]}')
            continue
        wrong = check_context(what, kind, right[0][5], want, fmt, window)
        if fmt == 'text' and right[0][5]['args_text'] != targs:
            wrong = f'{kind}: arguments {right[0][5]["args_text"][:120]!r}, expected {targs[:120]!r}'
        if wrong:
            bad(f'{desc}: {wrong}')
        else:
            ok(f'{desc}; parent, ids, tty, cgroup, {want["argc"]} argument(s), time')
    check_gone_cgroups(what, buffer, fmt, recs, gone)
    empty = [r for r in recs if r[3] == b'']  # from anyone: the bug this test is for
    pids = {e[6] for e in expected}
    unreadable = [r for r in recs if r[3] is None and r[6] in pids]
    want_unreadable = sum(1 for e in expected if e[4] is None)
    if empty or len(unreadable) != want_unreadable:
        bad(f'{what}: records with an empty path: {[r[5] for r in empty][:3]}; unreadable: '
            f'{len(unreadable)}, expected {want_unreadable}')
    else:
        ok(f'{what}: no record with an empty path, {want_unreadable} unreadable as expected ({len(recs)} records)')
    summary = open(errp, 'rb').read().decode(errors='replace').strip().splitlines()[-1:]
    if summary and re.match(r'^hello-buffer-config: \d+ events, 0 lost$', summary[0]):
        ok(f'{what}: {summary[0]}')
    else:
        bad(f'{what}: summary {summary}')


def check_gone_cgroups(what, buffer, fmt, recs, gone):
    """Each exec of gone_cgroup_execs() names its cgroup, gone by the time it was read."""
    if buffer != 'ring':
        # loader/README.md: one perf buffer per CPU, read in no set order
        print(f'# {what}: cgroups gone before their records are read: named with the ring buffer '
              'only (a cgroup made on one CPU, the exec on another: two perf buffers, either first)')
        return
    for pid, path in gone:
        mine = [r for r in recs if r[6] == pid]
        got = [r[5]['cgroup'] if fmt == 'json' else r[5]['cols'][15] for r in mine]
        if got == [path]:
            ok(f'{what}: an exec in {path}, removed right after: the record names it')
        else:
            bad(f'{what}: an exec in {path}, removed right after: {len(mine)} record(s), cgroup {got}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('exec_kinds')
    ap.add_argument('noop')
    a = ap.parse_args()
    if not hostcheck.is_root():
        return 77
    with tempfile.TemporaryDirectory(prefix='hk') as work:
        os.chmod(work, 0o755)
        for buffer in ('ring', 'perf'):
            for fmt in ('json', 'text'):
                run(a.loader, a.exec_kinds, a.noop, buffer, fmt, work)
        run(a.loader, a.exec_kinds, a.noop, 'ring', 'json', work, ['--raw-syscalls'])
        run(a.loader, a.exec_kinds, a.noop, 'perf', 'text', work, ['--args-max', '300'], args_max=300)
    return hostcheck.verdict()


if __name__ == '__main__':
    sys.exit(main())
