#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The timestamp of everything built from the tree SRC (reproducible builds): the
# SOURCE_DATE_EPOCH of the environment, else the last commit's time, else meson.build's.
#   packaging/source-date-epoch.sh SRC
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	echo "$SOURCE_DATE_EPOCH"
else
	git -C "$1" log -1 --format=%ct 2>/dev/null || stat -c %Y "$1/meson.build"
fi
