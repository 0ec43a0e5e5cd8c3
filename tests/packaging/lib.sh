# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Shared by the packaging tests: the packages ci/build.sh wrote to $PKGDIR.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
: "${PKGDIR:?}" "${SOURCE_ROOT:?}" "${HBC_VERSION:?}" "${HBC_RELEASE:?}"
REL=$HBC_RELEASE	# the fleet packages' (meson option pkg_release)
deb_of() { echo "$PKGDIR/hello-buffer-config_${HBC_VERSION}-${REL}_$1.deb"; }
rpm_of() { echo "$PKGDIR/hello-buffer-config-${HBC_VERSION}-${REL}.$1.rpm"; }
[[ -n $(compgen -G "$PKGDIR/*.deb") ]] || { echo "FAIL: no packages in $PKGDIR: run ci/build.sh"; exit 1; }
