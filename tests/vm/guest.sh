#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The test in a VM guest, run by /init (ci/vm/guest/init). Every assertion is a console
# line the host parses (ci/hbc/vm.py), tagged with the run's nonce:
#   HBC-VM-STAGE  <nonce> <stage>                  a stage begins
#   HBC-VM-CHECK  <nonce> ok|FAIL <stage>: <what>  one assertion (tests/lib/checks.sh)
#   HBC-VM-RESULT <nonce> PASS|FAIL attach=<mode> test_s=<s> rc=<n> [failed=<stages>]
# /hbc/env (from the host): HBC_NONCE, HBC_PKG, HBC_DEB (file in /hbc), HBC_OBJECT (arch
# table name), HBC_MACHINES (its uname -m values), HBC_STEP_TIMEOUT (seconds per tool run).
set -u
# shellcheck disable=SC1091 # written by the host
. /hbc/env
# shellcheck source=tests/lib/checks.sh
. /hbc/checks.sh
# shellcheck source=tests/lib/scenario.sh
. /hbc/scenario.sh
N=$HBC_NONCE
T=${HBC_STEP_TIMEOUT:-180}
W=/tmp/hbc
CHECK_PREFIX="HBC-VM-CHECK $N "
mkdir -p "$W"
t_start=$(cut -d' ' -f1 /proc/uptime)
attach=-

begin() { CHECK_STAGE=$1; echo "HBC-VM-STAGE $N $1"; }
# show FILE LABEL: a file on the console, indented, for the log
show() { [ -s "$1" ] && sed "s/^/    $2| /" "$1"; }
verdict() {
	local v=PASS t
	[ "$fails" = 0 ] || v=FAIL
	t=$(awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
	: >/run/hbc-verdict
	echo "HBC-VM-RESULT $N $v attach=$attach test_s=$t rc=${1:-0}${failed_stages:+ failed=$failed_stages}"
}
trap 'bad "killed"; verdict 1; exit 1' TERM
# snapshot: every path of the root file system but kernel/volatile mounts and dpkg's own
# bookkeeping (checked separately)
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /hbc -o -path /var/lib/dpkg -o -path /var/log -o -path /var/cache/debconf \
		-o -path /usr/local/sbin/poweroff \) -prune -o -print | LC_ALL=C sort
}

begin facts
m=$(uname -m)
echo "    kernel $(uname -r) machine $m; $(grep -c ^processor /proc/cpuinfo) cpu(s)"
echo "    root: $(. /etc/os-release && echo "$PRETTY_NAME"), dpkg $(dpkg-query -W -f '${Version}' dpkg)"
expect "uname -m $m is a machine of $HBC_OBJECT ($HBC_MACHINES)" grep -qx "$m" <(tr , '\n' <<<"$HBC_MACHINES")
expect "the kernel has BTF (/sys/kernel/btf/vmlinux)" test -r /sys/kernel/btf/vmlinux
expect "the kernel has kprobes (/sys/bus/event_source/devices/kprobe)" \
	test -e /sys/bus/event_source/devices/kprobe/type
# Kprobes are not enough for ksyscall: some kernels refuse a probe on the execve syscall's
# entry (riscv64 6.12: an ftrace site without KPROBES_ON_FTRACE). Ask the kernel through
# tracefs (unmounted again: mounting it is the tool's job); expect ksyscall exactly then.
sym=$(awk '$3 ~ /^__[a-z0-9]+_sys_execve$/ || $3 == "sys_execve" { print $3; exit }' /proc/kallsyms)
tf=/sys/kernel/tracing
tf_mounted=
if [ ! -e "$tf/kprobe_events" ] && mount -t tracefs tracefs "$tf"; then tf_mounted=1; fi
if [ -n "$sym" ] && echo "p:hbcvm/entry $sym" 2>"$W/kprobe.err" >>"$tf/kprobe_events"; then
	echo "-:hbcvm/entry" >>"$tf/kprobe_events"
	want=ksyscall
	ok "the kernel takes a kprobe on $sym: ksyscall expected"
else
	want=tracepoint
	ok "the kernel refuses a kprobe on ${sym:-the execve syscall} ($(sed 's/.*: //' "$W/kprobe.err")): tracepoint expected"
