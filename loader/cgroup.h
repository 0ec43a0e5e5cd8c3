/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A record's cgroup id (bpf_get_current_cgroup_id(): the cgroup v2 directory's inode, on
 * pure v2 and on hybrid hosts alike) as a path under the cgroup2 root, found where
 * cgroup2 is mounted (/proc/self/mountinfo: /sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid hosts). The id is a kernfs file handle: open_by_handle_at() on the mount opens
 * the directory (CAP_DAC_READ_SEARCH), and /proc/self/fd names it. Cached per id; an id
 * whose cgroup is gone (ESTALE) is remembered as unknown: ids are never reused. A cgroup
 * made while tracing is learned from the kernel (cgroup_mkdir) before its first exec is
 * read, so that one gone by then (a transient unit's) is named too.
 */
#ifndef HBC_CGROUP_H
#define HBC_CGROUP_H

#include <stdint.h>

struct hbc_cgroups;

/*
 * Find cgroup2 in @mountinfo (a /proc/PID/mountinfo file) and say on stderr where, and
 * how paths are found ("cgroup: v2 at /sys/fs/cgroup (paths by file handle)"), or why
 * records will carry the id alone. NULL only when out of memory.
 */
struct hbc_cgroups *hbc_cgroups_open(const char *mountinfo);
/* The path of cgroup @id under the cgroup2 root, or NULL when it cannot be known. */
const char *hbc_cgroups_path(struct hbc_cgroups *c, uint64_t id);
/*
 * Cgroup @id was made at @path (@len bytes, under the cgroup2 root: the kernel's
 * cgroup_mkdir): remembered, so that it is named even once it is gone. The path as
 * stored, or NULL with errno EINVAL (a path that is not absolute) or ENOMEM.
 */
const char *hbc_cgroups_learn(struct hbc_cgroups *c, uint64_t id, const char *path, size_t len);
/* "v2 at /sys/fs/cgroup/unified, paths by file handle": for --check and STATUS=. */
const char *hbc_cgroups_what(const struct hbc_cgroups *c);
void hbc_cgroups_free(struct hbc_cgroups *c);
/*
 * Call @fn(@ctx, id) for the cgroup at @path (under the cgroup2 root) and every cgroup
 * below it. 0, -ENOENT when there is no such cgroup (now), -ENODEV without a cgroup2
 * mount, or what @fn returned when not 0 (the walk stops there).
 */
int hbc_cgroups_walk(const struct hbc_cgroups *c, const char *path,
		     int (*fn)(void *ctx, uint64_t id), void *ctx);

/*
 * Parse one /proc/PID/mountinfo line: for a cgroup2 mount, its root within the hierarchy
 * and its mount point (octal escapes undone) into @root and @point. 0, or -ENOENT for
 * another file system, -EINVAL for a line that does not parse.
 */
int hbc_cgroups_mountinfo_line(const char *line, char *root, size_t root_len, char *point,
			       size_t point_len);

#endif /* HBC_CGROUP_H */
