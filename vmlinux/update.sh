#!/usr/bin/env bash
# vmlinux/update.sh [NAME...]          regenerate vmlinux/<NAME>/vmlinux.h.xz + PROVENANCE
# vmlinux/update.sh --verify [NAME...] offline check of the committed headers
#
# NAME is the "name" column of arch/arches.txt (default: every row).  For each row the
# pinned kernel package of its kernel-suite/debarch (vmlinux/pins.txt; a row is added
# on first use, resolved from the kernel-package meta package) is fetched with
# ci/lib/debfetch.sh, its kernel image is unpacked, the BTF blob is cut out of it
# (vmlinux/extract_btf.py), validated, and dumped as C with bpftool.
# Environment: HBC_ARCH_TABLE (default arch/arches.txt), plus debfetch's HBC_* variables.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=ci/lib/debfetch.sh
. "$root/ci/lib/debfetch.sh"

table=${HBC_ARCH_TABLE:-$root/arch/arches.txt}
pins=$here/pins.txt
checks=$here/checks.txt
# packages in a meta package's closure that may hold the image, in order of preference
image_globs='linux-binary-*,linux-image-[0-9]*'

trap 'printf "update.sh: failed (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR

die() { printf 'update.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'update.sh: %s\n' "$*" >&2; }

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    [[ -x /usr/sbin/$1 ]] && { PATH=$PATH:/usr/sbin; return 0; }
    if [[ $EUID -eq 0 ]]; then
        say "installing $2 for $1"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >&2 ||
            die "cannot install $2"
        command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]] || die "$1 still missing"
        PATH=$PATH:/usr/sbin
    else
        die "$1 is missing: apt-get install $2"
    fi
}

