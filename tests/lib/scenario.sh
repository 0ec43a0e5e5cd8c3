# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# The exec-trace scenario, one script for tests/host/trace.sh and the VM guests
# (tests/vm/guest.sh): the tracer runs with messages for uid 0 and UID_A; a uniquely
# named binary runs as uid 0, UID_A and UID_B (not configured); exactly three records
# with the right uid, path and message must arrive, and SIGTERM ends the tracer with
# status 0 and a summary. Needs checks.sh, setpriv and a scratch directory $W.

# The names of our BPF programs (bpf/hello-buffer-config.bpf.c), as an ERE for bpftool's list.
# shellcheck disable=SC2034 # used by tests/host/lib.sh and tests/vm/guest.sh
HBC_PROG_NAMES='exec_done|ks_[a-z_]+|tp_[a-z_]+'

# kernel_takes_kprobe: the kernel accepts a kprobe on the execve syscall's entry, asked
# through tracefs' kprobe_events (mounted if needed): an oracle of its own, not the way
# the loader decides (loader/probe.c, libbpf's PMU probe). Some kernels with kprobes
# refuse this one (riscv64 6.12: an ftrace site without KPROBES_ON_FTRACE). KPROBE_SAYS:
# what the kernel said, for the log.
kernel_takes_kprobe() {
	local tf=/sys/kernel/tracing sym err
	[[ -e $tf/events ]] || mount -t tracefs tracefs "$tf" 2>/dev/null
	sym=$(awk '$3 ~ /^__[a-z0-9]+_sys_execve$/ || $3 == "sys_execve" { print $3; exit }' /proc/kallsyms)
	if [[ ! -e $tf/kprobe_events ]]; then
		KPROBE_SAYS="no $tf/kprobe_events: the kernel has no kprobes"
		return 1
	fi
	if [[ -z $sym ]]; then
		KPROBE_SAYS="no execve syscall symbol in /proc/kallsyms"
		return 1
	fi
	if err=$( { echo "p:hbctest/entry $sym" >>"$tf/kprobe_events"; } 2>&1); then
		echo "-:hbctest/entry" >>"$tf/kprobe_events"
		KPROBE_SAYS="the kernel takes a kprobe on $sym"
		return 0
	fi
	KPROBE_SAYS="the kernel refuses a kprobe on $sym (${err##*: })"
	return 1
}

# wait_for SECONDS PID COMMAND...: until COMMAND succeeds (0), PID exits (1) or time is up (2)
wait_for() {
	local end=$(($(date +%s) + $1)) pid=$2
	shift 2
	until "$@"; do
		kill -0 "$pid" 2>/dev/null || { "$@"; return; }
		[[ $(date +%s) -ge $end ]] && return 2
		sleep 0.1
	done
}

# stop PID: SIGTERM, then its exit status (137 after a SIGKILL if it would not stop in 20 s)
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_for 20 "$1" false
	kill -KILL "$1" 2>/dev/null
	wait "$1"
}

# start_tracer OUT ERR CMD...: CMD in the background (TRACER_PID), its stdout in OUT and
# stderr in ERR, until it says "attached:" (0), exits (1) or 60 s pass (2). The loader says
# it only once its programs have reported a probe exec from every CPU: execs from then on
# are seen. OUT and ERR are emptied first: a line left from an earlier run must not pass
# for this one's (a background job truncates its files only once it runs, so a wait that
# reads ERR right away could see the last run's "attached:" and start too early).
start_tracer() {
	local out=$1 err=$2
	shift 2
	: >"$out"
	: >"$err"
	"$@" >"$out" 2>"$err" &
	TRACER_PID=$!
	wait_for 60 "$TRACER_PID" grep -q '^attached: ' "$err"
}

# records FILE PATH: the JSON exec records of PATH in FILE
records() { grep -F "\"path\":\"$2\"" "$1"; }
# has_record FILE PATH UID MESSAGE
has_record() { records "$1" "$2" | grep -q "^{\"type\":\"exec\",\"pid\":[1-9][0-9]*,\"uid\":$3,.*\"message\":\"$4\"}$"; }
enough() { [[ $(records "$1" "$2" | wc -l) -ge $3 ]]; }

# trace_scenario BIN TAG UID_A UID_B TOOL [ARGS...]: BIN is a copy of a no-op binary; TAG
# (at most 9 bytes) makes the messages unique. The execs run right after "attached:".
# Sets TRACE_ATTACH to the attach mode the tracer reported.
trace_scenario() {
	local bin=$1 tag=$2 ua=$3 ub=$4 pid rc
	shift 4
	printf '# trace scenario\n0 r-%s\n%s u-%s\n' "$tag" "$ua" "$tag" >"$W/trace.conf"
	start_tracer "$W/trace.out" "$W/trace.err" "$@" --json --config "$W/trace.conf"
	pid=$TRACER_PID
	TRACE_ATTACH=$(sed -n 's/^attached: \([a-z]*\).*/\1/p' "$W/trace.err")
	if [[ -n $TRACE_ATTACH ]]; then
		ok "the tracer says: $(grep '^attached: ' "$W/trace.err")"
		# uid 0's straight from bash: a path bash computed before it forked, in a page
		# the child has not touched (empty on CPUs without a hardware access flag when
		# read at the syscall's entry); the others through setpriv, to change uid
		"$bin"
		setpriv --reuid="$ua" --regid="$ua" --clear-groups "$bin"
		setpriv --reuid="$ub" --regid="$ub" --clear-groups "$bin"
		wait_for 30 "$pid" enough "$W/trace.out" "$bin" 3
	else
		bad "the tracer did not attach or print: $(tail -n 3 "$W/trace.err" | tr '\n' ' ')"
	fi
	stop "$pid"
	rc=$?
	records "$W/trace.out" "$bin" | sed 's/^/    trace| /'
	expect "SIGTERM: exit 0 (got $rc)" test "$rc" = 0
	expect "uid 0 ran $bin: message 'r-$tag'" has_record "$W/trace.out" "$bin" 0 "r-$tag"
	expect "uid $ua ran $bin: message 'u-$tag'" has_record "$W/trace.out" "$bin" "$ua" "u-$tag"
	expect "uid $ub (not configured) ran $bin: message 'Hello World'" \
		has_record "$W/trace.out" "$bin" "$ub" "Hello World"
	expect "exactly 3 records of $bin" test "$(records "$W/trace.out" "$bin" | wc -l)" = 3
	expect "no record with an empty command" bash -c "! grep -q '\"command\":\"\"' '$W/trace.out'"
	expect "summary: $(tail -n 1 "$W/trace.err")" \
		grep -qE '^hello-buffer-config: [0-9]+ events, 0 lost$' "$W/trace.err"
}
