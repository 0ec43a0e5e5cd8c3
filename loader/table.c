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
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "my_config", sizeof(__u32),
				sizeof(struct user_msg_t), HBC_CONFIG_MAX_ENTRIES, NULL);

	if (fd < 0)
		fprintf(stderr, PROG ": cannot create a table for the config: %s\n", strerror(-fd));
	return fd;
}

static int table_fill(int fd, const struct hbc_config *cfg)
{
	for (size_t i = 0; i < cfg->count; i++) {
		struct user_msg_t v = {};

		memcpy(v.message, cfg->entries[i].message, sizeof(v.message));
		if (bpf_map_update_elem(fd, &cfg->entries[i].uid, &v, BPF_NOEXIST)) {
			int err = -errno;

			fprintf(stderr, PROG ": cannot store the message for uid %u: %s\n",
				cfg->entries[i].uid, strerror(-err));
			return err;
		}
	}
	return 0;
}

int hbc_table_install(const struct hbc_progs *p, const struct hbc_config *cfg)
{
	__u32 slot = 0;
	int fd, err;

	fd = table_create();
	if (fd < 0)
		return fd;
	err = table_fill(fd, cfg);
	if (!err && bpf_map_update_elem(bpf_map__fd(p->config), &slot, &fd, BPF_ANY)) {
		err = -errno;
		fprintf(stderr, PROG ": cannot put the new table in force: %s\n", strerror(-err));
	}
	close(fd);
	return err;
}
