#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# What each package says it is and holds: architecture, ELF machine, files, conffiles,
# no dependencies (static loader), the same objects as this build, and it runs there.
source "$(dirname "$0")/lib.sh"
: "${BPF_DIR:?}"
llvm=${HBC_CROSS_LLVM:-/usr/lib/llvm-19/bin}

want_files="/etc/hello-buffer-config.conf
/usr/sbin/hello-buffer-config
/usr/share/man/man8/hello-buffer-config.8.gz"

while read -r name debarch rpmarch triplet _; do
	deb=$(deb_of "$debarch") rpm=$(rpm_of "$rpmarch")
	[[ -f $deb && -f $rpm ]] && ok "$name: $(basename "$deb") and $(basename "$rpm") exist" \
		|| { bad "$name: missing $deb or $rpm"; continue; }
	a=$(dpkg-deb -f "$deb" Architecture)
	[[ $a == "$debarch" ]] && ok "$name: dpkg-deb Architecture $a" || bad "$name: .deb Architecture $a, want $debarch"
	# Static-Built-Using: exactly these sources, each at the source version of its pinned package
	sbu=$(dpkg-deb -f "$deb" Static-Built-Using)
	names=$(tr ',' '\n' <<<"$sbu" | sed 's/^ *//; s/ .*//' | LC_ALL=C sort | paste -sd' ' -)
	[[ $names =~ ^elfutils\ gcc-[0-9]+\ glibc\ libbpf\ libzstd\ zlib$ ]] \
		&& ok "$name: Static-Built-Using names what the static loader links: $names" \
		|| bad "$name: Static-Built-Using '$sbu'"
	for pkg in libc6-dev libbpf-dev libelf-dev zlib1g-dev libzstd-dev; do
		f=$(dpkg-deb -f "$("$SOURCE_ROOT/ci/pins.py" fetch "$SOURCE_ROOT/packaging/sysroot-pins.txt" "$pkg" "$debarch")" Source Version)
		want=$(sed -n 's/^Source: \([^ ]*\) (\(.*\))$/\1 (= \2)/p' <<<"$f")
		[[ -n $want ]] || want="$(sed -n 's/^Source: \([^ ]*\)$/\1/p' <<<"$f") (= $(sed -n 's/^Version: //p' <<<"$f"))"
		grep -qF "$want" <<<"$sbu" || bad "$name: Static-Built-Using lacks $want (pinned $pkg)"
	done
	# the licence notices of what is linked in: one copyright file per source named there, in
	# both packages (the .rpm's as %license), the .rpm saying the same in Provides: bundled()
	notices=$(dpkg-deb -c "$deb" | sed -n 's|.* ./usr/share/doc/hello-buffer-config/linked-in/\(.*\)\.copyright$|\1|p' | paste -sd' ' -)
	[[ -n $names && $notices == "$names" ]] && ok "$name: .deb carries the copyright file of each: $notices" \
		|| bad "$name: .deb notices '$notices', Static-Built-Using names '$names'"
	lic=$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
		sed -n 's|^l /usr/share/licenses/hello-buffer-config/linked-in/\(.*\)\.copyright$|\1|p' | LC_ALL=C sort | paste -sd' ' -)
	[[ $lic == "$names" ]] && ok "$name: .rpm carries them as %license" || bad "$name: .rpm %license notices '$lic', want '$names'"
	bundled=$(rpm -qp --provides "$rpm" 2>/dev/null | sed -n 's/^bundled(\(.*\)) = .*/\1/p' | LC_ALL=C sort | paste -sd' ' -)
	[[ $bundled == "$names" ]] && ok "$name: .rpm Provides: bundled() of each" || bad "$name: .rpm bundled() '$bundled', want '$names'"
	# glibc's notice is the pinned libc6-dev's own copyright file, byte for byte
	libc=$("$SOURCE_ROOT/ci/pins.py" fetch "$SOURCE_ROOT/packaging/sysroot-pins.txt" libc6-dev "$debarch")
	if cmp -s <(dpkg-deb --fsys-tarfile "$libc" | tar -xO ./usr/share/doc/libc6-dev/copyright) \
		<(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/hello-buffer-config/linked-in/glibc.copyright); then
		ok "$name: linked-in/glibc.copyright is the pinned libc6-dev's copyright file"
	else
		bad "$name: linked-in/glibc.copyright differs from the pinned libc6-dev's"
	fi
	a=$(rpm -qp --qf '%{ARCH}' "$rpm" 2>/dev/null)
	[[ $a == "$rpmarch" ]] && ok "$name: rpm ARCH $a" || bad "$name: .rpm ARCH $a, want $rpmarch"
	dep=$(dpkg-deb -f "$deb" Depends Pre-Depends)
	[[ -z $dep ]] && ok "$name: no Depends (static loader)" || bad "$name: Depends: $dep"
	req=$(rpm -qp --requires "$rpm" 2>/dev/null | grep -vxE 'rpmlib\(.*|/bin/sh' || true)
	[[ -z $req ]] && ok "$name: rpm requires nothing but rpmlib features and /bin/sh (its scriptlets)" \
		|| bad "$name: rpm requires $req"

	root=$tmp/$name
	mkdir -p "$root"
	dpkg-deb -x "$deb" "$root"
	bin=$root/usr/sbin/hello-buffer-config
	# The machine clang emits for this row's triplet is the one the loader must have.
	echo 'int x;' | "$llvm/clang" --target="$triplet" -x c -c - -o "$tmp/probe.o"
	want=$(readelf -h "$tmp/probe.o" | sed -n 's/^ *Machine: *//p')
	got=$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p')
	[[ $got == "$want" ]] && ok "$name: packaged ELF machine '$got'" || bad "$name: ELF machine '$got', want '$want'"
	readelf -d "$bin" | grep -q NEEDED && bad "$name: loader has DT_NEEDED entries" || ok "$name: loader is static"
	# hardening the cross file asks for (packaging/cross-file.sh): read-only relocations,
	# and, in a static-pie, everything bound at start (-z now)
	readelf -lW "$bin" | grep -q GNU_RELRO && ok "$name: loader has a GNU_RELRO segment" || bad "$name: no GNU_RELRO"
	if readelf -dW "$bin" | grep -q 'PIE'; then
		readelf -dW "$bin" | grep -qE 'FLAGS_1.*NOW' && ok "$name: static-pie loader, -z now (FLAGS_1 NOW)" \
			|| bad "$name: static-pie loader without -z now: $(readelf -dW "$bin" | grep FLAGS)"
	fi

	files=$(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}' | grep -E '^/(etc|usr/sbin|usr/share/man)/.*[^/]$' | sort)
	[[ $files == "$want_files" ]] && ok "$name: .deb holds loader, config, man page" || bad "$name: .deb files: $files"
	[[ $(dpkg-deb -c "$deb") == *' ./usr/lib/systemd/system/hello-buffer-config.service'* ]] \
		&& ok "$name: .deb ships the systemd unit in /usr/lib/systemd/system" || bad "$name: no systemd unit in the .deb"
	cf=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
	[[ $cf == /etc/hello-buffer-config.conf ]] && ok "$name: conffile $cf" || bad "$name: conffiles: $cf"
	rf=$(rpm -qp --configfiles "$rpm" 2>/dev/null)
	[[ $rf == /etc/hello-buffer-config.conf ]] && ok "$name: rpm config file $rf" || bad "$name: rpm config files: $rf"
	lic=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm" 2>/dev/null | grep -cE '^/usr/share/licenses/hello-buffer-config/(GPL-2.0-only|BSD-2-Clause)\.txt l$')
	[[ $lic == 2 ]] && ok "$name: rpm carries both licence texts as %license" || bad "$name: rpm licence texts: $lic of 2"
	rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm" 2>/dev/null | grep -q '^/etc/hello-buffer-config.conf cn$' \
		&& ok "$name: rpm config is %config(noreplace)" || bad "$name: rpm config flags: $(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm")"
	rpm -qlp "$rpm" 2>/dev/null | grep -qx /usr/lib/systemd/system/hello-buffer-config.service \
		&& ok "$name: rpm ships the unit in /usr/lib/systemd/system" || bad "$name: rpm has no unit"

	# The loader runs on its architecture (qemu-user via binfmt for foreign ones) and
	# carries exactly the objects of this build.
	if [[ $debarch != "$(dpkg --print-architecture)" ]] && ! arch-test "$debarch" >/dev/null 2>&1; then
		bad "$name: cannot run $debarch binaries here: qemu-user is not registered with binfmt_misc" \
			"(ci/test.sh registers it; by hand: . ci/lib/deps.sh; ensure_binfmt $debarch)"
		continue
	fi
	out=$("$bin" --version 2>&1)
	rc=$?
	[[ $rc == 0 && $out == "hello-buffer-config $HBC_VERSION"* ]] && ok "$name: --version runs ($(uname -m) host)" \
		|| bad "$name: --version: exit $rc: $out"
	for o in "$BPF_DIR"/hello_*.bpf.o; do
		sum=$(sha256sum "$o" | cut -d' ' -f1)
		grep -q "sha256 $sum" <<<"$out" && ok "$name: carries $(basename "$o")" || bad "$name: lacks $(basename "$o") ($sum)"
	done
done < <(arch_rows)

# The builder's Maintainer and Homepage (ci/build.sh: HBC_MAINTAINER, HBC_HOMEPAGE) reach both
# formats; malformed ones stop the packaging step with the reason and write nothing.
arch_build=$(dirname "$PKGDIR")/arch-$(arch_rows | awk -v m="$(uname -m)" '$5 == m { print $1 }')
if [[ -d $arch_build ]]; then
	who='Fleet Ops <ops@example.org>' home=https://fleet.example.org/hbc
	for kind in deb rpm; do
		a=$([[ $kind == deb ]] && dpkg --print-architecture || uname -m)
		out=$tmp/builder.$kind
		"$SOURCE_ROOT/packaging/mk$kind.sh" --arch "$a" --build-dir "$arch_build" --source-dir "$SOURCE_ROOT" \
			--version "$HBC_VERSION" --release "$REL" --output "$out" --maintainer "$who" --homepage "$home" \
			>"$tmp/builder.log" 2>&1 || { bad "mk$kind.sh with a builder's maintainer: $(tail -5 "$tmp/builder.log")"; continue; }
		if [[ $kind == deb ]]; then
			got="$(dpkg-deb -f "$out" Maintainer) $(dpkg-deb -f "$out" Homepage)"
		else
			got=$(rpm -qp --qf '%{PACKAGER} %{URL}' "$out" 2>/dev/null)
		fi
		[[ $got == "$who $home" ]] && ok ".$kind: the builder's Maintainer and Homepage: $got" || bad ".$kind: Maintainer/Homepage '$got'"
	done
	for bad_arg in "--maintainer ops@example.org" "--homepage ftp://example.org/"; do
		# shellcheck disable=SC2086
		"$SOURCE_ROOT/packaging/mkdeb.sh" --arch amd64 --build-dir "$arch_build" --source-dir "$SOURCE_ROOT" \
			--version "$HBC_VERSION" --release "$REL" --output "$tmp/refused.deb" $bad_arg >"$tmp/refused.log" 2>&1
		rc=$?
		[[ $rc != 0 && ! -e $tmp/refused.deb ]] && grep -q "is not" "$tmp/refused.log" \
			&& ok "refused: $bad_arg: $(cat "$tmp/refused.log")" || bad "$bad_arg: exit $rc: $(cat "$tmp/refused.log")"
	done
else
	bad "no $arch_build (ci/build.sh builds it)"
fi
done_testing
