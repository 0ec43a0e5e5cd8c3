# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# The assertions of every shell test, on the host and in the VM guests: ok, bad, expect,
# done_testing. In a guest CHECK_PREFIX is "HBC-VM-CHECK <nonce> " and CHECK_STAGE names
# the stage, so that every assertion is a console line the VM runner reads.
fails=0
failed_stages=
_check() { printf '%s%s %s%s\n' "${CHECK_PREFIX-}" "$1" "${CHECK_STAGE:+$CHECK_STAGE: }" "$2"; }
ok() { _check ok "$*"; }
bad() {
	_check FAIL "$*"
	fails=$((fails + 1))
	case ",$failed_stages," in
	*",${CHECK_STAGE-},"*) ;;
	*) failed_stages=${failed_stages:+$failed_stages,}${CHECK_STAGE-} ;;
	esac
}
# expect DESCRIPTION COMMAND...: ok if COMMAND succeeds, else bad
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
done_testing() {
	echo "$fails failed"
	exit $((fails > 0))
}
