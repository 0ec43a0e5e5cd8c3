#!/bin/bash
# The test run inside a hello-buffer-config VM by /init.  Everything it reports is a
# console line the host parses, tagged with the run's nonce:
#   HBC-VM-STAGE  <nonce> <stage>                 a stage begins
#   HBC-VM-CHECK  <nonce> ok|FAIL <stage>: <what>  one assertion
#   HBC-VM-RESULT <nonce> PASS|FAIL attach=<mode> test_s=<s> rc=<n> [failed=<stages>]
# /hbc/env (written by the host): HBC_NONCE, HBC_PKG (package name), HBC_DEB (file in
# /hbc), HBC_OBJECT (arch table name = object name), HBC_MACHINES (its uname -m values),
# HBC_STEP_TIMEOUT (seconds for one tool run).
set -u
. /hbc/env
N=$HBC_NONCE
T=${HBC_STEP_TIMEOUT:-180}
W=/tmp/hbc
mkdir -p "$W"
t_start=$(cut -d' ' -f1 /proc/uptime)
stage=setup
failed=""
attach=-

say() { printf '%s\n' "$*"; }
begin() { stage=$1; say "HBC-VM-STAGE $N $stage"; }
ok() { say "HBC-VM-CHECK $N ok $stage: $*"; }
bad() {
	say "HBC-VM-CHECK $N FAIL $stage: $*"
	case " $failed " in *" $stage "*) ;; *) failed="${failed:+$failed,}$stage" ;; esac
}
# show FILE [LABEL]: copy a file to the console, indented, for the log
show() { [ -s "$1" ] && sed "s/^/    ${2:-${1##*/}}| /" "$1"; }
# expect DESCRIPTION COMMAND...: run an assertion
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
elapsed() { awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }'; }
verdict() {
	local v=PASS
	[ -n "$failed" ] && v=FAIL
	: >/run/hbc-verdict
	say "HBC-VM-RESULT $N $v attach=$attach test_s=$(elapsed) rc=${1:-0}${failed:+ failed=$failed}"
}
trap 'bad "killed"; verdict 1; exit 1' TERM

# wait_until SECONDS PID COMMAND...: until COMMAND succeeds (0), the process PID exits
# (1) or time runs out (2).
wait_until() {
	local end=$(($(date +%s) + $1)) pid=$2
	shift 2
	while :; do
		"$@" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			"$@" && return 0
			return 1
		fi
		[ "$(date +%s)" -ge "$end" ] && return 2
		sleep 0.2
	done
}
# lines FILE STRING N: FILE has at least N lines containing STRING
lines() { [ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }

# stop PID: SIGTERM, then the exit status (137 after a SIGKILL if it would not stop)
stop() {
	local pid=$1 _
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid"
}

# snapshot: every path of the root file system except kernel/volatile mounts and the
# package manager's own bookkeeping (checked separately)
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
		-o -path /hbc -o -path /var/lib/dpkg -o -path /var/log -o -path /var/cache/debconf \
		-o -path /usr/local/sbin/poweroff \) -prune -o -print | LC_ALL=C sort
}

# a JSON line of $W/trace.out with all of these substrings
has_line() {
	local f=$1
	shift
	awk -v n=$# 'BEGIN { for (i = 1; i < ARGC; i++) want[i] = ARGV[i]; ARGC = 1 }
		{ k = 0; for (i = 1; i <= n; i++) if (index($0, want[i])) k++; if (k == n) { found = 1; exit } }
		END { exit !found }' "$@" <"$f"
}

begin facts
m=$(uname -m)
say "    kernel $(uname -r) machine $m; $(grep -c ^processor /proc/cpuinfo) cpu(s)"
say "    root: $(. /etc/os-release && echo "$PRETTY_NAME"), dpkg $(dpkg-query -W -f '${Version}' dpkg)"
case ",$HBC_MACHINES," in
*",$m,"*) ok "uname -m $m is a machine of $HBC_OBJECT ($HBC_MACHINES)" ;;
*) bad "uname -m $m is not among $HBC_OBJECT's machines ($HBC_MACHINES)" ;;
esac
expect "the kernel has BTF (/sys/kernel/btf/vmlinux)" test -r /sys/kernel/btf/vmlinux
expect "the kernel has kprobes (/sys/bus/event_source/devices/kprobe)" \
	test -e /sys/bus/event_source/devices/kprobe/type
