#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# A fresh machine for foreign binaries: no qemu-user entry in binfmt_misc (nothing an
# earlier run registered). The packaging contents test must then fail saying what is
# missing, never with "Exec format error"; ci/lib/deps.sh's ensure_binfmt (what ci/test.sh
# runs first) must bring the entries back, and the contents test pass again.
source "$(dirname "$0")/../lib/common.sh"
need_root
source "$SOURCE_ROOT/ci/lib/deps.sh"
mapfile -t foreign < <(python3 "$SOURCE_ROOT/arch/arches.py" rows debarch | grep -vx "$(dpkg --print-architecture)")
[[ ${#foreign[@]} -gt 0 ]] || skip "every architecture of arch/arches.txt is this machine's"

for entry in /proc/sys/fs/binfmt_misc/qemu-*; do
	[[ -e $entry ]] && echo -1 >"$entry"
done
for a in "${foreign[@]}"; do
	expect "with no qemu-user entry, $a binaries do not run" bash -c "! arch-test $a >/dev/null 2>&1"
done
bash "$SOURCE_ROOT/tests/packaging/contents.sh" >"$tmp/before" 2>&1
expect "the contents test fails then (exit $?)" test $? != 0
expect "... saying what is missing: $(grep -m1 'qemu-user is not registered' "$tmp/before")" \
	grep -q 'qemu-user is not registered with binfmt_misc' "$tmp/before"
expect "... and never 'Exec format error'" bash -c "! grep -q 'Exec format error' '$tmp/before'"

ensure_binfmt "${foreign[@]}" >"$tmp/ensure" 2>&1
rc=$?
expect "ensure_binfmt ${foreign[*]}: $(tr '\n' ' ' <"$tmp/ensure")" test "$rc" = 0
bash "$SOURCE_ROOT/tests/packaging/contents.sh" >"$tmp/after" 2>&1
expect "the contents test passes again (exit $?)" test $? = 0
grep FAIL "$tmp/after"
done_testing
