// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Why a new map per configuration rather than updating my_config in place: a hash map
 * update does not change a value under a reader, but it does recycle memory at once. A
 * preallocated map hands the replaced element to the next update on the same CPU (the
 * per-CPU spare element), and since 6.1 a non-preallocated one recycles freed elements
 * the same way (bpf_mem_alloc reuses them before an RCU grace period). A BPF program copying a message while
 * user space updates two uids in a row can therefore read bytes of another uid's new
 * message: a mix of two messages, or a message of a uid it does not belong to. A fresh
 * map is memory no reader has seen, and the slot update that swaps it in waits until
 * every program that looked up the old table has finished (maybe_wait_bpf_programs() in
 * the kernel's bpf syscall: a synchronize_rcu(), and BPF programs on kprobes and
 * tracepoints run under rcu_read_lock()). So an exec sees the whole old table or the
 * whole new one, never a mix, and never a table that was not in force during its exec.
 *
 * The one change made to a table in force is adding a learned cgroup id (an exclusion's
 * cgroup created after the table was built): an insert of a new key, which recycles
 * nothing a reader could hold. Messages are never changed in place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "table.h"

/*
 * A new, empty table of the shape bpf/hello-buffer-config.bpf.c declares for the slot
 * (struct config_table, from the shared header's sizes): the kernel refuses another.
 */
static int table_create(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "my_config", sizeof(struct hbc_config_key),
				sizeof(struct user_msg_t), HBC_CONFIG_TABLE_MAX, NULL);

	if (fd < 0)
		fprintf(stderr, PROG ": cannot create a table for the config: %s\n", strerror(-fd));
	return fd;
}

static int put(int fd, const struct hbc_config_key *k, const struct user_msg_t *v)
{
	return bpf_map_update_elem(fd, k, v, BPF_ANY) ? -errno : 0;
}

struct cgroup_fill {
	int fd;
	size_t ids;
};

static int put_cgroup(void *ctx, uint64_t id)
{
	struct cgroup_fill *f = ctx;
	struct hbc_config_key k = { .kind = HBC_KEY_EXCLUDE_CGROUP, .cgroup = id };
	struct user_msg_t none = {};
	int err = put(f->fd, &k, &none);

	f->ids += !err;
	return err;
}

/* One exclusion into the table @fd; for a cgroup, every id at and below its path. */
static int fill_exclude(int fd, const struct hbc_config_exclude *x, const struct hbc_cgroups *cg,
			size_t *cgroups)
{
	struct hbc_config_key k = {};
	struct user_msg_t none = {};
	struct cgroup_fill f = { .fd = fd };
	int err;

	switch (x->kind) {
	case HBC_EXCLUDE_UID:
		k.kind = HBC_KEY_EXCLUDE_UID;
		k.uid = x->uid;
		return put(fd, &k, &none);
	case HBC_EXCLUDE_COMMAND:
		k.kind = HBC_KEY_EXCLUDE_COMMAND;
		memcpy(k.command, x->command, sizeof(k.command));
		return put(fd, &k, &none);
	case HBC_EXCLUDE_CGROUP:
		err = hbc_cgroups_walk(cg, x->cgroup, put_cgroup, &f);
		*cgroups += f.ids;
		if (err == -ENOENT)	/* not there now: learned from its first record */
			return 0;
		if (err == -ENODEV)
			fprintf(stderr, PROG ": exclude cgroup %s: no cgroup2 mount: matched by the "
				"records' paths only, which need one too\n", x->cgroup);
		return err == -ENODEV ? 0 : err;
	}
	return -EINVAL;
}

static int table_fill(struct hbc_table *t, int fd, const struct hbc_config *cfg,
		      const struct hbc_cgroups *cg)
{
	for (size_t i = 0; i < cfg->count; i++) {
		struct hbc_config_key k = { .kind = HBC_KEY_MESSAGE, .uid = cfg->entries[i].uid };
		struct user_msg_t v = {};
		int err;

		memcpy(v.message, cfg->entries[i].message, sizeof(v.message));
		err = put(fd, &k, &v);
		if (err) {
			fprintf(stderr, PROG ": cannot store the message for uid %u: %s\n",
				cfg->entries[i].uid, strerror(-err));
			return err;
		}
	}
	t->cgroups = 0;
	t->kinds = 0;
	for (size_t i = 0; i < cfg->nexcludes; i++) {
		const struct hbc_config_exclude *x = &cfg->excludes[i];
		int err = fill_exclude(fd, x, cg, &t->cgroups);

		if (err) {
			fprintf(stderr, PROG ": cannot store the exclusion of line %u: %s\n", x->line,
				strerror(-err));
			return err;
		}
		t->kinds |= 1u << (x->kind == HBC_EXCLUDE_UID ? HBC_KEY_EXCLUDE_UID :
				   x->kind == HBC_EXCLUDE_COMMAND ? HBC_KEY_EXCLUDE_COMMAND :
				   HBC_KEY_EXCLUDE_CGROUP);
	}
	return 0;
}

int hbc_table_install(struct hbc_table *t, const struct hbc_progs *p, const struct hbc_config *cfg,
		      const struct hbc_cgroups *cg)
{
	struct hbc_table next = { .fd = table_create() };
	__u32 slot = 0;
	int err;

	if (next.fd < 0)
		return next.fd;
	err = table_fill(&next, next.fd, cfg, cg);
	if (err) {
		close(next.fd);
		return err;
	}
	/* during the swap the programs look up the old kinds and the new ones */
	__atomic_store_n(p->exclude_kinds(p->skel), t->kinds | next.kinds, __ATOMIC_RELEASE);
	if (bpf_map_update_elem(bpf_map__fd(p->config), &slot, &next.fd, BPF_ANY)) {
		err = -errno;
		__atomic_store_n(p->exclude_kinds(p->skel), t->kinds, __ATOMIC_RELEASE);
		fprintf(stderr, PROG ": cannot put the new table in force: %s\n", strerror(-err));
		close(next.fd);
		return err;
	}
	__atomic_store_n(p->exclude_kinds(p->skel), next.kinds, __ATOMIC_RELEASE);
	hbc_table_close(t);
	*t = next;
	return 0;
}

bool hbc_cgroup_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strcmp(prefix, "/"))
		return true;
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

bool hbc_table_learn(struct hbc_table *t, const struct hbc_config *cfg, uint64_t id, const char *path)
{
	struct hbc_config_key k = { .kind = HBC_KEY_EXCLUDE_CGROUP, .cgroup = id };
	struct user_msg_t none = {};
	size_t i;
	int err;

	for (i = 0; i < cfg->nexcludes; i++)
		if (cfg->excludes[i].kind == HBC_EXCLUDE_CGROUP &&
		    hbc_cgroup_under(path, cfg->excludes[i].cgroup))
			break;
	if (i == cfg->nexcludes)
		return false;
	err = t->fd < 0 ? -EBADF : put(t->fd, &k, &none);
	if (!err) {
		t->cgroups++;
	} else if (!t->full) {
		t->full = true;
		fprintf(stderr, PROG ": exclude cgroup: cannot add cgroup %s to the table in force (%s): "
			"its execs are excluded after they reach user space\n", path, strerror(-err));
	}
	return true;
}

void hbc_table_close(struct hbc_table *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
