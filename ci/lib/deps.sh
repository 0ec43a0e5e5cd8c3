# shellcheck shell=bash
# ci/lib/deps.sh: install_missing LIST...: apt-get install the packages named in the
# LIST files ('#' comments) that are not installed yet.
install_missing() {
	local want=() missing=() installed
	mapfile -t want < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$@")
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${want[@]}" 2>/dev/null |
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
