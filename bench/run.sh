#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/run.sh: compare hello-buffer-config with libbpf-tools' execsnoop and a
# bpftrace one-liner, all in one run on this machine, and print one markdown
# table (also written to $BUILD_DIR/bench/latest.md). Needs root. Measures, not
# asserts: see bench/README.md.
#   bench/run.sh [--rounds R] [-n N] [--procs P] [--tools LIST] [--hbc PATH] [--no-build] [--no-sizes]
#   bench/run.sh --smoke     # tiny N, one round, our tool and the baseline only
# Environment: BUILD_DIR (default build/): where the loader is and the results go.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cmdline="bench/run.sh${*:+ $*}"

rounds=5 n=20000 procs=2 do_build=1 do_sizes=1 smoke=0
tools="hbc hbc-noargs hbc-excluded hbc-journal execsnoop bpftrace"
hbc=$build/loader/hello-buffer-config

usage() {
	cat <<EOF
Usage: bench/run.sh [OPTIONS]
  -r, --rounds R   rounds per figure, median reported (default $rounds)
  -n N             execs per exec-storm round (default $n)
  -p, --procs P    exec-storm processes (default $procs)
      --tools LIST tracers to compare, from: hbc hbc-noargs (ours with --no-args)
                   hbc-excluded (ours, the storm excluded by the config: the cost
                   of an excluded exec) hbc-journal (ours with --journal, read
                   back with journalctl -f) execsnoop bpftrace (default: all)
      --hbc PATH   our loader (default \$BUILD_DIR/loader/hello-buffer-config)
      --no-build   skip the build figure (a clean ci/build.sh: minutes)
      --no-sizes   skip the record sizes (our tool's JSON during a storm and a build)
      --smoke      N=200, one round, our tool only, no build; fails only if the
                   script breaks or our tool reports no storm event
EOF
}

while (($#)); do
	case $1 in
	-r | --rounds) rounds=$2; shift ;;
	-n) n=$2; shift ;;
	-p | --procs) procs=$2; shift ;;
	--tools) tools=${2//,/ }; shift ;;
	--hbc) hbc=$2; shift ;;
	--no-build) do_build=0 ;;
	--no-sizes) do_sizes=0 ;;
	--smoke) smoke=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
if ((smoke)); then
	rounds=1 n=200 procs=2 do_build=0 do_sizes=0 tools=hbc
fi
for v in rounds n procs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: $v must be a positive integer" >&2; exit 2; }
done
for t in $tools; do
	[[ $t =~ ^(hbc|hbc-noargs|hbc-excluded|hbc-journal|execsnoop|bpftrace)$ ]] || { echo "bench/run.sh: unknown tool '$t'" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "bench/run.sh: run me as root (the tracers load BPF)" >&2; exit 2; }
[[ -x $hbc ]] || { echo "bench/run.sh: no loader at $hbc; build it first: HBC_PACKAGES=0 ci/build.sh" >&2; exit 2; }

say() { echo "bench: $*" >&2; }

# --- setup ----------------------------------------------------------------------
# shellcheck source=ci/lib/deps.sh
. "$top/ci/lib/deps.sh"
deps=(gcc libc6-dev coreutils bpftool jq meson ninja-build)
((smoke)) || deps+=(libbpf-tools bpftrace)
install_missing <(printf '%s\n' "${deps[@]}")
# bpftrace and execsnoop read tracepoint formats from tracefs
if [[ ! -d /sys/kernel/tracing/events ]]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi

out=$build/bench
bin=$out/bin
raw=$out/raw
mkdir -p "$bin"
[[ -e $out/.gitignore ]] || echo '*' >"$out/.gitignore"
rm -rf "$raw"
mkdir -p "$raw"

# every round runs one snapshot of the loader, even if build/ is rebuilt meanwhile
hbc_src=$hbc
cp "$hbc_src" "$bin/hello-buffer-config"
hbc=$bin/hello-buffer-config
hbc_sum=$(sha256sum "$hbc" | cut -c1-12)
hbc_when=$(stat -c %y "$hbc_src" | cut -d. -f1)
hbc_rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')

