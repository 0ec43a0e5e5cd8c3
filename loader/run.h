/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The tracer's run, in order: open the object, configure it (argument bytes, scratch,
 * buffer, attach plan), load, install the config table, open the buffer, attach, prove
 * the programs live, then --check's report or the trace (records until a signal or
 * --count, reloads on SIGHUP), detach, drain, summary. One session is the context of
 * every callback; one unwind path frees what was made.
 */
#ifndef HBC_RUN_H
#define HBC_RUN_H

#include <stdbool.h>
#include "attach.h"
#include "buffer.h"
#include "journal.h"
#include "kbtf.h"
#include "notify.h"
#include "objects.h"
#include "reload.h"

/* Where records go. */
enum hbc_output { HBC_OUT_TEXT, HBC_OUT_JSON, HBC_OUT_JOURNAL };

/* What the command line decides about a run. */
struct hbc_run_opts {
	enum hbc_output output;
	struct hbc_journal *journal;	/* HBC_OUT_JOURNAL: open */
	enum hbc_attach_mode attach;
	enum hbc_buffer_kind buffer;
	unsigned long count;		/* records to print, then stop; 0: until a signal */
	unsigned long pages;		/* perf buffer pages per CPU */
	unsigned long ring_bytes;	/* ring buffer size: a power of 2, pages */
	unsigned long args_max;		/* argument bytes per record; 0: none (--no-args) */
	bool check;			/* attach, report, detach */
	bool raw_syscalls;		/* the tracepoint set's 32-bit entries (--raw-syscalls) */
};

/*
 * Where records and status lines go (@o->output, @o->journal): --json or --journal as
 * given (@given), else the journal when systemd connected stdout to it (JOURNAL_STREAM),
 * else text; said. @j is opened when the journal is chosen. 0, or -errno when --journal
 * cannot reach journald.
 */
int hbc_run_output(struct hbc_run_opts *o, bool given, struct hbc_journal *j);

/*
 * Run @obj relocated against @btf with @o; @reload holds the config in force (and its
 * path for SIGHUP), @notify the sd_notify socket. SIGINT and SIGTERM stop the trace.
 * Returns 0, or -errno after saying what failed on stderr.
 */
int hbc_run(const struct hbc_run_opts *o, const struct hbc_object *obj, const struct hbc_btf *btf,
	    struct hbc_reload *reload, struct hbc_notify *notify);

#endif /* HBC_RUN_H */
