#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The .rpm's life on an RPM host, without one: install the previous release, upgrade to
# this one, erase, each with rpm --root into an empty root whose /bin/sh is busybox and
# whose systemctl is a stand-in that records its calls. With systemd "running"
# (/run/systemd/system) the scriptlets must make exactly the calls of a Fedora package
# built with the systemd macros; without it (a chroot, a container) none. rpm --verify
# must be clean after each step, and nothing left after the erase. (The .deb's scriptlets
# run for real under systemd in the VM matrix: tests/vm/guest.sh.)
source "$(dirname "$0")/lib.sh"
need_root
busybox=$(command -v busybox) || { bad "busybox (busybox-static) is needed for the roots' /bin/sh"; done_testing; }
unit=hello-buffer-config.service

# root DIR SYSTEMD(0|1): an empty root with an rpm database, a shell and a fake systemctl
root() {
	mkdir -p "$1/bin" "$1/usr/bin" "$1/tmp" "$1/dev"
	mknod -m 666 "$1/dev/null" c 1 3
	cp "$busybox" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"
	cat >"$1/usr/bin/systemctl" <<'STANDIN'
#!/bin/sh
echo "$*" >>/calls
[ "$1" != is-active ] || echo active
STANDIN
	chmod 755 "$1/usr/bin/systemctl"
	[[ $2 == 1 ]] && mkdir -p "$1/run/systemd/system"
	: >"$1/calls"
	rpm --root "$1" --initdb
}
# step ROOT WHAT WANT_CALLS RPM-ARGS...: run rpm, compare the calls made since the last step
step() {
	local r=$1 what=$2 want=$3
	shift 3
	: >"$r/calls"
	rpm --root "$r" --nodeps "$@" >"$tmp/rpm.log" 2>&1 || { bad "$what: rpm $*: $(cat "$tmp/rpm.log")"; return; }
	got=$(paste -sd ';' "$r/calls")
	[[ $got == "$want" ]] && ok "$what: systemctl calls: ${got:-none}" || bad "$what: systemctl calls '$got', want '${want:-none}'"
}

while read -r name _ rpmarch _; do
	cur=$(rpm_of "$rpmarch") prev=$PKGDIR/previous/hello-buffer-config-${HBC_VERSION}~prev-${REL}.$rpmarch.rpm
	[[ -f $cur && -f $prev ]] || { bad "$name: no $cur or $prev (ci/build.sh makes both)"; continue; }
	for systemd in 1 0; do
		r=$tmp/$name-$systemd
		root "$r" "$systemd"
		s=$([[ $systemd == 1 ]] && echo "$name, systemd running" || echo "$name, no systemd (chroot)")
		reload=$([[ $systemd == 1 ]] && echo "--system daemon-reload")
		step "$r" "$s: install ${prev##*/}" "$reload" -i --ignorearch "$prev"
		step "$r" "$s: upgrade to ${cur##*/}" "${reload:+$reload;$reload;try-restart $unit}" -U --ignorearch "$cur"
		[[ $(rpm --root "$r" -q --qf '%{VERSION}' hello-buffer-config) == "$HBC_VERSION" ]] \
			&& ok "$s: $HBC_VERSION installed" || bad "$s: installed: $(rpm --root "$r" -q hello-buffer-config)"
		out=$(rpm --root "$r" -V --nodeps hello-buffer-config 2>&1) && ok "$s: rpm --verify clean" || bad "$s: rpm -V: $out"
		step "$r" "$s: erase" "${reload:+--no-reload disable --now $unit;$reload}" -e hello-buffer-config
		left=$(rpm -qlp "$cur" 2>/dev/null | while read -r f; do [[ -f $r$f ]] && echo "$f"; done)
		[[ -z $left ]] && ok "$s: erased: none of its files left" || bad "$s: left after erase: $left"
	done
done < <(arch_rows)
done_testing
