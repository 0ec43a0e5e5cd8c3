# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# Shared by the host-side shell tests: the assertions, skip, root, a scratch dir $tmp.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
skip() { echo "SKIP: $*"; exit 77; }
need_root() { [[ $(id -u) == 0 ]] || skip "needs root"; }
tmp=$(mktemp -d)
W=$tmp
trap 'rm -rf "$tmp"' EXIT

# arch_rows: "name debarch rpmarch triplet machine" for each row of arch/arches.txt.
arch_rows() {
	python3 "$SOURCE_ROOT/arch/arches.py" rows name debarch rpmarch triplet machines | sed 's/,[^ ]*$//'
}
