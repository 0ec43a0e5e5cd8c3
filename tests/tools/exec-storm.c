// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Exec storm for bench/run.sh and the host tests.
 *
 *   exec-storm [-n N] [-p P] DIR NAME
 *
 * Starts P worker processes; together they run TARGET = DIR/NAME exactly N
 * times (the
 * first N % P workers run one extra), each worker one child at a time:
 * posix_spawn() (clone with CLONE_VFORK in glibc) then waitpid(), as fast as
 * it can. argv is { TARGET, NULL } and the environment is empty, so every exec
 * a tracer sees carries TARGET as both filename and argv[0]. TARGET comes in
 * two pieces so that the driver's own command line never contains it: a tracer
 * that prints arguments (execsnoop) reports the driver's exec too, and counting
 * TARGET in its output must count the storm only.
 *
 * The workers start together (a pipe is closed to release them) and the clock
 * runs from that release until the last worker is reaped. One line on stdout:
 *
 *   execs=N procs=P failures=F seconds=S rate=R
 *
 * F counts the runs of TARGET that could not start or did not exit 0.
 * Exit status 0 when F is 0, 1 otherwise, 2 on usage or system errors.
 */
#ifndef _GNU_SOURCE	/* asprintf, also when bench/run.sh compiles it alone */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse_count(const char *opt, const char *s, unsigned long min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min) {
		fprintf(stderr, "exec-storm: %s wants an integer >= %lu, not '%s'\n", opt, min, s);
		exit(2);
	}
	return v;
}

/* One worker: run target `count` times, one child at a time; return failures. */
static unsigned long worker(const char *target, unsigned long count)
{
	char *argv[] = { (char *)target, NULL };
	char *envp[] = { NULL };
	unsigned long failures = 0;

	for (unsigned long i = 0; i < count; i++) {
		pid_t pid;
		int status, err;

		err = posix_spawn(&pid, target, NULL, NULL, argv, envp);
		if (err) {
			if (!failures)
				fprintf(stderr, "exec-storm: cannot run %s: %s\n", target, strerror(err));
			failures++;
			continue;
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
		if (status != 0)
			failures++;
	}
	return failures;
}

int main(int argc, char **argv)
{
	unsigned long n = 20000, procs = 2, failures = 0;
	int opt, gate[2], result[2];
	pid_t *pids;
	char *target;
	double t0, t1;

	while ((opt = getopt(argc, argv, "n:p:h")) != -1) {
		switch (opt) {
		case 'n': n = parse_count("-n", optarg, 1); break;
		case 'p': procs = parse_count("-p", optarg, 1); break;
		default:
			fprintf(stderr, "usage: exec-storm [-n N] [-p P] DIR NAME\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "usage: exec-storm [-n N] [-p P] DIR NAME\n");
		return 2;
	}
	if (procs > n)
		procs = n;
	if (procs > 1024) {	/* the result pipe must hold one word per worker */
		fprintf(stderr, "exec-storm: at most 1024 processes\n");
		return 2;
	}
	if (asprintf(&target, "%s/%s", argv[optind], argv[optind + 1]) < 0) {
		perror("exec-storm");
		return 2;
	}
	if (access(target, X_OK)) {
		fprintf(stderr, "exec-storm: %s: %s\n", target, strerror(errno));
		return 2;
	}
	pids = calloc(procs, sizeof(*pids));
	if (!pids || pipe(gate) || pipe(result)) {
		perror("exec-storm");
		return 2;
	}
	fflush(stdout);
	for (unsigned long i = 0; i < procs; i++) {
		unsigned long share = n / procs + (i < n % procs);

		pids[i] = fork();
		if (pids[i] < 0) {
			perror("exec-storm: fork");
			return 2;
		}
		if (pids[i] == 0) {
			char c;
			unsigned long f;

			close(gate[1]);
			close(result[0]);
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			close(gate[0]);
			f = worker(target, share);
			/* one small write per worker: atomic on a pipe */
			_exit(write(result[1], &f, sizeof(f)) == sizeof(f) ? 0 : 1);
		}
	}
	close(gate[0]);
	close(result[1]);
	t0 = now();
	close(gate[1]);		/* release every worker at once */
	for (unsigned long i = 0; i < procs; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "exec-storm: worker %lu did not report\n", i);
			return 2;
		}
	}
	t1 = now();
	for (unsigned long i = 0; i < procs; i++) {
		unsigned long f;

		if (read(result[0], &f, sizeof(f)) != sizeof(f)) {
			perror("exec-storm: reading worker results");
			return 2;
		}
		failures += f;
	}
	printf("execs=%lu procs=%lu failures=%lu seconds=%.6f rate=%.1f\n", n, procs, failures,
	       t1 - t0, n / (t1 - t0));
	free(pids);
	free(target);
	return failures ? 1 : 0;
}
