/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SIGHUP re-reads the config file given at start and puts it in force without
 * detaching (loader/table.c says what an exec during the switch can see). The file is
 * read in a thread of its own while the tracer goes on reading its buffer: a file on a
 * stuck file system delays the reload, never the records. A file that does not parse, or
 * is no regular file, changes nothing: the error is logged as "file:line: why" and the
 * old messages and exclusions go on. A file that says what is in force changes nothing
 * either.
 *
 * `--reload PID` (the unit's ExecReload=) asks a running tracer to reload and waits for
 * the outcome, so that `systemctl reload` returns once the new messages are in force,
 * and fails when the file was refused:
 *   1. the asker blocks SIGURG and sends SIGHUP with sigqueue(3), value HBC_RELOAD_ASK;
 *   2. the tracer notes the sender (si_pid); after the reload that began after that
 *      signal, it answers with sigqueue(SIGURG), value 0 (in force or unchanged) or the
 *      errno of the refusal (EINVAL: the file does not parse);
 *   3. without an answer the asker repeats the request every 5 s (a plain SIGHUP that was
 *      pending at the same moment absorbs a second one), for at most 60 s.
 * SIGURG, because its default action is to ignore it: an answer that arrives after its
 * asker gave up, at a process that reused the pid, harms nothing. A plain SIGHUP
 * (kill -HUP) reloads the same way, with nobody to answer.
 */
#ifndef HBC_RELOAD_H
#define HBC_RELOAD_H

#include <pthread.h>
#include <stdbool.h>
#include "cgroup.h"
#include "config.h"
#include "notify.h"
#include "objects.h"
#include "table.h"

#define HBC_RELOAD_ASK 0x68626372	/* "hbcr" */
#define HBC_RELOAD_ASKERS_MAX 16	/* askers noted per reload; more wait for the next */

struct hbc_reload {
	const char *path;		/* --config FILE; NULL: none was given */
	struct hbc_config cfg;		/* the configuration in force */
	char last[320];			/* what the last reload did, for STATUS= */
	/* a re-read under way, in a thread of its own: a slow file cannot stall the trace */
	pthread_t reader;
	bool reading;
	int done;			/* set by the reader (atomic) */
	int read_err;			/* its outcome, and what it read */
	struct hbc_config next;
	char why[512];
	double since;			/* when it began (CLOCK_MONOTONIC s) */
	pid_t askers[HBC_RELOAD_ASKERS_MAX];	/* who asked for this reload */
	size_t naskers;
};

/* Install the SIGHUP handler. 0 or -errno. */
int hbc_reload_signals(void);
/* A SIGHUP came since the last reload began. */
bool hbc_reload_wanted(void);
/*
 * Begin re-reading r->path (RELOADING=1) in a thread: the caller goes on reading the
 * buffer. 0, or -errno when the thread cannot start (said; the reload is refused).
 */
int hbc_reload_begin(struct hbc_reload *r, struct hbc_notify *n);
/*
 * When the re-read has finished: put it in force (the table @t, its cgroups under @cg)
 * or refuse it, READY=1, answer those who asked; true then. False while it goes on.
 */
bool hbc_reload_finish(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_table *t,
		       const struct hbc_cgroups *cg, struct hbc_notify *n);
/* Free what is ours; a re-read still hanging (a stuck file system) is left to exit. */
void hbc_reload_free(struct hbc_reload *r);

/* --reload PID. Returns the exit status: 0 in force, 1 refused or no answer, 2 bad PID. */
int hbc_reload_ask(const char *pid);

#endif /* HBC_RELOAD_H */
