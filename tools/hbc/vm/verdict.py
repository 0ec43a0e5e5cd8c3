# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""The guest's console protocol, and the verdict read from it: the one description of
both (tests/vm/run.sh, tests/vm/guest.sh and tests/lib/checks.sh print the lines). Every
line carries the run's nonce, so that nothing else on the console can pass for one:

  HBC-VM-STAGE  <nonce> <stage> uptime=<s>              a stage begins ('init' first)
  HBC-VM-CHECK  <nonce> ok|FAIL <stage>: <what>         one assertion
  HBC-VM-RESULT <nonce> PASS|FAIL attach=<mode> test_s=<s> rc=<n> [failed=<stages>]
  HBC-VM-RESULT <nonce> FAIL attach=- rc=<n> reason=timeout|no-verdict
                                                        run.sh, when the test died
  HBC-VM-RESULT <nonce> SHELL attach=- rc=0              run.sh: --shell instead of the test
  HBC-VM-SHELL  <nonce> ...                             run.sh: the shell starts (--shell)

The host stops a VM itself at a stage's limit; the stage it was at is TIMED_OUT."""
import re
from dataclasses import dataclass

STAGE, CHECK, RESULT = 'HBC-VM-STAGE', 'HBC-VM-CHECK', 'HBC-VM-RESULT'
# the first line of the kernel's report of an oops or a panic
OOPS = re.compile(r'\] (BUG:|Oops|invalid opcode|general protection|Unable to handle|Kernel panic)')


@dataclass(frozen=True)
class Verdict:
    result: str         # PASS or FAIL (SHELL: no test ran, --shell instead)
    attach: str         # the attach mode the guest reported, or '-'
    detail: str         # why it failed ('' for a PASS)


def lines(log, tag, nonce):
    """The text after '<TAG> <NONCE> ' of every line of LOG that has it."""
    out = []
    for line in log.splitlines():
        words = line.split(None, 2)
        if len(words) == 3 and words[:2] == [tag, nonce]:
            out.append(words[2].strip())
    return out


def fields(result_line):
    """The key=value words of a RESULT line."""
    return dict(w.split('=', 1) for w in result_line.split() if '=' in w)


def stage_now(log, nonce):
    stages = lines(log, STAGE, nonce)
    return stages[-1].split()[0] if stages else 'boot'


def parse(log, nonce, qemu_rc, timed_out=None, limit=None):
    """The Verdict of one VM run from its console LOG."""
    result = (lines(log, RESULT, nonce) or [''])[-1]
    stage = stage_now(log, nonce)
    fails = '; '.join(c[5:] for c in lines(log, CHECK, nonce) if c.startswith('FAIL '))
    f = fields(result)
    attach, why, failed = f.get('attach', '-'), f.get('reason'), f.get('failed')
    tail = f'; {fails}' if fails else ''
    if timed_out:
        return Verdict('FAIL', attach, f'timed out at stage {timed_out}' + (f' after {limit} s' if limit else '') + tail)
    if not result:
        panic = re.search(r'Kernel panic - not syncing.*', log)
        return Verdict('FAIL', attach, f'kernel panic at stage {stage}: {panic.group(0).strip()}' if panic else
                       f'VM stopped at stage {stage} without a verdict (qemu exit {qemu_rc})')
    if result.startswith('SHELL '):
        return Verdict('SHELL', attach, 'no stages ran: --shell instead of them')
    if result.startswith('PASS ') and not fails:
        return Verdict('PASS', attach, '') if qemu_rc == 0 else \
            Verdict('FAIL', attach, f'guest passed but qemu exited {qemu_rc}')
    if why == 'timeout':
        return Verdict('FAIL', attach, f'timed out at stage {stage} (guest-side limit){tail}')
    if why:
        return Verdict('FAIL', attach, f'the test script died at stage {stage} ({why}){tail}')
    if not fails and failed:  # the FAIL lines themselves did not reach the console
        return Verdict('FAIL', attach, f'failed at stage(s) {failed} (no FAIL line on the console)')
    return Verdict('FAIL', attach, fails or result)


def excerpt(log):
    """What says why the run of console LOG did not pass, for a person: each failed check
    with the 8 lines before it; else, without a PASS, the stage it was at and the kernel's
    report from its first line (an oops, a panic), or the last 20 lines. '' for a pass."""
    lines = log.splitlines()
    fails = [i for i, line in enumerate(lines) if re.match(rf'{CHECK} \S+ FAIL ', line)]
    if fails:
        return '\n'.join(line for i in fails for line in lines[max(0, i - 8):i + 1])
    if any(re.match(rf'{RESULT} \S+ PASS ', line) for line in lines):
        return ''
    stage = [line for line in lines if line.startswith(STAGE + ' ')][-1:]
    oops = next((i for i, line in enumerate(lines) if OOPS.search(line)), None)
    return '\n'.join(stage + (lines[oops:oops + 30] if oops is not None else lines[-20:]))
