#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The distro packaging sources: one version and summary everywhere, then a packager's
# dpkg-buildpackage with packaging/debian and rpmbuild with packaging/rpm/*.spec.
source "$(dirname "$0")/lib.sh"
spec=$SOURCE_ROOT/packaging/rpm/hello-buffer-config.spec
meta() { sed -n "s/^$1: //p" "$SOURCE_ROOT/packaging/metadata.txt"; }

v=$(dpkg-parsechangelog -l "$SOURCE_ROOT/packaging/debian/changelog" -S Version)
[[ ${v%-*} == "$HBC_VERSION" ]] && ok "debian/changelog version $v" || bad "debian/changelog $v, meson $HBC_VERSION"
# The fleet packages' version is their own, and sorts above the distribution build's of the
# same upstream version (apt and dnf prefer the fleet repository's) and below the next one.
fleet=$HBC_VERSION-$REL next=${HBC_VERSION%.*}.$((${HBC_VERSION##*.} + 1))-1
if [[ $fleet != "$v" ]] && dpkg --compare-versions "$fleet" gt "$v" && dpkg --compare-versions "$fleet" lt "$next"; then
	ok "dpkg: $v < fleet $fleet < $next"
else
	bad "dpkg: fleet $fleet against distro $v and $next"
fi
rpmv() { rpm --eval "%{lua: local a, b = rpm.ver('$1'), rpm.ver('$2'); print(a < b and -1 or a == b and 0 or 1)}"; }
for d in "$HBC_VERSION-1" "$HBC_VERSION-1.fc42" "$HBC_VERSION-1.el9"; do
	[[ $(rpmv "$HBC_VERSION-$REL" "$d") == 1 && $(rpmv "$HBC_VERSION-$REL" "${next%-*}-1.fc42") == -1 ]] \
		&& ok "rpm: $d < fleet $HBC_VERSION-$REL < ${next%-*}-1.fc42" || bad "rpm: fleet $HBC_VERSION-$REL against $d"
done
v=$(sed -n 's/^Version: *//p' "$spec")
[[ $v == "$HBC_VERSION" ]] && ok "spec Version $v" || bad "spec Version $v, meson $HBC_VERSION"
th=$(sed -n 's/^\.TH [^ ]* 8 "[^"]*" "\([^"]*\)".*/\1/p' "$SOURCE_ROOT/packaging/files/hello-buffer-config.8")
[[ $th == "hello-buffer-config $HBC_VERSION" ]] && ok "man page .TH names the version: $th" || bad "man page .TH: '$th', meson $HBC_VERSION"
s=$(meta Summary)
grep -qxF "Description: $s" "$SOURCE_ROOT/packaging/debian/control" && ok "debian/control synopsis is metadata's Summary" \
	|| bad "debian/control synopsis differs from '$s'"
grep -qE "^Summary: +${s//(/\\(}" "$spec" && ok "spec Summary is metadata's" || bad "spec Summary differs from '$s'"
# the long description: metadata.txt's text, in debian/control (one space in, as Policy
# 5.6.13 has it) and in the spec's %description, the same words
description() {
	case $1 in
	meta) awk '/^Description: / { sub(/^Description: /, ""); print; on = 1; next } on && /^ / { sub(/^ /, ""); print; next } { on = 0 }' \
		"$SOURCE_ROOT/packaging/metadata.txt" ;;
	control) awk '/^Description: / { on = 1; next } on && /^ / { sub(/^ /, ""); print; next } { on = 0 }' \
		"$SOURCE_ROOT/packaging/debian/control" ;;
	spec) awk '/^%description/ { on = 1; next } on && /^%/ { exit } on && NF { print }' "$spec" ;;
	esac
}
m=$(description meta)
[[ -n $m && $(description control) == "$m" ]] && ok "debian/control's description is metadata's ($(wc -l <<<"$m") lines)" \
	|| bad "debian/control's description differs: $(diff <(echo "$m") <(description control) | head -5)"
[[ $(description spec) == "$m" ]] && ok "the spec's %description is metadata's" \
	|| bad "the spec's %description differs: $(diff <(echo "$m") <(description spec) | head -5)"
missing=$(arch_rows | while read -r _ _ _ _ machine; do grep -qw -- "$machine" <<<"$m" || echo "$machine"; done)
[[ -z $missing ]] && ok "the description names every architecture the loader carries ($(arch_rows | awk '{print $5}' | paste -sd' ' -))" \
	|| bad "the description misses $missing"

# the architectures a distribution builds it for are the table's (a new row must be added
# to these static files, which a distribution's tools read without our table)
sorted_words() { tr ' ' '\n' | sed '/^$/d' | sort | paste -sd' ' -; }
want=$(arch_rows | awk '{print $2}' | sorted_words)
got=$(sed -n 's/^Architecture: //p' "$SOURCE_ROOT/packaging/debian/control" | sorted_words)
[[ $got == "$want" ]] && ok "debian/control Architecture is the table's debarch list ($got)" \
	|| bad "debian/control Architecture '$got', arch/arches.txt has '$want'"
