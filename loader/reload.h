/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SIGHUP re-reads the config file given at start and puts it in force without
 * detaching (loader/table.c says what an exec during the switch can see). A file that
 * does not parse changes nothing: the error is logged as "file:line: why" and the old
 * messages go on. A file with the same messages as before changes nothing either.
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

#include <stdbool.h>
#include "config.h"
#include "notify.h"
#include "objects.h"

#define HBC_RELOAD_ASK 0x68626372	/* "hbcr" */

struct hbc_reload {
	const char *path;		/* --config FILE; NULL: none was given */
	struct hbc_config cfg;		/* the configuration in force */
	unsigned long applied;		/* reloads that changed the table */
	unsigned long refused;		/* reloads whose file was refused */
	char last[320];			/* what the last reload did, for STATUS= */
};

/* Install the SIGHUP handler. 0 or -errno. */
int hbc_reload_signals(void);
/* A SIGHUP came since the last hbc_reload(). */
bool hbc_reload_wanted(void);
/*
 * Re-read r->path and put it in force (RELOADING=1 ... READY=1 around it), then answer
 * those who asked. Returns 0 (in force, or nothing to change) or the refusal's -errno;
 * either way the tracer goes on.
 */
int hbc_reload(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_notify *n);
void hbc_reload_free(struct hbc_reload *r);

/* --reload PID. Returns the exit status: 0 in force, 1 refused or no answer, 2 bad PID. */
int hbc_reload_ask(const char *pid);

#endif /* HBC_RELOAD_H */
