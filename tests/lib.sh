# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Shared by the shell tests: ok/bad/skip, the exit status, a scratch dir.
set -u
fails=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
done_testing() { echo "$fails failed"; exit $((fails > 0)); }
skip() { echo "SKIP: $*"; exit 77; }
need_root() {
	[[ $(id -u) == 0 ]] || skip "needs root"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# arch_rows: "name debarch rpmarch triplet machine" for each row of arch/arches.txt.
arch_rows() {
	awk '!/^#/ && NF { split($3, m, ","); print $1, $4, $5, $6, m[1] }' "$SOURCE_ROOT/arch/arches.txt"
}
