#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Build the packages again from a copy of the tree in another directory, with the same
# SOURCE_DATE_EPOCH: every .deb must be byte-identical, every .rpm identical in all that
# its signature covers (the signature itself holds its time: a second signing differs),
# and the dnf repositories list the same packages; print what differs.
source "$(dirname "$0")/lib.sh"
# The timestamp the packages under test were built with (ci/build.sh records it).
SOURCE_DATE_EPOCH=$(cat "$PKGDIR/SOURCE_DATE_EPOCH") || { bad "no $PKGDIR/SOURCE_DATE_EPOCH: run ci/build.sh"; done_testing; }
export SOURCE_DATE_EPOCH

copy=$tmp/elsewhere/src
mkdir -p "$copy"
(cd "$SOURCE_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) |
	tar -xf - -C "$copy"
HBC_PREVIOUS=0 BUILD_DIR=$tmp/elsewhere/out "$copy/ci/build.sh" -Dtests=false -Dsanitizers=false >"$tmp/build.log" 2>&1 \
	|| { bad "second build failed: $(tail -20 "$tmp/build.log")"; done_testing; }

describe() { # PACKAGE: a listing that shows where two packages differ
	case $1 in
	*.deb) dpkg-deb -I "$1"; dpkg-deb -c "$1"
	       mkdir -p "$tmp/x" && rm -rf "$tmp/x"/* && dpkg-deb -x "$1" "$tmp/x" &&
	       (cd "$tmp/x" && find . -type f -exec sha256sum {} + | sort -k2) ;;
	*.rpm) rpm -qip "$1" 2>/dev/null; rpm -qlvp "$1" 2>/dev/null
	       rpm -qp --qf '[%{FILEDIGESTS} %{FILENAMES}\n]' "$1" 2>/dev/null ;;
	esac
}
# covered RPM: what an rpm signature covers, the header (whose digest rpm keeps beside the
# signature) and through it the payload; with the digests verified, not only read
covered() {
	rpm -K --nosignature "$1" 2>&1 | grep -q ': digests OK$' || { echo "digests do not verify"; return; }
	rpm -qp --nosignature --qf '%{SHA256HEADER} %{PAYLOADDIGEST}\n' "$1" 2>/dev/null
}
for p in "$PKGDIR"/*.deb "$PKGDIR"/*.rpm; do
	q=$tmp/elsewhere/out/packages/$(basename "$p")
	if cmp -s "$p" "$q"; then
		ok "$(basename "$p") is byte-identical ($(sha256sum "$p" | cut -c1-16)...)"
	elif [[ $p == *.rpm ]] && cp=$(covered "$p") && [[ $cp == "$(covered "$q")" && $cp == *' '* ]]; then
		ok "$(basename "$p"): identical but for the signature: header SHA-256 and payload digest ${cp:0:16}... (signed $(rpm -qp --qf '%{RSAHEADER:pgpsig}' "$p" 2>/dev/null | cut -d, -f2) and $(rpm -qp --qf '%{RSAHEADER:pgpsig}' "$q" 2>/dev/null | cut -d, -f2))"
	else
		bad "$(basename "$p") differs between $(dirname "$p") and $(dirname "$q"):"
		diff <(describe "$p") <(describe "$q") | head -40
	fi
done
listing=$(dirname "$0")/dnf_listing.py
a=$(python3 "$listing" "$PKGDIR/rpm") b=$(python3 "$listing" "$tmp/elsewhere/out/packages/rpm")
[[ -n $a && $a == "$b" ]] && ok "the dnf repositories list the same $(wc -l <<<"$a") packages (name, EVR, arch, location, build time, size)" \
	|| bad "the dnf repositories differ: $(diff <(echo "$a") <(echo "$b") | head -10)"
done_testing
