/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The tracer's status lines ("btf: ...", "attached: ...", reloads, the summary): on
 * stderr, or, once the journal is the output (--journal), native journal entries, each
 * kind with a MESSAGE_ID of its own (journalctl MESSAGE_ID=...; the man page lists
 * them), the same text as MESSAGE and its facts as fields. Errors stay on stderr.
 */
#ifndef HBC_SAY_H
#define HBC_SAY_H

#include "journal.h"

enum hbc_say_id {
	HBC_SAY_EXEC,		/* an exec record (format.c) */
	HBC_SAY_OUTPUT,		/* where records go */
	HBC_SAY_BTF,
	HBC_SAY_CGROUP,
	HBC_SAY_BUFFER,
	HBC_SAY_ARGS,
	HBC_SAY_LIVE,
	HBC_SAY_ATTACHED,
	HBC_SAY_RELOAD,
	HBC_SAY_LOST,
	HBC_SAY_SUMMARY,
	HBC_SAY_IDS,
};

/* The 128-bit MESSAGE_ID of @id, as journalctl matches it (32 lowercase hex digits). */
const char *hbc_say_message_id(enum hbc_say_id id);
/* From now on status lines are entries of @j (NULL: stderr again). */
void hbc_say_to(struct hbc_journal *j);
/*
 * A status line of kind @id: fmt's text (no newline), with the fields of @extra (or NULL)
 * when it goes to the journal. An entry the journal does not take is written to stderr.
 */
void hbc_say(enum hbc_say_id id, const struct hbc_jentry *extra, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* HBC_SAY_H */
