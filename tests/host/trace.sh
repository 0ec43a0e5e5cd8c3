#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The real thing on this machine's kernel: the exec-trace scenario (tests/lib/scenario.sh,
# which the VM guests run too), then text output and --count ending the run by itself.
# LOADER_ARGS: e.g. "--buffer perf" to run the same checks through the perf buffer.
source "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to exec as another uid"

dir=$(mktemp -d /tmp/hello-buffer-config-trace.XXXXXX)	# longer than the book's 15-byte path
chmod 755 "$dir"
bin=$dir/t
cp /bin/true "$bin"
trap 'rm -rf "$tmp" "$dir"' EXIT

# shellcheck disable=SC2086
trace_scenario "$bin" "${dir##*.}" 4242 65534 "$LOADER" ${LOADER_ARGS:-}
assert_nothing_left "after SIGTERM"

# shellcheck disable=SC2086
start_tracer "$tmp/text" "$tmp/err" "$LOADER" ${LOADER_ARGS:-} --count 2
pid=$TRACER_PID
for _ in $(seq 50); do "$bin"; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
wait "$pid"
rc=$?
expect "--count 2: exit 0 by itself (got $rc)" test "$rc" = 0
expect "text header" grep -qE '^TIME +PID +PPID +UID +GID +EUID +EGID +AUID +SES +TTY +PCOMM +COMMAND +SYSCALL +RESULT +CONTAINER +CGROUP PATH ARGS MESSAGE$' <(head -n 1 "$tmp/text")
expect "--count 2: header and 2 records" test "$(wc -l <"$tmp/text")" = 3
expect "text records end in the message: $(sed -n 2p "$tmp/text")" \
	test "$(sed -n '2,$p' "$tmp/text" | grep -cE '^[0-9-]+T[0-9:.]+Z +[0-9]+ +[0-9]+ +[0-9]+( +[^ ]+){8} +(execve|execveat|unknown)(/32)? +(0|E[A-Z0-9]+)( +[^ ]+){2} [^ ]+ \[[0-9/?-]+\]( [^ ]+)* Hello World$')" = 2
expect "--count 2: the summary counts what came after: $(tail -n 1 "$tmp/err")" \
	grep -qE '^hello-buffer-config: 2 events, 0 lost, [0-9]+ beyond --count$' "$tmp/err"
assert_nothing_left "after --count"
done_testing
