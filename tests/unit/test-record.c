// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * What user space adds to a record: the container a cgroup path names (each runtime's
 * scopes and directories, conmon's excluded, the deepest one), the arguments split at
 * their NULs, and the cgroup2 mount read from mountinfo lines (escapes, other file
 * systems, lines that do not parse).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "record.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void container(const char *cgroup, const char *runtime, const char *id)
{
	struct hbc_container c;
	bool found = hbc_container_of(cgroup, &c);
	char name[512];

	snprintf(name, sizeof(name), "container of %.400s: %s", cgroup, runtime ? runtime : "none");
	if (!runtime) {
		tap_ok(!found && !c.runtime, name);
		return;
	}
	tap_ok(found && c.runtime && !strcmp(c.runtime, runtime) && !strcmp(c.id, id), name);
}

static void containers(void)
{
	container("/system.slice/docker-" ID ".scope", "docker", ID);
	container("/docker/" ID, "docker", ID);
	container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/"
		  "cri-containerd-" ID ".scope", "containerd", ID);
	container("/kubepods.slice/kubepods-pod1.slice/crio-" ID ".scope", "cri-o", ID);
	container("/kubepods/burstable/pod1234/crio-" ID, "cri-o", ID);
	container("/kubepods/besteffort/pod1234/" ID, "unknown", ID);
	container("/machine.slice/libpod-" ID ".scope", "podman", ID);
	container("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container",
		  "podman", ID);
	container("/libpod_parent/libpod-" ID, "podman", ID);
	/* systemd inside a container: its own units below the container's scope */
	container("/system.slice/docker-" ID ".scope/system.slice/cron.service", "docker", ID);
	/* docker in docker: the deepest one */
	container("/docker/" ID "/docker/" ID2, "docker", ID2);
	container("/machine.slice/libpod-conmon-" ID ".scope", NULL, NULL);
	container("/system.slice/crio-conmon-" ID ".scope", NULL, NULL);
	container("/system.slice/docker.service", NULL, NULL);
	container("/system.slice/docker-0123.scope", NULL, NULL);
	container("/system.slice/docker-" ID "0.scope", NULL, NULL);	/* 65 digits */
	container("/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", NULL, NULL);
	container("/", NULL, NULL);
	container("", NULL, NULL);
}

static void args(void)
{
	struct {
		struct data_t d;
		char bytes[64];
	} r = { .d = { .path_len = 3 } };
	const char *arg;
	size_t pos = 0;
	int n;

	memcpy(r.d.path, "/xya\0\0bc", 9);		/* path "/xy", then the arguments */
	r.d.args_len = 6;				/* "a", "", "bc" (cut: no NUL) */
	tap_ok(hbc_record_nargs(&r.d) == 3, "args: three, the last without its NUL");
	n = hbc_record_arg(&r.d, &pos, &arg);
	tap_ok(n == 1 && !memcmp(arg, "a", 1) && pos == 2, "args: the first");
	n = hbc_record_arg(&r.d, &pos, &arg);
	tap_ok(n == 0 && pos == 3, "args: an empty one");
	n = hbc_record_arg(&r.d, &pos, &arg);
	tap_ok(n == 2 && !memcmp(arg, "bc", 2) && pos == 6, "args: the last, cut");
	tap_ok(hbc_record_arg(&r.d, &pos, &arg) == -1, "args: then no more");
	r.d.args_len = 0;
	tap_ok(hbc_record_nargs(&r.d) == 0, "args: none");
}

static void mountinfo(const char *line, int want, const char *root, const char *point, const char *name)
{
	char r[PATH_MAX], p[PATH_MAX];
	int got = hbc_cgroups_mountinfo_line(line, r, sizeof(r), p, sizeof(p));

	tap_ok(got == want && (want || (!strcmp(r, root) && !strcmp(p, point))), name);
}

static void mounts(void)
{
	mountinfo("35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
		  "rw,nsdelegate,memory_recursiveprot\n", 0, "/", "/sys/fs/cgroup", "mountinfo: pure v2");
	mountinfo("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n", 0, "/",
		  "/sys/fs/cgroup/unified", "mountinfo: hybrid (no optional fields)");
	mountinfo("50 40 0:30 /kubepods/pod1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n", 0, "/kubepods/pod1",
		  "/sys/fs/cgroup", "mountinfo: a cgroup namespace's root");
	mountinfo("60 40 0:30 / /mnt/with\\040space rw - cgroup2 none rw\n", 0, "/", "/mnt/with space",
		  "mountinfo: octal escapes undone");
	mountinfo("32 31 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", -ENOENT, NULL, NULL,
		  "mountinfo: a cgroup v1 hierarchy is not it");
	mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", -ENOENT, NULL, NULL, "mountinfo: another file system");
	mountinfo("garbage\n", -EINVAL, NULL, NULL, "mountinfo: a line that does not parse");
	mountinfo("", -EINVAL, NULL, NULL, "mountinfo: an empty line");
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* Cgroups learned from cgroup_mkdir: named without a cgroup2 mount or a handle. */
static void learned(void)
{
	struct hbc_cgroups *c = hbc_cgroups_open("/nonexistent/mountinfo");
	const char gone[] = "/system.slice/hbc-run-1.service";
	char big[64];

	tap_ok(c && !hbc_cgroups_path(c, 4242), "learn: an unknown id has no path");
	tap_ok(!strcmp(str(hbc_cgroups_learn(c, 4242, gone, strlen(gone))), gone), "learn: a path, as stored");
	tap_ok(c && !strcmp(str(hbc_cgroups_path(c, 4242)), gone), "learn: then named, by id");
	tap_ok(hbc_cgroups_learn(c, 4242, "/b", 2) && !strcmp(str(hbc_cgroups_path(c, 4242)), "/b"),
	       "learn: again: the new path");
	tap_ok(!hbc_cgroups_learn(c, 7, "rel", 3) && errno == EINVAL, "learn: a relative path is refused");
	tap_ok(!hbc_cgroups_learn(c, 7, "/a\0b", 4) && errno == EINVAL, "learn: a NUL inside is refused");
	tap_ok(!hbc_cgroups_learn(c, 0, "/a", 2) && errno == EINVAL, "learn: id 0 is refused");
	for (unsigned int i = 1; i <= 5000; i++) {	/* past the cache: it starts afresh, bounded */
		int n = snprintf(big, sizeof(big), "/u-%u", i);

		if (!hbc_cgroups_learn(c, 100000 + i, big, (size_t)n))
			break;
	}
	tap_ok(!strcmp(str(hbc_cgroups_path(c, 105000)), "/u-5000"), "learn: 5,000 cgroups: the last named");
	hbc_cgroups_free(c);
}

int main(void)
{
	containers();
	args();
	mounts();
	learned();
	return tap_done();
}
