// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "hbc.h"
#include "say.h"
#include "live.h"

/* How long one round waits for its records before probing the CPUs not yet seen again. */
#define ROUND_MS 250
/* short: the BPF side wakes the ring buffer's reader only per 64 KiB, so each poll waits it out */
#define POLL_MS 5
/* A probe child's exit status when it could not be pinned (the CPU went offline). */
#define CHILD_NO_CPU 3

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int hbc_live_init(struct hbc_live *l)
{
	cpu_set_t set;

	memset(l, 0, sizeof(*l));
	l->path_len = (size_t)snprintf(l->path, sizeof(l->path), "/dev/null/hello-buffer-config-live-%d",
				       (int)getpid());
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	l->maxcpu = CPU_SETSIZE;
	l->seen = calloc(CPU_SETSIZE, sizeof(*l->seen));
	if (!l->seen)
		return -ENOMEM;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set))
			l->ncpus++;
		else
			l->seen[cpu] = true;	/* not ours to run on: nothing to prove there */
	}
	return 0;
}

/* A child pinned to @cpu execs the probe path (ENOTDIR: /dev/null is no directory). */
static pid_t probe_cpu(const struct hbc_live *l, int cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)l->path, NULL };
		char *envp[] = { NULL };
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(CHILD_NO_CPU);
		execve(l->path, argv, envp);
		_exit(0);
	}
	return pid;
}

/* One round: a probe on every CPU not yet seen; the children reaped. */
static int probe_round(struct hbc_live *l)
{
	int first = l->nprobes;

	for (int cpu = 0; cpu < l->maxcpu; cpu++) {
		pid_t pid;

		if (l->seen[cpu])
			continue;
		if (l->nprobes == l->cap) {
			int cap = l->cap ? 2 * l->cap : 64;
			struct hbc_live_probe *p = realloc(l->probes, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			l->probes = p;
			l->cap = cap;
		}
		pid = probe_cpu(l, cpu);
		if (pid < 0)
			return -errno;
		l->probes[l->nprobes++] = (struct hbc_live_probe){ .pid = pid, .cpu = cpu };
	}
	for (int i = first; i < l->nprobes; i++) {
		const struct hbc_live_probe *p = &l->probes[i];
		int status;

		while (waitpid(p->pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_CPU && !l->seen[p->cpu]) {
			l->seen[p->cpu] = true;	/* offline now: nothing runs there */
			l->nseen++;
		}
	}
	l->rounds++;
	return 0;
}

/* Called for every record: the path length rules out nearly all of them at once. */
bool hbc_live_claim(struct hbc_live *l, const struct data_t *d)
{
	if (!l || !l->seen || d->path_len != l->path_len || memcmp(d->path, l->path, l->path_len))
		return false;
	for (int i = 0; i < l->nprobes; i++) {
		int cpu = l->probes[i].cpu;

		if (l->probes[i].pid != d->pid)
			continue;
		if (!l->seen[cpu]) {
			l->seen[cpu] = true;
			l->nseen++;
		}
		return true;
	}
	return false;
}

static int first_unseen(const struct hbc_live *l)
{
	for (int cpu = 0; cpu < l->maxcpu; cpu++)
		if (!l->seen[cpu])
			return cpu;
	return -1;
}

int hbc_live_prove(struct hbc_live *l, struct hbc_buffer *b, int timeout_ms)
{
	long start = now_ms(), end = start + timeout_ms;
	int err;

	while (l->nseen < l->ncpus) {
		long round_end = now_ms() + ROUND_MS;

		if (now_ms() >= end) {
			fprintf(stderr, PROG ": the programs are attached, but an exec on CPU %d "
				"did not come back through the %s within %d s (%d probe rounds): the kernel "
				"does not run them; run with --verbose, or try the other --attach mode\n",
				first_unseen(l), hbc_buffer_name(b), timeout_ms / 1000, l->rounds);
			return -ETIMEDOUT;
		}
		err = probe_round(l);
		if (err) {
			fprintf(stderr, PROG ": cannot run the liveness probe: %s\n",
				strerror(-err));
			return err;
		}
		while (l->nseen < l->ncpus && now_ms() < round_end) {
			err = hbc_buffer_poll(b, POLL_MS);
			if (err && err != -EINTR) {
				fprintf(stderr, PROG ": reading the %s: %s\n",
					hbc_buffer_name(b), strerror(-err));
				return err;
			}
		}
	}
	hbc_say(HBC_SAY_LIVE, NULL, "live: a probe exec came back from each of %d CPUs in %ld ms (%d round%s)",
		l->ncpus, now_ms() - start, l->rounds, l->rounds == 1 ? "" : "s");
	return 0;
}

void hbc_live_free(struct hbc_live *l)
{
	free(l->seen);
	free(l->probes);
	l->seen = NULL;
	l->probes = NULL;
}
