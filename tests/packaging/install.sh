#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The native .deb with dpkg into a scratch root: installs, runs, keeps a changed
# conffile on upgrade, and leaves nothing behind on purge.
source "$(dirname "$0")/lib.sh"
native=$(dpkg --print-architecture)
deb=$(deb_of "$native")
[[ -f $deb ]] || { bad "no .deb for the native architecture $native"; done_testing; }

root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg_root() { dpkg --root="$root" --force-script-chrootless --force-not-root --log=/dev/null "$@"; }

dpkg_root -i "$deb" >"$tmp/log" 2>&1 && ok "dpkg -i into a scratch root" || bad "dpkg -i: $(cat "$tmp/log")"
st=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status} ${Version}' hello-buffer-config)
[[ $st == "install ok installed ${HBC_VERSION}-${REL}" ]] && ok "status: $st" || bad "status: $st"
out=$("$root/usr/sbin/hello-buffer-config" --version 2>&1) && ok "installed loader runs: $(head -1 <<<"$out")" \
	|| bad "installed loader: $out"
grep -q 'ExecStart=/usr/sbin/hello-buffer-config --journal --ring-size 8M --config /etc/hello-buffer-config.conf' \
	"$root/usr/lib/systemd/system/hello-buffer-config.service" && ok "unit runs the installed loader with the config" \
	|| bad "unit ExecStart: $(grep ExecStart "$root/usr/lib/systemd/system/hello-buffer-config.service")"

# The unit's command line parses the shipped config (then stops at the privilege or
# BTF check, or runs: --check keeps it short).
cmd=$(sed -n 's/^ExecStart=//p' "$root/usr/lib/systemd/system/hello-buffer-config.service")
cmd=${cmd//\/usr\/sbin\//$root/usr/sbin/}
cmd=${cmd//\/etc\//$root/etc/}
# shellcheck disable=SC2086
$cmd --check >"$tmp/out" 2>&1
rc=$?
[[ $rc == 0 || $rc == 1 ]] && ! grep -q 'hello-buffer-config.conf:' "$tmp/out" \
	&& ok "unit command line with the shipped config: exit $rc" || bad "unit command line: exit $rc: $(cat "$tmp/out")"

echo "0 changed" >>"$root/etc/hello-buffer-config.conf"
dpkg_root -i "$deb" >"$tmp/log" 2>&1 && ok "reinstall" || bad "reinstall: $(cat "$tmp/log")"
grep -q '^0 changed$' "$root/etc/hello-buffer-config.conf" && ok "a changed conffile is kept" || bad "conffile overwritten"

dpkg_root -r hello-buffer-config >"$tmp/log" 2>&1 && ok "dpkg -r" || bad "dpkg -r: $(cat "$tmp/log")"
[[ ! -e $root/usr/sbin/hello-buffer-config && -e $root/etc/hello-buffer-config.conf ]] \
	&& ok "remove keeps only the conffile" || bad "after remove: $(find "$root" -path "$root/var" -prune -o -type f -print)"
dpkg_root -P hello-buffer-config >"$tmp/log" 2>&1 && ok "dpkg -P" || bad "dpkg -P: $(cat "$tmp/log")"
left=$(find "$root" -path "$root/var/lib/dpkg" -prune -o \( -type f -o -type l \) -print)
[[ -z $left ]] && ok "purge leaves no file" || bad "left after purge: $left"
done_testing
