#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# --check on this kernel: the attach mode chosen, and what a forced mode does.
source "$(dirname "$0")/lib.sh"
need_root

expect_run "--check" 0 "" "$LOADER" --check
cat "$tmp/err" "$tmp/out"
grep -qE "^check: ok: object [a-z0-9]+ \\([0-9]+ bytes, sha256 [0-9a-f]{64}\\)" "$tmp/out" \
	&& ok "check names the object" || bad "check line: $(cat "$tmp/out")"
if kprobes_available; then
	grep -qx 'attached: ksyscall execve' "$tmp/err" && ok "kprobes present: ksyscall attached" \
		|| bad "kprobes present but: $(cat "$tmp/err")"
	grep -q 'attached ksyscall$' "$tmp/out" && ok "check line says ksyscall" || bad "$(cat "$tmp/out")"
else
	grep -qx 'attached: tracepoint syscalls/sys_enter_execve (kprobes unavailable)' "$tmp/err" \
		&& ok "no kprobes: tracepoint fallback reported" || bad "no kprobes, but: $(cat "$tmp/err")"
	grep -q 'attached tracepoint$' "$tmp/out" && ok "check line says tracepoint" || bad "$(cat "$tmp/out")"
	expect_run "forced ksyscall without kprobes" 1 \
		"cannot attach ksyscall execve: " "$LOADER" --check --attach ksyscall
	grep -q 'try --attach tracepoint' "$tmp/err" && ok "forced ksyscall failure says what to do" \
		|| bad "$(cat "$tmp/err")"
fi
if [[ $("$BPFTOOL" feature probe kernel 2>/dev/null | grep -c "eBPF map_type ringbuf is available") == 1 ]]; then
	grep -qx 'buffer: ring buffer, 512 KiB' "$tmp/err" && ok "ring buffer chosen where the kernel has it" \
		|| bad "buffer line: $(cat "$tmp/err")"
else
	grep -qx 'buffer: perf buffer, 64 pages per CPU (ring buffer unsupported)' "$tmp/err" \
		&& ok "perf buffer where the kernel has no ring buffer" || bad "buffer line: $(cat "$tmp/err")"
fi
expect_run "--check --buffer perf" 0 "buffer: perf buffer, 64 pages per CPU (requested)" \
	"$LOADER" --check --buffer perf
expect_run "--buffer bogus" 2 "--buffer expects auto, ring or perf, not 'bogus'" "$LOADER" --buffer bogus
expect_run "--check --attach tracepoint" 0 \
	"attached: tracepoint syscalls/sys_enter_execve (requested)" "$LOADER" --check --attach tracepoint
# A kernel that has kprobes but refuses this one (riscv 6.12 without kprobes on ftrace
# sites): a private mount namespace shows a kprobe PMU that perf_event_open rejects.
fake_kprobes() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount bash -c 'd=$(mktemp -d) && cp -a /sys/bus/event_source/devices/. "$d"/ &&
		mkdir -p "$d/kprobe" && echo 999 >"$d/kprobe/type" &&
		mount --bind "$d" /sys/bus/event_source/devices && exec "$@"' fake "$@"
}
if ! kprobes_available && command -v unshare >/dev/null; then
	expect_run "ksyscall refused: falls back" 0 \
		"attached: tracepoint syscalls/sys_enter_execve (ksyscall attach failed: " fake_kprobes "$LOADER" --check
	expect_run "ksyscall refused, --attach ksyscall: no fallback" 1 \
		"cannot attach ksyscall execve: " fake_kprobes "$LOADER" --check --attach ksyscall
fi
assert_nothing_left "after --check"
done_testing
