/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config table the BPF programs read: the uid -> message entries (the book's
 * my_config) and the exclusions, one hash map per configuration, installed whole into the
 * slot config_in_force. An "exclude cgroup PATH" line is every cgroup id at and below
 * PATH: those that exist when the config is put in force, and those the tracer meets
 * later (a unit started since, a new container's scope), learned from their first record.
 */
#ifndef HBC_TABLE_H
#define HBC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "cgroup.h"
#include "config.h"
#include "objects.h"

/* The table in force: kept open, so that cgroups met later can be added to it. */
struct hbc_table {
	int fd;				/* -1: none yet */
	unsigned int kinds;		/* a bit per exclusion kind (enum hbc_key_kind) it has */
	size_t cgroups;			/* cgroup ids in it for "exclude cgroup" lines */
	bool full;			/* no room for another learned id (said once) */
};

/*
 * Build a new table holding @cfg (its cgroup paths resolved under @cg's mount) and put it
 * in the slot, replacing the table in force. When this returns 0, no BPF program can
 * still be reading the old table (the kernel waits for an RCU grace period before a
 * map-in-map update returns): every record from then on carries @cfg's message and obeys
 * its exclusions. On error (a message on stderr) the old table stays in force, untouched.
 */
int hbc_table_install(struct hbc_table *t, const struct hbc_progs *p, const struct hbc_config *cfg,
		      const struct hbc_cgroups *cg);
/*
 * A record came from cgroup @id at @path: true if an "exclude cgroup" line of @cfg covers
 * it (the record is then not printed), and @id goes into the table in force, so that the
 * next execs there are excluded in the kernel.
 */
bool hbc_table_learn(struct hbc_table *t, const struct hbc_config *cfg, uint64_t id, const char *path);
/* "/a/b" is @prefix or below it ("/" covers everything). */
bool hbc_cgroup_under(const char *path, const char *prefix);
void hbc_table_close(struct hbc_table *t);

#endif /* HBC_TABLE_H */