cc=${CC:-cc}
"$cc" -O2 -Wall -o "$bin/driver" "$top/tests/tools/exec-storm.c"
"$cc" -O2 -Wall -o "$bin/startup" "$top/bench/startup.c"
# the exec target: our own _start where we have one, else a static main()
if ! "$cc" -O2 -static -nostdlib -DHBC_NOOP_START -o "$bin/noop" "$top/tests/tools/noop.c" 2>/dev/null; then
	"$cc" -O2 -static -o "$bin/noop" "$top/tests/tools/noop.c"
fi

# Unique target paths, 15 bytes: what the book's path field held, and every tracer here
# prints whole (bpftrace's str() keeps 64 bytes)
tdir=$(mktemp -d /tmp/hbXXXXXX)
target=$tdir/n		# the storm target: the counted path
probe=$tdir/p		# run before a storm to see the tracer really attached
target_pattern=$bin/target.pattern	# the target as a grep -f file (see wait_delivered)
printf '%s\n' "$target" >"$target_pattern"
cp "$bin/noop" "$target"
cp "$bin/noop" "$probe"

tracer_pid=
follower_pid=
journald_pid=
journald_dirs=()
build_tmp=
cleanup() {
	[[ -z $follower_pid ]] || kill "$follower_pid" 2>/dev/null || true
	if [[ -n $journald_pid ]]; then	# the private journald, and what it made
		kill "$journald_pid" 2>/dev/null && wait "$journald_pid" 2>/dev/null || true
		((${#journald_dirs[@]} == 0)) || rm -rf "${journald_dirs[@]}"
	fi
	if [[ -n $tracer_pid ]]; then
		kill -KILL "$tracer_pid" 2>/dev/null || true
		wait "$tracer_pid" 2>/dev/null || true
	fi
	rm -rf "$tdir"
	[[ -z $build_tmp ]] || rm -rf "$build_tmp"
	[[ -z ${bpf_stats_old:-} ]] || sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_old" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# hbc-excluded: the storm's caller (the driver) excluded by command; the probe (bash) is not
excl_conf=$tdir/excluded.conf
printf 'exclude command driver\n' >"$excl_conf"

bt_prog='tracepoint:syscalls:sys_enter_execve { printf("%d %s\n", pid, str(args->filename)); }'
execsnoop_bin=$(command -v execsnoop || true)
[[ -n $execsnoop_bin ]] || execsnoop_bin=$(dpkg -L libbpf-tools 2>/dev/null | grep -m1 '/execsnoop$' || true)

# tool_cmd TOOL: the command line, in the array cmd
tool_cmd() {
	case $1 in
	hbc) cmd=("$hbc") ;;
	hbc-noargs) cmd=("$hbc" --no-args) ;;
	hbc-excluded) cmd=("$hbc" --config "$excl_conf") ;;
	hbc-journal) cmd=("$hbc" --journal) ;;
	# line-buffered as on a terminal; to a file it would hold everything until exit
	execsnoop) cmd=(stdbuf -oL "$execsnoop_bin") ;;
	bpftrace) cmd=(bpftrace -e "$bt_prog") ;;
	esac
}
# the text a tool prints once it is (about to be) attached
tool_marker() {
	case $1 in
	hbc | hbc-noargs | hbc-excluded | hbc-journal) echo "attached:" ;;
	execsnoop) echo "PCOMM" ;;
	bpftrace) echo "Attaching" ;;
	esac
}
tool_available() {
	case $1 in
	hbc | hbc-noargs | hbc-excluded) [[ -x $hbc ]] ;;
	hbc-journal) [[ -x $hbc ]] && journald_listens ;;
	execsnoop) [[ -n $execsnoop_bin && -x $execsnoop_bin ]] ;;
	bpftrace) command -v bpftrace >/dev/null ;;
	esac
}
# hbc-journal needs a journald: the machine's own, else a private one for this run
journald_listens() { python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sys.exit(s.connect_ex("/run/systemd/journal/socket") != 0)'; }
if [[ " $tools " == *" hbc-journal "* ]] && ! journald_listens && [[ -x /lib/systemd/systemd-journald ]]; then
	for d in /run/systemd/journal /run/log/journal; do [[ -e $d ]] || journald_dirs+=("$d"); done
	/lib/systemd/systemd-journald >/dev/null 2>&1 &
	journald_pid=$!
	for ((i = 0; i < 50; i++)); do journald_listens && break; sleep 0.1; done
	say "no journald ran here: started a private one (pid $journald_pid) for hbc-journal"
fi
active=()
for t in $tools; do
	if tool_available "$t"; then active+=("$t"); else say "$t is not available: left out"; fi
done

# lost_count TOOL OUT ERR: the lost samples the tool reported
lost_count() {
	case $1 in
	# its last words: "hello-buffer-config: N events, M lost"
	hbc | hbc-noargs | hbc-excluded | hbc-journal) [[ $1 != hbc-journal ]] || set -- "$1" "$2" "$2"
		awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^lost/ && $(i - 1) ~ /^[0-9]+$/) v = $(i - 1) }
		END { print v == "" ? "?" : v }' "$3" ;;
	# "Lost N events on CPU #C!" (execsnoop), "Lost N events" (bpftrace)
	execsnoop | bpftrace) awk '{ for (i = 1; i < NF; i++) if ($i == "Lost" && $(i + 1) ~ /^[0-9]+$/ && $(i + 2) == "events") s += $(i + 1) }
		END { print s + 0 }' "$2" "$3" ;;
	esac
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for FILE... -- TEXT [SECONDS]: wait until TEXT shows in one of the files
wait_for() {
	local files=() text limit deadline
	while [[ $1 != -- ]]; do files+=("$1"); shift; done
	text=$2 limit=${3:-60}
	deadline=$(($(now_ms) + limit * 1000))
	until grep -qF -- "$text" "${files[@]}" 2>/dev/null; do
		kill -0 "$tracer_pid" 2>/dev/null || return 1
		(($(now_ms) < deadline)) || return 1
		sleep 0.02
	done
}

