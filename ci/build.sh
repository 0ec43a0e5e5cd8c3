#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Build everything from a fresh Debian machine: install the missing build
# dependencies, configure meson in build/, build the objects and the loader.
#   ci/build.sh [MESON_SETUP_ARGS...]     (BUILD_DIR overrides build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

install_missing() {
	local want=() missing=() p
	mapfile -t want < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$@")
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[[ ${#missing[@]} == 0 ]] && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "ci/build.sh: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "ci/build.sh: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_missing "$top/ci/build-deps.txt"
if [[ -f $build/build.ninja ]]; then
	meson setup --reconfigure "$build" "$top" "$@" >/dev/null
else
	meson setup "$build" "$top" "$@"
fi
meson compile -C "$build"
