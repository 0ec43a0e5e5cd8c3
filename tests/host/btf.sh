#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Where the kernel's types come from: the kernel's BTF, --btf FILE, a file where libbpf
# looks (/boot/vmlinux-RELEASE, ...), or none at all (a kernel without BTF whose release
# this build carries no BTF for); bad --btf files.
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
rel=$(uname -r)
expect_run "no kernel BTF and none carried for $rel" 1 \
	"this kernel ($rel) has no BTF (/sys/kernel/btf/vmlinux), this build carries none for it" \
	no_kernel_btf "$LOADER" --check
grep -q -- "give one with --btf FILE, or put it at /boot/vmlinux-$rel" "$tmp/err" \
	&& ok "... and says how to give one" || bad "stderr: $(cat "$tmp/err")"
[[ $(wc -l <"$tmp/err") == 1 ]] && ok "... in one line" || bad "stderr: $(cat "$tmp/err")"
expect_run "no kernel BTF, --btf FILE" 0 "btf: $tmp/kernel.btf (--btf)" \
	no_kernel_btf "$LOADER" --check --btf "$tmp/kernel.btf"
# where libbpf looks, as a unit finds it without options: FILE (a private tmpfs) at DIR
# with_btf_at DIR FILE CMD...: CMD without kernel BTF, FILE as DIR/vmlinux-RELEASE
with_btf_at() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare --mount bash -c 'mount -t tmpfs none /sys/kernel/btf && mkdir -p "$1" && mount -t tmpfs none "$1" &&
		cp "$2" "$1/vmlinux-$(uname -r)" && shift 2 && exec "$@"' with-btf "$@"
}
expect_run "no kernel BTF, one at /boot/vmlinux-$rel" 0 "btf: /boot/vmlinux-$rel (a standard location)" \
	with_btf_at /boot "$tmp/kernel.btf" "$LOADER" --check
grep -q "^check: ok: .*, btf /boot/vmlinux-$rel (a standard location), attached " "$tmp/out" \
	&& ok "... and the check line names it" || bad "check line: $(cat "$tmp/out")"
expect_run "... or at /usr/lib/debug/boot/vmlinux-$rel" 0 "btf: /usr/lib/debug/boot/vmlinux-$rel (a standard location)" \
	with_btf_at /usr/lib/debug/boot "$tmp/kernel.btf" "$LOADER" --check
expect_run "a /boot/vmlinux-$rel without BTF is said and not used" 1 \
	"/boot/vmlinux-$rel: no BTF in it (neither raw BTF nor an ELF file): not used" \
	with_btf_at /boot /etc/os-release "$LOADER" --check
assert_nothing_left "after the --btf checks"
done_testing
