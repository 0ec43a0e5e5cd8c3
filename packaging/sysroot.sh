#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# packaging/sysroot.sh NAME: unpack the pinned target packages of arch NAME (a row of
# arch/arches.txt) into a sysroot in the cache, and print its path. The sysroot is keyed
# by the pin rows, so a re-pin gives a new one; an existing complete one is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/ci/lib/debfetch.sh"
pins=$top/packaging/sysroot-pins.txt
llvm=${HBC_CROSS_LLVM:-/usr/lib/llvm-19/bin}

name=${1:?usage: packaging/sysroot.sh ARCH-NAME}
debarch=$(awk -v n="$name" '!/^#/ && $1 == n { print $4 }' "$top/arch/arches.txt")
[[ -n $debarch ]] || { echo "sysroot.sh: '$name' is not a row of arch/arches.txt" >&2; exit 2; }

rows=$(sed 's/#.*//' "$pins" | awk -v a="$debarch" 'NF && $2 == a')
[[ -n $rows ]] || { echo "sysroot.sh: no $debarch rows in $pins; add them with ci/pins.sh add" >&2; exit 2; }
key=$(sha256sum <<<"$rows" | cut -c1-16)
root="$(debfetch_cache_dir)/sysroot/$name-$key"
if [[ -f $root/.complete ]]; then
	echo "$root"
	exit 0
fi

rm -rf "$root.tmp"
mkdir -p "$root.tmp"
while read -r _ _ pkg _; do
	deb=$(debfetch_pinned "$pins" "$pkg" "$debarch")
	dpkg-deb -x "$deb" "$root.tmp"
done <<<"$rows"

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