# Print "name target debarch kernel-suite kernel-package" for each table row.  Columns
# are located by the header comment ("# name target ..."), else by their documented
# positions.
table_rows() {
    [[ -r $table ]] || die "architecture table $table not readable"
    awk '
        BEGIN { c["name"] = 1; c["target"] = 2; c["debarch"] = 4
                c["kernel-suite"] = 11; c["kernel-package"] = 12 }
        /^[ \t]*#/ {
            if (!hdr) {
                l = $0; sub(/^[ \t]*#[ \t]*/, "", l); n = split(l, h, /[ \t]+/)
                if (h[1] == "name") { for (i = 1; i <= n; i++) c[h[i]] = i; hdr = 1 }
            }
            next
        }
        { sub(/#.*/, "") }
        NF == 0 { next }
        {
            print $c["name"], $c["target"], $c["debarch"], $c["kernel-suite"], $c["kernel-package"]
        }' "$table"
}

struct_has() { # struct_has HEADER STRUCT MEMBER|-
    awk -v s="struct $2 {" -v m="$3" '
        $0 == s { inside = 1; found = (m == "-"); next }
        inside && /^};/ { exit }
        inside {
            l = $0; sub(/[ \t]+$/, "", l)
            t = substr(l, length(l) - length(m) - 1)
            if (t == " " m ";" || t == "*" m ";" || t == "\t" m ";") found = 1
        }
        END { exit !found }' "$1"
}

run_checks() { # run_checks HEADER TARGET
    local t s m n=0
    while read -r t s m; do
        [[ $t == '*' || $t == "$2" ]] || continue
        struct_has "$1" "$s" "$m" || die "check failed: struct $s${m:+ member $m} not in $1"
        n=$((n + 1))
    done < <(sed -e 's/#.*//' "$checks" | awk 'NF == 3')
    say "$n check(s) passed"
}

gen_one() { # gen_one NAME TARGET DEBARCH SUITE META
    local name=$1 target=$2 arch=$3 suite=$4 meta=$5 t0=$SECONDS row
    say "== $name ($suite/$arch, $meta)"
    if ! row=$(debfetch_pin_row "$pins" "$meta" "$arch" 2>/dev/null); then
        "$root/ci/pins.sh" add "$pins" "$suite" "$arch" "$meta>$image_globs"
        row=$(debfetch_pin_row "$pins" "$meta" "$arch")
    fi
    local -a p
    read -r -a p <<<"$row"
    [[ ${p[0]} == "$suite" ]] ||
        die "$pins pins $meta ($arch) from ${p[0]} but $table says $suite: delete that row and rerun"
    local deb
    deb=$(debfetch_pinned "$pins" "$meta" "$arch")

    local work
    work=$(mktemp -d "$(debfetch_cache_dir)/vmlinux-$name.XXXXXX")
    # shellcheck disable=SC2064 # expand now
    trap "rm -rf '$work'" EXIT
    # what dpkg -x does, minus the module tree we do not need
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/" --exclude='./usr/lib/modules/*/kernel' \
        || die "cannot unpack $deb"
    local image
    image=$(cd "$work" && find . -type f \( -path './boot/vmlinu[xz]-*' -o -path './boot/Image-*' \
        -o -path './usr/lib/modules/*/vmlinu[xz]' \) | sort | head -n1)
    [[ -n $image ]] || die "no kernel image (boot/vmlinu[xz]-*, usr/lib/modules/*/vmlinu[xz]) in $deb"
    image=${image#.}
    say "image $image ($(stat -c %s "$work$image") bytes)"

    python3 "$here/extract_btf.py" "$work$image" "$work/vmlinux.btf" 2>"$work/extract.log" || {
        cat "$work/extract.log" >&2
        die "no BTF extracted from $image"
    }
    cat "$work/extract.log" >&2
    local how
    how=$(sed -n 's/^extract_btf: .*: \(BTF at .*\)$/\1/p' "$work/extract.log" | tail -n1)
    bpftool btf dump file "$work/vmlinux.btf" >"$work/btf.txt" ||
        die "bpftool rejects the BTF blob cut from $image"
    grep -q "^\[[0-9]*\] STRUCT 'task_struct'" "$work/btf.txt" || die "BTF has no task_struct"
    grep -q "^\[[0-9]*\] STRUCT 'pt_regs'" "$work/btf.txt" || die "BTF has no pt_regs"
    bpftool btf dump file "$work/vmlinux.btf" format c >"$work/vmlinux.h"
    run_checks "$work/vmlinux.h" "$target"
    # "struct foo;" inside a struct body: an anonymous member of a tagged type, which
    # kernels >= 6.19 use (built with -fms-extensions); BPF code must then be compiled
    # with clang -fms-extensions, or those members silently vanish.
    local ms
    ms=$(grep -cE $'^\t+(struct|union) [A-Za-z_][A-Za-z0-9_]*;$' "$work/vmlinux.h" || true)
    local ms_note=""
    if [[ $ms -gt 0 ]]; then
        ms_note=" (compile BPF code with clang -fms-extensions)"
        say "warning: $ms anonymous tagged members;$ms_note"
    fi
    xz -9 -T1 -c <"$work/vmlinux.h" >"$work/vmlinux.h.xz"
    xz -dc "$work/vmlinux.h.xz" | cmp -s - "$work/vmlinux.h" || die "xz round trip failed"

    local bpftool_v xz_v
    bpftool_v=$(bpftool version | head -n2 | tr '\n' ' ' | sed 's/ *$//')
    xz_v=$(xz --version | head -n1)
    {
        printf '# written by vmlinux/update.sh; do not edit\n'
        printf 'name: %s\ntarget: %s\n' "$name" "$target"
        printf 'suite: %s\narch: %s\nmeta-package: %s\n' "$suite" "$arch" "$meta"
        printf 'package: %s\nversion: %s\ndeb-sha256: %s\n' "${p[2]}" "${p[3]}" "${p[4]}"
        printf 'image-path: %s\nbtf-found-in: %s\n' "$image" "$how"
        printf 'btf-size: %s\nbtf-sha256: %s\n' "$(stat -c %s "$work/vmlinux.btf")" \
            "$(sha256sum <"$work/vmlinux.btf" | cut -d' ' -f1)"
        printf 'vmlinux.h-size: %s\nvmlinux.h-sha256: %s\n' "$(stat -c %s "$work/vmlinux.h")" \
            "$(sha256sum <"$work/vmlinux.h" | cut -d' ' -f1)"
        printf 'vmlinux.h.xz-size: %s\n' "$(stat -c %s "$work/vmlinux.h.xz")"
        printf 'anonymous-tagged-members: %s\n' "$ms${ms_note}"
        printf 'tools: %s; %s (xz -9 -T1)\n' "$bpftool_v" "$xz_v"
        printf 'command: vmlinux/update.sh %s\n' "$name"
    } >"$work/PROVENANCE"

    mkdir -p "$here/$name"
    mv -f "$work/vmlinux.h.xz" "$here/$name/vmlinux.h.xz"
    mv -f "$work/PROVENANCE" "$here/$name/PROVENANCE"
    rm -rf "$work"
    trap - EXIT
    say "$name: vmlinux.h $(stat -c %s "$here/$name/vmlinux.h.xz") bytes xz, took $((SECONDS - t0)) s"
}

verify_one() { # verify_one NAME: offline check of the committed files
    local name=$1 dir=$here/$1 want got
    [[ -f $dir/vmlinux.h.xz && -f $dir/PROVENANCE ]] || die "$name: vmlinux/$name/{vmlinux.h.xz,PROVENANCE} missing; run vmlinux/update.sh $name"
    want=$(sed -n 's/^vmlinux\.h-sha256: //p' "$dir/PROVENANCE")
    got=$(xz -dc "$dir/vmlinux.h.xz" | sha256sum | cut -d' ' -f1)
    [[ $want == "$got" ]] || die "$name: vmlinux.h SHA-256 $got, PROVENANCE says $want"
    local pkg ver arch
    pkg=$(sed -n 's/^package: //p' "$dir/PROVENANCE")
    ver=$(sed -n 's/^version: //p' "$dir/PROVENANCE")
    arch=$(sed -n 's/^arch: //p' "$dir/PROVENANCE")
    awk -v p="$pkg" -v v="$ver" -v a="$arch" '!/^#/ && $2 == a && $3 == p && $4 == v { f = 1 } END { exit !f }' "$pins" ||
        die "$name: header was made from $pkg $ver ($arch), which is not what $pins pins; run vmlinux/update.sh $name"
    say "$name: ok ($pkg $ver)"
}

verify=0
if [[ ${1:-} == --verify ]]; then
    verify=1
    shift
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit 0
fi

rows=$(table_rows)
declare -A known=()
while read -r n _; do known[$n]=1; done <<<"$rows"
for a in "$@"; do
    [[ -n ${known[$a]:-} ]] || die "unknown architecture '$a' (names in $table: ${!known[*]})"
done

if [[ $verify -eq 0 ]]; then
    need bpftool bpftool
    need xz xz-utils
    need zstd zstd
    need lz4 lz4
    need python3 python3
fi
while read -r name target debarch suite meta; do
    if [[ $# -gt 0 ]]; then
        sel=0
        for a in "$@"; do [[ $a == "$name" ]] && sel=1; done
        [[ $sel -eq 1 ]] || continue
    fi
    if [[ -z $meta || $meta == - || $suite == - ]]; then
        say "$name: no kernel-suite/kernel-package in the table, skipped"
        continue
    fi
    if [[ $verify -eq 1 ]]; then
        verify_one "$name" </dev/null
    else
        gen_one "$name" "$target" "$debarch" "$suite" "$meta" </dev/null
    fi
done <<<"$rows"
