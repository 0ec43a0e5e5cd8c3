// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <string.h>
#include <time.h>
#include "record.h"

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long hbc_wall_offset_ns(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

int hbc_record_arg(const struct data_t *d, size_t *pos, const char **arg)
{
	const char *args = hbc_record_args(d), *nul;
	size_t left;

	if (*pos >= d->args_len)
		return -1;
	left = d->args_len - *pos;
	*arg = args + *pos;
	nul = memchr(*arg, '\0', left);
	if (!nul) {			/* the last, cut */
		*pos = d->args_len;
		return (int)left;
	}
	*pos += (size_t)(nul - *arg) + 1;
	return (int)(nul - *arg);
}

size_t hbc_record_nargs(const struct data_t *d)
{
	size_t pos = 0, n = 0;
	const char *arg;

	while (hbc_record_arg(d, &pos, &arg) >= 0)
		n++;
	return n;
}

static bool hex_id(const char *s, size_t n)
{
	if (n != HBC_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Scopes and directories a runtime makes for a container, by its cgroup driver:
 * systemd's "<prefix><id>.scope", or cgroupfs's "<prefix><id>". Conmon's own scopes
 * ("libpod-conmon-<id>.scope", "crio-conmon-<id>.scope") are not containers and match none.
 */
static const struct {
	const char *prefix;
	const char *runtime;
} scopes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

/* The runtime of component @s[@n] (whose parent component is @parent[@pn]), or NULL. */
static const char *component_runtime(const char *s, size_t n, const char *parent, size_t pn,
				      const char **id)
{
	if (n > 6 && !memcmp(s + n - 6, ".scope", 6))
		n -= 6;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t p = strlen(scopes[i].prefix);

		if (n > p && !memcmp(s, scopes[i].prefix, p) && hex_id(s + p, n - p)) {
			*id = s + p;
			return scopes[i].runtime;
		}
	}
	if (!hex_id(s, n))
		return NULL;
	/* a bare id: docker's cgroupfs driver ("/docker/<id>"), or Kubernetes' (containerd, CRI-O) */
	*id = s;
	return pn == 6 && !memcmp(parent, "docker", 6) ? "docker" : "unknown";
}

bool hbc_container_of(const char *cgroup, struct hbc_container *c)
{
	const char *end = cgroup + strlen(cgroup);

	c->runtime = NULL;
	c->id[0] = '\0';
	while (end > cgroup) {
		const char *start = end, *pstart, *id = NULL;
		const char *runtime;

		while (start > cgroup && start[-1] != '/')
			start--;
		pstart = start > cgroup ? start - 1 : start;
		while (pstart > cgroup && pstart[-1] != '/')
			pstart--;
		runtime = component_runtime(start, (size_t)(end - start), pstart,
					    start > cgroup ? (size_t)(start - 1 - pstart) : 0, &id);
		if (runtime) {
			c->runtime = runtime;
			memcpy(c->id, id, HBC_CONTAINER_ID_LEN);
			c->id[HBC_CONTAINER_ID_LEN] = '\0';
			return true;
		}
		end = start > cgroup ? start - 1 : cgroup;
	}
	return false;
}
