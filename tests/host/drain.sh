#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Nothing lost at shutdown: N execs of a uniquely named static binary finish, then the
# tracer gets SIGTERM (or SIGINT) at once. Every one of the N must be printed, and the
# summary must account for every record. N spans several of the ring buffer's wakeup
# batches, so records that only the stop could deliver are among them.
#   drain.sh LOADER [OBJECTS...]   with STORM and NOOP (tests/tools) in the environment
source "$(dirname "$0")/lib.sh"
need_root
: "${STORM:?}" "${NOOP:?}"
n=${DRAIN_EXECS:-6000}

dir=$(mktemp -d /tmp/hXXXXX)
chmod 755 "$dir"
cp "$NOOP" "$dir/n"
bin=$dir/n
trap 'rm -rf "$tmp" "$dir"; [[ -n ${pid:-} ]] && kill -KILL "$pid" 2>/dev/null' EXIT

# start BUFFER ARGS...: the tracer in the background (pid), once it says "attached:"
start() {
	start_tracer "$tmp/out" "$tmp/err" "$LOADER" --buffer "$1" --json "${@:2}"
	pid=$TRACER_PID
	grep -q '^attached: ' "$tmp/err" && return 0
	bad "$1: not attached within 60 s: $(cat "$tmp/err")"
	return 1
}

# field NAME: a number of the JSON summary line
field() { sed -n "s/^{\"type\":\"summary\",.*\"$1\":\([0-9]*\).*/\1/p" "$tmp/out"; }

for buffer in ring perf; do
	for sig in TERM INT; do
		what="$buffer buffer, SIG$sig"
		start "$buffer" || continue
		"$STORM" -n "$n" -p 2 "$dir" n >"$tmp/storm" || bad "$what: exec storm: $(cat "$tmp/storm")"
		kill -"$sig" "$pid"
		wait "$pid"
		rc=$?
		pid=
		[[ $rc == 0 ]] && ok "$what: exit 0" || bad "$what: exit $rc: $(tail -3 "$tmp/err")"
		got=$(records "$tmp/out" "$bin" | wc -l)
		[[ $got == "$n" ]] && ok "$what: all $n execs printed" \
			|| bad "$what: $got of $n execs printed; stderr: $(tail -2 "$tmp/err")"
		events=$(field events) lost=$(field lost) printed=$(grep -c '^{"type":"exec"' "$tmp/out")
		[[ -n $events && $events == "$printed" && $lost == 0 ]] \
			&& ok "$what: JSON summary: $events events = $printed printed, 0 lost" \
			|| bad "$what: JSON summary '$(tail -1 "$tmp/out")' with $printed records printed"
		tail -1 "$tmp/out" | grep -q '^{"type":"summary",' && ok "$what: the summary is the last line" \
			|| bad "$what: last line: $(tail -1 "$tmp/out")"
		grep -qx "hello-buffer-config: $events events, 0 lost" "$tmp/err" \
			&& ok "$what: stderr summary" || bad "$what: stderr summary: $(tail -1 "$tmp/err")"
	done
done

# --count: what arrives after the count is not printed but counted, never silently dropped.
for buffer in ring perf; do
	start "$buffer" --count 100 || continue
	"$STORM" -n 2000 -p 2 "$dir" n >"$tmp/storm"
	wait "$pid"
	rc=$?
	pid=
	printed=$(grep -c '^{"type":"exec"' "$tmp/out")
	beyond=$(field beyond_count)
	[[ $rc == 0 && $printed == 100 && $(field events) == 100 ]] \
		&& ok "$buffer buffer, --count 100: exit 0, 100 records" \
		|| bad "$buffer buffer, --count 100: exit $rc, $printed records: $(tail -2 "$tmp/err")"
	grep -qx "hello-buffer-config: 100 events, 0 lost, $beyond beyond --count" "$tmp/err" \
		&& ok "$buffer buffer, --count 100: $beyond beyond --count, in both summaries" \
		|| bad "$buffer buffer, --count 100: stderr '$(tail -1 "$tmp/err")', JSON beyond_count '$beyond'"
done
assert_nothing_left "after the drain tests"
done_testing