# wait_quiet FILE...: wait until the files stop growing (0.5 s), at most 30 s
wait_quiet() {
	local last='' cur stable=0 deadline=$(($(now_ms) + 30000))
	while ((stable < 5 && $(now_ms) < deadline)); do
		cur=$(stat -c %s "$@" | tr '\n' ' ')
		if [[ $cur == "$last" ]]; then stable=$((stable + 1)); else stable=0 last=$cur; fi
		sleep 0.1
	done
}

# wait_delivered FILE PATTERNS N: wait until FILE holds N lines with the text in file PATTERNS,
# or their count stays the same for 0.5 s (at most 30 s). Not the file's size: a tracer prints
# the execs of this very loop, so the file never stops growing while it polls; and the text
# from a file, so that grep's own arguments, printed too, do not hold it.
wait_delivered() {
	local last=-1 cur stable=0 deadline=$(($(now_ms) + 30000))
	while ((stable < 5 && $(now_ms) < deadline)); do
		cur=$(grep -cFf "$2" "$1" 2>/dev/null || true)
		((cur < $3)) || return 0
		if ((cur == last)); then stable=$((stable + 1)); else stable=0 last=$cur; fi
		sleep 0.1
	done
}

# stop_tracer: SIGINT, then SIGKILL after 10 s
stop_tracer() {
	local i
	kill -INT "$tracer_pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$tracer_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$tracer_pid" 2>/dev/null || true
	wait "$tracer_pid" 2>/dev/null || true
	tracer_pid=
}

