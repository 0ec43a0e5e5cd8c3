#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# --check-btf as a fleet operator meets it, with the packaged loader of this machine (its
# libbpf has bpf_object__prepare): this kernel's own BTF, bad input, no privileges, and
# nothing left in the kernel afterwards.
#   cli.sh LOADER
source "$(dirname "$0")/../host/lib.sh"
need_root
[[ -x $LOADER ]] || { bad "no packaged loader at $LOADER: run ci/build.sh"; done_testing; }
maps() { "$BPFTOOL" map list 2>/dev/null | grep -c '^[0-9]*:'; }
maps_before=$(maps)

expect_run "this kernel's BTF" 0 "" "$LOADER" --check-btf /sys/kernel/btf/vmlinux
grep -q '^check-btf: ok: all [0-9]* relocations resolved$' "$tmp/out" && ok "$(tail -n 1 "$tmp/out")" \
	|| bad "check-btf output: $(cat "$tmp/out")"
expect_run "--json" 0 "" "$LOADER" --check-btf /sys/kernel/btf/vmlinux --json
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(r["result"] != "ok" or r["relocations"] != r["resolved"])' \
	"$tmp/out" && ok "--json: one JSON object, result ok" || bad "--json: $(cat "$tmp/out")"
cp /sys/kernel/btf/vmlinux "$tmp/copy.btf"
expect_run "a copy of the BTF, in another place" 0 "" "$LOADER" --check-btf "$tmp/copy.btf"
expect_run "a missing file" 2 "$tmp/none: no BTF in it" "$LOADER" --check-btf "$tmp/none"
echo "not BTF" >"$tmp/text"
expect_run "a file that is no BTF" 2 "$tmp/text: no BTF in it (raw BTF or an ELF with .BTF)" \
	"$LOADER" --check-btf "$tmp/text"
[[ $(wc -l <"$tmp/err") == 1 && ! -s $tmp/out ]] && ok "bad input: one line, nothing on stdout" \
	|| bad "bad input output: $(cat "$tmp/out" "$tmp/err")"
expect_run "an unknown --arch" 2 "--arch: no object for 'sparc64'; this build carries: " \
	"$LOADER" --check-btf /sys/kernel/btf/vmlinux --arch sparc64
expect_run "--arch alone" 2 "--arch goes with --check-btf" "$LOADER" --arch x86
expect_run "unprivileged: exit 3, could not check (not 1, unresolved)" 3 "--check-btf needs root, or CAP_BPF" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LOADER" --check-btf /sys/kernel/btf/vmlinux
same_maps() { [[ $(maps) == "$maps_before" ]]; }
wait_for "$FREE_WAIT" $$ same_maps && ok "no BPF map left in the kernel ($maps_before before and after)" \
	|| bad "BPF maps: $maps_before before, $(maps) after ${FREE_WAIT} s"
assert_nothing_left "after the checks"
done_testing
