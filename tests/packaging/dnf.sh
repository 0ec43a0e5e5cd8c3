#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The .rpm half of the fleet through real dnf (Debian's dnf 4.14), for the signed dnf
# repository of every architecture (packaging/rpm-repo.sh), each into an --installroot that
# trusts only our key (--forcearch for foreign architectures): dnf refuses a repository
# signed by another key and an unsigned copy (repo_gpgcheck, then gpgcheck) and installs
# nothing; installs the previous release; keeps an edited %config(noreplace) file through
# the upgrade without a .rpmnew; removes everything of ours. The scriptlets' systemctl
# calls are recorded by a stand-in, with systemd "running" (/run/systemd/system). Then on
# this machine's architecture, an upgrade whose packaged config changed: .rpmnew, said.
source "$(dirname "$0")/lib.sh"
need_root
command -v dnf >/dev/null || { bad "dnf is not installed (ci/test-deps.txt has it)"; done_testing; }
busybox=$(command -v busybox) || { bad "busybox (busybox-static) is needed for the roots' /bin/sh"; done_testing; }
key=$PKGDIR/rpm/RPM-GPG-KEY-hello-buffer-config
[[ -f $key ]] || { bad "no $key: ci/build.sh signs the .rpms and writes the dnf repositories"; done_testing; }
unit=hello-buffer-config.service conf=/etc/hello-buffer-config.conf
reload="--system daemon-reload"
py=$(sed -n '1s/^#! *//p' "$(command -v dnf)")	# dnf's own Python, which has its modules

# a key that is not ours: what an attacker or a wrong gpgkey= line would bring
export GNUPGHOME=$tmp/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'not hello-buffer-config <other@invalid>' ed25519 sign never 2>/dev/null
gpg --batch --armor --export >"$tmp/other.asc"