fi
[ -z "$tf_mounted" ] || umount "$tf"
snapshot >"$W/before.txt"

begin install
timeout "$T" dpkg -i "/hbc/$HBC_DEB" >"$W/dpkg.log" 2>&1
expect "dpkg -i $HBC_DEB (exit $?)" test $? = 0
show "$W/dpkg.log" dpkg
st=$(dpkg-query -W -f '${Status}' "$HBC_PKG" 2>&1)
expect "dpkg-query: $st" test "$st" = "install ok installed"
tool=$(command -v hello-buffer-config)
expect "hello-buffer-config is on PATH: ${tool:-no}" test -n "$tool"
[ -n "$tool" ] || { verdict 1; exit 1; }

begin version
timeout "$T" "$tool" --version >"$W/version.out" 2>&1
expect "--version exits 0 (got $?)" test $? = 0
show "$W/version.out" version
expect "--version names the package version" grep -q "^hello-buffer-config [0-9]" "$W/version.out"
expect "--version lists object $HBC_OBJECT for machine $m" \
	grep -qE "^object $HBC_OBJECT +machine $m " "$W/version.out"

begin check
timeout "$T" "$tool" --check >"$W/check.out" 2>"$W/check.err"
expect "--check exits 0 (got $?)" test $? = 0
show "$W/check.err" check
show "$W/check.out" check
attach=$(sed -n 's/^check: ok: .*, attached \([a-z]*\)$/\1/p' "$W/check.out")
expect "--check attaches $want (got ${attach:-nothing})" test "$attach" = "$want"
attach=${attach:--}

# a binary nobody else runs, at a path short enough for the 15-byte path field
tag=$(printf '%s' "$N" | cut -c1-6)
mkdir -m 0755 /tmp/x
cp /usr/bin/true "/tmp/x/$tag"
cp /usr/bin/true "/tmp/x/$tag.p"
begin trace
trace_scenario "/tmp/x/$tag" "$tag" 1000 2000 "$tool"
expect "the trace attached as --check did ($TRACE_ATTACH)" test "$TRACE_ATTACH" = "$attach"

begin unit
unit=$(dpkg -L "$HBC_PKG" | grep -E '/systemd/system/[^/]+\.service$' | head -n 1)
expect "the package has a systemd unit: ${unit:-none}" test -n "$unit"
exe=$(sed -n 's/^ExecStart=[@+!:-]*//p' "${unit:-/dev/null}" | tail -n 1)
echo "    unit| ExecStart=$exe"
expect "the unit's ExecStart runs the installed $tool" test "${exe%% *}" = "$tool"
bash -c "exec $exe --json" >"$W/unit.out" 2>"$W/unit.err" &
pid=$!
wait_for "$T" "$pid" grep -q '^attached: ' "$W/unit.err"
wait_for 30 "$pid" probe "/tmp/x/$tag" "$W/unit.out"
stop "$pid"
expect "ExecStart's command exits 0 on SIGTERM (got $?)" test $? = 0
show "$W/unit.err" unit
expect "ExecStart's command printed the exec of /tmp/x/$tag" enough "$W/unit.out" "/tmp/x/$tag" 1

begin remove
timeout "$T" dpkg -r "$HBC_PKG" >"$W/dpkg.log" 2>&1
expect "dpkg -r exits 0 (got $?)" test $? = 0
expect "$tool is gone after dpkg -r" test ! -e "$tool"
timeout "$T" dpkg -P "$HBC_PKG" >"$W/dpkg.log" 2>&1
expect "dpkg -P exits 0 (got $?)" test $? = 0
st=$(dpkg-query -W -f '${Status}' "$HBC_PKG" 2>/dev/null)
expect "dpkg knows nothing of $HBC_PKG after the purge (status '${st:-none}')" \
	test -z "$st" -o "$st" = "unknown ok not-installed"
expect "no dpkg metadata left" test -z "$(ls /var/lib/dpkg/info/"$HBC_PKG".* 2>/dev/null)"
snapshot >"$W/after.txt"
diff "$W/before.txt" "$W/after.txt" >"$W/diff.txt"
show "$W/diff.txt" left-behind
expect "the file system is as before the install" test ! -s "$W/diff.txt"

begin finish
verdict 0
