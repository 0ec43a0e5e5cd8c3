/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The per-uid message table: "UID MESSAGE" lines, '#' comments, blank lines. */
#ifndef HBC_CONFIG_H
#define HBC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hello-buffer-config.h"

struct hbc_config_entry {
	uint32_t uid;
	char message[HBC_MESSAGE_LEN];	/* NUL-terminated, at most 11 bytes */
	unsigned int line;
};

struct hbc_config {
	struct hbc_config_entry *entries;
	size_t count;
	size_t cap;
};

/*
 * Parse @f (named @path in messages). Returns 0, or a negative errno with a
 * one-line "path:line: what is wrong" message in @err. On error @cfg is left
 * empty.
 */
int hbc_config_parse(FILE *f, const char *path, struct hbc_config *cfg,
		     char *err, size_t errlen);
int hbc_config_load(const char *path, struct hbc_config *cfg, char *err, size_t errlen);
void hbc_config_free(struct hbc_config *cfg);

/* What going from one configuration to another changes, counted in uids. */
struct hbc_config_diff {
	size_t added;		/* uids with a message now, the default before */
	size_t removed;		/* and the other way round */
	size_t changed;		/* a different message */
};

/* Compare @old and @new. Sorts both by uid (their line numbers stay with the entries). */
void hbc_config_diff(struct hbc_config *old, struct hbc_config *new, struct hbc_config_diff *d);
/* True when hbc_config_diff() found nothing: the same messages for the same uids. */
bool hbc_config_diff_empty(const struct hbc_config_diff *d);

#endif /* HBC_CONFIG_H */
