#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# mkrpm.sh --arch RPMARCH --build-dir B --source-dir S --version V --release R --output F.rpm
# The fleet .rpm from the same staged tree as the .deb (rpmbuild --target, no rebuild).
. "$(dirname "$0")/stage.sh"

[[ -f $stage/usr/lib/systemd/system/$name.service ]] ||
	die "no $stage/usr/lib/systemd/system/$name.service: RPM distributions keep units there (-Dsystemdunitdir)"
install -d "$stage/usr/share/licenses/$name"
install -m 0644 "$src/packaging/debian/copyright" "$stage/usr/share/licenses/$name/copyright"
# the texts of both licences the code is under (the copyright file names the files)
install -m 0644 "$src/LICENSES/GPL-2.0-only.txt" "$src/LICENSES/BSD-2-Clause.txt" "$stage/usr/share/licenses/$name/"
# the copyright files of what the static loader links in, and its Provides: bundled(...)
static_libs notices "$stage/usr/share/licenses/$name/linked-in"
bundled=$(static_libs bundled)
normalize "$stage"

# %files from the staged tree: config files are %config(noreplace), the rest plain; the
# package owns the directories that are its own (dnf remove leaves none behind).
files=$(cd "$stage" && { find "usr/share/licenses/$name" -type d -printf '%%dir /%p\n'; find . -type f -printf '/%P\n'; } |
	LC_ALL=C sort | sed \
	-e 's|^/etc/.*|%config(noreplace) &|' \
	-e 's|^/usr/share/licenses/.*|%license &|')
changelog_date=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')

install -d "$work/top/SPECS"
cat >"$work/top/SPECS/$name.spec" <<SPEC
Name: $name
Version: $version
Release: $release
Summary: $(meta Summary)
License: $(meta License)
Group: $(meta RPM-Group)
Packager: $(meta Maintainer)
URL: $(meta URL)
AutoReqProv: no
$bundled

%global debug_package %{nil}
%global __os_install_post %{nil}

%description
$(meta Description | sed 's/^ //')

%install
cp -a "$stage/." "%{buildroot}/"

%post
$(cat "$src/packaging/files/rpm-post")

%preun
$(cat "$src/packaging/files/rpm-preun")

%postun
$(cat "$src/packaging/files/rpm-postun")

%files
$files

%changelog
* $changelog_date $(meta Maintainer) - $version-$release
- Fleet build of hello-buffer-config $version: static loader for every release.
SPEC

rpmbuild -bb --quiet --target "$arch-linux" \
	--define "_topdir $work/top" \
	--define "_build_id_links none" \
	--define "_buildhost reproducible" \
	--define "use_source_date_epoch_as_buildtime 1" \
	--define "clamp_mtime_to_source_epoch 1" \
	--define "_binary_payload w9.xzdio" \
	"$work/top/SPECS/$name.spec" >/dev/null
built=$(find "$work/top/RPMS" -name '*.rpm')
[[ $(wc -l <<<"$built") == 1 ]] || die "rpmbuild made: $built"
mv "$built" "$output"
