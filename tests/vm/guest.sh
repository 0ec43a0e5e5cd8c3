#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The test in a VM guest: the fleet path on a Debian userland of the kernel's own release,
# systemd as PID 1. Every assertion is a console line the host parses, tagged with the
# run's nonce: the protocol is described once, in tools/hbc/vm/verdict.py.
# /hbc/env (from the host: tools/hbc/vm/overlay.py, guest_env): HBC_NONCE, HBC_PKG,
# HBC_OBJECT (arch table name), HBC_MACHINES (its uname -m values), HBC_BTF (where this
# kernel's BTF comes from), HBC_VERSION and HBC_PREVIOUS (the package versions of the repositories
# /hbc/repo and /hbc/repo-prev), HBC_STEP_TIMEOUT (seconds per step), HBC_GUEST_TIMEOUT
# (for the whole test: run.sh), HBC_AUTOPKGTEST (1: the root has autopkgtest), HBC_STORM
# (execs of the storm stage: ci/vm/vm.conf storm-execs), HBC_MODULES (1: --modules put the
# kernel's modules in /lib/modules), HBC_SHELL (--shell: for run.sh).
# /hbc/tools: this architecture's tests/tools (exec-kinds, noop), from ci/build.sh.
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
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$W"
t_start=$(cut -d' ' -f1 /proc/uptime)
attach=-
unit=hello-buffer-config.service
keyring=/usr/share/keyrings/hello-buffer-config.gpg
sources=/etc/apt/sources.list.d/hello-buffer-config.list

