#!/usr/bin/env bash
# ci/vm/repin.sh [kernels|rootfs|all] [ARCH...]
#   Re-resolve the VM tests' pins from Debian's archive now (default: all, every row of
#   arch/arches.txt; ARCH is a name, debarch or uname -m of a row):
#   kernels  ci/vm/pins.txt: the default kernel matrix -- for each architecture and each
#            kernel-suites entry of ci/vm/vm.conf, the package holding the image in the
#            closure of the kernel-package meta package (skipped where the suite lacks
#            the architecture, fallback-suite where its index is unusable here).
#   rootfs   ci/vm/rootfs-pins.txt: the guest root -- the Essential:yes set of the first
#            usable rootfs-suites entry plus rootfs-include, closed over dependencies.
#   Every new package is downloaded and verified against the archive's SHA-256.
#   Rows of architectures not named are kept.  To move existing kernel rows (or root
#   packages) to newer versions of the same packages only, `ci/pins.sh refresh FILE`
#   works too; repin.sh also picks up a new kernel ABI or a new dependency.
# shellcheck disable=SC2154 # VM_A_<column> arrays are declared by vm_load_arches
set -euo pipefail

# shellcheck source=ci/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

die() { vm_err "$*" || true; exit 1; }
what=${1:-all}
[[ $# -gt 0 ]] && shift
case $what in kernels | rootfs | all) ;; -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;; *) die "usage: $0 [kernels|rootfs|all] [ARCH...]" ;; esac

vm_load_arches || exit 1
declare -a names=()
if [[ $# -gt 0 ]]; then
    for a in "$@"; do names+=("$(vm_arch_key "$a")") || exit 1; done
else
    names=("${VM_ARCHES[@]}")
fi


# keep_rows FILE DEBARCH...: the rows of FILE whose arch is not among DEBARCH.
keep_rows() {
    local f=$1
    shift
    [[ -r $f ]] || return 0
    sed -e 's/#.*//' "$f" | awk -v drop=" $* " 'NF > 0 && index(drop, " " $2 " ") == 0'
}

usable_or_say() { # usable_or_say SUITE ARCH -> 0 usable, 2 not in suite, 1 unusable
    local rc=0
    vm_suite_usable "$1" "$2" || rc=$?
    case $rc in
    0) ;;
    2) vm_say "$1 has no $2: skipped" ;;
    *) vm_say "the $1/$2 index is unusable here (see above)" ;;
    esac
    return "$rc"
}

repin_kernels() {
    local suites fallback
    suites=$(vm_conf kernel-suites) && fallback=$(vm_conf fallback-suite) || exit 1
    local -a rows=() drop=()
    local n
    for n in "${names[@]}"; do
        local arch=${VM_A_debarch[$n]} meta=${VM_A_kernel_package[$n]}
        drop+=("$arch")
        local -a use=()
        local s rc
        for s in $suites; do
            rc=0
            usable_or_say "$s" "$arch" || rc=$?
            if [[ $rc == 0 ]]; then
                use+=("$s")
            elif [[ $rc == 1 && -n $fallback && " ${use[*]} $suites " != *" $fallback "* ]]; then
                if usable_or_say "$fallback" "$arch"; then
                    vm_say "using $fallback for $arch instead of $s"
                    use+=("$fallback")
                fi
            fi
        done
        [[ ${#use[@]} -gt 0 ]] || die "no usable suite for $arch kernels"
        for s in "${use[@]}"; do
            local row
            row=$(vm_resolve_kernel_row "$s" "$arch" "$meta") || exit 1
            vm_fetch_rows "$row" >/dev/null || exit 1
            vm_say "kernel $s/$arch: $(awk '{ print $3, $4 }' <<<"$row")"
            rows+=("$row")
        done
    done
    local tmp
    tmp=$(mktemp "$VM_KERNEL_PINS.XXXXXX")
    {
        cat <<'HDR'
# The default kernel matrix of ci/vm-test.sh: one VM per row.  Written by
# `ci/vm/repin.sh kernels` from arch/arches.txt and ci/vm/vm.conf; `ci/pins.sh refresh
# ci/vm/pins.txt` moves each row to the current package of its meta package.
# suite  arch     package                              version                  sha256  resolver
HDR
        keep_rows "$VM_KERNEL_PINS" "${drop[@]}"
        printf '%s\n' "${rows[@]}"
    } >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$VM_KERNEL_PINS"
    vm_say "wrote $VM_KERNEL_PINS"
}

repin_rootfs() {
    local suites include
    suites=$(vm_conf rootfs-suites) && include=$(vm_conf rootfs-include) || exit 1
    local -a rows=() drop=()
    local n
    for n in "${names[@]}"; do
        local arch=${VM_A_debarch[$n]} suite="" s
        drop+=("$arch")
        for s in $suites; do
            if usable_or_say "$s" "$arch"; then suite=$s; break; fi
        done
        [[ -n $suite ]] || die "none of '$suites' is usable for the $arch guest root"
        local -a new
        local out
        out=$(vm_resolve_rootfs_rows "$suite" "$arch" "$include") || exit 1
        mapfile -t new <<<"$out"
        vm_fetch_rows "${new[@]}" >/dev/null || exit 1
        vm_say "guest root $suite/$arch: ${#new[@]} packages"
        rows+=("${new[@]}")
    done
    local tmp
    tmp=$(mktemp "$VM_ROOTFS_PINS.XXXXXX")
    {
        cat <<'HDR'
# Packages of the VM tests' guest roots, one closure per architecture.  Written by
# `ci/vm/repin.sh rootfs` (Essential:yes + rootfs-include of ci/vm/vm.conf); the root is
# rebuilt when these rows change.
# suite  arch     package                              version                  sha256
HDR
        keep_rows "$VM_ROOTFS_PINS" "${drop[@]}"
        printf '%s\n' "${rows[@]}"
    } >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$VM_ROOTFS_PINS"
    vm_say "wrote $VM_ROOTFS_PINS"
}

mkdir -p "$(vm_cache)"
case $what in
kernels) repin_kernels ;;
rootfs) repin_rootfs ;;
all) repin_kernels; repin_rootfs ;;
esac
