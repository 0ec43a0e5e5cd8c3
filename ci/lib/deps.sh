# shellcheck shell=bash
# ci/lib/deps.sh, sourced by ci/build.sh and ci/test.sh:
#   install_missing LIST...   apt-get install the packages of the LIST files not installed yet
#   ensure_binfmt DEBARCH...  make foreign binaries of each DEBARCH run here (qemu-user
#                             through binfmt_misc): mount binfmt_misc, enable the entries
install_missing() {
	local want=() missing=() installed
	# the first word of each line: a package (ci/vm/host-deps.txt adds when it is needed)
	mapfile -t want < <(sed -e 's/#.*//' "$@" | awk 'NF { print $1 }')
	# dpkg-query fails for a package it has never seen: not an error here (pipefail callers)
	installed=$({ dpkg-query -W -f='${Package} ${Status}\n' "${want[@]}" 2>/dev/null || true; } |
		awk '$NF == "installed" { print $1 }')
	mapfile -t missing < <(printf '%s\n' "${want[@]}" | grep -vxF -f <(echo "$installed") || true)
	[[ ${#missing[@]} == 0 ]] && return 0
	if [[ $(id -u) != 0 ]]; then
		echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_binfmt() {
	local a native
	native=$(dpkg --print-architecture)
	for a in "$@"; do
		[[ $a == "$native" ]] || arch-test "$a" >/dev/null 2>&1 && continue
		if [[ ! -e /proc/sys/fs/binfmt_misc/register ]] &&
			! mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; then
			echo "cannot run $a binaries: binfmt_misc is not mounted and cannot be (as root:" \
				"mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)" >&2
			return 1
		fi
		update-binfmts --enable >/dev/null 2>&1
		arch-test "$a" >/dev/null 2>&1 && { echo "binfmt: enabled qemu-user for $a"; continue; }
		echo "cannot run $a binaries here: $(arch-test "$a" 2>&1); install qemu-user-static" \
			"and binfmt-support, then: update-binfmts --enable" >&2
		return 1
	done
}
