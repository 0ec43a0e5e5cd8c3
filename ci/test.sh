#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Run every test (building first if needed) and end with "N passed, N failed": the
# test dependencies (Debian packages, qemu-user in binfmt_misc), the meson suites, then
# the QEMU VM matrix, then a rehearsal of the hosted-CI workflow.
#   ci/test.sh [MESON_TEST_ARGS...]     e.g. ci/test.sh --suite unit (no VM matrix then)
# Environment: BUILD_DIR (default build/), HBC_VM_TESTS=0 to leave out the VM matrix,
# HBC_REHEARSAL=0 the rehearsal.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

. "$top/ci/lib/deps.sh"
fail() { echo "ci/test.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
install_missing "$top/ci/build-deps.txt" "$top/ci/test-deps.txt" "$top/ci/vm/host-deps.txt" ||
	fail "cannot install the test dependencies"
mapfile -t debarches < <(python3 "$top/arch/arches.py" rows debarch)
ensure_binfmt "${debarches[@]}" || fail "foreign binaries cannot run here"
"$top/ci/build.sh" || fail "ci/build.sh failed"

meson test -C "$build" --print-errorlogs --num-processes 2 "$@" | tee "$build/meson-test.log"
rc=${PIPESTATUS[0]}
# meson's closing summary: "Ok: N", "Expected Fail: N", "Fail: N", ... "Skipped: N"
read -r passed failed skipped < <(awk -F: '/^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout):/ {
	n[$1] = $2 } END { print n["Ok"] + n["Expected Fail"], n["Fail"] + n["Unexpected Pass"] + n["Timeout"], n["Skipped"] + 0 }' \
	"$build/meson-test.log")
[[ $rc == 0 || $failed != 0 ]] || failed=1
echo "meson suites: $passed passed, $failed failed, $skipped skipped"

if [[ ${HBC_VM_TESTS:-1} != 0 && $# == 0 ]]; then
	"$top/ci/vm-test.py" --package-dir "$build/packages" --log-dir "$build/vm-logs" 2>&1 | tee "$build/vm-test.log"
	[[ ${PIPESTATUS[0]} == 0 ]] || rc=1
	counts=$(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$build/vm-test.log" | tail -n 1)
	[[ -n $counts ]] || counts="0 1"
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
fi
# The hosted-CI workflow rehearsed (ci/rehearse.py: packages, matrix, one vm row, each in a
# fresh bookworm root as the runner's container): one more test
if [[ ${HBC_REHEARSAL:-1} != 0 && $# == 0 ]]; then
	"$top/ci/rehearse.py" 2>&1 | tee "$build/rehearsal.log" | grep -E '^rehearse: (job|  step|[0-9]+ s|PASS|FAIL)'
	if [[ ${PIPESTATUS[0]} == 0 ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)) rc=1
		echo "rehearse: the failing step's last lines ($build/rehearsal.log):"
		grep -v -E '^(\||rehearse: )' "$build/rehearsal.log" | tail -n 60 | sed 's/^/  /'
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]] || rc=1
exit "$rc"