begin() {
	CHECK_STAGE=$1
	echo "HBC-VM-STAGE $N $1 uptime=$(cut -d' ' -f1 /proc/uptime)"
}
# show FILE LABEL: a file on the console, indented, for the log
show() {
	local line
	while IFS= read -r line; do echo "    $2| $line"; done <"$1"
}
verdict() {
	local v=PASS t
	[ "$fails" = 0 ] || v=FAIL
	t=$(awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
	: >/run/hbc-verdict
	echo "HBC-VM-RESULT $N $v attach=$attach test_s=$t rc=${1:-0}${failed_stages:+ failed=$failed_stages}"
}
trap 'bad "killed"; verdict 1; exit 1' TERM
# snapshot: every path of the root file system but kernel/volatile mounts and what apt,
# dpkg and systemd keep for themselves (checked separately)
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /hbc \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
		-o -path /var/lib/systemd \) -prune -o -print | LC_ALL=C sort
}
# apt_q ARGS...: apt-get, its output in $W/apt.log
apt_q() { timeout "$T" apt-get -q -y "$@" </dev/null >"$W/apt.log" 2>&1; }
# journal: the lines of the service's run that invoked() last saw
invoked() { invocation=$(systemctl show -p InvocationID --value "$unit"); }
journal() { journalctl -q -o cat --no-pager _SYSTEMD_INVOCATION_ID="$invocation"; }
# jrecord_args PATH UID ARGS: a successful execve of PATH by UID with the arguments ARGS
jrecord_args() { journal | grep -qE "^[^ ]+ +[0-9]+ +[0-9]+ +$2 +([^ ]+ +){8}execve +0 +([^ ]+ +){2}$1 \\[[0-9]+\\] $3 "; }
# jrecord PATH UID MESSAGE: a text record of the journal: uid, a successful execve of PATH
# run with argv { PATH }, and the message (columns: loader/format.h)
jline() { echo "^[^ ]+ +[0-9]+ +[0-9]+ +$2 +([^ ]+ +){8}execve +0 +([^ ]+ +){2}$1 \\[1\\] $1 $3\$"; }
jrecord() { journal | grep -qE "$(jline "$@")"; }
main_pid() { systemctl show -p MainPID --value "$unit"; }
# quiet_daily_jobs: the distribution's daily jobs (apt-daily, apt-daily-upgrade, dpkg-db-backup)
# take the dpkg lock and write apt's and dpkg's backups under /var/backups when their calendar
# time comes, which can fall inside a test. Stop their timers for this boot only (runtime: no
# file changes) and let a run already under way finish, so that the install, the purge and the
# file-system comparison see what our package does and nothing else.
quiet_daily_jobs() {
	local -a timers services
	local states end
	mapfile -t timers < <(systemctl list-units --all --plain --no-legend 'apt-daily*.timer' 'dpkg-db-backup.timer' | awk '{ print $1 }')
	if [ ${#timers[@]} = 0 ]; then
		echo "    daily jobs: no apt-daily or dpkg-db-backup timer in this root"
		return 0
	fi
	services=("${timers[@]/%.timer/.service}")
	systemctl stop "${timers[@]}"
	end=$(($(date +%s) + T))
	while states=$(systemctl show -p ActiveState --value "${services[@]}" | grep . | paste -sd ' ') &&
		[[ " $states " =~ \ (activating|active|deactivating)\  ]] && [[ $(date +%s) -lt $end ]]; do
		sleep 1
	done
	expect "daily jobs: timers stopped for this boot (${timers[*]}), their services not running ($states)" \
		test -z "$(systemctl show -p ActiveState --value "${services[@]}" | grep -Ex 'activating|active|deactivating')"
}
# jcgroup PATH CGROUP: a journal record of PATH in CGROUP
jcgroup() { journal | P=$1 G=$2 awk '$17 == ENVIRON["P"] && $16 == ENVIRON["G"] { f = 1 } END { exit !f }'; }
unit_do() {
	timeout "$T" systemctl "$1" "$unit" >"$W/systemctl.log" 2>&1
	local rc=$?
	invoked
	return $rc
}
# live: the service said "attached:" in this invocation's journal (the loader says it once
# its programs have reported a probe exec from every CPU): execs from then on are seen
live() { wait_for 60 $$ jattached; }
jattached() { journal | grep -q '^attached: '; }
# jmode: the attach mode this invocation's journal says (ksyscall or tracepoint)
jmode() { journal | sed -n 's/^attached: \([a-z]*\).*/\1/p' | head -n 1; }

begin facts
m=$(uname -m)
echo "    kernel $(uname -r) machine $m; $(grep -c ^processor /proc/cpuinfo) cpu(s)"
echo "    root: $(. /etc/os-release && echo "$PRETTY_NAME"), $(systemctl --version | head -n 1), $(apt-get --version | head -n 1)"
expect "uname -m $m is a machine of $HBC_OBJECT ($HBC_MACHINES)" grep -qx "$m" <(tr , '\n' <<<"$HBC_MACHINES")
expect "systemd is PID 1 ($(readlink /proc/1/exe))" test "$(readlink /proc/1/exe)" = "$(readlink -f /lib/systemd/systemd)"
systemctl --failed --no-legend --plain | sed 's/^/    failed unit| /'
expect "systemd: multi-user.target is $(systemctl is-active multi-user.target)" systemctl -q is-active multi-user.target
quiet_daily_jobs
if [ "${HBC_MODULES:-0}" = 1 ]; then	# --modules: the tree where modprobe and udev look
	# (what gets loaded depends on the devices and on the root having libkmod: bookworm's)
	expect "modules of $(uname -r) in /lib/modules: $(wc -l <"/lib/modules/$(uname -r)/modules.dep" 2>/dev/null) in modules.dep, $(wc -l </proc/modules) loaded" \
		test -s "/lib/modules/$(uname -r)/modules.dep"
fi
# HBC_BTF (vmlinux/<name>/min-btf/index.txt): "kernel" where this kernel has BTF;
# "embedded" where its release was built without and the loader carries a minimal BTF for it;
# "file": a --kernel-file without BTF, whose --btf the host put at /boot/vmlinux-RELEASE
if [ "$HBC_BTF" = file ]; then
	expect "the kernel has no BTF (no /sys/kernel/btf/vmlinux); /boot/vmlinux-$(uname -r) has it" \
		test ! -e /sys/kernel/btf/vmlinux -a -s "/boot/vmlinux-$(uname -r)"
	want_btf="/boot/vmlinux-$(uname -r) (a standard location)"
	kbtf=/hbc/kernel.btf
elif [ "$HBC_BTF" = embedded ]; then
	expect "the kernel has no BTF, as its distribution builds it (no /sys/kernel/btf/vmlinux)" \
		test ! -e /sys/kernel/btf/vmlinux
	want_btf="embedded for $(uname -r) "
	kbtf=/hbc/kernel.btf  # for --check-btf: the file of the BTF the loader embeds for it
else
	expect "the kernel has BTF (/sys/kernel/btf/vmlinux)" test -r /sys/kernel/btf/vmlinux
	want_btf="kernel (/sys/kernel/btf/vmlinux)"
	kbtf=/sys/kernel/btf/vmlinux
fi
expect "the kernel has kprobes (/sys/bus/event_source/devices/kprobe)" \
	test -e /sys/bus/event_source/devices/kprobe/type
# Kprobes are not enough for ksyscall: some kernels refuse a probe on the execve syscall's
# entry (riscv64 6.12). Ask the kernel itself (tests/lib/scenario.sh); expect ksyscall exactly then.
if kernel_takes_kprobe; then
	want=ksyscall
	echo "    kprobe: $KPROBE_SAYS: ksyscall expected"
else
	want=tracepoint
	echo "    kprobe: $KPROBE_SAYS: tracepoint expected"
fi
snapshot >"$W/before.txt"
# a binary nobody else runs, at a path longer than the book's 15-byte path field
tag=$(printf '%s' "$N" | cut -c1-6)
bin=/tmp/x/hello-buffer-config-test/$tag
mkdir -m 0755 /tmp/x /tmp/x/hello-buffer-config-test
cp /usr/bin/true "$bin"

begin repository
# what a fleet host is told: the repository's key, and one sources line naming it
install -m 0644 /hbc/repo/hello-buffer-config.gpg "$keyring"
other=/usr/share/keyrings/debian-archive-keyring.gpg
expect "another key to sign with is there ($other)" test -r "$other"
cp -a /hbc/repo /tmp/unsigned
rm -f /tmp/unsigned/dists/stable/InRelease /tmp/unsigned/dists/stable/Release.gpg
printf 'deb [signed-by=%s] file:%s stable main\n' "$other" /hbc/repo "$keyring" /tmp/unsigned >"$W/bad.list"
opts=(-o "Dir::Etc::SourceList=$W/bad.list" -o Dir::Etc::SourceParts=/dev/null)
apt_q "${opts[@]}" update
show "$W/apt.log" apt
expect "apt refuses the repository signed by another key: $(grep -m1 -oE 'NO_PUBKEY [0-9A-F]+|Missing key [0-9A-F]+' "$W/apt.log")" \
	grep -qE "(NO_PUBKEY|Missing key) [0-9A-F]+" "$W/apt.log"
expect "apt refuses the unsigned copy: $(grep -m1 -o "file:/tmp/unsigned stable Release' is not signed" "$W/apt.log")" \
	grep -q "file:/tmp/unsigned stable Release' is not signed" "$W/apt.log"
expect "... and has no hello-buffer-config from either" \
	bash -c "! apt-cache ${opts[*]} policy $HBC_PKG | grep -q 'Candidate: [0-9]'"
# the fleet's repository as it was (the previous release) and as it is now
printf 'deb [signed-by=%s] file:%s stable main\n' "$keyring" /hbc/repo-prev "$keyring" /hbc/repo >"$sources"
apt_q update
expect "apt-get update from the signed repositories" test $? = 0
show "$W/apt.log" apt

begin install
apt_q install "$HBC_PKG=$HBC_PREVIOUS"
expect "apt-get install $HBC_PKG=$HBC_PREVIOUS (exit $?)" test $? = 0
show "$W/apt.log" apt
st=$(dpkg-query -W -f '${Status} ${Version}' "$HBC_PKG" 2>&1)
expect "installed: $st" test "$st" = "install ok installed $HBC_PREVIOUS"
expect "installed, not enabled: $(systemctl is-enabled "$unit")" test "$(systemctl is-enabled "$unit")" = disabled
tool=$(command -v hello-buffer-config)
[ -n "$tool" ] || { bad "hello-buffer-config is not on PATH"; verdict 1; exit 1; }
timeout "$T" "$tool" --version >"$W/version.out" 2>&1
show "$W/version.out" version
expect "--version says ${HBC_PREVIOUS%-*}" test "$(head -n 1 "$W/version.out")" = "hello-buffer-config ${HBC_PREVIOUS%-*}"
expect "--version lists object $HBC_OBJECT for machine $m" grep -qE "^object $HBC_OBJECT +machine $m " "$W/version.out"
timeout "$T" "$tool" --check >"$W/check.out" 2>"$W/check.err"
rc=$?
jit=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)
if [ "$rc" != 0 ] && [ "$jit" = 0 ]; then
	# a kernel that runs programs calling the helpers its JIT inlines only JIT-compiled
	# (riscv64 from 7.x): the loader says what to do, and the operator does it
	show "$W/check.err" check
	expect "with the JIT off, --check says to turn it on" grep -q "sysctl -w net.core.bpf_jit_enable=1" "$W/check.err"
	echo 1 >/proc/sys/net/core/bpf_jit_enable
	timeout "$T" "$tool" --check >"$W/check.out" 2>"$W/check.err"
	rc=$?
fi
expect "--check exits 0 (got $rc)" test $rc = 0
show "$W/check.err" check
if [ "$rc" != 0 ]; then	# the kernel's verifier says why: its log's last lines, for the console
	timeout "$T" "$tool" --check --verbose 2>&1 | grep -v '^libbpf: \(map\|prog\) .*: \(found\|relo\|skipping\|created\|setting\)' |
		tail -n 60 >"$W/check.verbose"
	show "$W/check.verbose" verifier
fi
attach=$(sed -n 's/^check: ok: .*, attached \([a-z]*\)$/\1/p' "$W/check.out")
expect "--check attaches $want (got ${attach:-nothing})" test "$attach" = "$want"
attach=${attach:--}
btf=$(sed -n 's/^check: ok: .*, btf \(.*\), attached [a-z]*$/\1/p' "$W/check.out")
expect "--check relocates against the BTF expected: ${btf:-none reported}" \
	test "${btf#"$want_btf"}" != "$btf"
# the offline CO-RE check from the package, of this kernel's BTF as chosen in facts
# (tests/corecheck checks the same kernels' BTF offline: both must say ok)
timeout "$T" "$tool" --check-btf "$kbtf" >"$W/check-btf.out" 2>&1
rc=$?
show "$W/check-btf.out" check-btf
expect "--check-btf $kbtf: exit $rc, $(tail -n 1 "$W/check-btf.out")" test "$rc" = 0
# --btf FILE: /hbc/kernel.btf is this kernel's BTF as the host has it (cut from the
# package, or the embedded one's file); /hbc/other.btf is another architecture's, which
# must fail to load: proof that libbpf relocated against the file given
timeout "$T" "$tool" --check --btf /hbc/kernel.btf >"$W/btf.out" 2>"$W/btf.err"
rc=$?
expect "--check --btf /hbc/kernel.btf: exit $rc, $(grep -m1 '^btf: ' "$W/btf.err")" \
	grep -q "^check: ok: .*, btf /hbc/kernel.btf (--btf), attached $attach\$" "$W/btf.out"
timeout "$T" "$tool" --check --btf /hbc/other.btf >"$W/btf.out" 2>"$W/btf.err"
rc=$?
expect "--check --btf /hbc/other.btf (another architecture's): exit $rc (1), $(tail -n 1 "$W/btf.err")" test "$rc" = 1
timeout "$T" "$tool" --check --btf /etc/os-release >"$W/btf.out" 2>"$W/btf.err"
rc=$?
expect "--btf of a file without BTF: exit $rc (2), $(head -n 1 "$W/btf.err")" test "$rc" = 2

begin trace
trace_scenario "$bin" "$tag" 1000 2000 "$tool"
expect "the trace attached as --check did ($TRACE_ATTACH)" test "$TRACE_ATTACH" = "$attach"

begin exec-kinds
# Every kind of exec (tests/tools/exec-kinds.c, built for this architecture): each exactly
# once, with its syscall, 32-bit flag, result, path, parent, ids, tty, cgroup and arguments,
# in the JSON and in the text output. The tool prints each as both outputs have it; the
# host test checks those forms against the bytes with a real JSON parser
# (tests/host/exec_kinds.py). Its directory is on the root file system (/tmp may be a
# nosuid tmpfs: the setuid kind needs setuid bits to count); the cgroup kind runs in a
# cgroup made here, removed once the tracer has stopped.
# kinds_run ARGS...: the tracer with ARGS, exec-kinds right after "attached:"; $W/kinds.out, $W/kinds.exp
kinds_run() {
	local pid k=/var/tmp/hbc-kinds cg=/sys/fs/cgroup/hbc-kinds-$tag
	rm -rf "$k" && mkdir -m 0755 "$k" && mkdir -p "$cg"
	start_tracer "$W/kinds.out" "$W/kinds.err" "$tool" "$@"
	pid=$TRACER_PID
	if grep -q '^attached: ' "$W/kinds.err"; then
		# where the kernel runs no bpf_loop() the tracer counts fewer argv entries, and says so
		scan=$(sed -n 's/^args: .*, at most \([0-9]*\) of them$/\1/p' "$W/kinds.err")
		timeout "$T" /hbc/tools/exec-kinds ${scan:+-s "$scan"} -g "$cg=/hbc-kinds-$tag" "$k" /hbc/tools/noop \
			>"$W/kinds.exp" 2>"$W/kinds.log"
		expect "exec-kinds $*: every exec had the outcome expected (exit $?)" test $? = 0
		show "$W/kinds.log" exec-kinds
	else
		bad "exec-kinds $*: the tracer did not print: $(tail -n 3 "$W/kinds.err" | tr '\n' ' ')"
	fi
	stop "$pid"
	expect "exec-kinds $*: the tracer exits 0 (got $?)" test $? = 0
	rmdir "$cg"
	rm -rf "$k"
	window=$(sed -n 's/^# window-start //p' "$W/kinds.exp")
	window_end=$(sed -n 's/^# window-end //p' "$W/kinds.exp")
}
# want KIND-LINE: $cmd, $sys and $compat as the record must have them. Where the 32-bit
# entries are not hooked (tracepoints without --raw-syscalls) sched_process_exec alone
# reports a 32-bit exec: syscall unknown, the new program's name as command.
want() {
	cmd=exec-kinds
	if [ "$compat" = 1 ] && grep -q '32-bit entries: not hooked' "$W/kinds.err"; then
		cmd=$(basename "$tpath" | cut -c1-15) sys=unknown compat=0
	fi
}
# in_window TIME: a record's time is within exec-kinds' run (ISO 8601 UTC: compared as text)
in_window() { [[ ! $1 < $window && ! $1 > $window_end ]]; }
kinds_run --json
grep '^# skip' "$W/kinds.exp" | sed 's/^/    /'
while IFS=$'\t' read -r kind pid uid sys compat result _ jpath tpath fields _; do
	want
	c=false && [ "$compat" = 1 ] && c=true
	grep -F "{\"type\":\"exec\",\"pid\":$pid," "$W/kinds.out" | grep -F "\"path\":$jpath,\"path_source\"" >"$W/rec"
	all=$(wc -l <"$W/rec")
	right=$(grep -cF "{\"type\":\"exec\",\"pid\":$pid,\"uid\":$uid,\"command\":\"$cmd\",\"syscall\":\"$sys\",\"compat\":$c,\"result\":$result," "$W/rec")
	# the parent, ids to tty, cgroup and arguments: pieces of the record, each as it has them
	missing=
	IFS=$'\x1e' read -ra pieces <<<"$fields"
	for piece in "${pieces[@]}"; do
		grep -qF -- "$piece" "$W/rec" || missing="$missing ${piece:0:60}"
	done
	when=$(sed -n 's/.*"time":"\([^"]*\)".*/\1/p' "$W/rec")
	in_window "$when" || missing="$missing time $when not in [$window, $window_end]"
	expect "json: $kind: $sys compat $c result $result, ${jpath:0:60}: exactly once ($all, $right right)${missing:+; not as expected:$missing}" \
		test "$all/$right/${missing:-none}" = 1/1/none
	[ -z "$missing" ] || cut -c1-600 "$W/rec" | sed 's/^/    record| /'	# what it said instead
done < <(grep -v '^#' "$W/kinds.exp")
expect "json: no record with an empty path, one unreadable (the bad pointer's)" \
	test "$(grep -c '"path":"",' "$W/kinds.out")/$(grep -c '"path":null,' "$W/kinds.out")" = 0/1
kinds_run
while IFS=$'\t' read -r kind pid uid sys compat result _ _ tpath _ targs; do
	want
	[ "$compat" = 1 ] && sys=$sys/32
	case $result in 0) res=0 ;; -2) res=ENOENT ;; -13) res=EACCES ;; -14) res=EFAULT ;; *) res="errno $result" ;; esac
	# columns (loader/format.h): 2 PID, 4 UID, 12 COMMAND, 13 SYSCALL, 14 RESULT, 17 PATH; then the arguments, the message
	all=$(P=$tpath I=$pid awk '$2 == ENVIRON["I"] && $17 == ENVIRON["P"]' "$W/kinds.out" | wc -l)
	right=$(P=$tpath I=$pid U=$uid S=$sys R=$res C=$cmd A=" $tpath $targs Hello World" awk '$2 == ENVIRON["I"] &&
		$4 == ENVIRON["U"] && $12 == ENVIRON["C"] && $13 == ENVIRON["S"] && $14 == ENVIRON["R"] && $17 == ENVIRON["P"] &&
		substr($0, length($0) - length(ENVIRON["A"]) + 1) == ENVIRON["A"]' "$W/kinds.out" | wc -l)
	expect "text: $kind: $sys $res ${tpath:0:60} ${targs:0:40}: exactly once ($all, $right right)" test "$all/$right" = 1/1
done < <(grep -v '^#' "$W/kinds.exp")

begin systemd
printf '# edited by the VM test\n0 r-%s\n1000 u-%s\n' "$tag" "$tag" >/etc/hello-buffer-config.conf
timeout "$T" systemctl enable --now "$unit" >"$W/systemctl.log" 2>&1
rc=$?
# Type=notify: "start" returns once the tracer said READY=1, i.e. attached and live
setpriv --reuid=3000 --regid=3000 --clear-groups "$bin"
expect "systemctl enable --now $unit (exit $rc)" test $rc = 0
invoked
expect "active: $(systemctl is-active "$unit")" test "$(systemctl is-active "$unit")" = active
wait_for 30 $$ jrecord "$bin" 3000 'Hello World'
expect "the first exec right after systemctl start returned is in the journal" jrecord "$bin" 3000 'Hello World'
live
rc=$?
expect "the service is live, its journal says: $(journal | grep -m1 '^attached: ')" test "$rc" = 0
expect "the service attached as --check did ($(jmode))" test "$(jmode)" = "$attach"
expect "its ring buffer is the unit's --ring-size 8M: $(journal | grep -m1 '^buffer: ')" \
	grep -qx 'buffer: ring buffer, 8192 KiB' <(journal)
"$bin"  # straight from bash, as in tests/lib/scenario.sh
setpriv --reuid=1000 --regid=1000 --clear-groups "$bin"
setpriv --reuid=2000 --regid=2000 --clear-groups "$bin"
wait_for 30 $$ jrecord "$bin" 2000 'Hello World'
journal | grep -F " $bin " | sed 's/^/    journal| /'
jrecord "$bin" 0 "r-$tag" || journal | tail -n 12 | sed 's/^/    journal tail| /'
expect "journal: uid 0 ran $bin, message r-$tag" jrecord "$bin" 0 "r-$tag"
expect "journal: uid 1000 ran $bin, message u-$tag" jrecord "$bin" 1000 "u-$tag"
expect "journal: uid 2000 ran $bin, message Hello World" jrecord "$bin" 2000 'Hello World'
# a transient unit's exec: the record names its cgroup (the CGROUP column, 16th). Not
# --wait: that needs D-Bus, which a fleet root may not have (systemctl's private socket does)
systemd-run --quiet --unit="hbc-run-$tag" "$bin" >"$W/systemd-run.log" 2>&1
rc=$?
show "$W/systemd-run.log" systemd-run
expect "systemd-run --unit=hbc-run-$tag: exit $rc" test $rc = 0
wait_for 30 $$ jcgroup "$bin" "/system.slice/hbc-run-$tag.service"
expect "journal: the exec in the transient unit names its cgroup /system.slice/hbc-run-$tag.service" \
	jcgroup "$bin" "/system.slice/hbc-run-$tag.service"
status=$(systemctl show -p StatusText --value "$unit")
expect "systemctl status shows the tracer's STATUS=: $status" \
	grep -qE '^Status: ".*[0-9]+ events, [0-9]+ lost, [0-9]+ excluded, 0 not accepted by the journal; 2 uids, 0 exclusions from /etc/hello-buffer-config.conf' \
	<(systemctl status --no-pager "$unit" | sed 's/^ *//')
systemd-analyze security "$unit" 2>/dev/null | tail -n 1 >"$W/security"
show "$W/security" security
exposure=$(grep -oE '[0-9]+\.[0-9]+' "$W/security" | head -n 1)
expect "systemd-analyze security: exposure ${exposure:-?} <= 2.5" \
	awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.5) }'

