#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# packaging/sysroot.sh NAME: unpack the pinned target packages of arch NAME (a row of
# arch/arches.txt) into a sysroot in the cache, and print its path. The sysroot is keyed
# by the pin rows, so a re-pin gives a new one; an existing complete one is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pins=$top/packaging/sysroot-pins.txt
llvm=${HBC_CROSS_LLVM:-/usr/lib/llvm-19/bin}

name=${1:?usage: packaging/sysroot.sh ARCH-NAME}
debarch=$(python3 "$top/arch/arches.py" get "$name" debarch) || exit 2

rows=$(sed 's/#.*//' "$pins" | awk -v a="$debarch" 'NF && $2 == a { print $1, $2, $3, $4, $5 }')
[[ -n $rows ]] || { echo "sysroot.sh: no $debarch rows in $pins; add them with ci/pins.py add" >&2; exit 2; }
key=$(sha256sum <<<"$rows" | cut -c1-16)
root=$("$top/ci/pins.py" cache sysroot)/$name-$key
if [[ -f $root/.complete ]]; then
	echo "$root"
	exit 0
fi

rm -rf "$root.tmp"
mkdir -p "$root.tmp"
debs=$("$top/ci/pins.py" fetch "$pins" "" "$debarch") || exit 1
for deb in $debs; do
	dpkg-deb -x "$deb" "$root.tmp"
done

# Absolute symlinks point at the host's files: make them relative inside the sysroot.
find "$root.tmp" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
	target=$(readlink "$link")
	ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root.tmp$target")" "$link"
done
# elfutils >= 0.193 puts its own crc32() into libelf.a, which clashes with zlib's in a
# static link; keep libelf's copy local to libelf (both compute the same CRC-32).
for libelf in "$root.tmp"/usr/lib/*/libelf.a; do
	syms=$("$llvm/llvm-nm" --defined-only "$libelf")
	if grep -qE ' T crc32$' <<<"$syms"; then
		"$llvm/llvm-objcopy" --localize-symbol=crc32 "$libelf"
	fi
done
touch "$root.tmp/.complete"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$root"
