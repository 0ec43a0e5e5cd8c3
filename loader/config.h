/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The per-uid message table: "UID MESSAGE" lines, '#' comments, blank lines. */
#ifndef HBC_CONFIG_H
#define HBC_CONFIG_H

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

#endif /* HBC_CONFIG_H */