begin journal
# The unit's records are native journal entries (--journal): queried by field, with the
# path's exact bytes; the status lines too.
# jfield FIELD MATCH...: the value of FIELD of the invocation's entries matching MATCH
jfield() { local f=$1; shift; journalctl -q --no-pager -o cat --output-fields="$f" _SYSTEMD_INVOCATION_ID="$invocation" "$@"; }
expect "journalctl -u $unit HBC_UID=1000 HBC_PATH=$bin: the record, message $(jfield HBC_MESSAGE HBC_UID=1000 HBC_PATH="$bin")" \
	test "$(jfield HBC_MESSAGE HBC_UID=1000 HBC_PATH="$bin")" = "u-$tag"
odd=$(printf '/var/tmp/hbc-j/new\nline \377\376')
mkdir -p /var/tmp/hbc-j && cp /hbc/tools/noop "$odd"
"$odd" "a b" ""
wait_for 30 $$ test -n "$(jfield HBC_ARGC HBC_PATH="$odd")"
expect "a path with a newline, a space and bytes outside UTF-8: matched by its exact bytes, HBC_ARGC $(jfield HBC_ARGC HBC_PATH="$odd")" \
	test "$(jfield HBC_ARGC HBC_PATH="$odd")" = 3
expect "... its MESSAGE is the text line: $(jfield MESSAGE HBC_PATH="$odd" | cut -c1-120)" \
	grep -qF ' /var/tmp/hbc-j/new\nline\x20\xff\xfe [3] /var/tmp/hbc-j/new\nline\x20\xff\xfe a\x20b "" r-' <(jfield MESSAGE HBC_PATH="$odd")
