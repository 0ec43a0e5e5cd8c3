# shellcheck shell=bash
# ci/lib/debfetch.sh -- fetch exact Debian packages of any suite/architecture
# without touching the host's apt state.  Source it; it changes no shell option.
#
# Environment:
#   HBC_CACHE_DIR        cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/hello-buffer-config)
#   HBC_DEBIAN_MIRROR    archive URI (default: the Debian entry of the host's apt sources)
#   HBC_DEBIAN_KEYRING   keyring (default /usr/share/keyrings/debian-archive-keyring.gpg)
#   HBC_DEBIAN_COMPONENTS components (default "main")
#   HBC_APT_MAX_AGE      seconds before cached indexes are refreshed (default 21600 = 6 h)
#
# Functions (errors go to stderr and return non-zero; data goes to stdout):
#   debfetch_cache_dir                      print the cache root
#   debfetch_mirror                         print the archive URI
#   debfetch_apt SUITE ARCH [MAX_AGE]       set up the private apt config, update if stale
#   debfetch_apt_update SUITE ARCH          force an index update
#   debfetch_aptget SUITE ARCH ARGS...      apt-get with the private config (cwd is kept)
#   debfetch_aptcache SUITE ARCH ARGS...    apt-cache with the private config
#   debfetch_field SUITE ARCH PKG[=VER] FIELD   print one field of a package record
#   debfetch_resolve SUITE ARCH META GLOBS  print the first package matching GLOBS
#                                           (comma list) among META's dependencies
#   debfetch_fetch SUITE ARCH PKG VER SHA256    download+verify; print the .deb path
#   debfetch_pin_row PINFILE PACKAGE [ARCH] print the pin row "suite arch pkg ver sha resolver"
#   debfetch_pinned PINFILE PACKAGE [ARCH]  fetch the pinned package; print the .deb path
#
# Pin files: one package a line, whitespace columns, '#' starts a comment:
#   suite  arch  package  version  sha256  [resolver]
# resolver (optional) is META>GLOB[,GLOB...]: `ci/pins.sh refresh` then re-resolves the
# package from the meta package META (first GLOB that matches a package in META's
# Depends/Pre-Depends closure, in GLOB order).  Without it the same package name is kept.
# debfetch_pinned/debfetch_pin_row accept either the pinned package or the META name.

_debfetch_log() { printf 'debfetch: %s\n' "$*" >&2; }
_debfetch_err() { printf 'debfetch: error: %s\n' "$*" >&2; return 1; }

debfetch_cache_dir() {
    printf '%s\n' "${HBC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hello-buffer-config}"
}

