#!/usr/bin/env bash
# ci/vm-test.sh -- boot Debian kernels of every architecture under QEMU, install the
# package in the guest with its own dpkg, trace execs there, and print a matrix.
#
#   ci/vm-test.sh [--arch A]... [--kernel PKG[=VERSION]]... [--suite S]
#                 [--package-dir DIR] [--jobs N] [--list] [--keep] [--log-dir DIR]
#
#   --arch A       only these architectures (name, debarch or uname -m of a row of
#                  arch/arches.txt); default: every row
#   --kernel PKG[=VERSION]
#                  instead of the default matrix (ci/vm/pins.txt), boot this Debian kernel
#                  package: a linux-image-*/linux-binary-* package or a meta package such
#                  as linux-image-arm64.  Its architecture is --arch, or the -DEBARCH
#                  ending of its name.  Not pinned: the current (or given) version is
#                  taken from the archive and printed with its SHA-256.
#   --suite S      the suite to find --kernel packages in (default: search the
#                  kernel-search-suites of ci/vm/vm.conf)
#   --package-dir DIR  where the .deb of each architecture is (default build/packages):
#                  hello-buffer-config_*_<debarch>.deb
#   --jobs N       VMs at once (default 2, or 1 on a 1-CPU machine); each VM gets nproc/N
#                  CPUs, at least 1
#   --list         print the matrix and exit (--list-json: as JSON, for CI job matrices)
#   --keep         keep each VM's work directory (initramfs, kernel) for debugging
#   --log-dir DIR  console logs (default build/vm-logs): one <arch>-<suite>-<kernel>.log
#                  per VM, and matrix.txt, the table
#
# Environment: HBC_VM_ACCEL=auto|kvm|tcg (default auto: KVM when the guest has the
# host's architecture and /dev/kvm works), HBC_VM_BOOT_TIMEOUT, HBC_VM_TEST_TIMEOUT,
# plus ci/lib/debfetch.sh's HBC_CACHE_DIR etc.
# The last line is "vm: N passed, N failed"; the exit status is 0 only if all passed.
# shellcheck disable=SC2154 # VM_A_<column> arrays are declared by vm_load_arches
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=ci/vm/lib.sh
. "$top/ci/vm/lib.sh"

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { printf 'vm-test.sh: error: %s\n' "$*" >&2; printf 'vm: 0 passed, 1 failed\n'; exit 2; }

# two VMs of one CPU each finish the default matrix about a third sooner than one VM of
# two CPUs at a time on a 2-core machine (TCG guests are mostly single-threaded)
jobs=$(nproc 2>/dev/null || echo 1)
[[ $jobs -gt 2 ]] && jobs=2
arch_args=() kernel_args=() suite="" pkgdir=$top/build/packages list=0 keep=0
logdir=$top/build/vm-logs
while [[ $# -gt 0 ]]; do
    case $1 in
    --arch) arch_args+=("${2:?--arch needs a value}"); shift ;;
    --arch=*) arch_args+=("${1#*=}") ;;
    --kernel) kernel_args+=("${2:?--kernel needs a value}"); shift ;;
    --kernel=*) kernel_args+=("${1#*=}") ;;
    --suite) suite=${2:?--suite needs a value}; shift ;;
    --suite=*) suite=${1#*=} ;;
    --package-dir) pkgdir=${2:?--package-dir needs a value}; shift ;;
    --package-dir=*) pkgdir=${1#*=} ;;
    --jobs | -j) jobs=${2:?--jobs needs a value}; shift ;;
    --jobs=*) jobs=${1#*=} ;;
    --log-dir) logdir=${2:?--log-dir needs a value}; shift ;;
    --log-dir=*) logdir=${1#*=} ;;
    --list) list=1 ;;
    --list-json) list=json ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
    esac
    shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number"

vm_load_arches || die "cannot read the architecture table"
declare -A want_arch=()
for a in "${arch_args[@]}"; do
    n=$(vm_arch_key "$a") || die "unknown architecture '$a'"
    want_arch[$n]=1
done

