#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# lintian -EvIL +pedantic on every fleet .deb: no tag at all, of any level, but those
# overridden with their reasons (packaging/files/lintian-overrides; the distro source and
# .deb: tests/packaging/distro.sh); rpmlint on every .rpm and on the spec with warnings
# counted (accepted findings filtered with reasons in packaging/rpm/rpmlintrc.toml), on a
# host that trusts our key; rpm -K: every .rpm's signature and digests verify with it;
# mandoc -Tlint on the man page.
source "$(dirname "$0")/lib.sh"
key=$PKGDIR/rpm/RPM-GPG-KEY-hello-buffer-config
# an rpm database of our own that trusts only our key (rpmlint and rpm -K read it)
export HOME=$tmp/home
mkdir -p "$HOME"
echo "%_dbpath $tmp/rpmdb" >"$HOME/.rpmmacros"
rpm --initdb
if [[ -f $key ]] && rpmkeys --import "$key"; then
	ok "rpm --import $(basename "$key"): $(rpm -q gpg-pubkey --qf '%{NAME}-%{VERSION}-%{RELEASE} %{SUMMARY}\n')"
else
	bad "no importable $key: ci/build.sh signs the .rpms (packaging/rpm-repo.sh)"
fi
while read -r name debarch rpmarch _; do
	deb=$(deb_of "$debarch") rpm=$(rpm_of "$rpmarch")
	out=$(lintian -EvIL +pedantic --fail-on none "$deb" 2>&1 | grep -vE '^N: |^running with root privileges')
	[[ -z $out ]] && ok "lintian -EvIL +pedantic $name: no tag" || bad "lintian -EvIL +pedantic $name: $out"
	out=$(rpmlint -c "$SOURCE_ROOT/packaging/rpm/rpmlintrc.toml" "$rpm" 2>&1)
	summary=$(grep -E 'packages and [0-9]+ specfiles checked' <<<"$out")
	grep -q ' 0 errors, 0 warnings' <<<"$summary" && ok "rpmlint $name: $summary" \
		|| bad "rpmlint $name: $out"
	out=$(rpm -K "$rpm" 2>&1)
	[[ $out == "$rpm: digests signatures OK" ]] && ok "rpm -K $name: ${out#"$PKGDIR"/}" || bad "rpm -K $name: $out"
done < <(arch_rows)
if command -v mandoc >/dev/null; then
	out=$(mandoc -Tlint "$SOURCE_ROOT/packaging/files/hello-buffer-config.8" 2>&1)
	[[ -z $out ]] && ok "mandoc -Tlint: the man page is clean" || bad "mandoc -Tlint: $out"
else
	bad "mandoc is not installed (ci/test-deps.txt has it)"
fi
out=$(rpmlint -c "$SOURCE_ROOT/packaging/rpm/rpmlintrc.toml" "$SOURCE_ROOT/packaging/rpm/hello-buffer-config.spec" 2>&1)
grep -q ' 0 errors, 0 warnings' <<<"$out" && ok "rpmlint spec: $(tail -1 <<<"$out")" || bad "rpmlint spec: $out"
done_testing
