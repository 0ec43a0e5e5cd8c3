/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The journal's native protocol, without libsystemd (systemd documents it as stable for
 * reimplementation: "Native Journal Protocol"): one datagram per entry on journald's
 * AF_UNIX socket, the entry a list of fields. A value without a newline or a NUL goes as
 * "NAME=value\n"; any other as "NAME\n", its length as a 64-bit little-endian number, the
 * bytes, "\n". An entry too big for one datagram
 * (EMSGSIZE) goes in a sealed memfd passed with SCM_RIGHTS and an empty datagram.
 * Field names: A-Z, 0-9 and '_', not starting with '_', at most 64 bytes.
 */
#ifndef HBC_JOURNAL_H
#define HBC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#define HBC_JOURNAL_SOCKET "/run/systemd/journal/socket"

/* An entry being built: its fields, encoded. */
struct hbc_jentry {
	char *buf;
	size_t len, cap;
	int err;			/* the first error while adding (-ENOMEM, -EINVAL), sticky */
};

/* Empty @e for the next entry (its buffer is kept). */
void hbc_jentry_reset(struct hbc_jentry *e);
/* Field @name with the @len bytes of @value, in the form they need. */
void hbc_jentry_add(struct hbc_jentry *e, const char *name, const void *value, size_t len);
/* Field @name with a NUL-terminated @value. */
void hbc_jentry_str(struct hbc_jentry *e, const char *name, const char *value);
/* Field @name with a printf-formatted value. */
void hbc_jentry_addf(struct hbc_jentry *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The encoded fields @buf[@len] of another entry, appended as they are. */
void hbc_jentry_add_raw(struct hbc_jentry *e, const char *buf, size_t len);
void hbc_jentry_free(struct hbc_jentry *e);
/* @name is a field name the journal accepts from a client. */
bool hbc_journal_name_ok(const char *name);

struct hbc_journal {
	int fd;				/* the datagram socket; -1: closed */
	const char *path;		/* journald's socket */
	unsigned long long sent;	/* entries the journal accepted */
	unsigned long long failed;	/* entries it did not: counted, said once */
	unsigned long long by_memfd;	/* of the sent, how many in a memfd */
	int last_err;			/* what the last failure was (-errno) */
};

/*
 * Connect to @path (HBC_JOURNAL_SOCKET but in tests). 0 or -errno (ENOENT: no journald
 * there), with the reason on stderr.
 */
int hbc_journal_open(struct hbc_journal *j, const char *path);
/*
 * Send @e as one entry: blocks while journald's queue is full (never drops on our side);
 * an entry too big for a datagram goes in a memfd. 0 or -errno (counted in j->failed).
 */
int hbc_journal_send(struct hbc_journal *j, const struct hbc_jentry *e);
void hbc_journal_close(struct hbc_journal *j);

/*
 * Whether systemd connected our stdout to the journal: JOURNAL_STREAM ("DEV:INODE", set
 * by systemd for StandardOutput=journal) names the file of fd 1.
 */
bool hbc_journal_stream_is_stdout(void);

#endif /* HBC_JOURNAL_H */
