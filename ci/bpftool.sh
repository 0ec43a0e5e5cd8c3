#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ci/bpftool.sh: print the path of a bpftool that can generate every row's skeleton, the
# big-endian ones too (its libbpf >= 1.5 opens objects of either byte order): the build
# machine's own where it can, else the pinned one of ci/bpftool-pins.txt, unpacked into the
# cache and run with its own dynamic loader and libraries (a wrapper script).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pins=$top/ci/bpftool-pins.txt
die() { echo "ci/bpftool.sh: $*" >&2; exit 1; }

# libbpf_of BPFTOOL: the libbpf version a bpftool says it uses ("using libbpf v1.1")
libbpf_of() { "$1" version 2>/dev/null | sed -n 's/^using libbpf v\([0-9.]*\).*/\1/p'; }
sys=$(PATH=$PATH:/usr/sbin:/sbin command -v bpftool || true)
if [[ -n $sys ]] && dpkg --compare-versions "$(libbpf_of "$sys")" ge 1.5; then
	echo "$sys"
	exit 0
fi

arch=$(dpkg --print-architecture)
rows=$(sed 's/#.*//' "$pins" | awk -v a="$arch" 'NF >= 5 && $2 == a { print $1, $2, $3, $4, $5 }')
[[ -n $rows ]] || die "this machine's bpftool (${sys:-none}, libbpf $(libbpf_of "${sys:-false}")) cannot open big-endian objects, and $pins has no $arch rows: add them with ci/pins.py add $pins forky $arch @bpftool"
root=$("$top/ci/pins.py" cache bpftool)/$arch-$(sha256sum <<<"$rows" | cut -c1-16)
if [[ ! -x $root/bpftool ]]; then
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for deb in $("$top/ci/pins.py" fetch "$pins" "" "$arch"); do
		dpkg-deb -x "$deb" "$root.tmp"
	done
	triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	ld=$(find "$root.tmp/usr/lib/$triplet" "$root.tmp/usr/lib64" "$root.tmp/usr/lib" -maxdepth 1 -name 'ld-linux*.so.*' 2>/dev/null | head -n 1)
	[[ -n $ld ]] || die "no dynamic loader in the unpacked pins of $pins"
	cat >"$root.tmp/bpftool" <<WRAPPER
#!/bin/sh
# Debian forky's bpftool on its own libraries ($pins)
exec "$root/${ld#"$root.tmp/"}" --library-path "$root/usr/lib/$triplet:$root/lib/$triplet" "$root/usr/sbin/bpftool" "\$@"
WRAPPER
	chmod 0755 "$root.tmp/bpftool"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi
v=$(libbpf_of "$root/bpftool")
[[ -n $v ]] && dpkg --compare-versions "$v" ge 1.5 || die "$root/bpftool does not run or has libbpf '$v' < 1.5"
echo "$root/bpftool"
