#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# mkdeb.sh --arch DEBARCH --build-dir B --source-dir S --version V --release R --output F.deb
# The fleet .deb: the static loader, config (conffile), systemd unit, man page, docs.
. "$(dirname "$0")/stage.sh"

doc=$stage/usr/share/doc/$name
install -d "$doc" "$stage/usr/share/lintian/overrides"
install -m 0644 "$src/packaging/debian/copyright" "$doc/copyright"
static_libs notices "$doc/linked-in"
# the fleet build's own changelog entry: its version is not the distribution build's
cat >"$work/changelog" <<CHANGELOG
$name ($version-$release) stable; urgency=medium

  * Fleet build of $name $version: one static loader per
    architecture, for every Debian release of it (packaging/README.md).

 -- $(meta Maintainer)  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
gzip -9n -c "$work/changelog" >"$doc/changelog.Debian.gz"
install -m 0644 "$src/packaging/files/lintian-overrides" "$stage/usr/share/lintian/overrides/$name"
normalize "$stage"

install -d "$stage/DEBIAN"
(cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
	LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
(cd "$stage" && find etc -type f -printf '/%p\n' | LC_ALL=C sort) >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$src/packaging/files/deb-$s" "$stage/DEBIAN/$s"
done
# Static-Built-Using (Policy 7.8): the sources of what the static loader links in.
sbu=$(static_libs built-using)

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
