#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Build everything from a fresh Debian machine: install the missing build
# dependencies, configure meson in build/, build the objects and the loader, then
# for every row of arch/arches.txt a static loader (sysroot of pinned Debian
# packages, meson cross file) with its .deb and .rpm, collected in build/packages/
# with a signed apt repository in build/packages/apt/ and signed .rpms in signed dnf
# repositories in build/packages/rpm/<basearch>/; and the same packages as a
# "previous release" (VERSION~prev) in build/packages/previous/, for the upgrade test.
#   ci/build.sh [MESON_SETUP_ARGS...]
# Environment: BUILD_DIR (default build/), HBC_PACKAGES=0 to skip the packages,
# HBC_PREVIOUS=0 to skip the previous release, SOURCE_DATE_EPOCH (default: the last
# commit's time), HBC_REPO_KEY (the gpg key that signs the repositories; default: a
# local RSA key kept in the cache, made on first use, fit for tests, not for fleets),
# HBC_MAINTAINER ("Full Name <address>") and HBC_HOMEPAGE (a URL): the packages' Maintainer
# and Homepage (default: packaging/metadata.txt's placeholders, *.invalid).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

. "$top/ci/lib/deps.sh"

# setup DIR ARGS...: configure a meson build dir; reconfigure an existing one only when
# its arguments changed (meson regenerates by itself when meson.build files change).
setup() {
	local dir=$1 args
	shift
	args=$(printf '%s\n' "$@")
	if [[ -f $dir/build.ninja && -f $dir/.setup-args && $(cat "$dir/.setup-args") == "$args" ]]; then
		return 0
	fi
	if [[ -f $dir/build.ninja ]]; then
		meson setup --reconfigure "$dir" "$top" "$@" >/dev/null
	else
		meson setup "$dir" "$top" "$@" >/dev/null
	fi
	printf '%s' "$args" >"$dir/.setup-args"
}

# build_arch NAME OUT [VERSION]: static loader against its sysroot, .deb and .rpm into OUT.
build_arch() {
	local name=$1 out=$2 sysroot dir=$build/arch-$1${3:+-$3} cross=$build/cross/$1.ini tools=true
	[[ -z ${3:-} ]] || tools=false	# the previous release needs no test tools
	sysroot=$("$top/packaging/sysroot.sh" "$name")
	mkdir -p "$build/cross"
	"$top/packaging/cross-file.sh" "$name" "$sysroot" >"$cross.new"
	if cmp -s "$cross.new" "$cross"; then
		rm "$cross.new"
	else	# meson keeps a build dir's cross-file options: start afresh
		mv "$cross.new" "$cross"
		rm -rf "$build/arch-$name" "$build/arch-$name-"*
	fi
	setup "$dir" --cross-file "$cross" --prefix=/usr -Dbuildtype=release \
		-Dstatic_loader=true -Dpackages=true -Dtests=false -Dsanitizers=false -Dguest_tools="$tools" \
		-Dprebuilt_bpf="$build/bpf" -Dsource_date_epoch="$SOURCE_DATE_EPOCH" -Dpackage_version="${3:-}" -Dpkg_release="$release" \
		-Dbpftool="$bpftool" -Dpkg_maintainer="${HBC_MAINTAINER:-}" -Dpkg_homepage="${HBC_HOMEPAGE:-}" \
		-Dsystemdunitdir=/usr/lib/systemd/system	# every release the fleet runs has a merged /usr
	meson compile -C "$dir" >"$dir/compile.log" 2>&1 || { tail -40 "$dir/compile.log"; echo "ci/build.sh: building $name failed; log: $dir/compile.log" >&2; exit 1; }
	cp "$dir"/packaging/*.deb "$dir"/packaging/*.rpm "$out/"
	if [[ $tools == true ]]; then	# the VM guests' test tools (tests/tools) of this architecture
		mkdir -p "$out/test-tools/$name"
		cp "$dir/tests/tools/exec-kinds" "$dir/tests/tools/noop" "$dir/tests/tools/exec-storm" "$out/test-tools/$name/"
	fi
	echo "ci/build.sh: $name${3:+ $3}: $(cd "$dir/packaging" && echo ./*.deb ./*.rpm)"
}

# The signing key of the .rpms and both repositories: HBC_REPO_KEY of the caller's
# keyring, else the local one. RSA, as Fedora's and RHEL's keys: what every rpm verifies.
repo_key() {
	[[ -n ${HBC_REPO_KEY:-} ]] && return
	GNUPGHOME=$("$top/ci/pins.py" cache signing-gnupg)
	export GNUPGHOME
	if ! gpg --batch --list-secret-keys 2>/dev/null | grep -q .; then
		mkdir -p "$GNUPGHOME"
		chmod 0700 "$GNUPGHOME"
		gpg --batch --quiet --passphrase '' --quick-gen-key 2>/dev/null \
			'hello-buffer-config local build (tests only, not for fleets) <build@invalid>' rsa4096 sign never
	fi
	HBC_REPO_KEY=$(gpg --batch --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')
	export HBC_REPO_KEY
}

install_missing "$top/ci/build-deps.txt" || exit 1
SOURCE_DATE_EPOCH=$("$top/packaging/source-date-epoch.sh" "$top")
export SOURCE_DATE_EPOCH
# a bpftool that makes every row's skeleton, big-endian ones too (this machine's, or pinned)
bpftool=$("$top/ci/bpftool.sh")
setup "$build" -Dbpftool="$bpftool" "$@"
meson compile -C "$build"
[[ ${HBC_PACKAGES:-1} == 0 ]] && exit 0

rm -rf "$build/packages"
mkdir -p "$build/packages"
echo "$SOURCE_DATE_EPOCH" >"$build/packages/SOURCE_DATE_EPOCH"
repo_key
version=$(meson introspect "$build" --projectinfo | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
# the fleet release (meson option pkg_release) is the main build's, which the tests read too
release=$(meson introspect "$build" --buildoptions | python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "pkg_release"))')
names=$(python3 "$top/arch/arches.py" rows name)
for name in $names; do
	build_arch "$name" "$build/packages"
done
"$top/packaging/apt-repo.sh" "$build/packages"
"$top/packaging/rpm-repo.sh" "$build/packages"
[[ ${HBC_PREVIOUS:-1} == 0 ]] && exit 0
mkdir -p "$build/packages/previous"
for name in $names; do
	build_arch "$name" "$build/packages/previous" "$version~prev"
done
"$top/packaging/apt-repo.sh" "$build/packages/previous"
"$top/packaging/rpm-repo.sh" "$build/packages/previous"
