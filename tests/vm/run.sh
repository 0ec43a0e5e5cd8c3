#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Runs the guest test (/hbc/test.sh) under a time limit, and always powers the machine
# off: a test that cannot finish still ends with a verdict line on the console, and a
# power-off that does not come is a host timeout. With HBC_SHELL (ci/vm-test.py --shell)
# a root shell on the console comes after the verdict ("after") or instead of the test
# ("instead"), and the power-off when it exits. Started by hbc-test.service. The console
# lines: tools/hbc/vm/verdict.py.
# shellcheck disable=SC1091 # written by the host
. /hbc/env
echo "HBC-VM-STAGE $HBC_NONCE init uptime=$(cut -d' ' -f1 /proc/uptime)"
# kernel messages below "error" stay in dmesg, off the console the host parses
echo 3 >/proc/sys/kernel/printk
shell() {
	echo "HBC-VM-SHELL $HBC_NONCE a root shell on the console: exit (or Ctrl-D) powers the guest off"
	setsid -c -w /bin/bash -l <>/dev/console >&0 2>&0
}
if [ "${HBC_SHELL:-}" = instead ]; then
	echo "HBC-VM-RESULT $HBC_NONCE SHELL attach=- rc=0"
	shell
else
	timeout -k 10 "${HBC_GUEST_TIMEOUT:-600}" /bin/bash /hbc/test.sh
	rc=$?
	if [ ! -e /run/hbc-verdict ]; then
		# test.sh prints the verdict itself; this one covers a test killed by the timeout
		case $rc in
		124 | 137) why=timeout ;;
		*) why=no-verdict ;;
		esac
		echo "HBC-VM-RESULT $HBC_NONCE FAIL attach=- rc=$rc reason=$why"
	fi
	[ "${HBC_SHELL:-}" != after ] || shell
fi
sync
systemctl poweroff --force --force
echo o >/proc/sysrq-trigger	# no systemd to ask: the kernel's own power-off
