#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# --check on this kernel: the attach mode chosen, and what a forced mode does.
source "$(dirname "$0")/lib.sh"
need_root
# what the loader says it attached (loader/attach.c); the 32-bit part only where the object has compat entries
ks='ksyscall execve, execveat'
ks_re="$ks( \\(kprobes on sys_execve, sys_execveat: pt_regs wrappers by their plain names\\))?"
tp='tracepoint syscalls/sys_{enter,exit}_execve{,at}'
tail_re='(; 32-bit entries: (kprobes|raw_syscalls|not hooked \(--raw-syscalls\)|none \([^)]*\)))?; sched_process_exec, cgroup_mkdir'

expect_run "--check" 0 "" "$LOADER" --check
cat "$tmp/err" "$tmp/out"
grep -qE "^check: ok: object [a-z0-9]+ \\([0-9]+ bytes, sha256 [0-9a-f]{64}\\)" "$tmp/out" \
	&& ok "check names the object" || bad "check line: $(cat "$tmp/out")"
grep -qE "^live: a probe exec came back from each of $(nproc) CPUs in [0-9]+ ms \\([0-9]+ rounds?\\)$" "$tmp/err" \
	&& ok "liveness proved on every CPU before 'attached:': $(grep '^live: ' "$tmp/err")" || bad "no live: line: $(cat "$tmp/err")"
[[ $(grep -n '^live: ' "$tmp/err" | cut -d: -f1) -lt $(grep -n '^attached: ' "$tmp/err" | cut -d: -f1) ]] \
	&& ok "live: comes before attached:" || bad "order: $(cat "$tmp/err")"
if kernel_takes_kprobe; then
	echo "# $KPROBE_SAYS: ksyscall expected"
	grep -qxE "attached: $ks_re$tail_re" "$tmp/err" && ok "ksyscall attached" \
		|| bad "ksyscall expected, but: $(cat "$tmp/err")"
	grep -q 'attached ksyscall$' "$tmp/out" && ok "check line says ksyscall" || bad "$(cat "$tmp/out")"
else
	echo "# $KPROBE_SAYS: tracepoint expected"
	grep -qxE "attached: ${tp//[\{\}]/.}$tail_re \\((kprobes unavailable|ksyscall attach failed: [^)]+)\\)" "$tmp/err" \
		&& ok "tracepoint fallback reported, with why" || bad "tracepoint expected, but: $(cat "$tmp/err")"
	grep -q 'attached tracepoint$' "$tmp/out" && ok "check line says tracepoint" || bad "$(cat "$tmp/out")"
	expect_run "forced ksyscall where the kernel takes no kprobe" 1 \
		"cannot attach $ks: " "$LOADER" --check --attach ksyscall
	grep -q 'try --attach tracepoint' "$tmp/err" && ok "forced ksyscall failure says what to do" \
		|| bad "$(cat "$tmp/err")"
fi
if [[ $("$BPFTOOL" feature probe kernel 2>/dev/null | grep -c "eBPF map_type ringbuf is available") == 1 ]]; then
	grep -qx 'buffer: ring buffer, 2048 KiB' "$tmp/err" && ok "ring buffer chosen where the kernel has it" \
		|| bad "buffer line: $(cat "$tmp/err")"
	# the ring's size as asked, its pages mapped (twice: the kernel maps the data area twice)
	"$LOADER" --ring-size 32M >/dev/null 2>"$tmp/ring.err" &
	pid=$!
	for _ in $(seq 100); do grep -q '^attached: ' "$tmp/ring.err" && break; sleep 0.1; done
	rss=$(awk '/^RssFile:/ { print $2 }' "/proc/$pid/status")
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	grep -qx 'buffer: ring buffer, 32768 KiB' "$tmp/ring.err" && [[ $rc == 0 && ${rss:-0} -ge 65536 ]] \
		&& ok "--ring-size 32M: a 32 MiB ring, ${rss} KiB of mapped pages" \
		|| bad "--ring-size 32M: exit $rc, RssFile ${rss:-?} KiB; $(grep -E '^buffer|ring' "$tmp/ring.err")"
else
	grep -qx 'buffer: perf buffer, 64 pages per CPU (ring buffer unsupported)' "$tmp/err" \
		&& ok "perf buffer where the kernel has no ring buffer" || bad "buffer line: $(cat "$tmp/err")"
fi
expect_run "--check --buffer perf" 0 "buffer: perf buffer, 64 pages per CPU (requested)" \
	"$LOADER" --check --buffer perf
expect_run "--buffer bogus" 2 "--buffer expects auto, ring or perf, not 'bogus'" "$LOADER" --buffer bogus
for size in 3M 128K 2048M 0 -1M 1MB ''; do
	expect_run "--ring-size '$size' refused" 2 \
		"--ring-size expects a power of 2 from 256K to 1024M (K: KiB, M: MiB), not '$size'" \
		"$LOADER" --ring-size "$size"
done
expect_run "--check --attach tracepoint" 0 \
	"attached: $tp" "$LOADER" --check --attach tracepoint
grep -qxE "attached: ${tp//[\{\}]/.}$tail_re \\(requested\\)" "$tmp/err" && ok "... (requested)" \
	|| bad "--attach tracepoint: $(grep attached: "$tmp/err")"
# A kernel that has kprobes but refuses this one (riscv 6.12 without kprobes on ftrace
# sites): a private mount namespace shows a kprobe PMU that perf_event_open rejects, on
# any host (one with kprobes gets its PMU's type replaced).
fake_kprobes() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount bash -c 'd=$(mktemp -d) && cp -a /sys/bus/event_source/devices/. "$d"/ &&
		rm -rf "${d:?}/kprobe" && mkdir "$d/kprobe" && echo 999 >"$d/kprobe/type" &&
		mount --bind "$d" /sys/bus/event_source/devices && exec "$@"' fake "$@"
}
if ! command -v unshare >/dev/null; then
	bad "unshare (util-linux) is needed for the ksyscall-refused fallback check"
else
	expect_run "ksyscall refused: falls back" 0 \
		"attached: $tp" fake_kprobes "$LOADER" --check
	grep -qE "attached: .* \\(ksyscall attach failed: [^)]+\\)$" "$tmp/err" && ok "... (ksyscall attach failed: why)" \
		|| bad "ksyscall refused: $(grep attached: "$tmp/err")"
	expect_run "ksyscall refused, --attach ksyscall: no fallback" 1 \
		"cannot attach $ks: " fake_kprobes "$LOADER" --check --attach ksyscall
fi
assert_nothing_left "after --check"
done_testing
