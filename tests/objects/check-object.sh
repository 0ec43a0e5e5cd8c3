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

"$BPFTOOL" btf dump file "$obj" >/dev/null && ok "bpftool reads its BTF" || bad "bpftool cannot read its BTF"
echo "$fails failed"
exit $((fails > 0))
