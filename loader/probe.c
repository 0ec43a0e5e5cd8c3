// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "hbc.h"
#include "probe.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS "/sys/kernel/tracing"
#define TRACEFS_DEBUGFS "/sys/kernel/debug/tracing"

static bool cap_effective(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

bool hbc_have_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	if (cap_effective(d, CAP_SYS_ADMIN))
		return true;
	return cap_effective(d, CAP_BPF) && cap_effective(d, CAP_PERFMON);
}

static bool tracefs_has(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), TRACEFS_DEBUGFS "/%s", file);
	return access(path, F_OK) == 0;
}

bool hbc_kprobes_available(void)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0)
		return true;
	return hbc_ensure_tracefs() == 0 && tracefs_has("kprobe_events");
}

int hbc_ensure_tracefs(void)
{
	if (tracefs_has("events"))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		fprintf(stderr, PROG ": cannot mount tracefs at " TRACEFS
			": %s; mount it with 'mount -t tracefs tracefs " TRACEFS "'\n",
			strerror(-err));
		return err;
	}
	fprintf(stderr, PROG ": mounted tracefs at " TRACEFS "\n");
	return 0;
}
