// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hbc.h"
#include "reload.h"
#include "say.h"

#define ASKERS_MAX HBC_RELOAD_ASKERS_MAX
#define ASK_REPEAT_S 5
#define ASK_TIMEOUT_S 60

static volatile sig_atomic_t wanted;
static volatile sig_atomic_t askers[ASKERS_MAX];
static volatile sig_atomic_t naskers;

static void on_hup(int sig, siginfo_t *si, void *uctx)
{
	(void)sig;
	(void)uctx;
	wanted = 1;
	if (si->si_code == SI_QUEUE && si->si_value.sival_int == HBC_RELOAD_ASK &&
	    naskers < ASKERS_MAX)
		askers[naskers++] = si->si_pid;
}

int hbc_reload_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_hup, .sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGHUP, &sa, NULL) ? -errno : 0;
}

bool hbc_reload_wanted(void)
{
	return wanted;
}

/* The askers so far, and a clean slate: a SIGHUP from now on wants another reload. */
static size_t take_askers(pid_t *out)
{
	sigset_t hup, old;
	size_t n;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	n = (size_t)naskers;
	for (size_t i = 0; i < n; i++)
		out[i] = (pid_t)askers[i];
	naskers = 0;
	wanted = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n;
}

static void answer(const pid_t *who, size_t n, int err)
{
	union sigval v = { .sival_int = -err };

	for (size_t i = 0; i < n; i++)
		if (sigqueue(who[i], SIGURG, v) && errno != ESRCH)
			fprintf(stderr, PROG ": reload: cannot answer pid %d: %s\n", (int)who[i],
				strerror(errno));
}

static void say(struct hbc_reload *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The reload's line (stderr, or the journal), and the same (shortened) for STATUS=. */
static void say(struct hbc_reload *r, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hbc_say(HBC_SAY_RELOAD, NULL, PROG ": reload: %s", line);
	snprintf(r->last, sizeof(r->last), "%.*s", (int)sizeof(r->last) - 1, line);
}

/* "; 3 exclusions (1 new, 0 lifted)" when a config has or had exclusions, else "". */
static void exclusions(char *buf, size_t len, const struct hbc_config *next,
		       const struct hbc_config_diff *d)
{
	buf[0] = '\0';
	if (next->nexcludes || d->included)
		snprintf(buf, len, "; %zu exclusion%s (%zu new, %zu lifted)", next->nexcludes,
			 next->nexcludes == 1 ? "" : "s", d->excluded, d->included);
}

/* Put @next in force unless it says what is in force already; it is ours then. */
static int apply(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_table *t,
		 const struct hbc_cgroups *cg, struct hbc_config *next)
{
	struct hbc_config_diff d;
	char x[96];
	int err;

	hbc_config_diff(&r->cfg, next, &d);
	if (hbc_config_diff_empty(&d)) {
		say(r, "%s: unchanged (%zu uids, %zu exclusions): nothing to do", r->path, next->count,
		    next->nexcludes);
		hbc_config_free(next);
		return 0;
	}
	err = hbc_table_install(t, p, next, cg);
	if (err) {
		say(r, "%s: not put in force (%s): the previous messages and exclusions stay", r->path,
		    strerror(-err));
		hbc_config_free(next);
		return err;
	}
	exclusions(x, sizeof(x), next, &d);
	say(r, "%s: in force: %zu uids (%zu added, %zu removed, %zu changed)%s", r->path,
	    next->count, d.added, d.removed, d.changed, x);
	hbc_config_free(&r->cfg);
	r->cfg = *next;
	return 0;
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The reader thread: the file read and parsed, whatever time that takes. */
static void *read_config(void *arg)
{
	struct hbc_reload *r = arg;

	r->read_err = hbc_config_load(r->path, &r->next, r->why, sizeof(r->why));
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int hbc_reload_begin(struct hbc_reload *r, struct hbc_notify *n)
{
	sigset_t all, old;
	int err;

	r->naskers = take_askers(r->askers);
	r->since = monotonic_s();
	r->done = 0;
	hbc_notify_reloading(n);
	if (!r->path) {
		r->read_err = -ENOENT;
		snprintf(r->why, sizeof(r->why), "no --config file was given at start: nothing to re-read");
		r->done = 1;
		r->reading = true;
		r->reader = pthread_self();
		return 0;
	}
	/* the reader takes no signal: SIGHUP, SIGINT and SIGTERM are the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&r->reader, NULL, read_config, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		r->read_err = err;
		snprintf(r->why, sizeof(r->why), "cannot start reading %s: %s", r->path, strerror(-err));
		r->done = 1;
		r->reader = pthread_self();
	}
	r->reading = true;
	return err;
}

bool hbc_reload_finish(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_table *t,
		       const struct hbc_cgroups *cg, struct hbc_notify *n)
{
	int err;

	if (!r->reading || !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
		return false;
	if (!pthread_equal(r->reader, pthread_self()))
		pthread_join(r->reader, NULL);
	r->reading = false;
	err = r->read_err;
	if (!r->path) {
		say(r, "%s", r->why);
		err = 0;
	} else if (err) {
		say(r, "%s; the previous messages and exclusions stay in force", r->why);
	} else {
		err = apply(r, p, t, cg, &r->next);
	}
	hbc_notify(n, "READY=1");
	answer(r->askers, r->naskers, err);
	return true;
}

void hbc_reload_free(struct hbc_reload *r)
{
	if (r->reading && !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		/* stuck in a read: it ends with the process; its memory is not ours to free */
		fprintf(stderr, PROG ": reload: still reading %s after %.0f s: left behind\n", r->path,
			monotonic_s() - r->since);
		pthread_detach(r->reader);
	} else if (r->reading) {
		if (!pthread_equal(r->reader, pthread_self()))
			pthread_join(r->reader, NULL);
		hbc_config_free(&r->next);
	}
	hbc_config_free(&r->cfg);
}

/* ---- the asker: --reload PID ---- */

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 2 || v > INT_MAX) {
		fprintf(stderr, PROG ": --reload expects the pid of a running " PROG ", not '%s'\n", s);
		return -EINVAL;
	}
	*pid = (pid_t)v;
	return 0;
}

