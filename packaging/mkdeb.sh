#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# mkdeb.sh --arch DEBARCH --build-dir B --source-dir S --version V --release R --output F.deb
# The fleet .deb: the static loader, config (conffile), systemd unit, man page, docs.
. "$(dirname "$0")/stage.sh"

doc=$stage/usr/share/doc/$name
install -d "$doc" "$stage/usr/share/lintian/overrides"
install -m 0644 "$src/packaging/debian/copyright" "$doc/copyright"
gzip -9n -c "$src/packaging/debian/changelog" >"$doc/changelog.Debian.gz"
install -m 0644 "$src/packaging/files/lintian-overrides" "$stage/usr/share/lintian/overrides/$name"
normalize "$stage"

install -d "$stage/DEBIAN"
(cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
	LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
(cd "$stage" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$src/packaging/files/deb-$s" "$stage/DEBIAN/$s"
done
# Static-Built-Using (Policy 7.8): the source packages of what a static loader links in,
# i.e. every pinned sysroot package of this architecture that ships a static library
# (packaging/sysroot-pins.txt: the C library, libgcc, libbpf, libelf, zlib, zstd).
static_built_using() {
	local deb fields srcname srcver
	while read -r deb; do
		[[ $(dpkg-deb -c "$deb" | grep -c '\.a$') != 0 ]] || continue	# (grep -q would cut the pipe)
		fields=$(dpkg-deb -f "$deb" Package Source Version)
		srcname=$(sed -n 's/^Source: \([^ ]*\).*/\1/p' <<<"$fields")
		srcver=$(sed -n 's/^Source: [^ ]* (\(.*\))$/\1/p' <<<"$fields")
		[[ -n $srcname ]] || srcname=$(sed -n 's/^Package: //p' <<<"$fields")
		[[ -n $srcver ]] || srcver=$(sed -n 's/^Version: //p' <<<"$fields")
		echo "$srcname (= $srcver)"
	done < <("$src/ci/pins.py" fetch "$src/packaging/sysroot-pins.txt" "" "$arch") | LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g'
}
sbu=
if ! readelf -d "$stage/usr/sbin/$name" 2>/dev/null | grep -q '(NEEDED)'; then
	sbu=$(static_built_using) && [[ -n $sbu ]] || die "cannot name the sources linked into the static loader"
fi

cat >"$stage/DEBIAN/control" <<CONTROL
Package: $name
Version: $version-$release
Architecture: $arch
Maintainer: $(meta Maintainer)
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Section: $(meta Section)
Priority: optional
Homepage: $(meta URL)${sbu:+
Static-Built-Using: $sbu}
Description: $(meta Summary)
$(meta Description | sed '1s/^/ /')
CONTROL
chmod 0644 "$stage/DEBIAN/"{control,md5sums,conffiles}
find "$stage/DEBIAN" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$stage" "$output" >/dev/null