expect "the status lines are entries of the unit with MESSAGE_IDs: $(jfield MESSAGE_ID SYSLOG_IDENTIFIER=hello-buffer-config | sort -u | wc -l) kinds" \
	test "$(journalctl -q -o cat --output-fields=MESSAGE_ID _SYSTEMD_INVOCATION_ID="$invocation" MESSAGE="$(journal | grep -m1 '^attached: ')" | wc -w)" = 1
rm -rf /var/tmp/hbc-j
# Forwarding: systemd-journal-upload sends the journal since a cursor to a
# systemd-journal-remote on loopback; the records arrive with every field, exact bytes too
cursor=$(journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
rm -rf /var/tmp/remote && mkdir -p /var/tmp/remote
/lib/systemd/systemd-journal-remote --listen-http=127.0.0.1:19532 --split-mode=none \
	--output=/var/tmp/remote/remote.journal >"$W/remote.log" 2>&1 &
remote=$!
fwd=$(printf '/var/tmp/hbc-f/fwd\nline \377\376')
mkdir -p /var/tmp/hbc-f && cp /hbc/tools/noop "$fwd"
setpriv --reuid=1000 --regid=1000 --clear-groups "$fwd" fwd
wait_for 30 $$ test -n "$(jfield HBC_PID HBC_PATH="$fwd" HBC_UID=1000 HBC_RESULT=0)"
sleep 1
timeout "$T" /lib/systemd/systemd-journal-upload --url=http://127.0.0.1:19532 --follow=no \
	--after-cursor="$cursor" >"$W/upload.log" 2>&1
rc=$?
show "$W/upload.log" upload
expect "systemd-journal-upload --url=http://127.0.0.1:19532 --follow=no: exit $rc" test $rc = 0
remote_field() { journalctl -q --no-pager -o cat --file=/var/tmp/remote/remote.journal --output-fields="$1" "${@:2}"; }
expect "systemd-journal-remote has the record, queried there by field: HBC_ARGC of HBC_UID=1000 HBC_RESULT=0 HBC_PATH=<exact bytes>: $(remote_field HBC_ARGC HBC_UID=1000 HBC_RESULT=0 HBC_PATH="$fwd") arguments" \
	test "$(remote_field HBC_ARGC HBC_UID=1000 HBC_RESULT=0 HBC_PATH="$fwd")" = 2
expect "... with the same fields as the local journal (HBC_PID, HBC_TIME, HBC_CGROUP, MESSAGE)" \
	test "$(remote_field HBC_PID HBC_PATH="$fwd"; remote_field HBC_TIME HBC_PATH="$fwd"; remote_field HBC_CGROUP HBC_PATH="$fwd"; remote_field MESSAGE HBC_PATH="$fwd")" = \
	"$(jfield HBC_PID HBC_PATH="$fwd" HBC_UID=1000; jfield HBC_TIME HBC_PATH="$fwd" HBC_UID=1000; jfield HBC_CGROUP HBC_PATH="$fwd" HBC_UID=1000; jfield MESSAGE HBC_PATH="$fwd" HBC_UID=1000)"
journalctl -q --no-pager --file=/var/tmp/remote/remote.journal -o verbose HBC_PATH="$fwd" >"$W/remote-entry.txt" 2>&1 # the transcript
show "$W/remote-entry.txt" "remote entry"
kill "$remote" 2>/dev/null
wait "$remote" 2>/dev/null
show "$W/remote.log" remote
rm -rf /var/tmp/remote /var/tmp/hbc-f

begin reload
# count PATH UID MESSAGE: records of the journal; count_is PATH UID MESSAGE N
count() { journal | grep -cE "$(jline "$@")"; }
count_is() { test "$(count "$1" "$2" "$3")" = "$4"; }
pid0=$(main_pid)
sed -i "s/^1000 .*/1000 v-$tag/" /etc/hello-buffer-config.conf
unit_do reload
rc=$?
# synchronous: the first exec after "reload" returned has the new message
setpriv --reuid=1000 --regid=1000 --clear-groups "$bin"
show "$W/systemctl.log" systemctl
expect "systemctl reload after editing the config (exit $rc)" test $rc = 0
expect "the same process: MainPID $pid0 -> $(main_pid), $(systemctl is-active "$unit")" \
	test "$(main_pid)" = "$pid0" -a "$(systemctl is-active "$unit")" = active
wait_for 30 $$ jrecord "$bin" 1000 "v-$tag"
expect "journal: right after the reload uid 1000 gets the new message v-$tag" jrecord "$bin" 1000 "v-$tag"
expect "... and the old one only before it ($(count "$bin" 1000 "u-$tag") record of u-$tag)" \
	test "$(count "$bin" 1000 "u-$tag")" = 1
expect "journal: the reload said so: $(journal | grep -m1 'reload: ')" \
	grep -q 'reload: /etc/hello-buffer-config.conf: in force: 2 uids (0 added, 0 removed, 1 changed)' <(journal)
cp /etc/hello-buffer-config.conf "$W/good.conf"
printf '0 r-%s\nbob is no uid\n' "$tag" >/etc/hello-buffer-config.conf
unit_do reload
rc=$?
show "$W/systemctl.log" systemctl
expect "a bad config: systemctl reload fails (exit $rc)" test $rc != 0
expect "... the service stays active, same process: $(systemctl is-active "$unit"), MainPID $(main_pid)" \
	test "$(main_pid)" = "$pid0" -a "$(systemctl is-active "$unit")" = active
expect "... the journal names file:line: $(journal | grep -m1 'hello-buffer-config.conf:2:')" \
	grep -q 'reload: /etc/hello-buffer-config.conf:2: .*the previous messages and exclusions stay in force' <(journal)
setpriv --reuid=1000 --regid=1000 --clear-groups "$bin"
wait_for 30 $$ count_is "$bin" 1000 "v-$tag" 2
expect "... and the old messages go on: uid 1000 still gets v-$tag ($(count "$bin" 1000 "v-$tag") records)" \
	test "$(count "$bin" 1000 "v-$tag")" = 2
cp "$W/good.conf" /etc/hello-buffer-config.conf
unit_do reload
expect "the good config back: systemctl reload (exit $?)" test $? = 0

begin filters
# Exclusions: a test uid and a transient unit's cgroup (it does not exist yet: learned from
# its first record), in force by a reload; then lifted by another.
cp /etc/hello-buffer-config.conf "$W/good.conf"
printf 'exclude uid 2000\nexclude cgroup /system.slice/hbc-excl-%s.service\n' "$tag" >>/etc/hello-buffer-config.conf
unit_do reload
expect "systemctl reload with two exclusions (exit $?): $(journal | grep 'reload: ' | tail -n 1)" \
	grep -q 'in force: .*2 exclusions (2 new, 0 lifted)' <(journal | grep 'reload: ' | tail -n 1)
setpriv --reuid=2000 --regid=2000 --clear-groups "$bin" excluded
systemd-run --quiet --unit="hbc-excl-$tag" "$bin" excluded >/dev/null 2>&1
systemd-run --quiet --unit="hbc-excl2-$tag" --property=Slice=system.slice "$bin" control >/dev/null 2>&1
setpriv --reuid=1000 --regid=1000 --clear-groups "$bin" control
wait_for 30 $$ test "$(jfield HBC_PID HBC_PATH="$bin" HBC_ARGC=2 | wc -l)" -ge 2
sleep 1
expect "the excluded uid and unit left no record; the two beside them did ($(journal | grep -c " $bin \\[2\\] $bin excluded ") / $(journal | grep -c " $bin \\[2\\] $bin control "))" \
	test "$(journal | grep -c " $bin \\[2\\] $bin excluded ")/$(journal | grep -c " $bin \\[2\\] $bin control ")" = 0/2
cp "$W/good.conf" /etc/hello-buffer-config.conf
unit_do reload
expect "systemctl reload without them (exit $?): $(journal | grep 'reload: ' | tail -n 1)" \
	grep -q 'in force: .*0 exclusions (0 new, 2 lifted)' <(journal | grep 'reload: ' | tail -n 1)
status=$(systemctl show -p StatusText --value "$unit")
excluded=$(sed -n 's/.*, \([0-9]*\) excluded[,;].*/\1/p' <<<"$status")
# 2 or more: systemd from 255 on execs its systemd-executor in the unit's cgroup too
expect "STATUS= counts them: $status" test "${excluded:-0}" -ge 2
setpriv --reuid=2000 --regid=2000 --clear-groups "$bin" lifted
wait_for 30 $$ jrecord_args "$bin" 2000 "$bin lifted"
expect "lifted: uid 2000 is reported again" jrecord_args "$bin" 2000 "$bin lifted"

begin bad-config
cp /etc/hello-buffer-config.conf "$W/good.conf"
printf '0 r-%s\nbob is no uid\n' "$tag" >/etc/hello-buffer-config.conf
# the unit's lines from here on: by unit and cursor, not by invocation id, which journald
# cannot find for a line read after the process and its cgroup are gone
cursor=$(journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
unit_lines() { journalctl -q -o cat --no-pager -u "$unit" ${cursor:+--after-cursor="$cursor"}; }
unit_do restart
wait_for 30 $$ systemctl -q is-failed "$unit"
expect "a bad config: the service fails ($(systemctl show -p Result --value "$unit"))" systemctl -q is-failed "$unit"
sleep 3 # RestartSec is 2: a restart would have come
unit_lines | tail -n 3 | sed 's/^/    journal| /'
expect "journal names file:line: $(unit_lines | grep -m1 'hello-buffer-config.conf:')" \
	grep -q '/etc/hello-buffer-config.conf:2: ' <(unit_lines)
expect "... and it is not restarted (NRestarts $(systemctl show -p NRestarts --value "$unit"), $(systemctl is-active "$unit"))" \
	test "$(systemctl show -p NRestarts --value "$unit")" = 0 -a "$(systemctl is-active "$unit")" = failed
cp "$W/good.conf" /etc/hello-buffer-config.conf
systemctl reset-failed "$unit"
unit_do start
expect "the good config back: systemctl start (exit $?)" test $? = 0

begin storm
# An exec storm into the unit's journal: every record an entry, the summary's count equal
# to the entries. journald keeps this guest's runtime journal in a tmpfs: room made for it.
# Under TCG the storm runs at 100-350 execs/s, below journald's default limit (10,000 per
# 30 s, tripled for 256 MB free); a burst of 100 (300 per 30 s) puts it where a real host's
# storm of 1,000+ execs/s is, so that a unit without its own LogRateLimitBurst= loses most.
n=$HBC_STORM
jdir=/etc/systemd/journald.conf.d
[ -d "$jdir" ] && jdir_made= || jdir_made=1
mkdir -p "$jdir"
printf '[Journal]\nRuntimeMaxUse=256M\nRuntimeKeepFree=64M\nRateLimitIntervalSec=30s\nRateLimitBurst=100\n' >"$jdir/hbc-test.conf"
systemctl restart systemd-journald
unit_do restart
live
mkdir -p /var/tmp/hbc-storm && cp /hbc/tools/noop /var/tmp/hbc-storm/n
t0=$(cut -d' ' -f1 /proc/uptime)
cursor=$(journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
timeout "$T" /hbc/tools/exec-storm -n "$n" -p 2 /var/tmp/hbc-storm n >"$W/storm.log" 2>&1
expect "exec storm: $(cat "$W/storm.log")" test $? = 0
inv=$invocation
# the kernel skips a program's run while another run of it is preempted on that CPU (where
# tracepoints are preemptible): such an exec is reported from its syscall's exit instead
misses=$(bpftool prog show name exec_done 2>/dev/null | sed -n 's/.*recursion_misses \([0-9]*\).*/\1/p')
echo "    storm: runs of exec_done the kernel skipped (recursion_misses): ${misses:-0}"
unit_do stop
t1=$(cut -d' ' -f1 /proc/uptime)
journalctl -q -o cat _SYSTEMD_INVOCATION_ID="$inv" HBC_PATH=/var/tmp/hbc-storm/n >"$W/storm.journal"
got=$(wc -l <"$W/storm.journal")
all=$(journalctl -q -o cat _SYSTEMD_INVOCATION_ID="$inv" HBC_SYSCALL=execve HBC_SYSCALL=execveat HBC_SYSCALL=unknown | wc -l)
summary=$(journalctl -q -o cat _SYSTEMD_INVOCATION_ID="$inv" | grep -m1 '^hello-buffer-config: [0-9]* events')
echo "    storm: $n execs, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s to the journal and the stop; $got entries of its path, $all exec entries; $summary"
expect "the storm reached the journal whole: $got of $n entries" test "$got" = "$n"
whole=$(grep -c ' /var/tmp/hbc-storm/n \[1\] /var/tmp/hbc-storm/n ' "$W/storm.journal")
expect "... each with its one argument: $whole of $n" test "$whole" = "$n"
# short: what the storm's entries say instead (their fields counted, two of them whole)
if [ "$got" != "$n" ]; then
	journalctl -q -o export _SYSTEMD_INVOCATION_ID="$inv" HBC_PARENT_COMMAND=exec-storm |
		grep -a -E '^HBC_(PATH|PATH_SOURCE|COMMAND|ARGC|SYSCALL|RESULT)=' | sort | uniq -c |
		sort -rn | head -n 16 | sed 's/^/    fields| /'
	journalctl -q -o json _SYSTEMD_INVOCATION_ID="$inv" HBC_PARENT_COMMAND=exec-storm |
		grep -v '"HBC_PATH":"/var/tmp/hbc-storm/n"' | head -n 2 | sed 's/^/    other| /'
fi
expect "the summary and the journal agree: $summary; $all exec entries" \
	grep -qE "^hello-buffer-config: $all events, 0 lost(,|;|\$)" <<<"$summary"
suppressed=$(journalctl -q -o cat --after-cursor="$cursor" | grep -c '^Suppressed [0-9]* messages')
expect "journald suppressed nothing (the unit's LogRateLimitBurst=): $suppressed" test "$suppressed" = 0
rm -rf /var/tmp/hbc-storm "$jdir/hbc-test.conf"
[ -z "$jdir_made" ] || rmdir "$jdir"
systemctl restart systemd-journald
unit_do start
expect "the service back (exit $?)" test $? = 0

begin upgrade
pid0=$(main_pid)
apt_q install "$HBC_PKG"
expect "apt-get install $HBC_PKG: the upgrade (exit $?)" test $? = 0
show "$W/apt.log" apt
st=$(dpkg-query -W -f '${Status} ${Version}' "$HBC_PKG" 2>&1)
expect "upgraded: $st" test "$st" = "install ok installed $HBC_VERSION"
expect "the edited config is kept" cmp -s "$W/good.conf" /etc/hello-buffer-config.conf
expect "no dpkg prompt leftovers" test -z "$(ls /etc/hello-buffer-config.conf.dpkg-* 2>/dev/null)"
pid1=$(main_pid)
expect "the service was restarted: MainPID $pid0 -> $pid1, $(systemctl is-active "$unit")" \
	test "$pid1" != "$pid0" -a "$pid1" != 0 -a "$(systemctl is-active "$unit")" = active
expect "the running binary is the new one: $(/proc/"$pid1"/exe --version | head -n 1)" \
	test "$(/proc/"$pid1"/exe --version | head -n 1)" = "hello-buffer-config ${HBC_VERSION%-*}"
invoked
live
rc=$?
expect "the new binary traces: $(journal | grep -m1 '^attached: ')" test "$rc" = 0
expect "... attached as --check did ($(jmode))" test "$(jmode)" = "$attach"

begin purge
apt_q purge "$HBC_PKG"
expect "apt-get purge $HBC_PKG (exit $?)" test $? = 0
show "$W/apt.log" apt
expect "the service is stopped: $(systemctl is-active "$unit")" bash -c "! systemctl is-active -q $unit"
expect "... and disabled: no multi-user.target.wants link" \
	test ! -e "/etc/systemd/system/multi-user.target.wants/$unit" -a ! -L "/etc/systemd/system/multi-user.target.wants/$unit"
st=$(dpkg-query -W -f '${Status}' "$HBC_PKG" 2>/dev/null)
expect "dpkg knows nothing of $HBC_PKG (status '${st:-none}')" test -z "$st" -o "$st" = "unknown ok not-installed"
left=$(bpftool prog show 2>/dev/null | grep -E " name ($HBC_PROG_NAMES) ")
expect "bpftool shows no program of ours${left:+: $left}" test -z "$left"
rm -f "$sources" "$keyring"
snapshot >"$W/after.txt"
diff "$W/before.txt" "$W/after.txt" >"$W/diff.txt"
show "$W/diff.txt" left-behind
expect "the file system is as before the install" test ! -s "$W/diff.txt"
expect "deb-systemd-helper keeps no state of ours" \
	test -z "$(find /var/lib/systemd/deb-systemd-helper-enabled -name "$unit*" 2>/dev/null)"

# The distro source package's autopkgtest (packaging/debian/tests) with autopkgtest's own
# runner, on the package built for this machine: in the guest roots whose pins have
# autopkgtest (ci/vm/rootfs-pins.txt, @fleet+autopkgtest: HBC_AUTOPKGTEST=1).
if [ "${HBC_AUTOPKGTEST:-0}" != 1 ]; then
	echo "    autopkgtest: not in this guest root's pins (only @fleet+autopkgtest roots have it)"
else
	begin autopkgtest
	expect "autopkgtest is in the guest root, as its pins say" command -v autopkgtest
	deb=$(find /hbc/repo/pool -name "${HBC_PKG}_${HBC_VERSION}_$(dpkg --print-architecture).deb")
	# the null runner declares no isolation; this guest is a machine of its own, booted for this
	timeout "$T" autopkgtest --ignore-restrictions=isolation-machine "$deb" /hbc/src/ -- null >"$W/autopkgtest.log" 2>&1
	rc=$?
	tail -n 40 "$W/autopkgtest.log" >"$W/autopkgtest.tail"
	show "$W/autopkgtest.tail" autopkgtest
	expect "autopkgtest ${deb##*/} /hbc/src/ -- null: exit $rc" test "$rc" = 0
	expect "autopkgtest: smoke PASS" grep -qE '^smoke +PASS' "$W/autopkgtest.log"
	expect "autopkgtest: the superficial --version test PASS" grep -qE '^command1 +PASS \(superficial\)' "$W/autopkgtest.log"
fi

begin finish
verdict 0
