#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Every shell script of the tree is shellcheck-clean (.shellcheckrc) and indented with
# tabs (.editorconfig); every Python file compiles, is pyflakes-clean, edits no sys.path and
# has at most 300 lines.
source "$(dirname "$0")/../lib/common.sh"
cd "$SOURCE_ROOT" || exit 1
command -v shellcheck >/dev/null || { bad "shellcheck is not installed (ci/test-deps.txt has it)"; done_testing; }
mapfile -t scripts < <(git ls-files | while read -r f; do
	[[ -f $f ]] && head -n 1 "$f" | grep -qE '^#!.*\b(ba)?sh\b|^# shellcheck shell=' && echo "$f"
done)
shellcheck "${scripts[@]}" >"$tmp/sc" 2>&1
expect "shellcheck: ${#scripts[@]} scripts clean$(grep -c '^In ' "$tmp/sc" | sed 's/^0$//; s/^[1-9].*/ (not: see below)/')" \
	test ! -s "$tmp/sc"
head -n 60 "$tmp/sc"
# an indented statement, not the text of a here-document
spaced=$(grep -lE '^( {2})+(if|for|while|case|local|echo|printf|return|\[\[|[a-z_]+=|[a-z_]+ *\(\))' "${scripts[@]}" | tr '\n' ' ')
expect "shell scripts are indented with tabs${spaced:+ (not: $spaced)}" test -z "$spaced"
mapfile -t py < <(git ls-files '*.py')
expect "${#py[@]} Python files compile" python3 -c 'import sys
for f in sys.argv[1:]: compile(open(f).read(), f, "exec")' "${py[@]}"
if command -v pyflakes3 >/dev/null; then
	pyflakes3 "${py[@]}" >"$tmp/pf" 2>&1
	expect "pyflakes: ${#py[@]} Python files clean" test ! -s "$tmp/pf"
	head -n 20 "$tmp/pf"
else
	bad "pyflakes3 is not installed (ci/test-deps.txt has it)"
fi
# rooms a reader can take in at once: no Python file over 300 lines
long=$(wc -l "${py[@]}" | awk '$2 != "total" && $1 > 300 { printf "%s (%d) ", $2, $1 }')
expect "no Python file over 300 lines${long:+ (not: $long)}" test -z "$long"
# the host tooling is one package: no script edits sys.path to find it (or anything)
edits=$(grep -lE 'sys\.path(\.insert|\.append|\[)' "${py[@]}" | tr '\n' ' ')
expect "no sys.path edits${edits:+ (in: $edits)}" test -z "$edits"
done_testing