# proc_cpu_ns PID: the CPU time of the process's threads in ns: their on-CPU time in
# /proc/PID/task/*/schedstat, else user + system from /proc/PID/stat (whole clock ticks:
# 10 ms, a sixth of what a tracer spends on a storm of 10,000)
proc_cpu_ns() {
	if [[ -r /proc/$1/schedstat ]]; then
		cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { if (NR) printf "%.0f\n", s }'
	else
		awk -v hz="$clk_tck" '{ sub(/.*\) /, ""); printf "%.0f\n", ($12 + $13) * 1e9 / hz }' "/proc/$1/stat" 2>/dev/null || true
	fi
}
clk_tck=$(getconf CLK_TCK)

# bpf_snapshot PID: "id run_time_ns run_cnt" of every BPF program the process holds
# (by fd or through a link); run_time_ns needs kernel.bpf_stats_enabled=1
bpf_snapshot() {
	local id
	awk '$1 == "prog_id:" { print $2 }' "/proc/$1"/fdinfo/* 2>/dev/null | sort -u | while read -r id; do
		bpftool -j prog show id "$id" 2>/dev/null |
			jq -r '"\(.id) \(.run_time_ns // 0) \(.run_cnt // 0)"' 2>/dev/null || true
	done
}
# bpf_per_run BEFORE AFTER EXECS: run time of all the programs over the EXECS the tracer
# printed in between, in ns: the in-kernel cost per exec, whatever runs it takes
# (execsnoop runs two programs per exec; ours up to three, and in tracepoint mode two
# more on every system call of the machine for the 32-bit entries)
bpf_per_run() {
	awk -v n="$3" 'FNR == NR { t[$1] = $2; next }
		{ dt += $2 - t[$1] }
		END { if (n > 0 && dt > 0) printf "%.0f", dt / n; else print "-" }' \
		<(printf '%s\n' "$1") <(printf '%s\n' "$2")
}
bpf_stats_old=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo)
[[ -z $bpf_stats_old ]] || sysctl -qw kernel.bpf_stats_enabled=1 || true

# --- figures 1, 2, 4 (RSS): the exec storm ---------------------------------------
# storm.tsv: round tool rate delivered lost hwm_kib
storm=$raw/storm.tsv
: >"$storm"

# storm_round R TOOL
storm_round() {
	local r=$1 tool=$2 o=$raw/storm.$2.$1.out e=$raw/storm.$2.$1.err d res rate delivered=- lost=- hwm=-
	local cpu0 cpu1 cpu_us=- bpf0 bpf1 bpf_ns=- lines0 lines1 printed=-
	if [[ $tool == base ]]; then
		res=$("$bin/driver" -n "$n" -p "$procs" "$tdir" n) || { say "round $r: baseline driver failed: $res"; return 0; }
	else
		tool_cmd "$tool"
		if [[ $tool == hbc-journal ]]; then	# its records and status lines, read back
			stdbuf -oL journalctl -f -q -o cat -n 0 SYSLOG_IDENTIFIER=hello-buffer-config >"$o" 2>/dev/null &
			follower_pid=$!
			sleep 0.5
			"${cmd[@]}" >/dev/null 2>"$e" &
		else
			"${cmd[@]}" >"$o" 2>"$e" &
		fi
		tracer_pid=$!
		if ! wait_for "$o" "$e" -- "$(tool_marker "$tool")"; then
			say "round $r: $tool did not start (see $e)"
			stop_tracer
			return 0
		fi
		# the marker may come before the attach (bpftrace): see one probe event first
		d=$(($(now_ms) + 30000))
		until grep -qF "$probe" "$o" 2>/dev/null; do
			"$probe"
			if ! kill -0 "$tracer_pid" 2>/dev/null || (($(now_ms) > d)); then
				say "round $r: $tool never reported $probe (see $e)"
				stop_tracer
				return 0
			fi
			sleep 0.05
		done
		cpu0=$(proc_cpu_ns "$tracer_pid")
		lines0=$(wc -l <"$o")
		bpf0=$(bpf_snapshot "$tracer_pid")
		res=$("$bin/driver" -n "$n" -p "$procs" "$tdir" n) || say "round $r: driver under $tool: $res"
		wait_delivered "$o" "$target_pattern" "$n"
		hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$tracer_pid/status" 2>/dev/null || echo -)
		cpu1=$(proc_cpu_ns "$tracer_pid")
		lines1=$(wc -l <"$o")
		printed=$((lines1 - lines0))	# one line per event: the storm and other execs
		bpf1=$(bpf_snapshot "$tracer_pid")
		cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$printed" 'BEGIN {
			if (a == "" || b == "" || n <= 0) print "-"; else printf "%.2f", (b - a) / 1e3 / n }')
		# excluded execs print nothing: their BPF time is over the execs, not the lines
		local runs=$printed
		[[ $tool != hbc-excluded ]] || runs=$((printed + n))
		bpf_ns=$(bpf_per_run "$bpf0" "$bpf1" "$runs")
		stop_tracer
		if [[ -n $follower_pid ]]; then	# the summary reaches the journal last
			wait_quiet "$o"
			kill "$follower_pid" 2>/dev/null || true
			wait "$follower_pid" 2>/dev/null || true
			follower_pid=
		fi
		delivered=$(grep -cF "$target" "$o" || true)
		lost=$(lost_count "$tool" "$o" "$e")
	fi
	rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$res")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$tool" "${rate:--}" "$delivered" "$lost" "${hwm:--}" \
		"$cpu_us" "$bpf_ns" "$printed" >>"$storm"
	say "round $r: $tool: ${rate:-?} execs/s, delivered $delivered/$n, lost $lost, VmHWM ${hwm:--} KiB," \
		"CPU $cpu_us us/event ($printed printed), BPF $bpf_ns ns/exec"
}

# load average, and the share of time some task waited for a CPU (PSI, last 60 s)
load_now() {
	printf '%s' "$(cut -d' ' -f1-3 /proc/loadavg)"
	awk '/^some/ { sub("avg60=", "", $3); printf ", CPU pressure %s %%", $3 }' /proc/pressure/cpu 2>/dev/null || true
}
load_start=$(load_now)
say "target $target, N=$n, $procs processes, $rounds rounds; tracers: ${active[*]}"
order=(base "${active[@]}")
for ((r = 1; r <= rounds; r++)); do
	# rotate the order every round, so no tool always runs right after another
	for ((i = 0; i < ${#order[@]}; i++)); do
		storm_round "$r" "${order[(i + r - 1) % ${#order[@]}]}"
	done
done

# --- figure 3: start-up -----------------------------------------------------------
# startup.tsv: round tool attach_ms event_ms
startup=$raw/startup.tsv
: >"$startup"
for ((r = 1; r <= rounds; r++)); do
	for ((i = 0; i < ${#active[@]}; i++)); do
		t=${active[(i + r - 1) % ${#active[@]}]}
		[[ $t != hbc-journal ]] || continue	# its marker is in the journal: start-up as hbc
		tool_cmd "$t"
		if res=$("$bin/startup" "$(tool_marker "$t")" "$probe" -- "${cmd[@]}" 2>"$raw/startup.$t.$r.err"); then
			a=$(sed -n 's/.*attach_ms=\([0-9.]*\).*/\1/p' <<<"$res")
			ev=$(sed -n 's/.*event_ms=\([0-9.]*\).*/\1/p' <<<"$res")
			printf '%s\t%s\t%s\t%s\n' "$r" "$t" "$a" "$ev" >>"$startup"
			say "start-up round $r: $t: attached ${a} ms, first event ${ev} ms"
		else
			say "start-up round $r: $t failed: $(tail -n1 "$raw/startup.$t.$r.err")"
		fi
	done
done

# --- figure 6: record sizes (ours, arguments on) ----------------------------------
# Our tool in JSON during a storm of N/10 execs, then during a build of the loader (meson +
# ninja of a clone of HEAD: compilers with long command lines); bench/sizes.py turns the
# records into bytes on the wire (header + path + arguments) and their distribution.
sizes_storm=- sizes_build=-
if ((do_sizes)) && tool_available hbc; then
	# sizes_run NAME CMD...: the records of our tool while CMD runs, in $raw/sizes.NAME.json
	sizes_run() {
		local name=$1
		shift
		"$hbc" --json >"$raw/sizes.$name.json" 2>"$raw/sizes.$name.err" &
		tracer_pid=$!
		wait_for "$raw/sizes.$name.err" -- "attached:" || { say "sizes: our tool did not start"; stop_tracer; return 1; }
		"$@" >"$raw/sizes.$name.log" 2>&1 || say "sizes: $name: $* failed (see $raw/sizes.$name.log)"
		stop_tracer	# it prints what is still buffered before it exits
	}
	if sizes_run storm "$bin/driver" -n $((n / 10)) -p "$procs" "$tdir" n; then
		sizes_storm=$(python3 "$top/bench/sizes.py" "$raw/sizes.storm.json")
	fi
	sizes_src=$(mktemp -d /tmp/hbc-bench-sizes.XXXXXX)
	git clone -q --shared "$top" "$sizes_src/src"
	if sizes_run build bash -c "meson setup -Dtests=false -Dpackages=false -Dsanitizers=false \
		'$sizes_src/build' '$sizes_src/src' && ninja -C '$sizes_src/build' loader/hello-buffer-config"; then
		sizes_build=$(python3 "$top/bench/sizes.py" "$raw/sizes.build.json")
	fi
	rm -rf "$sizes_src"
	say "record sizes: storm $sizes_storm; build $sizes_build"
fi

# --- figure 5: build --------------------------------------------------------------
build_clean=- build_again=- build_noop=- build_rev=
if ((do_build)); then
	# build a clone of HEAD: edits in the working tree during the run cannot touch it
	build_tmp=$(mktemp -d /tmp/hbc-bench-build.XXXXXX)
	build_rev=$(git -C "$top" rev-parse --short HEAD)
	git clone -q --shared "$top" "$build_tmp/src"
	say "clean build of $build_rev: BUILD_DIR=$build_tmp/build ci/build.sh (logs: $raw/build-*.log)"
	timed() { # timed LOG CMD...: print seconds, or "failed"
		local t0 t1
		t0=$(date +%s%N)
		if "${@:2}" >"$1" 2>&1; then
			t1=$(date +%s%N)
			awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", (b - a) / 1e9 }'
		else
			echo "failed"
		fi
	}
	build_clean=$(BUILD_DIR=$build_tmp/build timed "$raw/build-clean.log" "$build_tmp/src/ci/build.sh")
	build_again=$(BUILD_DIR=$build_tmp/build timed "$raw/build-again.log" "$build_tmp/src/ci/build.sh")
	build_noop=$(timed "$raw/build-ninja.log" ninja -C "$build_tmp/build")
	say "build: clean $build_clean, ci/build.sh again $build_again, ninja no-op $build_noop"
	for f in "$build_tmp"/build/arch-*/compile.log; do	# what the re-run still did per arch
		if [[ -f $f ]]; then cp "$f" "$raw/build-again.$(basename "$(dirname "$f")").log"; fi
	done
	rm -rf "$build_tmp"
	build_tmp=
fi
load_end=$(load_now)

# --- the table (bench/table.py: medians, ranges, ratios) ---------------------------
facts=$raw/facts.tsv
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$facts"; }
: >"$facts"
kib() { awk -v k="$1" 'BEGIN { if (k !~ /^[0-9.]+$/) print "-"; else if (k >= 10240) printf "%.1f MiB", k / 1024; else printf "%d KiB", k }'; }
size_of() { kib "$(($(stat -L -c %s "$1") / 1024))"; }
debs=("$build"/packages/hello-buffer-config_*_"$(dpkg --print-architecture)".deb)
bin_cell="$(size_of "$hbc") (\`${hbc_src#"$top"/}\`, $(file -L "$hbc" | grep -q 'statically linked' && echo static || echo dynamic))"
if [[ -f ${debs[0]} ]]; then
	pbin=$(dpkg-deb --fsys-tarfile "${debs[0]}" | tar -tvf - | awk '$NF ~ /bin\/hello-buffer-config$/ { print $3; exit }')
	[[ -z $pbin ]] || bin_cell+="; packaged: $(kib $((pbin / 1024))) (static)"
	fact pkg hbc "$(kib "$(dpkg-deb -f "${debs[0]}" Installed-Size)") (\`$(basename "${debs[0]}")\`)"
fi
fact bin hbc "$bin_cell"
if [[ -n $execsnoop_bin ]]; then
	fact bin execsnoop "$(size_of "$execsnoop_bin") (dynamic)"
	fact pkg execsnoop "$(kib "$(dpkg-query -W -f='${Installed-Size}' libbpf-tools 2>/dev/null || echo -)") (libbpf-tools: all its tools)"
fi
if command -v bpftrace >/dev/null; then
	fact bin bpftrace "$(size_of "$(command -v bpftrace)") (dynamic; + LLVM/clang libraries)"
	fact pkg bpftrace "$(kib "$(dpkg-query -W -f='${Installed-Size}' bpftrace 2>/dev/null || echo -)") (bpftrace alone)"
fi
if ((do_build)); then
	fact build hbc "clean $build_clean; unchanged re-run of ci/build.sh $build_again; ninja no-op $build_noop (HEAD ${build_rev:-})"
else
	fact build hbc "not run (--no-build)"
fi
fact sizes hbc "storm: $sizes_storm; build of the loader: $sizes_build"
versions=()
[[ " ${active[*]} " != *" hbc"* ]] ||
	versions+=("hello-buffer-config, tree at $hbc_rev (\`${hbc_src#"$top"/}\` built $hbc_when, sha256 $hbc_sum…)")
for t in "${active[@]}"; do
	case $t in
	hbc-noargs) versions+=("ours with --no-args") ;;
	hbc-excluded) versions+=("ours with a config excluding the storm's caller (\`exclude command driver\`)") ;;
	hbc-journal) versions+=("ours with --journal, into $(journalctl --version 2>/dev/null | head -n1 | cut -d' ' -f1-2)'s journald${journald_pid:+ (a private one)}, read back by \`journalctl -f\`") ;;
	execsnoop) versions+=("execsnoop from libbpf-tools $(dpkg-query -W -f='${Version}' libbpf-tools 2>/dev/null || echo '?')") ;;
	bpftrace) versions+=("$(bpftrace --version 2>/dev/null | head -n1)") ;;
	esac
done
fact tools - "${active[*]}"
fact n - "$n"
fact header - "\`$cmdline\` — $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), load average $load_start at start; $load_end at end."
fact storm - "Exec storm: $n execs of \`$target\` (static no-op) from $procs processes, median of $rounds rounds; tools: $(IFS=';'; echo "${versions[*]}" | sed 's/;/; /g')."
fact raw - "Raw data: \`${raw#"$top"/}/\` (storm.tsv: round, tool, execs/s, delivered, lost, VmHWM KiB, tracer CPU µs/event, BPF ns/exec, events printed during the storm; startup.tsv: round, tool, attach ms, first-event ms)."
report=$raw/report.md
python3 "$top/bench/table.py" "$raw" >"$report"

if ((smoke)); then
	cp "$report" "$out/smoke.md"
else
	cp "$report" "$out/latest.md"
fi
cat "$report"

if ((smoke)); then
	d=$(awk -F'\t' '$2 == "hbc" { print $4 }' "$storm")
	[[ $d =~ ^[0-9]+$ && $d -gt 0 ]] || { echo "bench/run.sh --smoke: our tool reported no storm event" >&2; exit 1; }
	echo "bench/run.sh --smoke: ok ($d of $n storm events reported)" >&2
fi
