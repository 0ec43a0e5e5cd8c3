#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The fleet path: a repository signed with a throwaway key (packaging/apt-repo.sh with
# HBC_REPO_KEY), one sources.list line in a fresh Debian chroot, apt-get install.
source "$(dirname "$0")/lib.sh"
need_root
native=$(dpkg --print-architecture)
suite=${HBC_CHROOT_SUITE:-bookworm}

# A signing key for this run only.
export GNUPGHOME=$tmp/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'hello-buffer-config test <test@invalid>' ed25519 sign never \
	|| { bad "gpg key generation failed"; done_testing; }
key=$(gpg --batch --list-keys --with-colons | awk -F: '/^fpr:/ { print $10; exit }')
repo=$tmp/repo
HBC_REPO_KEY=$key "$SOURCE_ROOT/packaging/apt-repo.sh" "$PKGDIR" "$repo" >"$tmp/log" 2>&1 \
	&& ok "signed repository written: $(tail -1 "$tmp/log")" || { bad "apt-repo.sh: $(cat "$tmp/log")"; done_testing; }
gpgv --keyring "$repo/hello-buffer-config.gpg" "$repo/dists/stable/InRelease" 2>/dev/null \
	&& ok "InRelease verifies with the exported key" || bad "InRelease does not verify"
for a in $(arch_rows | awk '{print $2}'); do
	grep -q "^Architecture: $a$" "$repo/dists/stable/main/binary-$a/Packages" \
		&& ok "Packages index for $a" || bad "no $a package in the index"
done

# A minimal chroot of this machine's architecture, cached for a week.
base=$("$SOURCE_ROOT/ci/pins.py" cache chroot)/$suite-$native.tar
if [[ ! -f $base || -n $(find "$base" -mmin +10080) ]] || ! tar -tf "$base" ./usr/bin/apt-get >/dev/null 2>&1; then
	rm -rf "$base" "$base.tmp"
	mkdir -p "$(dirname "$base")"
	mmdebstrap --quiet --format=tar --variant=apt --architectures="$native" "$suite" "$base.tmp" \
		"deb $("$SOURCE_ROOT/ci/pins.py" mirror) $suite main" >"$tmp/mm.log" 2>&1 \
		|| { bad "mmdebstrap $suite: $(tail -5 "$tmp/mm.log")"; done_testing; }
	mv "$base.tmp" "$base"
fi
root=$tmp/chroot
mkdir "$root"
tar -xf "$base" -C "$root"
cp -a "$repo" "$root/srv/hbc-repo"
install -D -m 0644 "$repo/hello-buffer-config.gpg" "$root/usr/share/keyrings/hello-buffer-config.gpg"
echo "deb [signed-by=/usr/share/keyrings/hello-buffer-config.gpg] file:/srv/hbc-repo stable main" \
	>"$root/etc/apt/sources.list.d/hello-buffer-config.list"
rm -f "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.d/"*.sources
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update >"$tmp/log" 2>&1 && ok "apt-get update from the repository (signed)" \
	|| bad "apt-get update: $(cat "$tmp/log")"
in_root apt-get install -y hello-buffer-config >"$tmp/log" 2>&1 && ok "apt-get install hello-buffer-config" \
	|| bad "apt-get install: $(tail -20 "$tmp/log")"
out=$(in_root hello-buffer-config --version 2>&1) && ok "runs in the chroot: $(head -1 <<<"$out")" || bad "in chroot: $out"
in_root apt-get purge -y hello-buffer-config >"$tmp/log" 2>&1 && ok "apt-get purge" || bad "purge: $(cat "$tmp/log")"
[[ ! -e $root/etc/hello-buffer-config.conf && ! -e $root/usr/sbin/hello-buffer-config ]] \
	&& ok "purge removed loader and config" || bad "files left after purge"
done_testing
