#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Run every test (building first if needed) and end with "N passed, N failed": the
# test dependencies (Debian packages, qemu-user in binfmt_misc), the meson suites, then
# the QEMU VM matrix.
#   ci/test.sh [MESON_TEST_ARGS...]     e.g. ci/test.sh --suite unit (no VM matrix then)
# Environment: BUILD_DIR (default build/), HBC_VM_TESTS=0 to leave out the VM matrix.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

. "$top/ci/lib/deps.sh"
fail() { echo "ci/test.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
install_missing "$top/ci/build-deps.txt" "$top/ci/test-deps.txt" || fail "cannot install the test dependencies"
ensure_binfmt $(python3 "$top/arch/arches.py" rows debarch) || fail "foreign binaries cannot run here"
"$top/ci/build.sh" || fail "ci/build.sh failed"

meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
read -r passed failed skipped < <(python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)['result']
    except (ValueError, KeyError):
        r = 'UNREADABLE'
    counts[r] = counts.get(r, 0) + 1
passed = counts.pop('OK', 0) + counts.pop('EXPECTEDFAIL', 0)
skipped = counts.pop('SKIP', 0)
print(passed, sum(counts.values()), skipped)
PY
)
[[ -n ${passed:-} ]] || { passed=0 failed=1 skipped=0; }
echo "meson suites: $passed passed, $failed failed, $skipped skipped"

if [[ ${HBC_VM_TESTS:-1} != 0 && $# == 0 ]]; then
	"$top/ci/vm-test.py" --package-dir "$build/packages" --log-dir "$build/vm-logs" 2>&1 | tee "$build/vm-test.log"
	[[ ${PIPESTATUS[0]} == 0 ]] || rc=1
	counts=$(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$build/vm-test.log" | tail -n 1)
	[[ -n $counts ]] || counts="0 1"
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]] || rc=1
exit $rc
