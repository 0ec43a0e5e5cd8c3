#!/usr/bin/env bash
# ci/pins.sh -- maintain pin files of Debian packages (format: see ci/lib/debfetch.sh).
#
#   ci/pins.sh refresh PINFILE [PACKAGE...]
#       Re-resolve each row (or only the rows naming PACKAGE or its META) to the current
#       candidate in its suite/arch: a row with a resolver META>GLOBS is re-resolved from
#       META, others keep their package name.  Writes the new version and the archive's
#       SHA-256 after downloading and verifying the .deb.  All rows or none: the file is
#       replaced atomically only if every row resolved.
#   ci/pins.sh verify PINFILE
#       Download (or reuse from the cache) and verify every row.
#   ci/pins.sh add PINFILE SUITE ARCH PACKAGE|META>GLOB[,GLOB...]
#       Append a new row resolved now (no-op if a row for it exists).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=ci/lib/debfetch.sh
. "$here/lib/debfetch.sh"

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

die() { printf 'pins.sh: error: %s\n' "$*" >&2; exit 1; }

fmt_row() { # suite arch package version sha256 [resolver]
    printf '%-7s %-8s %-36s %-14s %s%s\n' "$1" "$2" "$3" "$4" "$5" "${6:+  $6}"
}

# resolve_row SUITE ARCH PACKAGE [RESOLVER]: print "package version sha256" for the
# current candidate, after downloading and verifying it.
resolve_row() {
    local suite=$1 arch=$2 pkg=$3 resolver=${4:-} ver sha
    if [[ -n $resolver ]]; then
        [[ $resolver == *'>'* ]] || die "bad resolver '$resolver' (want META>GLOB[,GLOB...])"
        pkg=$(debfetch_resolve "$suite" "$arch" "${resolver%%>*}" "${resolver#*>}") || exit 1
    fi
    ver=$(debfetch_field "$suite" "$arch" "$pkg" Version) ||
        die "$pkg is not in $suite/$arch"
    sha=$(debfetch_field "$suite" "$arch" "$pkg=$ver" SHA256) ||
        die "the $suite/$arch index has no SHA256 for $pkg $ver"
    [[ $sha =~ ^[0-9a-f]{64}$ ]] || die "bad SHA256 '$sha' for $pkg $ver"
    debfetch_fetch "$suite" "$arch" "$pkg" "$ver" "$sha" >/dev/null || exit 1
    printf '%s %s %s\n' "$pkg" "$ver" "$sha"
}

declare -A updated=()
update_once() { # force one index update per suite/arch per run
    [[ -n ${updated[$1/$2]:-} ]] && return 0
    debfetch_apt_update "$1" "$2" || exit 1
    updated[$1/$2]=1
}

