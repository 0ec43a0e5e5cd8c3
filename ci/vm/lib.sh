# shellcheck shell=bash
# shellcheck disable=SC2154 # VM_A_<column> arrays are declared by vm_load_arches
# ci/vm/lib.sh -- helpers of the VM tests (ci/vm-test.sh, ci/vm/repin.sh).  Source it
# after setting nothing; it sources ci/lib/debfetch.sh and changes no shell option.
#
#   vm_load_arches               read arch/arches.txt into VM_ARCHES + VM_A_<column>[name]
#   vm_arch_key KEY              print the table name for a name, debarch or uname -m value
#   vm_conf KEY [DEFAULT]        print a value of ci/vm/vm.conf
#   vm_release_arches SUITE ARCH print the Architectures of SUITE's Release (after an update)
#   vm_suite_usable SUITE ARCH   is SUITE's index usable for ARCH here (0/1; 2 = arch not in suite)
#   vm_fetch_rows ROW...         fetch+verify pin rows in one apt call per suite/arch; print paths
#   vm_resolve_kernel_row SUITE ARCH META      pin row of META's kernel image package, now
#   vm_resolve_rootfs_rows SUITE ARCH INCLUDE  pin rows of a guest root, now
#   vm_kernel_prepare DEB        unpack the kernel image of a package, once; print its directory
#   vm_rootfs DEBARCH            build (once) the guest root of DEBARCH; print the cpio.gz path
#   vm_install_tools             install the host tools the VM tests need if missing

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_DIR=$VM_TOP/ci/vm
# shellcheck source=ci/lib/debfetch.sh
. "$VM_TOP/ci/lib/debfetch.sh"

VM_CONF=${HBC_VM_CONF:-$VM_DIR/vm.conf}
# shellcheck disable=SC2034 # used by ci/vm-test.sh and ci/vm/repin.sh
VM_KERNEL_PINS=${HBC_VM_KERNEL_PINS:-$VM_DIR/pins.txt}
VM_ROOTFS_PINS=${HBC_VM_ROOTFS_PINS:-$VM_DIR/rootfs-pins.txt}
VM_ARCH_TABLE=${HBC_ARCH_TABLE:-$VM_TOP/arch/arches.txt}

vm_say() { printf 'vm: %s\n' "$*" >&2; }
vm_err() { printf 'vm: error: %s\n' "$*" >&2; return 1; }

vm_cache() { printf '%s/vm\n' "$(debfetch_cache_dir)"; }

# ---------------------------------------------------------------- configuration

vm_conf() {
    local key=${1:?key} def=${2-} v
    v=$(sed -e 's/#.*//' "$VM_CONF" 2>/dev/null |
        awk -v k="$key" 'index($0, k ":") == 1 { v = substr($0, length(k) + 2); gsub(/^[ \t]+|[ \t]+$/, "", v); print v; exit }')
    if [[ -n $v ]]; then
        printf '%s\n' "$v"
    elif [[ -n ${def+x} ]]; then
        printf '%s\n' "$def"
    else
        vm_err "$VM_CONF has no '$key:'"
    fi
}

# ---------------------------------------------------------------- architecture table

