#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# lintian on every .deb, rpmlint on every .rpm, mandoc -Tlint on the man page: no error, no
# warning left (the accepted ones are overridden with their reasons in
# packaging/files/lintian-overrides and packaging/rpm/rpmlintrc.toml).
source "$(dirname "$0")/lib.sh"
while read -r name debarch rpmarch _; do
	deb=$(deb_of "$debarch") rpm=$(rpm_of "$rpmarch")
	out=$(lintian --pedantic --fail-on none "$deb" 2>&1 | grep -v '^running with root privileges')
	tags=$(grep -E '^[EW]: ' <<<"$out" || true)
	[[ -z $tags ]] && ok "lintian $name: no errors or warnings ($(grep -c '^[IPX]: ' <<<"$out") info/pedantic)" \
		|| bad "lintian $name: $tags"
	[[ -n $out ]] && sed 's/^/  /' <<<"$out"
	out=$(rpmlint -c "$SOURCE_ROOT/packaging/rpm/rpmlintrc.toml" "$rpm" 2>&1)
	summary=$(grep -E 'packages and [0-9]+ specfiles checked' <<<"$out")
	grep -q ' 0 errors, 0 warnings' <<<"$summary" && ok "rpmlint $name: $summary" \
		|| bad "rpmlint $name: $out"
done < <(arch_rows)
if command -v mandoc >/dev/null; then
	out=$(mandoc -Tlint "$SOURCE_ROOT/packaging/files/hello-buffer-config.8" 2>&1)
	[[ -z $out ]] && ok "mandoc -Tlint: the man page is clean" || bad "mandoc -Tlint: $out"
else
	bad "mandoc is not installed (ci/test-deps.txt has it)"
fi
out=$(rpmlint -c "$SOURCE_ROOT/packaging/rpm/rpmlintrc.toml" "$SOURCE_ROOT/packaging/rpm/hello-buffer-config.spec" 2>&1)
grep -q ' 0 errors' <<<"$out" && ok "rpmlint spec: $(tail -1 <<<"$out")" || bad "rpmlint spec: $out"
done_testing
