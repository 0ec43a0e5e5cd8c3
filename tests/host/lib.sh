# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Shared by the host tests: sourced, with the loader as $1.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/scenario.sh"
LOADER=$1
shift

# expect_run NAME WANT_STATUS WANT_STDERR_SUBSTRING CMD...
expect_run() {
	local name=$1 want_rc=$2 want_err=$3 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [[ $rc != "$want_rc" ]]; then
		bad "$name: exit $rc, expected $want_rc; stderr: $(head -c 400 "$tmp/err")"
	elif [[ -n $want_err ]] && ! grep -qF -- "$want_err" "$tmp/err"; then
		bad "$name: stderr lacks '$want_err'; got: $(head -c 400 "$tmp/err")"
	else
		ok "$name"
	fi
}

# Our programs (by name: bpf/hello-buffer-config.bpf.c) in the kernel now: "id name" lines.
our_progs() {
	"$BPFTOOL" prog list 2>/dev/null | sed -nE "s/^([0-9]+): .* name ($HBC_PROG_NAMES) .*/\\1 \\2/p"
}
# Those present before this test started belong to someone else (another tracer running).
progs_before=$(our_progs)

# The kernel frees a program, its links and maps after an RCU grace period, not when the
# loader exits: measured here 15-28 ms for the raw_tp program (sched_process_exec), 18-56 ms
# for maps, longer under load. What is gone within FREE_WAIT seconds was not left behind.
FREE_WAIT=5
left_progs() {
	left=$(comm -13 <(sort <<<"$progs_before") <(our_progs | sort) | grep . || true)
	links=$(for id in $(cut -d' ' -f1 <<<"$left"); do "$BPFTOOL" link list 2>/dev/null | grep -E "prog $id\b"; done)
	[[ -z $left && -z $links ]]
}
# No BPF program or link of ours left in the kernel.
assert_nothing_left() {
	local left links
	wait_for "$FREE_WAIT" $$ left_progs && ok "$1: bpftool shows no program or link of ours" \
		|| bad "$1: left behind after ${FREE_WAIT} s: $left $links"
}
