#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# check-object.sh OBJ CORE_RELOCS_PY: one BPF object as the build ships it.
set -euo pipefail
obj=$1 relocs_py=$2
fails=0
ok()   { echo "ok: $*"; }
bad()  { echo "FAIL: $*"; fails=$((fails + 1)); }

machine=$(readelf -h "$obj" | sed -n 's/^ *Machine: *//p')
[[ $machine == "Linux BPF" ]] && ok "ELF machine is '$machine'" || bad "ELF machine is '$machine', not 'Linux BPF'"

sections=$(readelf -SW "$obj" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\).*/\1/p')
for s in .BTF .BTF.ext .maps license; do
	grep -qx -- "$s" <<<"$sections" && ok "has $s" || bad "no $s section"
done
debug=$(grep '^\.debug_' <<<"$sections" || true)
[[ -z $debug ]] && ok "no DWARF sections" || bad "DWARF left after llvm-strip -g: ${debug//$'\n'/ }"
grep -qx 'ksyscall/execve' <<<"$sections" && ok "has the ksyscall/execve program" || bad "no ksyscall/execve program"
grep -qx 'tp/syscalls/sys_enter_execve' <<<"$sections" && ok "has the tracepoint program" || bad "no tracepoint program"

relocs=$("$PYTHON" "$relocs_py" "$obj")
echo "$relocs" | sed 's/^/  /'
grep -q '^ksyscall/execve ' <<<"$relocs" && ok "ksyscall program has CO-RE relocations" \
	|| bad "ksyscall program has no CO-RE relocation"
grep -q '^tp/syscalls/sys_enter_execve  *trace_event_raw_sys_enter\.args' <<<"$relocs" \
	&& ok "tracepoint program relocates trace_event_raw_sys_enter.args" \
	|| bad "tracepoint program does not relocate trace_event_raw_sys_enter.args"

# Each exit in two variants, and only the bpf_loop() one (_xl) names a function as a value
# (ld_imm64 of a callback): a kernel before 5.13 refuses a program that does, even in dead code.
progs=$("$LLVM_OBJDUMP" -dr --no-show-raw-insn "$obj" | awk '
	/^[0-9a-f]+ <[^>]*>:$/ { n = substr($2, 2, length($2) - 3); if (n !~ /^LBB/) prog = n }
	/R_BPF_64_64[ \t]+\.text$/ { loads[prog] = 1 }
	END { for (p in loads) print "loads", p }
	/^[0-9a-f]+ <[a-z_]+_xl?>:$/ { print "exit", substr($2, 2, length($2) - 3) }')
exits=$(sed -n 's/^exit //p' <<<"$progs" | sort)
loaders=$(sed -n 's/^loads //p' <<<"$progs" | sort)
bounded=$(grep '_x$' <<<"$exits" || true)
looped=$(grep '_xl$' <<<"$exits" || true)
[[ -n $bounded && $(sed 's/$/l/' <<<"$bounded") == "$looped" ]] \
	&& ok "each of the $(wc -l <<<"$bounded") exits has a bounded-loop (_x) and a bpf_loop() (_xl) variant" \
	|| bad "exit variants do not pair up: _x: ${bounded//$'\n'/ }; _xl: ${looped//$'\n'/ }"
[[ $loaders == "$looped" ]] && ok "only the _xl programs name a callback (bpf_loop)" \
	|| bad "programs naming a function as a value: ${loaders//$'\n'/ } (expected: ${looped//$'\n'/ })"

"$BPFTOOL" btf dump file "$obj" >/dev/null && ok "bpftool reads its BTF" || bad "bpftool cannot read its BTF"
echo "$fails failed"
exit $((fails > 0))