# Having kprobes is not enough for ksyscall: the probe goes on the entry of the execve
# syscall function, which some kernels refuse (riscv64 6.12: the entry is an ftrace site
# and the kernel lacks KPROBES_ON_FTRACE -> EINVAL).  Ask the kernel directly, through
# tracefs (unmounted again: mounting it is the tool's job), and expect the tool to use
# ksyscall exactly when the kernel takes such a probe.
sym=$(awk '$3 ~ /^__[a-z0-9]+_sys_execve$/ { print $3; exit }' /proc/kallsyms)
[ -n "$sym" ] || sym=$(awk '$3 == "sys_execve" { print $3; exit }' /proc/kallsyms)
tf=/sys/kernel/tracing
tf_mounted=0
if [ ! -e "$tf/kprobe_events" ] && mount -t tracefs tracefs "$tf" 2>/dev/null; then tf_mounted=1; fi
if [ -n "$sym" ] && echo "p:hbcvm/entry $sym" 2>"$W/kprobe.err" >>"$tf/kprobe_events"; then
	echo "-:hbcvm/entry" >>"$tf/kprobe_events"
	expect_attach=ksyscall
	ok "the kernel takes a kprobe on $sym: ksyscall expected"
else
	expect_attach=tracepoint
	ok "the kernel refuses a kprobe on ${sym:-the execve syscall} ($(tr -d '\n' <"$W/kprobe.err" | sed 's/.*: //')): tracepoint expected"
fi
[ "$tf_mounted" = 1 ] && umount "$tf"
snapshot >"$W/before.txt"

begin install
if timeout "$T" dpkg -i "/hbc/$HBC_DEB" >"$W/dpkg-i.log" 2>&1; then
	ok "dpkg -i $HBC_DEB"
else
	bad "dpkg -i $HBC_DEB failed"
fi
show "$W/dpkg-i.log" dpkg
st=$(dpkg-query -W -f '${Status} ${Version} ${Architecture}' "$HBC_PKG" 2>&1 || true)
expect "dpkg-query: $st" test "${st% * *}" = "install ok installed"
dpkg -L "$HBC_PKG" >"$W/files.txt" 2>/dev/null || true
tool=$(command -v hello-buffer-config || true)
expect "hello-buffer-config is on PATH: ${tool:-no}" test -n "$tool"
if [ -z "$tool" ]; then
	verdict 1
	exit 1
fi

begin version
timeout "$T" "$tool" --version >"$W/version.out" 2>"$W/version.err"
rc=$?
show "$W/version.out" version
show "$W/version.err" version
expect "--version exits 0 (got $rc)" test "$rc" = 0
expect "--version starts with 'hello-buffer-config <version>'" \
	awk 'NR == 1 { f = ($1 == "hello-buffer-config" && NF >= 2) } END { exit !f }' "$W/version.out"
expect "--version lists object $HBC_OBJECT for machine $m" \
	awk -v o="$HBC_OBJECT" -v m="$m" '$1 == "object" && $2 == o && $3 == "machine" && $4 == m { f = 1 } END { exit !f }' "$W/version.out"

begin check
timeout "$T" "$tool" --check >"$W/check.out" 2>"$W/check.err"
rc=$?
show "$W/check.out" check
show "$W/check.err" check
expect "--check exits 0 (got $rc)" test "$rc" = 0
attach=$(sed -n 's/^attached: \([a-z]*\).*/\1/p' "$W/check.err" | head -n1)
attach=${attach:--}
if [ "$expect_attach" = ksyscall ]; then
	expect "--check attaches ksyscall (stderr 'attached: ksyscall execve')" grep -q '^attached: ksyscall execve' "$W/check.err"
else
	expect "--check falls back to the tracepoint (stderr 'attached: tracepoint syscalls/sys_enter_execve')" \
		grep -q '^attached: tracepoint syscalls/sys_enter_execve' "$W/check.err"
fi
expect "--check says 'check: ok: object $HBC_OBJECT (...), attached $expect_attach'" \
	grep -Eq "^check: ok: object $HBC_OBJECT \(.*\), attached $expect_attach" "$W/check.out"

# A binary nobody else runs, at a path short enough for the 15-byte path field.
tag=$(printf '%s' "$N" | cut -c1-5)
mkdir -m 0755 /tmp/x
cp /usr/bin/true "/tmp/x/$tag"
chmod 0755 "/tmp/x/$tag"
bin=/tmp/x/$tag