# Columns are found by the header comment ("# name target machines ..."), so the table
# may gain columns.  Fills VM_ARCHES (names in table order) and VM_A_<column>[name] for
# the columns the VM tests use.
VM_ARCH_COLUMNS="name machines debarch qemu qmachine qcpu console kernel-package"
vm_load_arches() {
    [[ -r $VM_ARCH_TABLE ]] || { vm_err "architecture table $VM_ARCH_TABLE not readable"; return 1; }
    declare -ga VM_ARCHES=()
    local c
    for c in $VM_ARCH_COLUMNS; do
        declare -gA "VM_A_${c//-/_}=()"
    done
    local rows line
    rows=$(awk -v want="$VM_ARCH_COLUMNS" '
        /^[ \t]*#/ {
            if (!hdr) {
                l = $0; sub(/^[ \t]*#[ \t]*/, "", l); n = split(l, h, /[ \t]+/)
                if (h[1] == "name") { for (i = 1; i <= n; i++) col[h[i]] = i; hdr = 1 }
            }
            next
        }
        { sub(/#.*/, "") }
        NF == 0 { next }
        {
            if (!hdr) { print "ERR no header line (# name target ...) before the first row"; exit }
            nw = split(want, w, " "); out = ""
            for (i = 1; i <= nw; i++) {
                if (!(w[i] in col)) { print "ERR no column " w[i] " in the header"; exit }
                out = out (i > 1 ? " " : "") $col[w[i]]
            }
            print out
        }' "$VM_ARCH_TABLE")
    while read -r line; do
        [[ -n $line ]] || continue
        [[ $line == ERR* ]] && { vm_err "$VM_ARCH_TABLE: ${line#ERR }"; return 1; }
        local -a f
        read -r -a f <<<"$line"
        local i=0 name=${f[0]}
        VM_ARCHES+=("$name")
        for c in $VM_ARCH_COLUMNS; do
            local -n ref="VM_A_${c//-/_}"
            # shellcheck disable=SC2034 # used by callers through the nameref
            ref["$name"]=${f[i]}
            unset -n ref
            i=$((i + 1))
        done
    done <<<"$rows"
    [[ ${#VM_ARCHES[@]} -gt 0 ]] || { vm_err "$VM_ARCH_TABLE has no rows"; return 1; }
}

# vm_arch_key KEY: the table name whose name, debarch or one of whose machines is KEY.
vm_arch_key() {
    local key=${1:?arch} n m
    for n in "${VM_ARCHES[@]}"; do
        [[ $key == "$n" || $key == "${VM_A_debarch[$n]}" ]] && { printf '%s\n' "$n"; return 0; }
        for m in ${VM_A_machines[$n]//,/ }; do
            [[ $key == "$m" ]] && { printf '%s\n' "$n"; return 0; }
        done
    done
    vm_err "architecture '$key' is not in $VM_ARCH_TABLE (names: ${VM_ARCHES[*]})"
}

# ---------------------------------------------------------------- archive helpers

_vm_inrelease() {
    local d
    d="$(debfetch_cache_dir)/apt/$1-$2/lists"
    find "$d" -maxdepth 1 -name "*_dists_${1}_InRelease" -print -quit 2>/dev/null
}

# vm_suite_usable SUITE ARCH: 0 if the private index of SUITE/ARCH updates cleanly, 2 if
# SUITE's Release does not list ARCH, 1 if the index is unusable (e.g. "File has
# unexpected size" while the mirror syncs).
vm_suite_usable() {
    local suite=$1 arch=$2 rel archs rc=0 err
    # for trying the fallbacks: HBC_VM_BROKEN_INDEX="SUITE/ARCH ..." plays unusable indexes
    if [[ " ${HBC_VM_BROKEN_INDEX:-} " == *" $suite/$arch "* ]]; then
        vm_say "pretending the $suite/$arch index is unusable (HBC_VM_BROKEN_INDEX)"
        return 1
    fi
    err="$(vm_cache)/.usable.$$"
    mkdir -p "$(vm_cache)" || return 1
    debfetch_apt "$suite" "$arch" 2>"$err" || rc=1
    rel=$(_vm_inrelease "$suite" "$arch")
    archs=""
    [[ -n $rel ]] && archs=$(sed -n 's/^Architectures: //p' "$rel" | head -n1)
    if [[ -n $archs && " $archs " != *" $arch "* ]]; then
        rc=2
    elif [[ $rc != 0 ]]; then
        sed 's/^/  /' "$err" >&2
    fi
    rm -f "$err"
    return "$rc"
}

# The path debfetch_fetch uses for a verified package.
_vm_deb_path() { printf '%s/debs/%s_%s_%s.deb\n' "$(debfetch_cache_dir)" "$3" "${4//:/%3a}" "$2"; }

# vm_fetch_rows ROW...: each ROW is a pin row "suite arch package version sha256 ...".
# Packages already cached (and matching their SHA-256) are reused; the others of one
# suite/arch are downloaded by a single apt-get call, verified and put where
# debfetch_fetch keeps them; a package apt cannot get in bulk goes through
# debfetch_fetch for its precise diagnosis.  Prints one path per row, in order.
vm_fetch_rows() {
    local -a rows=("$@") paths=()
    local -A todo=() # "suite arch" -> space-separated indexes still missing
    local i row
    for i in "${!rows[@]}"; do
        local -a f
        read -r -a f <<<"${rows[$i]}"
        [[ ${#f[@]} -ge 5 && ${f[4]} =~ ^[0-9a-f]{64}$ ]] || { vm_err "malformed pin row: ${rows[$i]}"; return 1; }
        local p
        p=$(_vm_deb_path "${f[@]}")
        paths[i]=$p
        if [[ -f $p && $(sha256sum <"$p" | cut -d' ' -f1) == "${f[4]}" ]]; then
            continue
        fi
        todo["${f[0]} ${f[1]}"]+=" $i"
    done
    local key
    for key in "${!todo[@]}"; do
        local suite=${key% *} arch=${key#* } tmp
        local -a specs=() idx
        read -r -a idx <<<"${todo[$key]}"
        for i in "${idx[@]}"; do
            local -a f
            read -r -a f <<<"${rows[$i]}"
            specs+=("${f[2]}:${f[1]}=${f[3]}")
        done
        mkdir -p "$(debfetch_cache_dir)/debs" || return 1
        tmp=$(mktemp -d "$(debfetch_cache_dir)/debs/.vm.XXXXXX") || return 1
        vm_say "downloading ${#specs[@]} package(s) from $suite/$arch"
        (cd "$tmp" && debfetch_aptget "$suite" "$arch" -q -q download "${specs[@]}" >&2) ||
            vm_say "bulk download from $suite/$arch failed; trying one by one"
        for i in "${idx[@]}"; do
            local -a f
            read -r -a f <<<"${rows[$i]}"
            local got
            got=$(find "$tmp" -maxdepth 1 -name "${f[2]}_*.deb" -print -quit)
            if [[ -n $got && $(sha256sum <"$got" | cut -d' ' -f1) == "${f[4]}" ]]; then
                mv -f "$got" "${paths[$i]}" || { rm -rf "$tmp"; return 1; }
            else
                # wrong or no file: debfetch_fetch says why (superseded, mismatch, ...)
                paths[i]=$(debfetch_fetch "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}") ||
                    { rm -rf "$tmp"; return 1; }
            fi
        done
        rm -rf "$tmp"
    done
    printf '%s\n' "${paths[@]}"
}

# ---------------------------------------------------------------- resolving from the archive

# vm_pin_row SUITE ARCH PACKAGE VERSION SHA256 [RESOLVER]: one pin row, as ci/pins.sh writes them
vm_pin_row() {
    printf '%-8s %-8s %-36s %-24s %s%s\n' "$1" "$2" "$3" "$4" "$5" "${6:+  $6}" | sed 's/[[:space:]]*$//'
}

# vm_resolve_kernel_row SUITE ARCH META: the pin row of the package holding the kernel
# image behind META (kernel-image-globs of vm.conf) as SUITE's index has it now.
vm_resolve_kernel_row() {
    local suite=$1 arch=$2 meta=$3 globs pkg ver sha
    globs=$(vm_conf kernel-image-globs) || return 1
    pkg=$(debfetch_resolve "$suite" "$arch" "$meta" "$globs") || return 1
    ver=$(debfetch_field "$suite" "$arch" "$pkg" Version) || { vm_err "$pkg has no version in $suite/$arch"; return 1; }
    sha=$(debfetch_field "$suite" "$arch" "$pkg=$ver" SHA256) || { vm_err "no SHA256 for $pkg $ver"; return 1; }
    vm_pin_row "$suite" "$arch" "$pkg" "$ver" "$sha" "$meta>$globs"
}

# vm_resolve_rootfs_rows SUITE ARCH "INCLUDE...": the pin rows of a guest root as SUITE's
# index has it now -- its Essential:yes packages plus INCLUDE, closed over dependencies
# by apt (without recommends), each with the archive's SHA-256.
vm_resolve_rootfs_rows() {
    local suite=$1 arch=$2 include=$3 p v
    local -a want
    mapfile -t want < <(debfetch_aptcache "$suite" "$arch" dumpavail |
        awk '/^Package:/ { p = $2 } /^Essential: yes/ { print p }' | sort -u)
    [[ ${#want[@]} -gt 0 && -n ${want[0]} ]] || { vm_err "no Essential:yes package in $suite/$arch"; return 1; }
    for p in $include; do want+=("$p:$arch"); done
    local sim
    sim=$(debfetch_aptget "$suite" "$arch" install -s -q -o APT::Install-Recommends=false "${want[@]}" 2>&1) ||
        { vm_err "apt cannot resolve the $arch guest root: $sim"; return 1; }
    local -A vers=() shas=()
    while read -r _ p v _; do
        vers[$p]=${v#(}
    done < <(grep '^Inst ' <<<"$sim")
    [[ ${#vers[@]} -gt 0 ]] || { vm_err "apt resolved no package for the $arch guest root"; return 1; }
    local -a specs=()
    for p in "${!vers[@]}"; do specs+=("$p:$arch=${vers[$p]}"); done
    local uris file hash
    uris=$(debfetch_aptget "$suite" "$arch" download --print-uris "${specs[@]}") || return 1
    while read -r _ file _ hash; do
        [[ $hash == SHA256:* ]] || { vm_err "no SHA256 for $file"; return 1; }
        shas[${file%%_*}]=${hash#SHA256:}
    done <<<"$uris"
    for p in $(printf '%s\n' "${!vers[@]}" | LC_ALL=C sort); do
        [[ -n ${shas[$p]:-} ]] || { vm_err "no download record for $p"; return 1; }
        vm_pin_row "$suite" "$arch" "$p" "${vers[$p]}" "${shas[$p]}"
    done
}

# vm_row_cached ROW: is the package of this pin row in the cache with the pinned SHA-256?
vm_row_cached() {
    local -a f
    read -r -a f <<<"$1"
    local p
    p=$(_vm_deb_path "${f[@]}")
    [[ -f $p && $(sha256sum <"$p" | cut -d' ' -f1) == "${f[4]}" ]]
}

# ---------------------------------------------------------------- kernels

# _vm_unzboot IN OUT: if IN is an EFI zboot image ("zimg" at offset 4), write its
# decompressed payload to OUT (status 0, or 1 on error); status 2 if IN is not one.
_vm_unzboot() {
    local in=$1 out=$2 off size comp
    [[ $(od -An -c -j4 -N4 "$in" | tr -d ' ') == zimg ]] || return 2
    off=$(od -An -tu4 -j8 -N4 "$in" | tr -d ' ')
    size=$(od -An -tu4 -j12 -N4 "$in" | tr -d ' ')
    comp=$(od -An -c -j24 -N32 "$in" | tr -d ' \n' | sed 's/\\0.*//')
    local -a dec
    case $comp in
    gzip) dec=(gzip -dc) ;;
    zstd) dec=(zstd -dc) ;;
    xz) dec=(xz -dc) ;;
    lzma) dec=(xz --format=lzma -dc) ;;
    bzip2) dec=(bzip2 -dc) ;;
    lz4) dec=(lz4 -dc) ;;
    lzo) dec=(lzop -dc) ;;
    *) vm_err "zboot image $in: unknown compression '$comp'"; return 1 ;;
    esac
    tail -c +"$((off + 1))" "$in" | head -c "$size" | "${dec[@]}" >"$out" ||
        { vm_err "cannot decompress the $comp payload of zboot image $in"; return 1; }
}

# vm_kernel_prepare DEB: unpack the kernel image (and its config, if the package has it)
# of a Debian kernel package into $cache/vm/kernels/<sha256 of DEB>/ once, decompressing
# EFI zboot and gzip'd images for QEMU's -kernel.  Prints the directory, which holds
# "vmlinuz", "release" and maybe "config".
vm_kernel_prepare() {
    local deb=${1:?deb} sha dir work
    sha=$(sha256sum <"$deb" | cut -d' ' -f1) || return 1
    dir="$(vm_cache)/kernels/$sha"
    if [[ -f $dir/vmlinuz && -f $dir/release ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    mkdir -p "$(vm_cache)/kernels" || return 1
    local lockfd rc=0
    exec {lockfd}>"$(vm_cache)/kernels/.lock" || return 1
    flock "$lockfd" || { exec {lockfd}>&-; return 1; }
    _vm_kernel_unpack "$deb" "$dir" || rc=1
    exec {lockfd}>&-
    return "$rc"
}

_vm_kernel_unpack() {
    local deb=$1 dir=$2 work
    if [[ -f $dir/vmlinuz && -f $dir/release ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    rm -rf "$(vm_cache)/kernels/.tmp".*
    work=$(mktemp -d "$(vm_cache)/kernels/.tmp.XXXXXX") || return 1
    # only the image and the config: no module tree (the guest needs no modules)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards --no-wildcards-match-slash \
        './boot/vmlinu[xz]-*' './boot/Image-*' './boot/config-*' \
        './usr/lib/modules/*/vmlinu[xz]' './usr/lib/modules/*/config' 2>/dev/null
    local image
    image=$(cd "$work" && find . -type f \( -path './boot/vmlinu[xz]-*' -o -path './boot/Image-*' \
        -o -path './usr/lib/modules/*/vmlinu[xz]' \) | sort | head -n1)
    if [[ -z $image ]]; then
        rm -rf "$work"
        vm_err "no kernel image (boot/vmlinu[xz]-*, usr/lib/modules/*/vmlinu[xz]) in $deb"
        return 1
    fi
    local release
    case $image in
    ./boot/*) release=${image#./boot/*-} ;;
    *) release=${image#./usr/lib/modules/}; release=${release%%/*} ;;
    esac
    local cfg
    cfg=$(cd "$work" && find . -type f \( -path "./boot/config-$release" -o -path "./usr/lib/modules/$release/config" \) -print -quit)
    mkdir -p "$work/out"
    local zrc=0
    _vm_unzboot "$work/$image" "$work/out/vmlinuz" || zrc=$?
    if [[ $zrc == 0 ]]; then
        vm_say "kernel $release: decompressed the EFI zboot payload"
    elif [[ $zrc == 1 ]]; then
        rm -rf "$work"
        return 1
    elif [[ $(od -An -tx1 -N2 "$work/$image" | tr -d ' ') == 1f8b ]]; then
        gzip -dc <"$work/$image" >"$work/out/vmlinuz" || { rm -rf "$work"; return 1; }
    else
        mv "$work/$image" "$work/out/vmlinuz"
    fi
    [[ -n $cfg ]] && mv "$work/$cfg" "$work/out/config"
    printf '%s\n' "$release" >"$work/out/release"
    rm -rf "$dir"
    mv "$work/out" "$dir" && rm -rf "$work" || return 1
    printf '%s\n' "$dir"
}

# ---------------------------------------------------------------- host tools

# command -> Debian package
VM_HOST_TOOLS="mmdebstrap:mmdebstrap bsdtar:libarchive-tools update-binfmts:binfmt-support
arch-test:arch-test dpkg-deb:dpkg gzip:gzip flock:util-linux timeout:coreutils"

# vm_install_tools [QEMU-BINARY...]: install missing host tools (and the QEMU system
# emulators named, plus qemu-user-static for foreign guest roots and opensbi where a
# riscv64 emulator is wanted).  Needs root to install anything.
vm_install_tools() {
    local -a missing=()
    local t cmd pkg
    for t in $VM_HOST_TOOLS; do
        cmd=${t%%:*}
        pkg=${t#*:}
        command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd ]] || missing+=("$pkg")
    done
    local q
    for q in "$@"; do
        command -v "$q" >/dev/null 2>&1 && continue
        pkg=$(_vm_qemu_package "$q") || return 1
        missing+=("$pkg")
    done
    # foreign roots are configured under qemu-user through binfmt_misc
    [[ -e /usr/libexec/qemu-binfmt || -e /usr/bin/qemu-aarch64-static ]] || missing+=(qemu-user-static)
    local want_sbi=0
    for q in "$@"; do [[ $q == *riscv* ]] && want_sbi=1; done
    if [[ $want_sbi == 1 ]] && ! dpkg-query -W -f='${Status}' opensbi 2>/dev/null | grep -q 'ok installed'; then
        missing+=(opensbi)
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
        if [[ $EUID -ne 0 ]]; then
            vm_err "missing host packages: ${missing[*]} (apt-get install ${missing[*]})"
            return 1
        fi
        vm_say "installing ${missing[*]}"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}"; } >&2 ||
            { vm_err "cannot install ${missing[*]}"; return 1; }
    fi
    PATH=$PATH:/usr/sbin:/sbin
}

# Debian package that ships a qemu-system-* binary.
_vm_qemu_package() {
    case $1 in
    qemu-system-x86_64 | qemu-system-i386) echo qemu-system-x86 ;;
    qemu-system-aarch64 | qemu-system-arm) echo qemu-system-arm ;;
    qemu-system-ppc*) echo qemu-system-ppc ;;
    qemu-system-mips*) echo qemu-system-mips ;;
    qemu-system-s390x | qemu-system-sparc* | qemu-system-riscv* | qemu-system-loongarch64) echo qemu-system-misc ;;
    *) vm_err "do not know which Debian package ships $1"; return 1 ;;
    esac
}

# vm_binfmt DEBARCH: make sure foreign binaries of DEBARCH run (binfmt_misc + qemu-user).
vm_binfmt() {
    local arch=$1
    [[ $arch == "$(dpkg --print-architecture)" ]] && return 0
    arch-test "$arch" >/dev/null 2>&1 && return 0
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
            { vm_err "binfmt_misc is not mounted and cannot be (mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)"; return 1; }
    fi
    update-binfmts --enable >/dev/null 2>&1 || true
    arch-test "$arch" >/dev/null 2>&1 ||
        { vm_err "cannot run $arch binaries on this host (arch-test $arch: $(arch-test "$arch" 2>&1))"; return 1; }
}

# ---------------------------------------------------------------- guest root

# Directories whose files (not subdirectories, which other packages may share with the
# package under test) are deleted once the guest root is built, to keep the initramfs
# small.  The guest's dpkg still lists them; the package under test installs all of its.
VM_ROOTFS_PRUNE="/usr/share/doc /usr/share/man /usr/share/info /usr/share/locale /usr/share/lintian /usr/share/common-licenses"

# vm_rootfs_rows DEBARCH: the pin rows of DEBARCH's guest root.
vm_rootfs_rows() {
    [[ -r $VM_ROOTFS_PINS ]] || { vm_err "$VM_ROOTFS_PINS not readable"; return 1; }
    sed -e 's/#.*//' "$VM_ROOTFS_PINS" | awk -v a="$1" 'NF > 0 && $2 == a { $1 = $1; print }'
}

# vm_rootfs_key DEBARCH: hash of everything the guest root is made of: its pin rows,
# the pruned paths and the code that builds it (_vm_rootfs_build, _vm_repo_index).
vm_rootfs_key() {
    local rows
    rows=$(vm_rootfs_rows "$1") || return 1
    [[ -n $rows ]] || { vm_err "$VM_ROOTFS_PINS has no rows for $1: run ci/vm/repin.sh rootfs"; return 1; }
    { printf '%s\n' "$rows" "$VM_ROOTFS_PRUNE"; declare -f _vm_rootfs_build _vm_repo_index; } |
        sha256sum | cut -c1-16
}

# vm_rootfs_cached DEBARCH: is the guest root of the current pins built?
vm_rootfs_cached() {
    local key
    key=$(vm_rootfs_key "$1" 2>/dev/null) || return 1
    [[ -f "$(vm_cache)/rootfs/$1-$key/root.cpio.gz" ]]
}

# vm_rootfs DEBARCH: print the path of DEBARCH's guest root as a gzip'd newc cpio
# (an initramfs without /init), building it under $cache/vm/rootfs/ when its key changed.
vm_rootfs() {
    local arch=${1:?debarch} key dir lockfd
    key=$(vm_rootfs_key "$arch") || return 1
    dir="$(vm_cache)/rootfs/$arch-$key"
    mkdir -p "$(vm_cache)/rootfs" || return 1
    exec {lockfd}>"$(vm_cache)/rootfs/.$arch.lock" || return 1
    flock "$lockfd" || { exec {lockfd}>&-; return 1; }
    if [[ ! -f $dir/root.cpio.gz ]]; then
        local t0=$SECONDS
        # left by an interrupted build (we hold the lock)
        rm -rf "$(vm_cache)/rootfs/.build-$arch".*
        vm_say "building the $arch guest root ($key)"
        if _vm_rootfs_build "$arch" "$dir"; then
            vm_say "built the $arch guest root in $((SECONDS - t0)) s: $(du -h "$dir/root.cpio.gz" | cut -f1) compressed"
            # roots of other pins unused for a week are dead weight (not sooner: another
            # checkout with other pins may share this cache)
            find "$(vm_cache)/rootfs" -mindepth 1 -maxdepth 1 -type d -name "$arch-*" ! -name "$arch-$key" \
                -mtime +7 -exec rm -rf {} + 2>/dev/null
        else
            exec {lockfd}>&-
            vm_err "building the $arch guest root failed"
            return 1
        fi
    fi
    exec {lockfd}>&-
    touch "$dir"
    printf '%s\n' "$dir/root.cpio.gz"
}

# _vm_repo_index DIR SUITE ARCH: make DIR, a directory of .deb files, a flat repository:
# Packages{,.gz} (apt's file method wants a compressed index too) and a Release naming
# SUITE, which mmdebstrap matches when it picks the Essential:yes packages.
_vm_repo_index() {
    local d=$1 suite=$2 arch=$3 f
    for f in "$d"/*.deb; do
        dpkg-deb -f "$f" | sed '/^$/d'
        printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "${f##*/}" "$(stat -L -c %s "$f")" \
            "$(sha256sum <"$f" | cut -d' ' -f1)"
    done >"$d/Packages"
    gzip -n -k "$d/Packages"
    {
        printf 'Origin: hello-buffer-config\nSuite: %s\nCodename: %s\nArchitectures: %s all\n' "$suite" "$suite" "$arch"
        printf 'Date: %s\nSHA256:\n' "$(LC_ALL=C date -u -R -d @0)"
        for f in Packages Packages.gz; do
            printf ' %s %s %s\n' "$(sha256sum <"$d/$f" | cut -d' ' -f1)" "$(stat -c %s "$d/$f")" "$f"
        done
    } >"$d/Release"
}

_vm_rootfs_build() {
    local arch=$1 dir=$2 work rows suite
    rows=$(vm_rootfs_rows "$arch") || return 1
    suite=$(awk '{ print $1 }' <<<"$rows" | sort -u)
    [[ $(wc -l <<<"$suite") -eq 1 ]] || { vm_err "$VM_ROOTFS_PINS: $arch rows name several suites"; return 1; }
    vm_binfmt "$arch" || return 1
    mkdir -p "$(vm_cache)/rootfs" || return 1
    work=$(mktemp -d "$(vm_cache)/rootfs/.build-$arch.XXXXXX") || return 1
    local -a rowa debs
    mapfile -t rowa <<<"$rows"
    mapfile -t debs < <(vm_fetch_rows "${rowa[@]}") || { rm -rf "$work"; return 1; }
    [[ ${#debs[@]} -eq ${#rowa[@]} ]] || { rm -rf "$work"; vm_err "fetching the $arch root packages failed"; return 1; }
    mkdir "$work/repo"
    local f essential=() include=()
    for f in "${debs[@]}"; do
        ln -s "$f" "$work/repo/${f##*/}"
        if [[ $(dpkg-deb -f "$f" Essential) == yes ]]; then
            essential+=("$(dpkg-deb -f "$f" Package)")
        else
            include+=("$(dpkg-deb -f "$f" Package)")
        fi
    done
    _vm_repo_index "$work/repo" "$suite" "$arch"
    local prune="" x
    for x in $VM_ROOTFS_PRUNE; do prune+=" \"\$1$x\""; done
    # The Essential:yes packages of the repository are the "essential" variant; the others
    # are named.  Nothing but the pinned packages is there to choose from.
    local inc
    inc=$(IFS=,; printf '%s' "${include[*]}")
    if ! mmdebstrap --mode=root ${HBC_VM_MMDEBSTRAP_VERBOSE:+--verbose} --variant=essential --architectures="$arch" \
        ${inc:+--include="$inc"} --aptopt='Acquire::Languages "none"' \
        --customize-hook="for d in$prune; do [ ! -d \"\$d\" ] || find \"\$d\" -depth ! -type d -delete; done" \
        --customize-hook='printf "hbc-vm\n" >"$1/etc/hostname"' \
        "$suite" "$work/root.tar" "deb [trusted=yes] copy://$work/repo ./" >"$work/mmdebstrap.log" 2>&1; then
        cp "$work/mmdebstrap.log" "$(vm_cache)/rootfs/$arch-failed.log"
        grep -v '^Get:' "$work/mmdebstrap.log" | tail -n 30 >&2
        vm_say "whole log: $(vm_cache)/rootfs/$arch-failed.log"
        rm -rf "$work"
        return 1
    fi
    mkdir -p "$work/out"
    tar -tvf "$work/root.tar" | awk '{ print $1, $6 }' | sort -k2 >"$work/out/contents.txt"
    bsdtar --format newc -cf - @"$work/root.tar" | gzip -n -6 >"$work/out/root.cpio.gz" ||
        { rm -rf "$work"; return 1; }
    printf '%s\n' "${rowa[@]}" >"$work/out/pins.txt"
    rm -rf "$dir"
    mv "$work/out" "$dir" && rm -rf "$work"
}