# Print the URI of the first enabled "deb" source with component main and a plain
# Debian release suite (not -security/-updates) found in the host's apt configuration.
_debfetch_mirror_from_apt() {
    local sl=/etc/apt/sources.list sp=/etc/apt/sources.list.d/ codename=""
    if command -v apt-config >/dev/null 2>&1; then
        local SL="" SP=""
        eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d 2>/dev/null)" || true
        sl=${SL:-$sl}
        sp=${SP:-$sp}
    fi
    if [[ -r /etc/os-release ]]; then
        codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
    fi
    local suites="$codename buster bullseye bookworm trixie forky duke sid oldoldstable oldstable stable testing unstable"
    local f
    for f in "$sp"/*.sources; do
        [[ -r $f ]] || continue
        awk -v suites="$suites" '
            function flush(   n, i, s, u) {
                if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no" &&
                    comps ~ /(^| )main( |$)/) {
                    n = split(suite, s, " ")
                    for (i = 1; i <= n; i++) if (s[i] in ok) {
                        split(uris, u, " "); print u[1]; found = 1; exit
                    }
                }
                types = uris = suite = comps = enabled = ""; key = ""
            }
            BEGIN { n = split(suites, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
            /^#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/ { val = $0 } # continuation of the previous field
            /^[^ \t]/ { key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:/, "", val) }
            {
                gsub(/[ \t]+/, " ", val)
                if (key == "types") types = types " " val
                else if (key == "uris") uris = uris " " val
                else if (key == "suites") suite = suite " " val
                else if (key == "components") comps = comps " " val
                else if (key == "enabled") { enabled = val; gsub(/ /, "", enabled) }
            }
            END { if (!found) flush() }
        ' "$f"
    done | grep -E -m1 '^(https?|ftp|file):' && return 0
    local l
    for l in "$sl" "$sp"/*.list; do
        [[ -r $l ]] || continue
        # deb [options] URI SUITE COMPONENT...
        awk -v suites="$suites" '
            BEGIN { n = split(suites, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
            $1 != "deb" { next }
            {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                uri = $i; suite = $(i + 1); main = 0
                for (j = i + 2; j <= NF; j++) if ($j == "main") main = 1
                if (main && (suite in ok)) { print uri; exit }
            }' "$l"
    done | grep -E -m1 '^(https?|ftp|file):' && return 0
    return 1
}

debfetch_mirror() {
    local m=${HBC_DEBIAN_MIRROR:-}
    if [[ -z $m ]]; then
        m=$(_debfetch_mirror_from_apt) || m=""
    fi
    if [[ -z $m ]]; then
        _debfetch_err "no Debian archive URI found in the host's apt sources" \
            "(/etc/apt/sources.list, /etc/apt/sources.list.d/*.sources): set HBC_DEBIAN_MIRROR"
        return 1
    fi
    printf '%s\n' "${m%/}"
}

# Fill the global array _DEBFETCH_OPTS with the private apt options for SUITE/ARCH.
_debfetch_opts() {
    local d
    d="$(debfetch_cache_dir)/apt/$1-$2"
    _DEBFETCH_OPTS=(
        -o "Dir::Etc::SourceList=$d/sources.list"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::Etc::Preferences=/dev/null"
        -o "Dir::Etc::PreferencesParts=/dev/null"
        -o "Dir::State=$d/state"
        -o "Dir::State::Lists=$d/lists"
        -o "Dir::State::status=$d/status"
        -o "Dir::Cache=$d/cache"
        -o "Dir::Cache::pkgcache=pkgcache.bin"
        -o "Dir::Cache::srcpkgcache=srcpkgcache.bin"
        -o "APT::Architecture=$2"
        -o "APT::Architectures::=$2"
        -o "APT::Sandbox::User=root"
        -o "Acquire::Languages=none"
        -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
        -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    )
}

_debfetch_apt_dir() { printf '%s/apt/%s-%s\n' "$(debfetch_cache_dir)" "$1" "$2"; }

# debfetch_apt SUITE ARCH [MAX_AGE_SECONDS]
debfetch_apt() {
    local suite=${1:?suite} arch=${2:?arch} max_age=${3:-${HBC_APT_MAX_AGE:-21600}}
    local d mirror keyring=${HBC_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
    d=$(_debfetch_apt_dir "$suite" "$arch")
    mirror=$(debfetch_mirror) || return 1
    [[ -r $keyring ]] || { _debfetch_err "keyring $keyring not readable (install debian-archive-keyring)"; return 1; }
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/state" || return 1
    [[ -e $d/status ]] || : >"$d/status" || return 1
    local want
    want="deb [signed-by=$keyring] $mirror $suite ${HBC_DEBIAN_COMPONENTS:-main}"
    local lockfd rc=0
    exec {lockfd}>"$d/lock" || return 1
    flock "$lockfd" || { exec {lockfd}>&-; return 1; }
    if [[ ! -f $d/sources.list ]] || [[ "$(cat "$d/sources.list")" != "$want" ]]; then
        printf '%s\n' "$want" >"$d/sources.list" && rm -f "$d/updated" || rc=1
    fi
    local age=-1 now
    if [[ $rc -eq 0 && -f $d/updated ]]; then
        now=$(date +%s)
        age=$((now - $(stat -c %Y "$d/updated")))
    fi
    if [[ $rc -eq 0 ]] && { [[ $age -lt 0 ]] || [[ $age -ge $max_age ]]; }; then
        _debfetch_log "apt-get update ($suite/$arch from $mirror)"
        _debfetch_opts "$suite" "$arch"
        local out
        if out=$(apt-get "${_DEBFETCH_OPTS[@]}" -q -o APT::Get::List-Cleanup=true update 2>&1); then
            if grep -qE '^(W|E|Err):' <<<"$out"; then
                printf '%s\n' "$out" >&2
                _debfetch_err "apt-get update for $suite/$arch reported problems (see above)"
                rc=1
            else
                touch "$d/updated" || rc=1
            fi
        else
            printf '%s\n' "$out" >&2
            _debfetch_err "apt-get update for $suite/$arch failed"
            rc=1
        fi
    fi
    exec {lockfd}>&-
    return "$rc"
}

debfetch_apt_update() { debfetch_apt "${1:?suite}" "${2:?arch}" 0; }

debfetch_aptget() {
    local suite=${1:?suite} arch=${2:?arch}
    shift 2
    debfetch_apt "$suite" "$arch" || return 1
    _debfetch_opts "$suite" "$arch"
    apt-get "${_DEBFETCH_OPTS[@]}" "$@"
}

debfetch_aptcache() {
    local suite=${1:?suite} arch=${2:?arch}
    shift 2
    debfetch_apt "$suite" "$arch" || return 1
    _debfetch_opts "$suite" "$arch"
    apt-cache "${_DEBFETCH_OPTS[@]}" "$@"
}

# debfetch_field SUITE ARCH PKG[=VERSION] FIELD: print FIELD of the candidate (or the
# given version) of PKG; fails if the record does not exist.
debfetch_field() {
    local suite=${1:?suite} arch=${2:?arch} spec=${3:?package} field=${4:?field} rec
    local pkg=${spec%%=*} ver=""
    [[ $spec == *=* ]] && ver="=${spec#*=}"
    rec=$(debfetch_aptcache "$suite" "$arch" show --no-all-versions "$pkg:$arch$ver" 2>/dev/null) || return 1
    [[ -n $rec ]] || return 1
    awk -v f="$field" '
        NF == 0 { exit }
        index($0, f ":") == 1 { v = substr($0, length(f) + 2); sub(/^[ \t]+/, "", v); print v; got = 1; exit }
        END { exit !got }' <<<"$rec"
}

# debfetch_resolve SUITE ARCH META GLOB[,GLOB...]: breadth-first walk over the first
# alternative of each Depends/Pre-Depends of META's candidate (4 levels); print the
# first package that matches the first GLOB that matches anything.
debfetch_resolve() {
    local suite=${1:?suite} arch=${2:?arch} meta=${3:?meta} globs=${4:?globs}
    debfetch_field "$suite" "$arch" "$meta" Package >/dev/null ||
        { _debfetch_err "meta package $meta not found in $suite/$arch"; return 1; }
    local -a queue=("$meta") found=() next
    local -A seen=(["$meta"]=1)
    local p deps d
    for _ in 1 2 3 4; do
        next=()
        for p in "${queue[@]}"; do
            deps="$(debfetch_field "$suite" "$arch" "$p" Pre-Depends || true), $(debfetch_field "$suite" "$arch" "$p" Depends || true)"
            while read -r d; do
                [[ -n $d && -z ${seen[$d]:-} ]] || continue
                seen[$d]=1
                found+=("$d")
                next+=("$d")
            done < <(tr ',' '\n' <<<"$deps" | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g')
        done
        [[ ${#next[@]} -gt 0 ]] || break
        queue=("${next[@]}")
    done
    local g
    local -a gl
    IFS=',' read -r -a gl <<<"$globs"
    for g in "${gl[@]}"; do
        for p in "${found[@]}"; do
            # shellcheck disable=SC2053 # $g is a glob on purpose
            if [[ $p == $g ]]; then
                printf '%s\n' "$p"
                return 0
            fi
        done
    done
    _debfetch_err "no dependency of $meta ($suite/$arch) matches $globs (saw: ${found[*]:-none})"
}

_debfetch_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# debfetch_fetch SUITE ARCH PKG VERSION SHA256: print the path of the verified .deb.
debfetch_fetch() {
    local suite=${1:?suite} arch=${2:?arch} pkg=${3:?package} ver=${4:?version} sha=${5:?sha256}
    local dir out got
    dir="$(debfetch_cache_dir)/debs"
    out="$dir/${pkg}_${ver//:/%3a}_${arch}.deb"
    if [[ -f $out ]]; then
        got=$(_debfetch_sha256 "$out") || return 1
        if [[ $got == "$sha" ]]; then
            printf '%s\n' "$out"
            return 0
        fi
        _debfetch_log "cached $out has SHA-256 $got, pin says $sha: downloading again"
        rm -f "$out"
    fi
    mkdir -p "$dir" || return 1
    local hint="refresh the pins with: ci/pins.sh refresh ${DEBFETCH_PINFILE:-PINFILE}"
    local try
    for try in 1 2; do
        if [[ $try -eq 1 ]]; then
            debfetch_apt "$suite" "$arch" || return 1
        else
            debfetch_apt_update "$suite" "$arch" || return 1
        fi
        if ! debfetch_field "$suite" "$arch" "$pkg=$ver" Version >/dev/null; then
            [[ $try -eq 1 ]] && continue
            _debfetch_err "$pkg $ver ($suite/$arch) is no longer in the archive (superseded at a point release); $hint"
            return 1
        fi
        local tmp
        tmp=$(mktemp -d "$dir/.dl.XXXXXX") || return 1
        if (cd "$tmp" && debfetch_aptget "$suite" "$arch" -q download "$pkg:$arch=$ver" >&2); then
            local f
            f=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
            if [[ -z $f ]]; then
                rm -rf "$tmp"
                _debfetch_err "apt-get download $pkg:$arch=$ver produced no .deb"
                return 1
            fi
            got=$(_debfetch_sha256 "$f") || { rm -rf "$tmp"; return 1; }
            if [[ $got != "$sha" ]]; then
                rm -rf "$tmp"
                _debfetch_err "SHA-256 mismatch for $pkg $ver ($suite/$arch): pinned $sha, downloaded $got"
                return 1
            fi
            mv -f "$f" "$out" && rm -rf "$tmp" || return 1
            printf '%s\n' "$out"
            return 0
        fi
        rm -rf "$tmp"
        [[ $try -eq 1 ]] && { _debfetch_log "download failed; updating the $suite/$arch index and retrying"; continue; }
        _debfetch_err "cannot download $pkg $ver ($suite/$arch); if it was superseded, $hint"
        return 1
    done
}

# Print the pin rows of PINFILE without comments, whitespace-normalised.
_debfetch_pin_rows() {
    [[ -r $1 ]] || { _debfetch_err "pin file $1 not readable"; return 1; }
    sed -e 's/#.*//' "$1" | awk 'NF > 0 { $1 = $1; print }'
}

