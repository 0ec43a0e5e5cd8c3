# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Sourced by mkdeb.sh and mkrpm.sh: options, metadata and the staged install tree.
set -euo pipefail

die() { echo "${0##*/}: $*" >&2; exit 1; }

arch= build= src= version= release= output= maintainer= homepage=
while [[ $# -gt 0 ]]; do
	case $1 in
	--arch) arch=$2 ;;
	--build-dir) build=$2 ;;
	--source-dir) src=$2 ;;
	--version) version=$2 ;;
	--release) release=$2 ;;
	--output) output=$2 ;;
	--epoch) [[ -n $2 ]] && SOURCE_DATE_EPOCH=$2 ;;
	--maintainer) maintainer=$2 ;;
	--homepage) homepage=$2 ;;
	*) die "unknown option $1" ;;
	esac
	shift 2
done
for v in arch build src version release output; do
	[[ -n ${!v} ]] || die "--${v/build/build-dir} is required"
done

[[ -z $maintainer || $maintainer =~ ^[^\<\>]+\ \<[^\<\>\ ]+@[^\<\>\ ]+\>$ ]] ||
	die "maintainer '$maintainer' is not 'Full Name <address>' (HBC_MAINTAINER, -Dpkg_maintainer)"
[[ -z $homepage || $homepage =~ ^https?://[^\ ]+$ ]] ||
	die "homepage '$homepage' is not an http(s) URL (HBC_HOMEPAGE, -Dpkg_homepage)"

# meta FIELD: one field of packaging/metadata.txt (continuation lines kept for Description);
# Maintainer and URL are the builder's when set (-Dpkg_maintainer, -Dpkg_homepage).
meta() {
	[[ $1 == Maintainer && -n $maintainer ]] && { echo "$maintainer"; return; }
	[[ $1 == URL && -n $homepage ]] && { echo "$homepage"; return; }
	awk -v f="$1" '
		/^#/ { next }
		$0 ~ "^" f ": " { sub("^" f ": ", ""); print; on = 1; next }
		on && /^ / { print; next }
		{ on = 0 }' "$src/packaging/metadata.txt"
}
name=$(meta Name)

# Reproducible: every timestamp is SOURCE_DATE_EPOCH (packaging/source-date-epoch.sh)
SOURCE_DATE_EPOCH=$("$src/packaging/source-date-epoch.sh" "$src")
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C.UTF-8

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root

# The tree `meson install` makes, stripped; the man page compressed as Debian and RPM do.
meson install -C "$build" --destdir "$stage" --no-rebuild --strip --quiet >/dev/null
loader_path=$stage/usr/sbin/$name
[[ -x $loader_path ]] || die "meson install gave no $loader_path: configure with --prefix=/usr"
if readelf -d "$loader_path" | grep -q '(NEEDED)'; then
	die "$loader_path is dynamically linked; fleet packages need -Dstatic_loader=true"
fi
find "$stage/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +

# static_libs built-using|bundled|notices DIR: what the static loader links in, for this
# package's architecture (tools/static-libs.py, from packaging/sysroot-pins.txt).
static_libs() {
	local debarch
	debarch=$(python3 "$src/arch/arches.py" get "$arch" debarch) || die "no row of arch/arches.txt for $arch"
	"$src/tools/static-libs.py" "$src/packaging/sysroot-pins.txt" "$debarch" "$@" ||
		die "cannot name what the static loader links in (static-libs.py $*)"
}

# normalize DIR: owner-independent modes and SOURCE_DATE_EPOCH times.
normalize() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod 0644 {} +
	chmod 0755 "$1/usr/sbin/$name"
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}
