// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Start-up timer for bench/run.sh.
 *
 *   startup [-t SECONDS] MARKER TARGET -- COMMAND [ARGS...]
 *
 * Runs COMMAND with stdout and stderr on one pipe and times, from just before
 * the fork:
 *   attach_ms  until MARKER first appears in its output (the tool's "attached"
 *              line or its header);
 *   event_ms   until TARGET first appears in its output. TARGET is run once as
 *              soon as MARKER is seen, then again every 10 ms until it shows
 *              (a tool may print its marker before it is really attached).
 * Then COMMAND gets SIGINT (SIGKILL 5 s later if it is still there). One line:
 *
 *   attach_ms=A event_ms=E target_runs=K
 *
 * Exit status 0 on success, 1 on timeout (default 60 s) or if COMMAND exits
 * first, 2 on usage or system errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A text window that matches needles across read boundaries. */
struct window {
	char buf[65536];
	size_t len;
	size_t keep;		/* bytes carried over: longest needle - 1 */
};

static void window_add(struct window *w, const char *data, size_t n)
{
	if (w->len + n >= sizeof(w->buf)) {	/* keep only the carry-over tail */
		size_t tail = w->len < w->keep ? w->len : w->keep;

		memmove(w->buf, w->buf + w->len - tail, tail);
		w->len = tail;
	}
	if (n >= sizeof(w->buf) - w->len)
		n = sizeof(w->buf) - w->len - 1;
	memcpy(w->buf + w->len, data, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static int window_has(const struct window *w, const char *needle)
{
	return memmem(w->buf, w->len, needle, strlen(needle)) != NULL;
}

static void stop_child(pid_t pid)
{
	int status;

	kill(pid, SIGINT);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static int run_target(const char *target)
{
	char *argv[] = { (char *)target, NULL };
	char *envp[] = { NULL };
	pid_t pid;

	return posix_spawn(&pid, target, NULL, NULL, argv, envp);
}

int main(int argc, char **argv)
{
	double timeout_s = 60, t0, t_attach = -1, t_event = -1, t_last = 0;
	const char *marker, *target;
	struct window *w;
	int opt, out[2], status;
	unsigned long runs = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:h")) != -1) {
		switch (opt) {
		case 't': timeout_s = atof(optarg); break;
		default:
			fprintf(stderr, "usage: startup [-t SECONDS] MARKER TARGET -- COMMAND [ARGS...]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (argc - optind < 4 || strcmp(argv[optind + 2], "--")) {
		fprintf(stderr, "usage: startup [-t SECONDS] MARKER TARGET -- COMMAND [ARGS...]\n");
		return 2;
	}
	marker = argv[optind];
	target = argv[optind + 1];
	w = calloc(1, sizeof(*w));
	if (!w || pipe(out)) {
		perror("startup");
		return 2;
	}
	w->keep = strlen(marker) > strlen(target) ? strlen(marker) : strlen(target);
	signal(SIGCHLD, SIG_DFL);

	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("startup: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(out[0]);
		close(out[1]);
		execvp(argv[optind + 3], argv + optind + 3);
		fprintf(stderr, "startup: cannot run %s: %s\n", argv[optind + 3], strerror(errno));
		_exit(127);
	}
	close(out[1]);

	while (t_event < 0) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		char chunk[4096];
		double t;
		int r;

		r = poll(&pfd, 1, 1);
		t = now_ms();
		if (r > 0) {
			ssize_t n = read(out[0], chunk, sizeof(chunk));

			if (n <= 0) {
				fprintf(stderr, "startup: %s exited before %s\n", argv[optind + 3],
					t_attach < 0 ? "its marker" : "the first event");
				waitpid(pid, &status, 0);
				return 1;
			}
			window_add(w, chunk, (size_t)n);
			if (t_attach < 0 && window_has(w, marker))
				t_attach = t;
			if (t_attach >= 0 && runs && window_has(w, target))
				t_event = t;
		}
		/* reap finished target runs; COMMAND ending here is a failure */
		for (pid_t done; (done = waitpid(-1, &status, WNOHANG)) > 0;) {
			if (done == pid) {
				fprintf(stderr, "startup: %s exited (status %#x) before %s\n",
					argv[optind + 3], status,
					t_attach < 0 ? "its marker" : "the first event");
				return 1;
			}
		}
		if (t_attach >= 0 && t_event < 0 && (!runs || t - t_last >= 10)) {
			int err = run_target(target);

			if (err) {
				fprintf(stderr, "startup: cannot run %s: %s\n", target, strerror(err));
				stop_child(pid);
				return 2;
			}
			runs++;
			t_last = t;
		}
		if (t - t0 > timeout_s * 1e3) {
			fprintf(stderr, "startup: timed out after %.0f s waiting for %s\n", timeout_s,
				t_attach < 0 ? "the marker" : "the first event");
			stop_child(pid);
			return 1;
		}
	}
	close(out[0]);
	stop_child(pid);
	printf("attach_ms=%.1f event_ms=%.1f target_runs=%lu\n", t_attach - t0, t_event - t0, runs);
	free(w);
	return 0;
}
