/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file: "UID MESSAGE" lines (the per-uid messages), "exclude uid UID",
 * "exclude command NAME" and "exclude cgroup PATH" lines (execs not reported), '#'
 * comments, blank lines.
 */
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

/* "exclude uid UID", "exclude command NAME", "exclude cgroup PATH": execs not reported. */
enum hbc_exclude_kind { HBC_EXCLUDE_UID, HBC_EXCLUDE_COMMAND, HBC_EXCLUDE_CGROUP };

struct hbc_config_exclude {
	enum hbc_exclude_kind kind;
	uint32_t uid;			/* HBC_EXCLUDE_UID */
	char command[HBC_COMMAND_LEN];	/* HBC_EXCLUDE_COMMAND: the caller's, NUL-terminated */
	char *cgroup;			/* HBC_EXCLUDE_CGROUP: a path under the cgroup2 root, and
					   everything below it ("/system.slice/cron.service") */
	unsigned int line;
};

/* The most bytes a config file may have: a bigger one is refused, never read to its end. */
#define HBC_CONFIG_MAX_BYTES (1024 * 1024)

struct hbc_config {
	struct hbc_config_entry *entries;
	size_t count;
	size_t cap;
	struct hbc_config_exclude *excludes;
	size_t nexcludes;
	size_t excap;
};

/*
 * Parse @f (named @path in messages). Returns 0, or a negative errno with a
 * one-line "path:line: what is wrong" message in @err. On error @cfg is left
 * empty.
 */
int hbc_config_parse(FILE *f, const char *path, struct hbc_config *cfg,
		     char *err, size_t errlen);
/*
 * Read and parse the file @path: a regular file of at most HBC_CONFIG_MAX_BYTES (a FIFO,
 * a device or a directory is refused at once, without waiting for a writer or an end).
 */
int hbc_config_load(const char *path, struct hbc_config *cfg, char *err, size_t errlen);
void hbc_config_free(struct hbc_config *cfg);

/* What going from one configuration to another changes, counted in uids and exclusions. */
struct hbc_config_diff {
	size_t added;		/* uids with a message now, the default before */
	size_t removed;		/* and the other way round */
	size_t changed;		/* a different message */
	size_t excluded;	/* exclusions now that were not there before */
	size_t included;	/* and the other way round */
};

/*
 * Compare @old and @new. Sorts both's messages by uid and exclusions by kind and value
 * (their line numbers stay with them).
 */
void hbc_config_diff(struct hbc_config *old, struct hbc_config *new, struct hbc_config_diff *d);
/* True when hbc_config_diff() found nothing: the same messages for the same uids. */
bool hbc_config_diff_empty(const struct hbc_config_diff *d);

#endif /* HBC_CONFIG_H */
