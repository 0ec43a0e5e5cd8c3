#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Every kind of exec, exactly once, on this machine's kernel: tests/tools/exec-kinds
performs each (a literal after fork, posix_spawn, vfork, execveat with a dirfd, fexecve,
a 32-bit execve, ENOENT, EACCES, a 4,000-byte path, a newline, invalid and valid UTF-8)
and prints what the tracer must report; the tracer runs with the ring and with the perf
buffer, in JSON (parsed with Python's json) and in text (unescaped as loader/README.md
documents), and with --raw-syscalls, and each expected record must be there exactly once,
with its path, syscall, 32-bit flag, result and command.

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

failures = 0


def ok(what):
    print(f'ok {what}', flush=True)


def bad(what):
    global failures
    failures += 1
    print(f'FAIL {what}', flush=True)


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


TEXT = re.compile(r'^(\d+) +(\d+) +(\S+) +(\S+) +(\S+) +(\S+) (.*)$')


def parse_text(out):
    recs, lines = [], out.splitlines()
    if not lines or not re.match(r'^PID +UID +COMMAND +SYSCALL +RESULT +PATH +MESSAGE$', lines[0]):
        bad(f'text: header line: {lines[:1]}')
    for line in lines[1:]:
        m = TEXT.match(line)
        if not m:
            bad(f'text: a line that does not parse: {line[:200]!r}')
            continue
        sysc, res, path = m.group(4), m.group(5), m.group(6)
        compat = sysc.endswith('/32')
        sysc = sysc[:-3] if compat else sysc
        path = None if path == '?' else b'' if path == '""' else unescape_text(path)
        recs.append((sysc, compat, res, path, unescape_text(m.group(3)).decode('utf-8', 'replace'), line,
                     int(m.group(1))))
    return recs


def start(loader, args, out, err):
    p = subprocess.Popen([loader] + args, stdout=out, stderr=err)
    return p


def wait_for(pred, seconds, proc):
    end = time.time() + seconds
    while time.time() < end:
        if pred():
            return True
        if proc.poll() is not None:
            return pred()
        time.sleep(0.05)
    return False


def run(loader, kinds, noop, buffer, fmt, work, extra=()):
    what = f'{buffer} buffer, {fmt}' + ''.join(f', {x}' for x in extra)
    d = tempfile.mkdtemp(prefix='k', dir=work)
    os.chmod(d, 0o755)
    outp, errp = os.path.join(work, f'{buffer}-{fmt}.out'), os.path.join(work, f'{buffer}-{fmt}.err')
    args = ['--buffer', buffer] + (['--json'] if fmt == 'json' else []) + list(extra)
    with open(outp, 'wb') as out, open(errp, 'wb') as err:
        p = start(loader, args, out, err)
    try:
        # the kinds right after "attached:" (the loader says it once its programs are live)
        if not wait_for(lambda: b'\nattached: ' in b'\n' + open(errp, 'rb').read(), 60, p):
            bad(f'{what}: the tracer did not attach: {open(errp, "rb").read()[-400:]!r}')
            return
        k = subprocess.run([kinds, d, noop], capture_output=True)
        if k.returncode != 0:
            bad(f'{what}: exec-kinds exit {k.returncode}: {k.stderr.decode(errors="replace")}')
        # the last kind's record, then stop
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    if rc != 0:
        bad(f'{what}: tracer exit {rc}')
    # Without hooks on the 32-bit entries (tracepoint mode without --raw-syscalls) a
    # 32-bit exec is reported by sched_process_exec alone: syscall unknown, the command the
    # new program's name
    unhooked = b'32-bit entries: not hooked' in open(errp, 'rb').read()
    expected = []
    for line in k.stdout.decode().splitlines():
        if line.startswith('# skip '):
            print(f'# {what}: {line[2:]}')
            continue
        kind, pid, sysc, compat, result, hexpath, jpath, tpath = line.split('\t')
        path = None if hexpath == '-' else bytes.fromhex(hexpath)
        # the forms the VM guests compare with (tests/vm/guest.sh) must be these bytes
        jbytes = json.loads(jpath)
        jbytes = None if jbytes is None else jbytes.encode('utf-8', 'surrogateescape')
        tbytes = None if tpath == '?' else unescape_text(tpath)
        if jbytes != path or tbytes != path:
            bad(f'{what}: {kind}: exec-kinds\' escaped paths {jpath[:60]!r} / {tpath[:60]!r} are not {path!r:.60}')
        if compat == '1' and unhooked:
            expected.append((kind, 'unknown', False, int(result), path, os.path.basename(path)[:15].decode(),
                             int(pid)))
        else:
            expected.append((kind, sysc, compat == '1', int(result), path, 'exec-kinds', int(pid)))
    out = open(outp, 'rb').read().decode('utf-8', 'surrogateescape')
    recs = parse_json(out) if fmt == 'json' else parse_text(out)
    # by path and by pid: other execs of the machine may have the same path (the literal's
    # is fixed; /dev/fd/3 is anybody's)
    for kind, sysc, compat, result, path, command, pid in expected:
        mine = [r for r in recs if r[3] == path and r[6] == pid]
        res = result if fmt == 'json' else ERRNO[result]
        right = [r for r in mine if r[0] == sysc and r[1] == compat and r[2] == res and r[4] == command]
        desc = f'{what}: {kind}: {sysc}{"/32" if compat else ""} result {res} command {command} path {path!r:.70}' + \
            (f'... ({len(path)} bytes)' if path and len(path) > 60 else '')
        if len(mine) == 1 and len(right) == 1:
            ok(desc)
        else:
            bad(f'{desc}: {len(mine)} record(s) of that path, {len(right)} right: {[r[5] for r in mine][:3]}')
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('loader')
    ap.add_argument('exec_kinds')
    ap.add_argument('noop')
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: needs root (loads BPF programs)')
        return 77
    with tempfile.TemporaryDirectory(prefix='hk') as work:
        os.chmod(work, 0o755)
        for buffer in ('ring', 'perf'):
            for fmt in ('json', 'text'):
                run(a.loader, a.exec_kinds, a.noop, buffer, fmt, work)
        run(a.loader, a.exec_kinds, a.noop, 'ring', 'json', work, ['--raw-syscalls'])
    print(f'{failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