# ---------------------------------------------------------------- the matrix
# One entry per VM: "name suite arch package version sha256 origin" (origin: pinned|archive).
declare -a matrix=()

# kernel_arch SPEC: the table name for a --kernel package
kernel_arch() {
    local pkg=$1 n
    if [[ ${#want_arch[@]} -eq 1 ]]; then
        printf '%s\n' "${!want_arch[@]}"
        return 0
    fi
    [[ ${#want_arch[@]} -gt 1 ]] && { vm_err "--kernel $pkg: give one --arch (several given)"; return 1; }
    for n in "${VM_ARCHES[@]}"; do
        [[ $pkg == *-"${VM_A_debarch[$n]}" ]] && { printf '%s\n' "$n"; return 0; }
    done
    vm_err "--kernel $pkg: its name does not end in -DEBARCH of a row of $VM_ARCH_TABLE; add --arch"
}

# resolve_kernel NAME SPEC: print the matrix entry for a user-given kernel.
resolve_kernel() {
    local n=$1 spec=$2 arch pkg ver="" globs
    arch=${VM_A_debarch[$n]}
    pkg=${spec%%=*}
    [[ $spec == *=* ]] && ver=${spec#*=}
    globs=$(vm_conf kernel-image-globs) || return 1
    # a pinned row for exactly this package (and version, if given) is used as pinned
    local row
    row=$(sed -e 's/#.*//' "$VM_KERNEL_PINS" 2>/dev/null | awk -v p="$pkg" -v a="$arch" -v v="$ver" \
        'NF >= 5 && $2 == a && $3 == p && (v == "" || $4 == v) { print $1, $2, $3, $4, $5; exit }')
    if [[ -n $row ]]; then
        local -a f
        read -r -a f <<<"$row"
        printf '%s %s %s %s %s %s pinned\n' "$n" "${f[0]}" "$arch" "${f[2]}" "${f[3]}" "${f[4]}"
        return 0
    fi
    local suites s rc
    if [[ -n $suite ]]; then
        suites=$suite
    else
        suites=$(vm_conf kernel-search-suites) || return 1
    fi
    for s in $suites; do
        rc=0
        vm_suite_usable "$s" "$arch" 2>/dev/null || rc=$?
        [[ $rc == 0 ]] || continue
        debfetch_field "$s" "$arch" "$pkg" Package >/dev/null 2>&1 || continue
        # the package holding the image: PKG itself if it is a linux-binary-* one, else a
        # dependency matching the globs (meta packages, split images), else PKG itself
        local img="" g
        if [[ $pkg == linux-binary-* ]]; then
            img=$pkg
        else
            img=$(debfetch_resolve "$s" "$arch" "$pkg" "$globs" 2>/dev/null) || img=""
            if [[ -z $img ]]; then
                local -a gl
                IFS=, read -r -a gl <<<"$globs"
                for g in "${gl[@]}"; do
                    # shellcheck disable=SC2053 # a glob on purpose
                    [[ $pkg == $g ]] && img=$pkg
                done
            fi
        fi
        [[ -n $img ]] || { vm_err "$pkg ($s/$arch) holds no kernel image and depends on no $globs"; return 1; }
        local v sha
        if [[ $img == "$pkg" && -n $ver ]]; then
            v=$(debfetch_field "$s" "$arch" "$pkg=$ver" Version) ||
                { vm_err "$pkg $ver is not in $s/$arch (only $(debfetch_field "$s" "$arch" "$pkg" Version))"; return 1; }
        else
            [[ -n $ver && $img != "$pkg" ]] &&
                vm_say "--kernel $spec: $pkg is a meta package; using the current $img"
            v=$(debfetch_field "$s" "$arch" "$img" Version) || return 1
        fi
        sha=$(debfetch_field "$s" "$arch" "$img=$v" SHA256) || { vm_err "no SHA256 for $img $v"; return 1; }
        printf '%s %s %s %s %s %s archive\n' "$n" "$s" "$arch" "$img" "$v" "$sha"
        return 0
    done
    vm_err "--kernel $spec: no $pkg for $arch in: $suites"
}

if [[ ${#kernel_args[@]} -gt 0 ]]; then
    for k in "${kernel_args[@]}"; do
        n=$(kernel_arch "${k%%=*}") || die "cannot tell the architecture of --kernel $k"
        e=$(resolve_kernel "$n" "$k") || die "cannot resolve --kernel $k"
        matrix+=("$e")
        read -r -a f <<<"$e"
        vm_say "kernel from --kernel $k: ${f[1]}/${f[2]} ${f[3]} ${f[4]} sha256 ${f[5]} (${f[6]})"
    done
else
    [[ -r $VM_KERNEL_PINS ]] || die "$VM_KERNEL_PINS not readable (ci/vm/repin.sh kernels writes it)"
    while read -r s a p v sha _; do
        n=""
        for x in "${VM_ARCHES[@]}"; do [[ ${VM_A_debarch[$x]} == "$a" ]] && n=$x; done
        [[ -n $n ]] || { vm_say "$VM_KERNEL_PINS: no row of $VM_ARCH_TABLE has debarch $a; skipped"; continue; }
        [[ ${#want_arch[@]} -eq 0 || -n ${want_arch[$n]:-} ]] || continue
        matrix+=("$n $s $a $p $v $sha pinned")
    done < <(sed -e 's/#.*//' "$VM_KERNEL_PINS" | awk 'NF >= 5')
    # architectures of the table without a pinned kernel are a gap to report, not skip
    for n in "${VM_ARCHES[@]}"; do
        [[ ${#want_arch[@]} -eq 0 || -n ${want_arch[$n]:-} ]] || continue
        printf '%s\n' "${matrix[@]}" | awk -v n="$n" '$1 == n { f = 1 } END { exit !f }' ||
            matrix+=("$n - ${VM_A_debarch[$n]} - - - missing")
    done
fi
[[ ${#matrix[@]} -gt 0 ]] || die "the matrix is empty"

kernel_label() { # package -> short kernel name (the ABI part)
    local p=$1
    p=${p#linux-image-}
    p=${p#linux-binary-}
    printf '%s\n' "$p"
}

if [[ $list == json ]]; then
    # for CI: one job per entry, run as ci/vm-test.sh --arch NAME --suite SUITE --kernel PKG=VERSION
    sep=""
    printf '['
    for e in "${matrix[@]}"; do
        read -r n s a p v sha origin <<<"$e"
        printf '%s{"id":"%s","arch":"%s","debarch":"%s","suite":"%s","kernel":"%s=%s"}' \
            "$sep" "$n-$s-$(kernel_label "$p")" "$n" "$a" "$s" "$p" "$v"
        sep=,
    done
    printf ']\n'
    exit 0
fi
if [[ $list == 1 ]]; then
    printf '%-8s %-8s %-9s %-34s %-24s %s\n' ARCH DEBARCH SUITE KERNEL VERSION QEMU
    for e in "${matrix[@]}"; do
        read -r n s a p v sha origin <<<"$e"
        printf '%-8s %-8s %-9s %-34s %-24s %s\n' "$n" "$a" "$s" "$(kernel_label "$p")" "$v" \
            "${VM_A_qemu[$n]} -M ${VM_A_qmachine[$n]} -cpu ${VM_A_qcpu[$n]} console=${VM_A_console[$n]}"
    done
    exit 0
fi

# ---------------------------------------------------------------- host preparation

t_all=$SECONDS
declare -a qemus=()
for e in "${matrix[@]}"; do
    read -r n _ <<<"$e"
    qemus+=("${VM_A_qemu[$n]}")
done
vm_install_tools "${qemus[@]}" || die "host tools missing"
mkdir -p "$logdir" "$(vm_cache)/runs" || die "cannot create $logdir"
run_root=$(mktemp -d "$(vm_cache)/runs/run.XXXXXX") || die "cannot create a run directory"
cleanup() {
    local p
    for p in $(jobs -p); do kill "$p" 2>/dev/null; done
    [[ $keep == 1 ]] || rm -rf "$run_root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncpu=$(nproc 2>/dev/null || echo 1)
smp=$((ncpu / jobs))
[[ $smp -ge 1 ]] || smp=1
mem=$(vm_conf memory-mb 1536)
boot_timeout=${HBC_VM_BOOT_TIMEOUT:-$(vm_conf boot-timeout 300)}
test_timeout=${HBC_VM_TEST_TIMEOUT:-$(vm_conf test-timeout 420)}
poweroff_timeout=$(vm_conf poweroff-timeout 60)

# accel NAME: the -accel for this guest
declare -A accel_of=()
accel_for() {
    local n=$1 mode=${HBC_VM_ACCEL:-auto} hm
    [[ -n ${accel_of[$n]:-} ]] && { printf '%s\n' "${accel_of[$n]}"; return; }
    local a=tcg
    hm=$(uname -m)
    if [[ $mode == kvm ]]; then
        a=kvm
    elif [[ $mode == auto && ",${VM_A_machines[$n]}," == *",$hm,"* && -r /dev/kvm && -w /dev/kvm ]]; then
        # the device may exist without working: ask QEMU
        if echo quit | timeout 30 "${VM_A_qemu[$n]}" -accel kvm -M "${VM_A_qmachine[$n]}" -nodefaults \
            -display none -S -monitor stdio >/dev/null 2>&1; then
            a=kvm
        fi
    fi
    accel_of[$n]=$a
    printf '%s\n' "$a"
}

# cpu_for NAME ACCEL: the table's qcpu, plus the tcg-cpu-options QEMU accepts for it
cpu_for() {
    local n=$1 accel=$2 cpu opt
    cpu=${VM_A_qcpu[$n]}
    if [[ $accel == tcg ]]; then
        for opt in $(vm_conf tcg-cpu-options "" | tr ',' ' '); do
            if echo quit | timeout 30 "${VM_A_qemu[$n]}" -accel tcg -M "${VM_A_qmachine[$n]}" \
                -cpu "$cpu,$opt" -nodefaults -display none -S -monitor stdio >/dev/null 2>&1; then
                cpu+=",$opt"
            fi
        done
    fi
    printf '%s\n' "$cpu"
}

# ---------------------------------------------------------------- one VM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

# run_one INDEX ENTRY: boot one VM; writes $run_root/INDEX.result:
#   name suite kernel-label result attach boot_s test_s detail...
run_one() {
    local slot=$1 n s a p v sha origin
    read -r n s a p v sha origin <<<"$2"
    local label id work log res=$run_root/$slot.result
    label=$(kernel_label "$p")
    id="$n-$s-$label"
    log=$logdir/$id.log
    work=$run_root/$slot
    mkdir -p "$work"
    rm -f "$log"
    record() { # result attach boot test detail...
        local r=$1 at=$2 b=$3 t=$4
        shift 4
        printf '%s %s %s %s %s %s %s %s\n' "$n" "$s" "$label" "$r" "$at" "$b" "$t" "${*:-}" >"$res"
    }
    say() { printf '[%s] %s\n' "$id" "$*" >&2; }

    local t_prep=$SECONDS
    if [[ $origin == missing ]]; then
        record FAIL - - - "no kernel pinned for ${VM_A_debarch[$n]} in $VM_KERNEL_PINS (ci/vm/repin.sh kernels $n)"
        return
    fi
    # stage: package
    local deb
    deb=$(find "$pkgdir" -maxdepth 1 -name "hello-buffer-config_*_${a}.deb" 2>/dev/null | sort -V | tail -n1)
    if [[ -z $deb ]]; then
        record FAIL - - - "failed at stage package: no hello-buffer-config_*_${a}.deb in $pkgdir (run ci/build.sh)"
        return
    fi
    cp "$deb" "$work/" || { record FAIL - - - "failed at stage package: cannot copy $deb"; return; }
    deb=$work/${deb##*/}
    # stage: kernel -- a pinned kernel that is not cached yet, from a suite whose index is
    # unusable here today, is replaced by the fallback suite's current one (said in DETAIL)
    local kdeb kdir note="" fb rc
    fb=$(vm_conf fallback-suite "")
    if [[ $origin == pinned && -n $fb && $fb != "$s" ]] && ! vm_row_cached "$s $a $p $v $sha"; then
        rc=0
        vm_suite_usable "$s" "$a" 2>"$work/suite.err" || rc=$?
        if [[ $rc == 1 ]] && vm_suite_usable "$fb" "$a" 2>/dev/null; then
            local krow
            if krow=$(vm_resolve_kernel_row "$fb" "$a" "${VM_A_kernel_package[$n]}" 2>"$work/kernel.err"); then
                note="the $s/$a index is unusable here, so the kernel comes from $fb"
                say "$note"
                read -r s a p v sha _ <<<"$krow"
                label=$(kernel_label "$p")
                id="$n-$s-$label"
                log=$logdir/$id.log
                rm -f "$log"
            fi
        fi
    fi
    if ! kdeb=$(vm_fetch_rows "$s $a $p $v $sha" 2>"$work/kernel.err"); then
        sed 's/^/  /' "$work/kernel.err" >&2
        record FAIL - - - "failed at stage kernel: cannot fetch $p $v ($s/$a)"
        return
    fi
    if ! kdir=$(vm_kernel_prepare "$kdeb" 2>"$work/kernel.err"); then
        sed 's/^/  /' "$work/kernel.err" >&2
        record FAIL - - - "failed at stage kernel: no bootable image in $p $v"
        return
    fi
    # stage: rootfs -- the same fallback for a guest root that is not built yet
    local root rs
    rs=$(vm_rootfs_rows "$a" 2>/dev/null | awk '{ print $1; exit }')
    if [[ -n $rs && -n $fb && $fb != "$rs" ]] && ! vm_rootfs_cached "$a"; then
        rc=0
        vm_suite_usable "$rs" "$a" 2>/dev/null || rc=$?
        if [[ $rc == 1 ]] && vm_suite_usable "$fb" "$a" 2>/dev/null &&
            vm_resolve_rootfs_rows "$fb" "$a" "$(vm_conf rootfs-include "")" >"$work/rootfs-pins.txt"; then
            VM_ROOTFS_PINS=$work/rootfs-pins.txt
            note+="${note:+; }the $rs/$a index is unusable here, so the guest root comes from $fb"
            say "the $rs/$a index is unusable here, so the guest root comes from $fb"
        fi
    fi
    if ! root=$(vm_rootfs "$a"); then
        record FAIL - - - "failed at stage rootfs: cannot build the $a guest root"
        return
    fi
    # stage: initramfs = the shared root + this run's /init, test, env and package
    local nonce pkgname
    nonce=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
    pkgname=$(dpkg-deb -f "$deb" Package)
    cat >"$work/env" <<ENV
HBC_NONCE=$nonce
HBC_PKG=$pkgname
HBC_DEB=${deb##*/}
HBC_OBJECT=$n
HBC_MACHINES=${VM_A_machines[$n]}
HBC_STEP_TIMEOUT=$((test_timeout / 3))
HBC_GUEST_TIMEOUT=$((test_timeout - 10))
ENV
    esc() { printf '%s' "$1" | sed 's/ /\\040/g'; }
    {
        printf '#mtree\n'
        printf './init type=file uid=0 gid=0 mode=0755 contents=%s\n' "$(esc "$top/ci/vm/guest/init")"
        printf './hbc type=dir uid=0 gid=0 mode=0755\n'
        printf './hbc/test.sh type=file uid=0 gid=0 mode=0755 contents=%s\n' "$(esc "${HBC_VM_GUEST_TEST:-$top/ci/vm/guest/test.sh}")"
        printf './hbc/env type=file uid=0 gid=0 mode=0644 contents=%s\n' "$(esc "$work/env")"
        printf './hbc/%s type=file uid=0 gid=0 mode=0644 contents=%s\n' "${deb##*/}" "$(esc "$deb")"
    } >"$work/overlay.mtree"
    if ! { cat "$root" && bsdtar --format newc -cf - @"$work/overlay.mtree" | gzip -n -1; } >"$work/initrd.gz"; then
        record FAIL - - - "failed at stage initramfs: cannot assemble it"
        return
    fi

    # stage: boot, then the guest's stages, then poweroff
    local accel cpu qemu=${VM_A_qemu[$n]}
    accel=$(accel_for "$n")
    cpu=$(cpu_for "$n" "$accel")
    local -a cmd=("$qemu" -accel "$accel" -M "${VM_A_qmachine[$n]}" -cpu "$cpu" -smp "$smp" -m "$mem"
        -nodefaults -no-user-config -display none -no-reboot -monitor none
        -chardev "file,id=con,path=$log" -serial chardev:con
        -kernel "$kdir/vmlinuz" -initrd "$work/initrd.gz"
        -append "console=${VM_A_console[$n]} panic=-1 oops=panic rdinit=/init")
    printf '%s\n' "${cmd[*]}" >"$work/qemu.cmd"
    say "boot $p $v ($s/$a) with $accel, -cpu $cpu, $smp cpu(s) after $((SECONDS - t_prep)) s of preparation; console: ${log#"$top"/}"
    local t0 t_init="" t_res="" stage=boot qpid
    t0=$(now)
    "${cmd[@]}" </dev/null >"$work/qemu.out" 2>&1 &
    qpid=$!
    # stopped from outside (Ctrl-C, CI cancel): take the VM down too
    trap 'kill -KILL "$qpid" 2>/dev/null; exit 143' TERM INT
    local deadline=$((SECONDS + boot_timeout)) timedout=""
    while kill -0 "$qpid" 2>/dev/null; do
        if [[ -z $t_init ]] && grep -aq "HBC-VM-STAGE $nonce init" "$log" 2>/dev/null; then
            t_init=$(now)
            stage=setup
            deadline=$((SECONDS + test_timeout))
        fi
        if [[ -n $t_init ]]; then
            local st
            st=$(grep -a "HBC-VM-STAGE $nonce " "$log" | tail -n1 | tr -d '\r' | awk '{ print $3 }')
            [[ -n $st && $st != init ]] && stage=$st
            if [[ -z $t_res ]] && grep -aq "HBC-VM-RESULT $nonce " "$log"; then
                t_res=$(now)
                stage=poweroff
                deadline=$((SECONDS + poweroff_timeout))
            fi
        fi
        if [[ $SECONDS -ge $deadline ]]; then
            timedout=$stage
            kill -TERM "$qpid" 2>/dev/null
            local i
            for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.5; done
            kill -KILL "$qpid" 2>/dev/null
            break
        fi
        sleep 0.5
    done
    wait "$qpid"
    local qrc=$?
    local t_end
    t_end=$(now)
    # the last look: markers written just before QEMU stopped
    if [[ -z $t_init ]] && grep -aq "HBC-VM-STAGE $nonce init" "$log" 2>/dev/null; then t_init=$t_end; fi
    if [[ -z $t_res ]] && grep -aq "HBC-VM-RESULT $nonce " "$log" 2>/dev/null; then t_res=$t_end; fi
    local boot_s=- test_s=-
    [[ -n $t_init ]] && boot_s=$(secs "$t0" "$t_init")
    [[ -n $t_init && -n $t_res ]] && test_s=$(secs "$t_init" "$t_res")
    local line attach=- detail gstage
    gstage=$(grep -a "HBC-VM-STAGE $nonce " "$log" 2>/dev/null | tail -n1 | tr -d '\r' | awk '{ print $3 }')
    line=$(grep -a "HBC-VM-RESULT $nonce " "$log" 2>/dev/null | tail -n1 | tr -d '\r')
    [[ $line =~ attach=([^ ]+) ]] && attach=${BASH_REMATCH[1]}
    local fails
    fails=$(grep -a "HBC-VM-CHECK $nonce FAIL " "$log" 2>/dev/null | tr -d '\r' |
        sed "s/^.*HBC-VM-CHECK $nonce FAIL //" | head -n 5 | paste -sd ';' -)
    if [[ -n $timedout ]]; then
        detail="timed out at stage $timedout"
        [[ $timedout == boot ]] && detail+=" after ${boot_timeout} s"
        [[ -n $fails ]] && detail+="; $fails"
        record FAIL "$attach" "$boot_s" "$test_s" "$detail"
    elif [[ -z $line ]]; then
        local panic
        panic=$(grep -a -m1 -o 'Kernel panic - not syncing.*' "$log" 2>/dev/null | tr -d '\r')
        if [[ -n $panic ]]; then
            detail="kernel panic at stage $stage: $panic"
        else
            detail="VM stopped at stage $stage without a verdict (qemu exit $qrc: $(tail -n2 "$work/qemu.out" | tr '\n' ' '))"
        fi
        record FAIL "$attach" "$boot_s" "$test_s" "$detail"
    elif [[ $line == *" PASS "* ]]; then
        if [[ $qrc -ne 0 ]]; then
            record FAIL "$attach" "$boot_s" "$test_s" "guest passed but qemu exited $qrc"
        else
            record PASS "$attach" "$boot_s" "$test_s" "$note"
        fi
    elif [[ $line == *reason=timeout* ]]; then
        record FAIL "$attach" "$boot_s" "$test_s" "timed out at stage $gstage (guest-side limit $((test_timeout - 10)) s)${fails:+; $fails}"
    elif [[ $line == *reason=* ]]; then
        record FAIL "$attach" "$boot_s" "$test_s" "the test script died at stage $gstage (${line##*reason=})${fails:+; $fails}"
    else
        record FAIL "$attach" "$boot_s" "$test_s" "${fails:-${line#*"$nonce "}}"
    fi
    say "$(cut -d' ' -f4- "$res") (qemu ran $(secs "$t0" "$t_end") s)"
    [[ $keep == 1 ]] || rm -rf "$work"
}

# ---------------------------------------------------------------- run the matrix

vm_say "${#matrix[@]} VM(s), $jobs at a time, $smp cpu(s) each; logs in ${logdir#"$top"/}/"
# Start order: one architecture after the other (x86, arm64, riscv, x86, ...), so that
# parallel jobs of a cold run build different guest roots at the same time instead of
# waiting for the same one.  The table keeps the matrix order.
order=$(for i in "${!matrix[@]}"; do read -r n _ <<<"${matrix[$i]}"; echo "$n $i"; done |
    awk '{ print (seen[$1]++) * 1000 + $2, $2 }' | sort -n | awk '{ print $2 }')
running=0
for i in $order; do
    if [[ $running -ge $jobs ]]; then
        wait -n
        running=$((running - 1))
    fi
    run_one "$i" "${matrix[$i]}" &
    running=$((running + 1))
done
wait

pass=0 fail=0
# the table goes to stdout and to $logdir/matrix.txt, next to the console logs
exec 3>"$logdir/matrix.txt"
# shellcheck disable=SC2059 # row FORMAT ARGS... is printf
row() { printf "$@"; printf "$@" >&3; }
row '\n%-8s %-9s %-22s %-6s %-9s %6s %6s  %s\n' ARCH SUITE KERNEL RESULT ATTACH BOOT_S TEST_S DETAIL
for i in "${!matrix[@]}"; do
    r=$run_root/$i.result
    if [[ ! -s $r ]]; then
        read -r n s a p _ <<<"${matrix[$i]}"
        printf '%s %s %s FAIL - - - the VM runner died\n' "$n" "$s" "$(kernel_label "$p")" >"$r"
    fi
    read -r n s k res attach b t detail <"$r"
    row '%-8s %-9s %-22s %-6s %-9s %6s %6s  %s\n' "$n" "$s" "$k" "$res" "$attach" "$b" "$t" "${detail:-}"
    if [[ $res == PASS ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
row '\nvm: wall time %d s\n' "$((SECONDS - t_all))"
row 'vm: %d passed, %d failed\n' "$pass" "$fail"
exec 3>&-
[[ $fail -eq 0 ]]
