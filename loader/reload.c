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
#include "table.h"

#define ASKERS_MAX 16		/* askers noted per reload; more wait for the next */
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

/* One line on stderr, and the same (shortened) for STATUS=. */
static void say(struct hbc_reload *r, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": reload: %s\n", line);
	snprintf(r->last, sizeof(r->last), "%.*s", (int)sizeof(r->last) - 1, line);
}

/* Put @next in force unless it says what is in force already; it is ours then. */
static int apply(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_config *next)
{
	struct hbc_config_diff d;
	int err;

	hbc_config_diff(&r->cfg, next, &d);
	if (hbc_config_diff_empty(&d)) {
		say(r, "%s: unchanged (%zu uids): nothing to do", r->path, next->count);
		hbc_config_free(next);
		return 0;
	}
	err = hbc_table_install(p, next);
	if (err) {
		say(r, "%s: not put in force (%s): the previous messages stay", r->path,
		    strerror(-err));
		hbc_config_free(next);
		r->refused++;
		return err;
	}
	say(r, "%s: in force: %zu uids (%zu added, %zu removed, %zu changed)", r->path,
	    next->count, d.added, d.removed, d.changed);
	hbc_config_free(&r->cfg);
	r->cfg = *next;
	r->applied++;
	return 0;
}

int hbc_reload(struct hbc_reload *r, const struct hbc_progs *p, struct hbc_notify *n)
{
	pid_t who[ASKERS_MAX];
	size_t k = take_askers(who);
	struct hbc_config next;
	char why[512];
	int err;

	hbc_notify_reloading(n);
	if (!r->path) {
		say(r, "no --config file was given at start: nothing to re-read");
		err = 0;
	} else {
		err = hbc_config_load(r->path, &next, why, sizeof(why));
		if (err) {
			say(r, "%s; the previous messages stay in force", why);
			r->refused++;
		} else {
			err = apply(r, p, &next);
		}
	}
	hbc_notify(n, "READY=1");
	answer(who, k, err);
	return err;
}

void hbc_reload_free(struct hbc_reload *r)
{
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
			"previous messages stay in force; its log names the file and line\n",
			(int)pid, strerror(res));
		return 1;
	}
	printf("reloaded: pid %d has the configuration in force\n", (int)pid);
	return 0;
}
