/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Proof that the attached programs see execs, before the loader says "attached:" (and a
 * service says READY=1): a child pinned to each CPU this process may run on makes a
 * failing execve() of a path unique to this loader; its record must come back through
 * the buffer. Probe records are recognised by pid and path and never printed.
 */
#ifndef HBC_LIVE_H
#define HBC_LIVE_H

#include <stdbool.h>
#include <sys/types.h>
#include "buffer.h"
#include "hello-buffer-config.h"

struct hbc_live_probe {
	pid_t pid;
	int cpu;				/* the CPU it was pinned to */
};

struct hbc_live {
	char path[64];				/* "/dev/null/hello-buffer-config-live-<pid>" */
	size_t path_len;
	struct hbc_live_probe *probes;		/* every probe child, for the filter */
	int nprobes, cap;
	int ncpus, nseen;			/* CPUs to prove, and proved (or offline) */
	bool *seen;				/* by CPU number, up to maxcpu */
	int maxcpu;
	int rounds;				/* probe rounds it took */
};

/* Set up @l for this process; 0 or -errno. */
int hbc_live_init(struct hbc_live *l);
/*
 * Probe every CPU, polling @b (whose record callback must call hbc_live_claim()), until
 * each has sent a record back or @timeout_ms passed. 0, or -ETIMEDOUT / -errno with a
 * message on stderr.
 */
int hbc_live_prove(struct hbc_live *l, struct hbc_buffer *b, int timeout_ms);
/* True (and counted) when @d is a probe record of @l: the caller must not print it. */
bool hbc_live_claim(struct hbc_live *l, const struct data_t *d);
void hbc_live_free(struct hbc_live *l);

#endif /* HBC_LIVE_H */