cmd_refresh() {
    local pinfile=$1
    shift
    [[ -r $pinfile ]] || die "pin file $pinfile not readable"
    local -A only=()
    local p
    for p in "$@"; do only[$p]=1; done
    local tmp
    tmp=$(mktemp "$pinfile.tmp.XXXXXX")
    # shellcheck disable=SC2064 # expand now
    trap "rm -f '$tmp'" EXIT
    local line data comment changed=0
    while IFS= read -r line || [[ -n $line ]]; do
        data=${line%%#*}
        comment=""
        [[ $line == *'#'* ]] && comment="#${line#*#}"
        local -a f
        read -r -a f <<<"$data" || true
        if [[ ${#f[@]} -eq 0 ]]; then
            printf '%s\n' "$line" >>"$tmp"
            continue
        fi
        [[ ${#f[@]} -ge 5 && ${#f[@]} -le 6 ]] || die "malformed row in $pinfile: $line"
        local resolver=${f[5]:-}
        if [[ $# -gt 0 && -z ${only[${f[2]}]:-} && -z ${only[${resolver%%>*}]:-} ]]; then
            printf '%s\n' "$line" >>"$tmp"
            continue
        fi
        update_once "${f[0]}" "${f[1]}"
        local out
        out=$(resolve_row "${f[0]}" "${f[1]}" "${f[2]}" "$resolver")
        local -a r
        read -r -a r <<<"$out"
        if [[ "${r[*]}" != "${f[2]} ${f[3]} ${f[4]}" ]]; then
            printf 'pins.sh: %s/%s: %s %s -> %s %s (sha256 %.12s -> %.12s)\n' "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${r[0]}" "${r[1]}" "${f[4]}" "${r[2]}" >&2
            changed=$((changed + 1))
        else
            printf 'pins.sh: %s/%s: %s %s is current\n' "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" >&2
        fi
        {
            fmt_row "${f[0]}" "${f[1]}" "${r[0]}" "${r[1]}" "${r[2]}" "$resolver" | sed 's/[[:space:]]*$//' | tr -d '\n'
            [[ -n $comment ]] && printf '  %s' "$comment"
            printf '\n'
        } >>"$tmp"
    done <"$pinfile"
    chmod --reference="$pinfile" "$tmp"
    mv -f "$tmp" "$pinfile"
    trap - EXIT
    printf 'pins.sh: %s: %d row(s) changed\n' "$pinfile" "$changed" >&2
}

cmd_verify() {
    local pinfile=$1 rows row n=0
    rows=$(_debfetch_pin_rows "$pinfile") || exit 1
    while read -r row; do
        [[ -n $row ]] || continue
        local -a f
        read -r -a f <<<"$row"
        [[ ${#f[@]} -ge 5 && ${f[4]} =~ ^[0-9a-f]{64}$ ]] || die "malformed row in $pinfile: $row"
        local deb
        deb=$(DEBFETCH_PINFILE=$pinfile debfetch_fetch "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}") || exit 1
        printf 'ok %s/%s %s %s %s\n' "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "$deb"
        n=$((n + 1))
    done <<<"$rows"
    printf 'pins.sh: %s: %d row(s) verified\n' "$pinfile" "$n" >&2
}

cmd_add() {
    local pinfile=$1 suite=$2 arch=$3 spec=$4 pkg resolver=""
    if [[ $spec == *'>'* ]]; then
        resolver=$spec
        pkg=${spec%%>*}
    else
        pkg=$spec
    fi
    if [[ -e $pinfile ]] && debfetch_pin_row "$pinfile" "$pkg" "$arch" >/dev/null 2>&1; then
        printf 'pins.sh: %s already has a row for %s (%s)\n' "$pinfile" "$pkg" "$arch" >&2
        return 0
    fi
    update_once "$suite" "$arch"
    local out
    out=$(resolve_row "$suite" "$arch" "$pkg" "$resolver")
    local -a r
    read -r -a r <<<"$out"
    local tmp
    tmp=$(mktemp "$pinfile.tmp.XXXXXX")
    # shellcheck disable=SC2064 # expand now
    trap "rm -f '$tmp'" EXIT
    if [[ -e $pinfile ]]; then
        cat "$pinfile" >"$tmp"
        chmod --reference="$pinfile" "$tmp"
    else
        chmod 644 "$tmp"
    fi
    fmt_row "$suite" "$arch" "${r[0]}" "${r[1]}" "${r[2]}" "$resolver" | sed 's/[[:space:]]*$//' >>"$tmp"
    mv -f "$tmp" "$pinfile"
    trap - EXIT
    printf 'pins.sh: %s: added %s/%s %s %s\n' "$pinfile" "$suite" "$arch" "${r[0]}" "${r[1]}" >&2
}

[[ $# -ge 2 ]] || usage
cmd=$1
shift
export DEBFETCH_PINFILE=$1 # named in debfetch's "refresh the pins" hints
case $cmd in
refresh) cmd_refresh "$@" ;;
verify) [[ $# -eq 1 ]] || usage; cmd_verify "$1" ;;
add) [[ $# -eq 4 ]] || usage; cmd_add "$@" ;;
*) usage ;;
esac
