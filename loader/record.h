/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A record as the loader prints it: the kernel's bytes (struct data_t, its path and its
 * arguments) and what only user space can add: the wall-clock time, the cgroup's path and
 * the container it names.
 */
#ifndef HBC_RECORD_H
#define HBC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include "hello-buffer-config.h"

/* The kernel's loginuid and sessionid of a task that never logged in. */
#define HBC_AUDIT_UNSET 0xffffffffu
/* A container id: 64 hex digits. */
#define HBC_CONTAINER_ID_LEN 64

struct hbc_container {
	const char *runtime;		/* "docker", "containerd", "cri-o", "podman", "unknown"; NULL: none */
	char id[HBC_CONTAINER_ID_LEN + 1];
};

struct hbc_record {
	const struct data_t *d;		/* followed by its path_len + args_len bytes */
	long long wall_ns;		/* UTC: nanoseconds since the epoch */
	const char *cgroup;		/* under the cgroup2 root ("/system.slice/x.service"); NULL: unknown */
	struct hbc_container container;
};

/*
 * CLOCK_REALTIME - CLOCK_BOOTTIME, now: added to a record's boot_ns (bpf_ktime_get_boot_ns(),
 * which counts suspend) it gives the wall-clock time of the exec. Taken afresh for every
 * record, so a clock step or an NTP correction applies from the next record on, and a
 * suspend between the exec and its printing does not shift it.
 */
long long hbc_wall_offset_ns(void);

/*
 * The arguments' bytes: after the path. Each argument is NUL-terminated; with
 * HBC_F_ARGS_CUT the last one may not be.
 */
static inline const char *hbc_record_args(const struct data_t *d)
{
	return d->path + d->path_len;
}

/*
 * The argument at *@pos (a byte offset into the arguments, start with 0): its bytes in
 * *@arg, its length returned (the NUL not counted), *@pos moved past it; -1 after the last.
 */
int hbc_record_arg(const struct data_t *d, size_t *pos, const char **arg);

/* How many arguments (whole or, cut, the last one partial) the record carries. */
size_t hbc_record_nargs(const struct data_t *d);

/*
 * The container @cgroup (a cgroup path) names: its deepest component that is a runtime's
 * scope or directory for one (loader/README.md lists the patterns). False: none.
 */
bool hbc_container_of(const char *cgroup, struct hbc_container *c);

#endif /* HBC_RECORD_H */
