#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# packaging/rpm-repo.sh PKGDIR [REPO]: sign the .rpms of PKGDIR and write the dnf/yum
# repositories (default PKGDIR/rpm) holding them, one per architecture:
#   REPO/<dnfarch>/*.rpm, REPO/<dnfarch>/repodata/repomd.xml (+ .asc, for repo_gpgcheck=1)
#   REPO/RPM-GPG-KEY-hello-buffer-config   the public key, for rpm --import and gpgkey=
#   REPO/hello-buffer-config.repo          for a host's /etc/yum.repos.d/ (set its baseurl)
# <dnfarch> is dnf's $basearch of the package's architecture (arch/arches.txt).
# HBC_REPO_KEY=<gpg key id> (a key in the caller's keyring, as for apt-repo.sh) signs,
# with one OpenPGP v4 header signature per package (rpmsign --addsign: what rpm 4.14+
# verifies, RHEL 8 on) over SHA-256, and the repository metadata with a detached
# armored signature. Without HBC_REPO_KEY the repositories are unsigned and say so.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pkgdir=${1:?usage: rpm-repo.sh PKGDIR [REPO]}
repo=${2:-$pkgdir/rpm}
name=hello-buffer-config
export LC_ALL=C TZ=UTC

die() { echo "rpm-repo.sh: $*" >&2; exit 1; }
shopt -s nullglob
rpms=("$pkgdir"/*.rpm)
[[ ${#rpms[@]} -gt 0 ]] || die "no .rpm in $pkgdir"
command -v createrepo_c >/dev/null || die "createrepo_c is missing: apt-get install createrepo-c"
epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}

# rpmsign calls gpg by %__gpg, which Debian's rpm sets to a gpg2 it does not ship.
sign_rpms() {
	rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $HBC_REPO_KEY" \
		--define '_gpg_digest_algo sha256' "${rpms[@]}" </dev/null >"$repo.sign.log" 2>&1 ||
		die "rpmsign --addsign with key $HBC_REPO_KEY failed: $(grep -v GPG_TTY "$repo.sign.log")"
	rm -f "$repo.sign.log"
	# createrepo_c records each file's mtime: keep them the build's
	touch -d "@$epoch" "${rpms[@]}"
}

rm -rf "$repo.tmp"
mkdir -p "$repo.tmp"
[[ -z ${HBC_REPO_KEY:-} ]] || sign_rpms
for r in "${rpms[@]}"; do
	a=$(rpm -qp --qf '%{ARCH}' "$r" 2>/dev/null) || die "$r: not an rpm"
	d=$(python3 "$top/arch/arches.py" get "$a" dnfarch) || exit 1
	mkdir -p "$repo.tmp/$d"
	cp -p "$r" "$repo.tmp/$d/"
done
for d in "$repo.tmp"/*/; do
	# the metadata's timestamps are the build's too (reproducible repodata)
	createrepo_c --quiet --revision "$epoch" --set-timestamp-to-revision --general-compress-type gz \
		--no-database "$d" || die "createrepo_c $d failed"
	[[ -z ${HBC_REPO_KEY:-} ]] || gpg --batch --yes --local-user "$HBC_REPO_KEY" --armor --detach-sign \
		-o "$d/repodata/repomd.xml.asc" "$d/repodata/repomd.xml"
done
if [[ -n ${HBC_REPO_KEY:-} ]]; then
	gpg --batch --armor --export "$HBC_REPO_KEY" >"$repo.tmp/RPM-GPG-KEY-$name"
	check=1
else
	check=0
fi
cat >"$repo.tmp/$name.repo" <<REPO
# /etc/yum.repos.d/$name.repo: the $name fleet packages. Set baseurl (and
# gpgkey) to where the repository is published: https://HOST/PATH/rpm/\$basearch/.
[$name]
name=$name fleet packages
baseurl=https://REPLACE-WITH-YOUR-HOST/rpm/\$basearch/
enabled=1
gpgcheck=$check
repo_gpgcheck=$check
gpgkey=https://REPLACE-WITH-YOUR-HOST/rpm/RPM-GPG-KEY-$name
REPO
rm -rf "$repo"
mv "$repo.tmp" "$repo"
echo "dnf repositories: $repo ($(cd "$repo" && echo */ | tr -d /))${HBC_REPO_KEY:+, packages and metadata signed by $HBC_REPO_KEY}"
[[ -n ${HBC_REPO_KEY:-} ]] || echo "rpm-repo.sh: no HBC_REPO_KEY: packages and metadata are NOT signed; dnf's gpgcheck=1 refuses them" >&2