want=$(arch_rows | awk '{print $3}' | sorted_words)
got=$(sed -n 's/^ExclusiveArch: *//p' "$spec" | sorted_words)
[[ $got == "$want" ]] && ok "the spec's ExclusiveArch is the table's rpmarch list ($got)" \
	|| bad "the spec's ExclusiveArch '$got', arch/arches.txt has '$want'"

# Work on a copy: the source tree stays clean.
src=$tmp/hello-buffer-config-$HBC_VERSION
mkdir -p "$src"
(cd "$SOURCE_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
	tar -xf - -C "$src"

# A sponsor's build: the orig tarball, then source and binary packages (3.0 (quilt))
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner -cJf "$tmp/hello-buffer-config_$HBC_VERSION.orig.tar.xz" \
	"hello-buffer-config-$HBC_VERSION"
cp -r "$src/packaging/debian" "$src/debian"
(cd "$src" && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc) >"$tmp/dpkg.log" 2>&1 \
	&& ok "dpkg-buildpackage -us -uc (source and binary)" || bad "dpkg-buildpackage: $(tail -30 "$tmp/dpkg.log")"
changes=$(find "$tmp" -maxdepth 1 -name 'hello-buffer-config_*.changes' | head -n 1)
if [[ -n $changes ]]; then
	# lintian as a sponsor runs it, on the source and the binary: every tag, info and
	# pedantic too, is overridden with its reason in debian/source/lintian-overrides or
	# debian/hello-buffer-config.lintian-overrides, or the test fails
	out=$(lintian -EvIL +pedantic --fail-on none "$changes" 2>&1 | grep -vE '^N: |^running with root privileges')
	[[ -z $out ]] && ok "lintian -EvIL +pedantic on the source and the distro .deb: no tag" \
		|| bad "lintian -EvIL +pedantic on $(basename "$changes"): $out"
fi
deb=$(find "$tmp" -maxdepth 1 -name 'hello-buffer-config_*.deb' | head -n 1)
if [[ -n $deb ]]; then
	dep=$(dpkg-deb -f "$deb" Depends)
	grep -q 'libbpf1' <<<"$dep" && ok "distro .deb links libbpf dynamically: Depends: $dep" || bad "Depends: $dep"
	# --check-btf needs libbpf 1.6 (bpf_object__prepare): below it, the build says so and exits 3
	lv=$(pkg-config --modversion libbpf)
	if dpkg --compare-versions "$lv" lt 1.6 && [[ $(id -u) == 0 ]]; then
		dpkg-deb -x "$deb" "$tmp/distro-root"
		"$tmp/distro-root/usr/sbin/hello-buffer-config" --check-btf /sys/kernel/btf/vmlinux >/dev/null 2>"$tmp/cb.err"
		rc=$?
		[[ $rc == 3 ]] && grep -q -- '--check-btf needs libbpf 1.6 or later' "$tmp/cb.err" \
			&& ok "distro build with libbpf $lv: --check-btf exits 3 and says why" \
			|| bad "distro build with libbpf $lv: --check-btf exit $rc: $(cat "$tmp/cb.err")"
	fi
	scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst ./prerm 2>/dev/null)
	grep -q 'deb-systemd-invoke try-restart' <<<"$scripts" && ok "distro .deb: postinst restarts a running service on upgrade" \
		|| bad "distro .deb postinst/prerm: $scripts"
	grep -q 'deb-systemd-invoke stop' <<<"$scripts" && ok "distro .deb: prerm stops the service" || bad "distro .deb: no stop in prerm"
fi

rm -rf "$src/debian"
top=$tmp/rpmbuild
mkdir -p "$top/SOURCES"
tar -C "$tmp" -czf "$top/SOURCES/hello-buffer-config-$HBC_VERSION.tar.gz" "hello-buffer-config-$HBC_VERSION"
rpmbuild -bb --nodeps --define "_topdir $top" --define 'debug_package %{nil}' "$spec" >"$tmp/rpm.log" 2>&1 \
	&& ok "rpmbuild -bb packaging/rpm/hello-buffer-config.spec" || bad "rpmbuild: $(tail -30 "$tmp/rpm.log")"
rpm=$(find "$top/RPMS" -name '*.rpm' | head -1)
if [[ -n $rpm ]]; then
	rpm -qlp "$rpm" 2>/dev/null | grep -qx /usr/sbin/hello-buffer-config && ok "distro .rpm holds the loader" \
		|| bad "distro .rpm files: $(rpm -qlp "$rpm")"
	# built here without systemd-rpm-macros: the spelled-out scriptlets, the fleet .rpm's
	fleet=$(rpm_of "$(rpm -qp --qf '%{ARCH}' "$rpm" 2>/dev/null)")
	diff <(rpm -qp --scripts "$fleet" 2>/dev/null) <(rpm -qp --scripts "$rpm" 2>/dev/null) >"$tmp/scripts.diff" \
		&& ok "distro .rpm: the same scriptlets as the fleet .rpm" || bad "distro and fleet .rpm scriptlets differ: $(cat "$tmp/scripts.diff")"
fi
done_testing