/* The first line of /proc/@pid/comm, or "" (with errno) when it cannot be read. */
static void read_comm(const char *pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* A SIGHUP kills most programs: send it only to a process that runs this one. */
static int is_tracer(const char *pid)
{
	char theirs[32], ours[32];

	read_comm(pid, theirs, sizeof(theirs));
	read_comm("self", ours, sizeof(ours));
	if (!theirs[0]) {
		fprintf(stderr, PROG ": --reload %s: no such process (or /proc/%s is hidden from us)\n",
			pid, pid);
		return -ESRCH;
	}
	if (strcmp(theirs, ours)) {
		fprintf(stderr, PROG ": --reload %s: that process runs '%s', not " PROG
			": not signalled\n", pid, theirs);
		return -EINVAL;
	}
	return 0;
}

static int ask(pid_t pid)
{
	union sigval v = { .sival_int = HBC_RELOAD_ASK };

	if (!sigqueue(pid, SIGHUP, v))
		return 0;
	fprintf(stderr, PROG ": --reload %d: cannot signal it: %s%s\n", (int)pid, strerror(errno),
		errno == EPERM ? " (run as root, or as its user)" : "");
	return -errno;
}

/* Wait up to @s seconds for the answer of @pid: its value (>= 0), or -EAGAIN. */
static int wait_answer(const sigset_t *urg, pid_t pid, int s)
{
	struct timespec ts = { .tv_sec = s };
	siginfo_t si;

	for (;;) {
		int sig = sigtimedwait(urg, &si, &ts);

		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0)
			return -EAGAIN;
		if (si.si_code == SI_QUEUE && si.si_pid == pid)
			return si.si_value.sival_int;
		/* a SIGURG of somebody else's: keep waiting (the full interval again) */
	}
}

int hbc_reload_ask(const char *arg)
{
	sigset_t urg;
	pid_t pid;
	int res = -EAGAIN;

	if (parse_pid(arg, &pid) || is_tracer(arg))
		return 2;
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigprocmask(SIG_BLOCK, &urg, NULL);
	for (int waited = 0; res == -EAGAIN && waited < ASK_TIMEOUT_S; waited += ASK_REPEAT_S) {
		if (ask(pid))
			return 1;
		res = wait_answer(&urg, pid, ASK_REPEAT_S);
	}
	if (res == -EAGAIN) {
		fprintf(stderr, PROG ": --reload %d: no answer in %d s: is it still starting? "
			"Its log says what it did\n", (int)pid, ASK_TIMEOUT_S);
		return 1;
	}
	if (res) {
		fprintf(stderr, PROG ": --reload %d: the new configuration was refused (%s): the "
			"previous messages and exclusions stay in force; its log names the file and line\n",
			(int)pid, strerror(res));
		return 1;
	}
	printf("reloaded: pid %d has the configuration in force\n", (int)pid);
	return 0;
}
