/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The uid -> message table the BPF programs read: one hash map per configuration
 * ("my_config", the book's map), installed whole into the slot config_in_force.
 */
#ifndef HBC_TABLE_H
#define HBC_TABLE_H

#include "config.h"
#include "objects.h"

/*
 * Build a new table holding @cfg and put it in the slot, replacing the table in force.
 * When this returns 0, no BPF program can still be reading the old table (the kernel
 * waits for an RCU grace period before a map-in-map update returns): every record from
 * then on carries @cfg's message. On error (a message on stderr) the old table stays in
 * force, untouched. The slot holds the only reference: nothing to free here.
 */
int hbc_table_install(const struct hbc_progs *p, const struct hbc_config *cfg);

#endif /* HBC_TABLE_H */