# The roots' base: /bin/sh (busybox) and a systemctl that records its calls, as a package in
# a repository of its own, unsigned and trusted (gpgcheck=0): only ours is under test.
base_repo() {
	local b=$tmp/base
	mkdir -p "$b/root/bin" "$b/root/usr/bin" "$b/repo" "$b/top/SPECS"
	cp "$busybox" "$b/root/bin/busybox"
	ln -s busybox "$b/root/bin/sh"
	cat >"$b/root/usr/bin/systemctl" <<'STANDIN'
#!/bin/sh
echo "$*" >>/calls
[ "$1" != is-active ] || echo active
STANDIN
	chmod 0755 "$b/root/usr/bin/systemctl"
	cat >"$b/top/SPECS/base.spec" <<SPEC
Name: hbc-test-base
Version: 1
Release: 1
Summary: /bin/sh and a recording systemctl for the dnf test roots
License: GPL-2.0-only
BuildArch: noarch
AutoReqProv: no
Provides: /bin/sh
# busybox is this machine's, in a noarch package: every --forcearch root can have it
%global _binaries_in_noarch_packages_terminate_build 0
%description
Test root base.
%install
cp -a "$b/root/." "%{buildroot}/"
%files
/bin/busybox
/bin/sh
/usr/bin/systemctl
SPEC
	rpmbuild -bb --quiet --define "_topdir $b/top" --define '_build_id_links none' "$b/top/SPECS/base.spec" >"$tmp/base.log" 2>&1 &&
		cp "$b"/top/RPMS/noarch/*.rpm "$b/repo/" && createrepo_c --quiet "$b/repo" ||
		{ bad "the test roots' base package: $(cat "$tmp/base.log")"; done_testing; }
}

# root DIR: an empty installroot with the base repository, /dev/null, systemd "running"
root() {
	rm -rf "$1"
	mkdir -p "$1/etc/yum.repos.d" "$1/dev" "$1/run/systemd/system"
	mknod -m 666 "$1/dev/null" c 1 3
	printf '[base]\nname=test base\nbaseurl=file://%s\ngpgcheck=0\nrepo_gpgcheck=0\n' "$tmp/base/repo" \
		>"$1/etc/yum.repos.d/base.repo"
}
# repo ROOT NAME DIR GPGKEY [GPGCHECK REPO_GPGCHECK]: a .repo file in ROOT, as a host has it
repo() {
	printf '[%s]\nname=%s\nbaseurl=file://%s\ngpgcheck=%s\nrepo_gpgcheck=%s\ngpgkey=file://%s\n' \
		"$2" "$2" "$3" "${5:-1}" "${6:-1}" "$4" >"$1/etc/yum.repos.d/$2.repo"
}
# dnf_in ROOT ARGS...: dnf on ROOT, its output in $tmp/dnf.log, the systemctl calls since
dnf_in() {
	local r=$1
	shift
	: >"$r/calls"
	dnf -y --installroot="$r" --releasever=1 --noplugins --setopt=reposdir="$r/etc/yum.repos.d" \
		--setopt=cachedir="$r/var/cache/dnf" --setopt=install_weak_deps=False ${forcearch:+--forcearch="$forcearch"} \
		"$@" >"$tmp/dnf.log" 2>&1
}
calls() { grep -v '^$' "$1/calls" 2>/dev/null | paste -sd ';'; }
installed() { rpm --root "$1" -q --qf '%{VERSION}-%{RELEASE}' hello-buffer-config 2>/dev/null; }
# refused ROOT WHAT PATTERN: the last dnf_in failed, said PATTERN, installed nothing of ours
refused() {
	local line
	line=$(grep -E "$3" "$tmp/dnf.log" | head -n 1)
	if [[ -n $line ]] && ! installed "$1" >/dev/null; then
		ok "$2: dnf refused: $line"
	else
		bad "$2: want a refusal matching '$3', nothing installed; dnf said: $(tail -5 "$tmp/dnf.log"); installed: $(installed "$1")"
	fi
}
# refusals WHAT DIR GPGKEY META PACKAGES: in a new root $r, the repository DIR with GPGKEY is
# refused at its metadata (repo_gpgcheck=1, dnf saying META), then at its packages
# (repo_gpgcheck=0 gpgcheck=1, dnf saying PACKAGES)
refusals() {
	root "$r"
	repo "$r" hello-buffer-config "$2" "$3"
	dnf_in "$r" install hello-buffer-config
	refused "$r" "$1, repo_gpgcheck=1" "$4"
	repo "$r" hello-buffer-config "$2" "$3" 1 0
	dnf_in "$r" install hello-buffer-config
	refused "$r" "$1, repo_gpgcheck=0 gpgcheck=1" "$5"
}
# unsigned_copy SRC DST: the repository without any signature, metadata made anew
unsigned_copy() {
	rm -rf "$2"
	mkdir -p "$2"
	cp "$1"/*.rpm "$2/"
	rpmsign --delsign "$2"/*.rpm >/dev/null 2>&1
	createrepo_c --quiet "$2"
}
# left ROOT RPM...: files and directories of these packages still in ROOT, and what else
# under our directories
left() {
	local r=$1 f
	shift
	for f in $(rpm -qlp "$@" 2>/dev/null | sort -u); do
		[[ -e $r$f && ! -d $r$f ]] && echo "$f"
		[[ -d $r$f && $f == *hello-buffer-config* ]] && echo "$f/"
	done
	find "$r/usr/share/licenses" "$r/usr/share/doc" -path '*hello-buffer-config*' 2>/dev/null | sed "s|^$r||"
}

base_repo
host=$(uname -m)
while read -r name _ rpmarch _; do
	dnfarch=$(python3 "$SOURCE_ROOT/arch/arches.py" get "$name" dnfarch)
	want=$("$py" -c 'import sys, dnf.rpm; print(dnf.rpm.basearch(sys.argv[1]))' "$rpmarch")
	[[ $dnfarch == "$want" ]] && ok "$name: dnfarch $dnfarch is dnf's \$basearch of $rpmarch" \
		|| bad "$name: arch/arches.txt dnfarch $dnfarch, dnf's basearch of $rpmarch is $want"
	cur=$PKGDIR/rpm/$dnfarch prev=$PKGDIR/previous/rpm/$dnfarch
	[[ -f $cur/repodata/repomd.xml.asc && -f $prev/repodata/repomd.xml.asc ]] \
		|| { bad "$name: no signed repositories $cur and $prev (ci/build.sh makes both)"; continue; }
	forcearch=
	[[ $rpmarch == "$host" ]] || forcearch=$rpmarch
	r=$tmp/root-$name

	# the repository, but gpgkey= names another key; an unsigned copy
	refusals "$name: another key" "$cur" "$tmp/other.asc" 'repomd.xml GPG signature verification error' \
		'not correct for this package|Public key for .* is not installed'
	unsigned_copy "$cur" "$tmp/unsigned-$name"
	refusals "$name: unsigned copy" "$tmp/unsigned-$name" "$key" \
		'GPG verification is enabled, but GPG signature is not available' 'is not signed'

	# the previous release from its signed repository, our key only
	root "$r"
	repo "$r" hello-buffer-config "$prev" "$key"
	if dnf_in "$r" install hello-buffer-config; then
		v=$(installed "$r")
		ok "$name: dnf install: $v; $(grep -m1 -E 'Importing GPG key' "$tmp/dnf.log"); systemctl calls: $(calls "$r")"
		[[ $(calls "$r") == "$reload" ]] || bad "$name: install: systemctl calls '$(calls "$r")', want '$reload'"
		[[ $v == "$HBC_VERSION~prev-$REL" ]] || bad "$name: installed $v, want $HBC_VERSION~prev-$REL"
	else
		bad "$name: dnf install of the previous release: $(tail -8 "$tmp/dnf.log")"
		continue
	fi
	out=$(rpm --root "$r" -V hello-buffer-config 2>&1) && ok "$name: rpm -V clean" || bad "$name: rpm -V: $out"

	# an operator's edit, then the upgrade to this release (its config is the same file)
	echo "0 edited" >>"$r$conf"
	repo "$r" hello-buffer-config "$cur" "$key"
	if dnf_in "$r" upgrade; then
		want_calls="$reload;$reload;try-restart $unit"
		[[ $(installed "$r") == "$HBC_VERSION-$REL" && $(calls "$r") == "$want_calls" ]] \
			&& ok "$name: dnf upgrade: $(installed "$r"); systemctl calls: $(calls "$r")" \
			|| bad "$name: dnf upgrade: installed $(installed "$r"), calls '$(calls "$r")', want '$want_calls'"
	else
		bad "$name: dnf upgrade: $(tail -8 "$tmp/dnf.log")"
	fi
	if grep -qx '0 edited' "$r$conf" && [[ ! -e $r$conf.rpmnew ]]; then
		ok "$name: the edited $conf survived the upgrade, no .rpmnew (the packaged file did not change)"
	else
		bad "$name: after the upgrade: $(ls "$r/etc"); $(tail -3 "$r$conf")"
	fi
	out=$(rpm --root "$r" -V hello-buffer-config 2>&1)
	[[ $out =~ ^S.5......\ +c\ +$conf$ ]] && ok "$name: rpm -V names only the edited config: $out" \
		|| bad "$name: rpm -V after the upgrade: $out"

	# remove: nothing of ours left but the operator's edit, kept as .rpmsave (and said)
	if dnf_in "$r" remove hello-buffer-config; then
		want_calls="--no-reload disable --now $unit;$reload"
		[[ $(calls "$r") == "$want_calls" ]] && ok "$name: dnf remove; systemctl calls: $(calls "$r")" \
			|| bad "$name: dnf remove: calls '$(calls "$r")', want '$want_calls'"
	else
		bad "$name: dnf remove: $(tail -8 "$tmp/dnf.log")"
	fi
	l=$(left "$r" "$cur"/*.rpm "$prev"/*.rpm)
	[[ -z $l ]] && ok "$name: removed: no file, no directory of ours left" || bad "$name: left after dnf remove: $l"
	saved=$(grep -om1 "$conf saved as $conf.rpmsave" "$tmp/dnf.log")
	[[ -n $saved ]] && grep -qx '0 edited' "$r$conf.rpmsave" && ok "$name: the operator's edit kept and said: $saved" \
		|| bad "$name: no $conf.rpmsave said and kept: $(grep -i rpmsave "$tmp/dnf.log")"
done < <(arch_rows)

# The next release changes the packaged config: dnf upgrade keeps the operator's file and
# puts the new one beside it as .rpmnew, and says so. The next release is made here from
# this one's files (same scriptlets are not needed: the config is under test), unsigned,
# from a repository the root trusts without a key.
row=$(arch_rows | awk -v m="$host" '$5 == m')
read -r name _ rpmarch _ <<<"$row"
forcearch=
cur=$(rpm_of "$rpmarch") n=$tmp/next
mkdir -p "$n/root" "$n/top/SPECS" "$n/repo"
(cd "$n/root" && rpm2cpio "$cur" | cpio -idm --quiet)
echo "# the next release's configuration" >>"$n/root$conf"
files=$(rpm -qp --qf '[%{FILEMODES:perms}|%{FILEFLAGS:fflags}|%{FILENAMES}\n]' "$cur" 2>/dev/null | awk -F'|' '
	$1 ~ /^d/ { print "%dir " $3; next }
	$2 ~ /c/ { print "%config(noreplace) " $3; next }
	{ print $3 }')
cat >"$n/top/SPECS/next.spec" <<SPEC
Name: hello-buffer-config
Version: $HBC_VERSION
Release: ${REL%[0-9]}2
Summary: the next release, for the .rpmnew test
License: GPL-2.0-only OR BSD-2-Clause
AutoReqProv: no
%description
The next release of hello-buffer-config, with a changed configuration file.
%global __os_install_post %{nil}
%global debug_package %{nil}
%install
cp -a "$n/root/." "%{buildroot}/"
%files
$files
SPEC
if rpmbuild -bb --quiet --define "_topdir $n/top" --define '_build_id_links none' "$n/top/SPECS/next.spec" >"$tmp/next.log" 2>&1; then
	cp "$n"/top/RPMS/*/*.rpm "$n/repo/" && createrepo_c --quiet "$n/repo"
	r=$tmp/root-next
	root "$r"
	repo "$r" hello-buffer-config "$PKGDIR/rpm/$(python3 "$SOURCE_ROOT/arch/arches.py" get "$name" dnfarch)" "$key"
	dnf_in "$r" install hello-buffer-config || bad "$name: dnf install for the .rpmnew test: $(tail -5 "$tmp/dnf.log")"
	echo "0 edited" >>"$r$conf"
	printf '[next]\nname=next\nbaseurl=file://%s\ngpgcheck=0\nrepo_gpgcheck=0\n' "$n/repo" >"$r/etc/yum.repos.d/next.repo"
	dnf_in "$r" upgrade || bad "$name: dnf upgrade to the next release: $(tail -5 "$tmp/dnf.log")"
	said=$(grep -om1 "$conf created as $conf.rpmnew" "$tmp/dnf.log")
	if [[ $(installed "$r") == "$HBC_VERSION-${REL%[0-9]}2" && -n $said ]] && grep -qx '0 edited' "$r$conf" \
		&& grep -qx "# the next release's configuration" "$r$conf.rpmnew"; then
		ok "$name: upgrade to $(installed "$r"), packaged config changed: the edit kept, dnf said: warning: $said"
	else
		bad "$name: upgrade with a changed config: installed $(installed "$r"); said '$said'; /etc: $(ls "$r/etc")"
	fi
else
	bad "the next release for the .rpmnew test: $(tail -10 "$tmp/next.log")"
fi
done_testing