begin trace
# messages of at most 11 bytes, unique to this run
mroot="r-$tag"
muser="u-$tag"
printf '# test config\n0 %s\n1000 %s\n' "$mroot" "$muser" >"$W/hbc.conf"
"$tool" --json --config "$W/hbc.conf" >"$W/trace.out" 2>"$W/trace.err" &
pid=$!
wait_until "$T" "$pid" grep -q '^attached:' "$W/trace.err"
rc=$?
expect "the tracer says 'attached:' (wait status $rc)" test "$rc" = 0
if [ "$rc" = 0 ]; then
	"$bin"
	setpriv --reuid=1000 --regid=1000 --clear-groups "$bin"
	setpriv --reuid=2000 --regid=2000 --clear-groups "$bin"
	wait_until 60 "$pid" lines "$W/trace.out" "\"path\":\"$bin\"" 3
fi
stop "$pid"
rc=$?
show "$W/trace.err" trace
grep -F "\"path\":\"$bin\"" "$W/trace.out" | sed 's/^/    trace| /'
expect "the tracer exits 0 on SIGTERM (got $rc)" test "$rc" = 0
expect "uid 0 ran $bin: message '$mroot'" \
	has_line "$W/trace.out" '"type":"exec"' '"uid":0,' "\"path\":\"$bin\"" "\"message\":\"$mroot\""
expect "uid 1000 ran $bin: message '$muser'" \
	has_line "$W/trace.out" '"type":"exec"' '"uid":1000,' "\"path\":\"$bin\"" "\"message\":\"$muser\""
expect "uid 2000 (not configured) ran $bin: message 'Hello World'" \
	has_line "$W/trace.out" '"type":"exec"' '"uid":2000,' "\"path\":\"$bin\"" '"message":"Hello World"'
expect "no event with an empty command" bash -c "! grep -q '\"command\":\"\"' '$W/trace.out'"

begin unit
unit=$(grep -E '/systemd/system/[^/]+\.service$' "$W/files.txt" | head -n1 || true)
expect "the package has a systemd unit: ${unit:-none}" test -n "$unit"
if [ -n "$unit" ]; then
	exe=$(sed -n 's/^ExecStart=[@+!:-]*//p' "$unit" | tail -n1)
	say "    unit| ExecStart=$exe"
	expect "the unit's ExecStart runs the installed $tool" test "${exe%% *}" = "$tool"
	bash -c "exec $exe" >"$W/unit.out" 2>"$W/unit.err" &
	pid=$!
	wait_until "$T" "$pid" grep -q '^attached:' "$W/unit.err"
	rc=$?
	expect "ExecStart's command attaches (wait status $rc)" test "$rc" = 0
	if [ "$rc" = 0 ]; then
		"$bin"
		setpriv --reuid=1000 --regid=1000 --clear-groups "$bin"
		wait_until 60 "$pid" lines "$W/unit.out" "$bin" 2
	fi
	stop "$pid"
	rc=$?
	show "$W/unit.err" unit
	grep -F "$bin" "$W/unit.out" | sed 's/^/    unit| /'
	expect "ExecStart's command exits 0 on SIGTERM (got $rc)" test "$rc" = 0
	expect "ExecStart's command printed the exec of $bin" grep -qF "$bin" "$W/unit.out"
fi

begin remove
timeout "$T" dpkg -r "$HBC_PKG" >"$W/dpkg-r.log" 2>&1
rc=$?
show "$W/dpkg-r.log" dpkg
expect "dpkg -r exits 0 (got $rc)" test "$rc" = 0
expect "$tool is gone after dpkg -r" test ! -e "$tool"
timeout "$T" dpkg -P "$HBC_PKG" >"$W/dpkg-p.log" 2>&1
rc=$?
show "$W/dpkg-p.log" dpkg
expect "dpkg -P exits 0 (got $rc)" test "$rc" = 0
st=$(dpkg-query -W -f '${Status}' "$HBC_PKG" 2>/dev/null || true)
expect "dpkg knows nothing of $HBC_PKG after the purge (status '${st:-none}')" \
	test -z "$st" -o "$st" = "unknown ok not-installed"
left=$(ls /var/lib/dpkg/info/"$HBC_PKG".* /var/lib/dpkg/info/"$HBC_PKG":* 2>/dev/null || true)
expect "no dpkg metadata left${left:+: $left}" test -z "$left"
snapshot >"$W/after.txt"
diff "$W/before.txt" "$W/after.txt" >"$W/diff.txt"
show "$W/diff.txt" left-behind
expect "the file system is as before the install (no file left behind, none removed)" test ! -s "$W/diff.txt"

begin finish
verdict 0
