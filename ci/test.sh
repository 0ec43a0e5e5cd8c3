#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Run every test suite (building first if needed) and end with "N passed, N failed".
#   ci/test.sh [MESON_TEST_ARGS...]     e.g. ci/test.sh --suite unit
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

. "$top/ci/lib/deps.sh"
install_missing "$top/ci/test-deps.txt" || { echo "0 passed, 1 failed"; exit 1; }
"$top/ci/build.sh" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {}
for line in open(sys.argv[1]):
    r = json.loads(line)['result']
    counts[r] = counts.get(r, 0) + 1
passed = counts.pop('OK', 0) + counts.pop('EXPECTEDFAIL', 0)
skipped = counts.pop('SKIP', 0)
failed = sum(counts.values())
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
PY
exit $rc