# debfetch_pin_row PINFILE PACKAGE [ARCH]: print "suite arch package version sha256 [resolver]".
debfetch_pin_row() {
    local pinfile=${1:?pinfile} pkg=${2:?package} arch=${3:-} rows n
    rows=$(_debfetch_pin_rows "$pinfile") || return 1
    rows=$(awk -v p="$pkg" -v a="$arch" '
        (a == "" || $2 == a) {
            m = $6; sub(/>.*/, "", m)
            if ($3 == p || (NF >= 6 && m == p)) print
        }' <<<"$rows")
    n=$(grep -c . <<<"$rows" || true)
    if [[ $n -eq 0 ]]; then
        _debfetch_err "no pin for $pkg${arch:+ ($arch)} in $pinfile"
        return 1
    elif [[ $n -gt 1 ]]; then
        _debfetch_err "several pins for $pkg${arch:+ ($arch)} in $pinfile; name the architecture"
        return 1
    fi
    local f
    read -r -a f <<<"$rows"
    if [[ ${#f[@]} -lt 5 || ! ${f[4]} =~ ^[0-9a-f]{64}$ ]]; then
        _debfetch_err "malformed pin row in $pinfile: $rows"
        return 1
    fi
    printf '%s\n' "$rows"
}

# debfetch_pinned PINFILE PACKAGE [ARCH]
debfetch_pinned() {
    local pinfile=${1:?pinfile} row
    row=$(debfetch_pin_row "$@") || return 1
    local -a f
    read -r -a f <<<"$row"
    DEBFETCH_PINFILE=$pinfile debfetch_fetch "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}"
}
