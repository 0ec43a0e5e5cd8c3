#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Where the kernel's types come from: the kernel's BTF, --btf FILE, or none at all (a
# kernel without BTF whose release this build carries no BTF for); bad --btf files.
source "$(dirname "$0")/lib.sh"
need_root

expect_run "--btf of a missing file" 2 "--btf $tmp/none: no BTF in it" "$LOADER" --check --btf "$tmp/none"
expect_run "--btf of a file without BTF" 2 "--btf /etc/os-release: no BTF in it" \
	"$LOADER" --check --btf /etc/os-release
[[ $(wc -l <"$tmp/err") == 1 ]] && ok "one line for a bad --btf" || bad "stderr: $(cat "$tmp/err")"
expect_run "--btf with --check-btf" 2 "--btf does not go with --check-btf" \
	"$LOADER" --btf /etc/os-release --check-btf /etc/os-release

expect_run "--check: the kernel's BTF" 0 "btf: kernel (/sys/kernel/btf/vmlinux)" "$LOADER" --check
cp /sys/kernel/btf/vmlinux "$tmp/kernel.btf"
expect_run "--check --btf a copy of it" 0 "btf: $tmp/kernel.btf (--btf)" "$LOADER" --check --btf "$tmp/kernel.btf"
grep -q "^check: ok: .*, btf $tmp/kernel.btf (--btf), attached " "$tmp/out" && ok "the check line names the file" \
	|| bad "check line: $(cat "$tmp/out")"
# a BTF without the types the object uses (an ELF with .BTF of one unrelated struct):
# libbpf relocated against the file given, so loading fails
printf 'struct hbc_unrelated { int x; } v;\n' >"$tmp/unrelated.c"
clang -target bpf -g -c "$tmp/unrelated.c" -o "$tmp/unrelated.o"
expect_run "--check --btf a BTF without the object's types" 1 "cannot load the " \
	"$LOADER" --check --btf "$tmp/unrelated.o"

# A kernel without BTF: in a private mount namespace /sys/kernel/btf is an empty tmpfs.
no_kernel_btf() {
	unshare --mount bash -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' no-btf "$@"
}
expect_run "no kernel BTF and none carried for $(uname -r)" 1 \
	"this kernel ($(uname -r)) has no BTF (/sys/kernel/btf/vmlinux) and this build carries none for it" \
	no_kernel_btf "$LOADER" --check
grep -q -- "give one with --btf FILE" "$tmp/err" && ok "... and says how to give one" \
	|| bad "stderr: $(cat "$tmp/err")"
[[ $(wc -l <"$tmp/err") == 1 ]] && ok "... in one line" || bad "stderr: $(cat "$tmp/err")"
expect_run "no kernel BTF, --btf FILE" 0 "btf: $tmp/kernel.btf (--btf)" \
	no_kernel_btf "$LOADER" --check --btf "$tmp/kernel.btf"
assert_nothing_left "after the --btf checks"
done_testing
