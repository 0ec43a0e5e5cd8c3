#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# packaging/apt-repo.sh PKGDIR [REPO]: write an apt repository (default PKGDIR/apt) holding
# the .debs of PKGDIR: pool/ plus dists/SUITE/main/binary-<arch>/Packages{,.gz} and Release
# (SUITE: HBC_REPO_SUITE, default stable). With HBC_REPO_KEY=<gpg key id> (a key in the
# caller's keyring) also InRelease and Release.gpg. The VM tests' guest roots are made
# from such a repository of pinned Debian packages too.
# Hosts then need one line, e.g.
#   deb [signed-by=/usr/share/keyrings/hello-buffer-config.gpg] https://HOST/apt stable main
set -euo pipefail
pkgdir=${1:?usage: apt-repo.sh PKGDIR [REPO]}
repo=${2:-$pkgdir/apt}
suite=${HBC_REPO_SUITE:-stable}
export LC_ALL=C TZ=UTC

shopt -s nullglob
debs=("$pkgdir"/*.deb)
[[ ${#debs[@]} -gt 0 ]] || { echo "apt-repo.sh: no .deb in $pkgdir" >&2; exit 1; }

rm -rf "$repo.tmp"
for d in "${debs[@]}"; do	# pool/main/<h or libh>/<package>/, as Debian lays it out
	p=$(dpkg-deb -f "$d" Package)
	[[ $p == lib?* ]] && i=${p:0:4} || i=${p:0:1}
	mkdir -p "$repo.tmp/pool/main/$i/$p"
	cp "$d" "$repo.tmp/pool/main/$i/$p/"
done
arches=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Architecture; done | sort -u)
for a in $arches; do
	dir=$repo.tmp/dists/$suite/main/binary-$a
	mkdir -p "$dir"
	# its stderr is chatter ("Wrote N entries") when it works, and the reason when not
	if ! (cd "$repo.tmp" && dpkg-scanpackages --arch "$a" --multiversion pool /dev/null 2>"$repo.scan.err") \
		>"$dir/Packages"; then
		echo "apt-repo.sh: dpkg-scanpackages (dpkg-dev) failed: $(cat "$repo.scan.err" 2>/dev/null)" >&2
		rm -f "$repo.scan.err"
		exit 1
	fi
	rm -f "$repo.scan.err"
	gzip -9n -c "$dir/Packages" >"$dir/Packages.gz"
done

date=$(date -u -R -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")
apt-ftparchive \
	-o APT::FTPArchive::Release::Origin="${HBC_REPO_ORIGIN:-hello-buffer-config}" \
	-o APT::FTPArchive::Release::Label="${HBC_REPO_ORIGIN:-hello-buffer-config}" \
	-o APT::FTPArchive::Release::Suite="$suite" \
	-o APT::FTPArchive::Release::Codename="$suite" \
	-o APT::FTPArchive::Release::Architectures="${arches//$'\n'/ }" \
	-o APT::FTPArchive::Release::Components=main \
	-o APT::FTPArchive::Release::Description="hello-buffer-config fleet packages" \
	release "$repo.tmp/dists/$suite" | sed "s/^Date: .*/Date: $date/" >"$repo.tmp/Release.new"
mv "$repo.tmp/Release.new" "$repo.tmp/dists/$suite/Release"

if [[ -n ${HBC_REPO_KEY:-} ]]; then
	gpg --batch --yes --local-user "$HBC_REPO_KEY" --clearsign \
		-o "$repo.tmp/dists/$suite/InRelease" "$repo.tmp/dists/$suite/Release"
	gpg --batch --yes --local-user "$HBC_REPO_KEY" --armor --detach-sign \
		-o "$repo.tmp/dists/$suite/Release.gpg" "$repo.tmp/dists/$suite/Release"
	gpg --batch --export "$HBC_REPO_KEY" >"$repo.tmp/hello-buffer-config.gpg"
fi
rm -rf "$repo"
mv "$repo.tmp" "$repo"
echo "apt repository: $repo ($suite: ${arches//$'\n'/ })${HBC_REPO_KEY:+, signed by $HBC_REPO_KEY}"
