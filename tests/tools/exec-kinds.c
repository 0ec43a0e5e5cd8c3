// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Every kind of exec a tracer must report, each once, each with a path of its own:
 *
 *   exec-kinds [-a ARGS_MAX] [-s SCAN] [-g CGROUP_DIR=CGROUP_PATH] DIR NOOP
 *
 * DIR: an empty directory (at most 64 bytes of [A-Za-z0-9/._-]) on a file system that
 * honours setuid bits, searchable by everyone; NOOP: a static program that exits 0, copied
 * into DIR under each name. ARGS_MAX: the tracer's --args-max (default 4096), for the
 * record's expected arguments; SCAN: how many argv entries of a failed exec it counts
 * (default 1024; 128 where it says "args: ... bounded loops"). -g: a cgroup v2 directory (made by the caller, removed by it
 * after the tracer has printed) whose path under the cgroup2 root is CGROUP_PATH: the
 * cgroup kind runs in it. For each kind one line goes to stdout, what the tracer must
 * report for it, tab-separated:
 *
 *   KIND  PID  UID  SYSCALL  COMPAT  RESULT  PATH-HEX  JSON-PATH  TEXT-PATH  FIELDS  TEXT-ARGS
 *
 * PID the process that made the exec (the record's pid), UID its uid, SYSCALL
 * execve|execveat, COMPAT 0|1, RESULT 0 or -errno, PATH-HEX the path as the kernel names
 * it (bytes as hex; "/dev/fd/N/..." for execveat relative to a dirfd; "-" when it cannot
 * be read: a bad pointer), then the path as the tracer's output has it (loader/format.h):
 * JSON-PATH the JSON value ("..." or null), TEXT-PATH the text column ("?" when
 * unreadable). FIELDS: pieces of the JSON record, each exactly as the record has it,
 * separated by the byte 0x1e: the parent, the ids to the tty, the cgroup, the arguments
 * (up to the "message" key that follows them).
 * TEXT-ARGS: the text record's argument columns ("[N] ARG..."). Known values for the
 * names used here, so that a guest without a JSON parser can compare.
 * Lines "# window START END" give the wall-clock time (UTC) before the first exec and
 * after the last: every record's time is inside. A kind this machine cannot do is a
 * line "# skip KIND: why". Exit 0 when every exec's outcome was the one expected, 1
 * otherwise, 2 on usage or setup errors.
 *
 * Every child leaves the session first (setsid(): no controlling tty, so the record's
 * tty is null) but the tty kind, which takes a pty as its own. exec-kinds is the child
 * subreaper of what it starts: the reparented kind's grandchild, whose parent exits
 * before it execs, has exec-kinds as its new parent.
 *
 * The literal kind is the one that defeats a read of the path at the syscall's entry:
 * the path is a string literal alone in a page of .rodata that nobody has touched, and
 * fork() copies no page-table entry for a file mapping never written, so the forked
 * child execs a pointer into a page that is not mapped in it yet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* fexecve, vfork, ptsname_r, POSIX_SPAWN_SETSID */
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LITERAL_PATH "/tmp/hbc-exec-kinds.literal"
/* Alone in its page: nothing else the child reads before execve shares it. */
__attribute__((aligned(4096))) static const char literal_path[4096] = LITERAL_PATH;

/* The setuid kind's caller: an unprivileged uid with a gid of its own. */
#define SETUID_UID 1234
#define SETUID_GID 2345
/* The big argument list: 1,000 arguments of 131 bytes, 128 KiB with their NULs. */
#define MANY_ARGS 1000
#define MANY_ARG_LEN 130
#define SEP "\x1e"

static char *const no_env[] = { NULL };
static int failures;
static size_t args_max = 4096;
static size_t scan = 1024;
/* what every record has unless a kind says otherwise (read once at start) */
static char parent[64];			/* "ppid":N,"parent_command":"exec-kinds" */
static char audit[96];			/* "loginuid":N,"sessionid":N, or "" without audit */
static char own_cgroup[4300];		/* "cgroup":"...", of exec-kinds itself */

static void print_hex(const char *s)
{
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

/* What a kind's record must say beyond its path: the pieces of FIELDS and TEXT-ARGS. */
struct want {
	unsigned int uid, gid, euid, egid;
	int setid;
	const char *tty;		/* the tty's name, NULL: none */
	const char *cgroup;		/* "cgroup":"..." piece, NULL: exec-kinds' own */
	size_t unread;			/* the last N arguments cannot be read: flagged */
	bool failed;			/* a failed exec: the tracer counts at most SCAN entries */
	char *json_args;		/* "argc":N,"args":[...] (and "args_cut":true) */
	char *text_args;		/* [N] ARG... */
};

static void print_fields(const struct want *w)
{
	printf("%s" SEP "\"gid\":%u,\"euid\":%u,\"egid\":%u,%s%s\"tty\":", parent, w->gid, w->euid,
	       w->egid, w->setid ? "\"setid\":true," : "", audit);
	if (w->tty)
		printf("\"%s\",", w->tty);
	else
		printf("null,");
	printf(SEP "%s" SEP "%s\t%s\n", w->cgroup ? w->cgroup : own_cgroup, w->json_args, w->text_args);
}

/*
 * The arguments' pieces for @argv, whose JSON and text forms are @json[i] and @text[i]
 * (NULL: the argument itself, plain ASCII with no space), as the tracer cuts them:
 * the first ARGS_MAX bytes of the arguments laid out with their NULs.
 */
static void want_args(struct want *w, char *const argv[], const char *const *json,
		      const char *const *text)
{
	size_t argc = 0, used = 0, shown = 0, jl = 0, tl = 0, jcap = 1 << 16, tcap = 1 << 16;
	int cut = 0, scan_cut = 0;

	while (argv && argv[argc])
		argc++;
	if (w->unread > argc)
		abort();
	if (w->failed && argc > scan) {	/* counted up to SCAN, flagged cut */
		argc = scan;
		scan_cut = 1;
	}
	w->json_args = malloc(jcap);
	w->text_args = malloc(tcap);
	if (!w->json_args || !w->text_args)
		abort();
	w->text_args[0] = '\0';
	jl = (size_t)snprintf(w->json_args, jcap, "\"argc\":%zu,\"args\":[", argc);
	for (size_t i = 0; i < argc - w->unread; i++) {
		size_t len = strlen(argv[i]), take = len;

		if (used >= args_max) {
			cut = 1;
			break;
		}
		if (used + len + 1 > args_max) {	/* its NUL or more does not fit */
			take = args_max - used;
			cut = 1;
		}
		if (take < len && ((json && json[i]) || (text && text[i])))
			abort();			/* only plain arguments are cut here */
		if (json && json[i])
			jl += (size_t)snprintf(w->json_args + jl, jcap - jl, "%s\"%s\"", shown ? "," : "", json[i]);
		else
			jl += (size_t)snprintf(w->json_args + jl, jcap - jl, "%s\"%.*s\"", shown ? "," : "",
					       (int)take, argv[i]);
		if (text && text[i])
			tl += (size_t)snprintf(w->text_args + tl, tcap - tl, " %s", text[i]);
		else
			tl += (size_t)snprintf(w->text_args + tl, tcap - tl, " %.*s", (int)(take ? take : 2),
					       take ? argv[i] : "\"\"");
		used += take + (take < len ? 0 : 1);
		shown++;
		if (cut)
			break;
		if (jl >= jcap - 256 || tl >= tcap - 256)
			abort();
	}
	cut |= scan_cut;
	/* the message follows at once: no other flag */
	snprintf(w->json_args + jl, jcap - jl, "]%s%s,\"message\":", cut ? ",\"args_cut\":true" : "",
		 w->unread ? ",\"args_unreadable\":true" : "");
	{	/* the count first: "[N]", "[N/ARGC]" when cut, "[N/?]" when some are unreadable */
		char *t = malloc(tcap);
		int n = w->unread ? snprintf(t, tcap, "[%zu/?]", shown) :
			cut ? snprintf(t, tcap, "[%zu/%zu]", shown, argc) : snprintf(t, tcap, "[%zu]", shown);

		snprintf(t + n, tcap - (size_t)n, "%s", w->text_args);
		free(w->text_args);
		w->text_args = t;
	}
}

static void want_root(struct want *w, char *const argv[])
{
	*w = (struct want){ 0 };
	want_args(w, argv, NULL, NULL);
}

/* @json, @text: the path's escaped forms where they differ from @path (NULL: the same). */
static void expect_all(const char *kind, pid_t pid, const char *sys, int compat, int result,
		       const char *path, const char *json, const char *text, struct want *w)
{
	printf("%s\t%d\t%u\t%s\t%d\t%d\t", kind, (int)pid, w->uid, sys, compat, result);
	if (path) {
		print_hex(path);
		printf("\t\"%s\"\t%s\t", json ? json : path, text ? text : path);
	} else {	/* unreadable */
		printf("-\tnull\t?\t");
	}
	print_fields(w);
	fflush(stdout);
	free(w->json_args);
	free(w->text_args);
}

/* A kind run as root with argv { @path } (its escaped forms @json and @text). */
static void expect_escaped(const char *kind, pid_t pid, const char *sys, int compat, int result,
			   const char *path, const char *json, const char *text)
{
	char *argv[] = { (char *)path, NULL };
	const char *j[] = { json, NULL }, *t[] = { text, NULL };
	struct want w = { 0 };

	want_args(&w, path ? argv : NULL, j, t);
	expect_all(kind, pid, sys, compat, result, path, json, text, &w);
}

static void expect_line(const char *kind, pid_t pid, const char *sys, int compat, int result,
			const char *path)
{
	expect_escaped(kind, pid, sys, compat, result, path, NULL, NULL);
}

/* The child's exit status: 0 (the NOOP ran), or 100 + errno of a failed exec. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check(const char *kind, int status, int result)
{
	int want = result ? 100 + -result : 0;

	if (status == want)
		return;
	fprintf(stderr, "exec-kinds: %s: the child exited %d, expected %d\n", kind, status, want);
	failures++;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0)
		return -1;
	return chmod(to, mode);
}

/*
 * fork, then execve @path with @argv in the child: what most daemons do. The child reads
 * its argv first, as a caller that has just built it has: after fork() a page the child
 * has not touched may be unreadable to a tracer even when it is there (its PTE is old,
 * and CPUs without a hardware access flag, 32-bit ARM or Cortex-A72, fault on it), and a
 * failed exec's arguments are read from the caller (args-unreadable is that case).
 */
static volatile size_t touched;

static pid_t fork_exec(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		for (size_t i = 0; argv[i]; i++)
			touched += strlen(argv[i]);
		setsid();
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	return pid;
}

static void fork_execve_escaped(const char *kind, const char *path, int result, const char *json,
				const char *text)
{
	char *argv[] = { (char *)path, NULL };
	pid_t pid = fork_exec(path, argv);

	expect_escaped(kind, pid, "execve", 0, result, path, json, text);
	check(kind, reap(pid), result);
}

static void fork_execve(const char *kind, const char *path, int result)
{
	fork_execve_escaped(kind, path, result, NULL, NULL);
}

/* DIR/@name, whose escaped forms are DIR/@json and DIR/@text. */
static void fork_execve_name(const char *kind, const char *dir, const char *name, const char *json,
			     const char *text)
{
	char path[256], j[256], t[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(j, sizeof(j), "%s/%s", dir, json);
	snprintf(t, sizeof(t), "%s/%s", dir, text);
	fork_execve_escaped(kind, path, 0, j, t);
}

/* A bad pointer: the exec fails with EFAULT, and its path cannot be known. */
static void bad_pointer(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		syscall(SYS_execve, (const char *)1, NULL, no_env);
		_exit(100 + errno);
	}
	expect_escaped("efault", pid, "execve", 0, -EFAULT, NULL, NULL, NULL);
	check("efault", reap(pid), -EFAULT);
}

/* argv NULL: the new program gets one empty argument (Linux since 5.18). */
static char *const empty_argv[] = { "", NULL };

static void literal(void)
{
	pid_t pid = fork();
	struct want w;

	if (pid == 0) {
		setsid();
		/* argv is NULL: not even the kernel's argv copy touches the page before entry */
		syscall(SYS_execve, literal_path, NULL, no_env);
		_exit(100 + errno);
	}
	want_root(&w, empty_argv);
	expect_all("literal-after-fork", pid, "execve", 0, 0, LITERAL_PATH, NULL, NULL, &w);
	check("literal-after-fork", reap(pid), 0);
}

static void spawn(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	posix_spawnattr_t attr;
	pid_t pid = -1;
	int err;

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	err = posix_spawn(&pid, path, NULL, &attr, argv, no_env);
	posix_spawnattr_destroy(&attr);
	expect_line("posix_spawn", pid, "execve", 0, 0, path);
	if (err) {
		fprintf(stderr, "exec-kinds: posix_spawn %s: %s\n", path, strerror(err));
		failures++;
		return;
	}
	check("posix_spawn", reap(pid), 0);
}

static void vfork_execve(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	pid_t pid = vfork();

	if (pid == 0) {
		setsid();
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	expect_line("vfork", pid, "execve", 0, 0, path);
	check("vfork", reap(pid), 0);
}

/*
 * Open @file (@flags), then in a forked child exec through that descriptor: execveat() of
 * @name relative to it, or with @name NULL fexecve() of it (glibc: execveat(fd, "", ...,
 * AT_EMPTY_PATH)). The kernel names the path /dev/fd/N/NAME or /dev/fd/N.
 */
static void exec_via_fd(const char *kind, const char *file, int flags, const char *name)
{
	int fd = open(file, flags);
	char want[128];
	char *argv[] = { (char *)(name ? name : file), NULL };
	struct want w;
	pid_t pid;

	if (fd < 0) {
		fprintf(stderr, "exec-kinds: %s: %s\n", file, strerror(errno));
		failures++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		setsid();
		if (name)
			syscall(SYS_execveat, fd, name, argv, no_env, 0);
		else
			fexecve(fd, argv, no_env);
		_exit(100 + errno);
	}
	snprintf(want, sizeof(want), name ? "/dev/fd/%d/%s" : "/dev/fd/%d", fd, name);
	want_root(&w, argv);
	expect_all(kind, pid, "execveat", 0, 0, want, NULL, NULL, &w);
	check(kind, reap(pid), 0);
	close(fd);
}

#if defined(__x86_64__)
/* Must sit below 4 GiB for the 32-bit entry: a static, non-PIE binary's .bss does. */
static char path32[4096];

/*
 * Whether this kernel takes a 32-bit system call (int $0x80: the ia32 getpid, 20) from a
 * 64-bit process: 0, else the signal the child got (ia32_emulation=0, or a paravirtual
 * guest without the int $0x80 gate: a general protection fault).
 */
static int int80_refused(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		long ret;

		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
		_exit(ret == getpid() ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void execve32(const char *path)
{
	struct want w;
	pid_t pid;
	int sig;

	snprintf(path32, sizeof(path32), "%s", path);
	if ((unsigned long)path32 > 0xffffffffUL) {
		printf("# skip execve-32bit: this binary's data is above 4 GiB (build it static, no PIE)\n");
		return;
	}
	sig = int80_refused();
	if (sig) {
		printf("# skip execve-32bit: this kernel refuses 32-bit system calls of a 64-bit "
		       "process (int $0x80: %s; ia32 emulation off)\n", sig > 0 ? strsignal(sig) : "no child");
		return;
	}
	pid = fork();
	if (pid == 0) {
		long ret;

		setsid();
		/* int $0x80: the ia32 execve (11) with 32-bit pointers; argv and envp NULL */
		__asm__ volatile("int $0x80" : "=a"(ret)
				 : "a"(11L), "b"((unsigned long)path32), "c"(0L), "d"(0L)
				 : "memory", "r8", "r9", "r10", "r11");
		_exit(100 + (int)-ret);
	}
	want_root(&w, empty_argv);
	expect_all("execve-32bit", pid, "execve", 1, 0, path, NULL, NULL, &w);
	check("execve-32bit", reap(pid), 0);
}
#else
static void execve32(const char *path)
{
	(void)path;
	printf("# skip execve-32bit: only x86_64 lets a 64-bit process make a 32-bit system call "
	       "(int $0x80); elsewhere it takes a 32-bit program\n");
}
#endif

/*
 * Arguments with a space, a newline, bytes outside UTF-8, an empty one, UTF-8: as given.
 * On the stack (copied to the forked child's page tables): a failed exec's arguments are
 * read from the caller, and a string literal's page the child never touched could not be
 * (the args-unreadable kind).
 */
static void hostile_args(const char *kind, const char *path, int result)
{
	char a1[] = "a b", a2[] = "new\nline", a3[] = "\xff\xfe", a4[] = "", a5[] = "caf\xc3\xa9";
	char *argv[] = { (char *)path, a1, a2, a3, a4, a5, NULL };
	const char *json[] = { NULL, "a b", "new\\nline", "\\udcff\\udcfe", "", NULL };
	const char *text[] = { NULL, "a\\x20b", "new\\nline", "\\xff\\xfe", "\"\"", NULL };
	pid_t pid = fork_exec(path, argv);
	struct want w = { 0 };

	want_args(&w, argv, json, text);
	expect_all(kind, pid, "execve", 0, result, path, NULL, NULL, &w);
	check(kind, reap(pid), result);
}

/*
 * A failed exec whose second argument cannot be read: it points into a PROT_NONE mapping.
 * The kernel fails the exec (EFAULT) when it copies that string; the tracer reports the
 * first argument and flags the rest unreadable. (Memory merely never touched would not
 * do: kernels before 6.6 copy the arguments before they open the file, faulting them in
 * even for an exec that fails.)
 */
static void unreadable_args(const char *path)
{
	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *argv[] = { (char *)path, none, NULL };
	struct want w = { .unread = 1 };
	pid_t pid;

	if (none == MAP_FAILED) {
		fprintf(stderr, "exec-kinds: args-unreadable: mmap: %s\n", strerror(errno));
		failures++;
		return;
	}
	pid = fork();	/* not fork_exec(): its child would read argv[1] and fault */
	if (pid == 0) {
		setsid();
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	want_args(&w, argv, NULL, NULL);
	expect_all("args-unreadable", pid, "execve", 0, -EFAULT, path, NULL, NULL, &w);
	check("args-unreadable", reap(pid), -EFAULT);
	munmap(none, 4096);
}

/* 1,000 arguments, 128 KiB in all: cut at ARGS_MAX, flagged, counted whole. */
static void many_args(const char *kind, const char *path, int result)
{
	static char bytes[MANY_ARGS][MANY_ARG_LEN + 1];
	static char *argv[MANY_ARGS + 1];
	struct want w = { 0 };
	pid_t pid;

	argv[0] = (char *)path;
	for (int i = 1; i < MANY_ARGS; i++) {
		snprintf(bytes[i], sizeof(bytes[i]), "%04d", i);
		memset(bytes[i] + 4, 'x', MANY_ARG_LEN - 4);
		argv[i] = bytes[i];
	}
	pid = fork_exec(path, argv);
	w.failed = result != 0;
	want_args(&w, argv, NULL, NULL);
	expect_all(kind, pid, "execve", 0, result, path, NULL, NULL, &w);
	check(kind, reap(pid), result);
}

/* An unprivileged uid and gid run a setuid-root copy: euid 0, egid its own, setid. */
static void setuid_root(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	struct want w = { 0 };
	pid_t pid;

	if (geteuid() != 0) {
		printf("# skip setuid: needs root, to run a setuid-root copy as another uid\n");
		return;
	}
	pid = fork();
	if (pid == 0) {
		setsid();
		if (setgroups(0, NULL) || setgid(SETUID_GID) || setuid(SETUID_UID))
			_exit(99);
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	want_args(&w, argv, NULL, NULL);
	w.uid = SETUID_UID;
	w.gid = w.egid = SETUID_GID;
	w.euid = 0;
	w.setid = 1;
	expect_all("setuid", pid, "execve", 0, 0, path, NULL, NULL, &w);
	check("setuid", reap(pid), 0);
}

/*
 * A grandchild whose parent exits before it execs: exec-kinds (the subreaper) is its
 * parent by then, and the record's ppid.
 */
static void reparented(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	int fds[2];
	pid_t mid, pid = -1;

	if (pipe(fds))
		abort();
	mid = fork();
	if (mid == 0) {
		pid_t me = getpid(), child = fork();

		if (child == 0) {
			while (getppid() == me)	/* until the parent is gone */
				usleep(1000);
			setsid();
			execve(path, argv, no_env);
			_exit(100 + errno);
		}
		if (write(fds[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(fds[0]);
	reap(mid);
	expect_line("reparented", pid, "execve", 0, 0, path);
	check("reparented", pid > 0 ? reap(pid) : -1, 0);
}

static void *thread_exec(void *path)
{
	char *argv[] = { path, NULL };

	execve(path, argv, no_env);
	_exit(100 + errno);
}

/* A non-leader thread execs: the process keeps its pid (the tgid), the thread takes it. */
static void from_thread(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;

		setsid();
		if (pthread_create(&t, NULL, thread_exec, (void *)path))
			_exit(98);
		pthread_join(t, NULL);
		_exit(97);
	}
	expect_line("thread", pid, "execve", 0, 0, path);
	check("thread", reap(pid), 0);
}

/* Run in the cgroup directory @dir, whose path under the cgroup2 root is @cgpath. */
static void in_cgroup(const char *path, const char *dir, const char *cgpath)
{
	char *argv[] = { (char *)path, NULL };
	char procs[4200], piece[4300];
	struct want w = { 0 };
	pid_t pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid = fork();
	if (pid == 0) {
		int fd = open(procs, O_WRONLY);

		setsid();
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			_exit(96);
		close(fd);
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	want_args(&w, argv, NULL, NULL);
	snprintf(piece, sizeof(piece), "\"cgroup\":\"%s\",", cgpath);
	w.cgroup = piece;
	expect_all("cgroup", pid, "execve", 0, 0, path, NULL, NULL, &w);
	check("cgroup", reap(pid), 0);
}

/* With a pty of its own as the controlling tty: the record names it ("pts3"). */
static void with_tty(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	char name[64], tty[80];
	struct want w = { 0 };
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	pid_t pid;

	if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, name, sizeof(name)) ||
	    strncmp(name, "/dev/pts/", 9)) {
		fprintf(stderr, "exec-kinds: tty: no pty: %s\n", strerror(errno));
		failures++;
		return;
	}
	snprintf(tty, sizeof(tty), "pts%s", name + 9);	/* the kernel's name for /dev/pts/N */
	pid = fork();
	if (pid == 0) {
		setsid();
		if (open(name, O_RDWR) < 0)	/* a session leader's first tty becomes its own */
			_exit(95);
		execve(path, argv, no_env);
		_exit(100 + errno);
	}
	want_args(&w, argv, NULL, NULL);
	w.tty = tty;
	expect_all("tty", pid, "execve", 0, 0, path, NULL, NULL, &w);
	check("tty", reap(pid), 0);
	close(master);
}

/* @file's first line, trailing newline cut, into @buf; -1 if it cannot be read. */
static int read_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "re");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* What every record shares: the parent, the audit ids, the cgroup of exec-kinds. */
static void read_context(void)
{
	char loginuid[32], sessionid[32], line[4200];
	FILE *f;

	snprintf(parent, sizeof(parent), "\"ppid\":%d,\"parent_command\":\"exec-kinds\",", (int)getpid());
	if (!read_line("/proc/self/loginuid", loginuid, sizeof(loginuid)) &&
	    !read_line("/proc/self/sessionid", sessionid, sizeof(sessionid)))
		snprintf(audit, sizeof(audit), "\"loginuid\":%s,\"sessionid\":%s,", loginuid, sessionid);
	snprintf(own_cgroup, sizeof(own_cgroup), "\"cgroup\":null,");
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3))	/* the cgroup v2 hierarchy's line */
			snprintf(own_cgroup, sizeof(own_cgroup), "\"cgroup\":\"%s\",", line + 3);
	}
	if (f)
		fclose(f);
}

static void print_now(const char *what)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("# %s %s.%09ldZ\n", what, buf, ts.tv_nsec);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: exec-kinds [-a ARGS_MAX] [-s SCAN] [-g CGROUP_DIR=CGROUP_PATH] DIR NOOP   "
		"(DIR: at most 64 bytes of [A-Za-z0-9/._-])\n");
	return 2;
}

int main(int argc, char **argv)
{
	char path[4096], dir[128], longp[4096], *cgdir = NULL, *cgpath = NULL;
	struct statvfs vfs;
	const char *d;
	size_t n;
	int c;

	while ((c = getopt(argc, argv, "a:g:s:")) != -1) {
		char *end;

		if (c == 'a' || c == 's') {
			size_t v = strtoul(optarg, &end, 10);

			if (*end || !v)
				return usage();
			*(c == 'a' ? &args_max : &scan) = v;
		} else if (c == 'g' && (cgpath = strchr(optarg, '='))) {
			cgdir = optarg;
			*cgpath++ = '\0';
		} else {
			return usage();
		}
	}
	if (argc - optind != 2 || strlen(argv[optind]) > 64 ||
	    strspn(argv[optind], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-") !=
		    strlen(argv[optind]))
		return usage();
	d = argv[optind];
	snprintf(dir, sizeof(dir), "%s", d);
	if (statvfs(dir, &vfs) || (vfs.f_flag & ST_NOSUID)) {
		fprintf(stderr, "exec-kinds: %s: %s: give a directory where setuid bits count\n", dir,
			errno ? strerror(errno) : "on a nosuid mount");
		return 2;
	}
#define FILE_IN(name, mode)                                                              \
	do {                                                                             \
		snprintf(path, sizeof(path), "%s/%s", dir, name);                          \
		if (copy_file(argv[optind + 1], path, mode)) {                           \
			fprintf(stderr, "exec-kinds: %s: %s\n", path, strerror(errno)); \
			return 2;                                                        \
		}                                                                        \
	} while (0)
	FILE_IN("fork", 0755);
	FILE_IN("spawn", 0755);
	FILE_IN("vfork", 0755);
	FILE_IN("at", 0755);
	FILE_IN("fexec", 0755);
	FILE_IN("x32", 0755);
	FILE_IN("noexec", 0644);
	FILE_IN("long", 0755);
	FILE_IN("new\nline", 0755);
	FILE_IN("bad\xff\xfe", 0755);
	FILE_IN("caf\xc3\xa9", 0755);
	FILE_IN("args", 0755);
	FILE_IN("unread", 0755);
	FILE_IN("many", 0755);
	FILE_IN("setuid", 04755);
	FILE_IN("orphan", 0755);
	FILE_IN("thread", 0755);
	FILE_IN("cgroup", 0755);
	FILE_IN("tty", 0755);
	if (copy_file(argv[optind + 1], LITERAL_PATH, 0755)) {
		fprintf(stderr, "exec-kinds: %s: %s\n", LITERAL_PATH, strerror(errno));
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		fprintf(stderr, "exec-kinds: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 2;
	}
	read_context();
	print_now("window-start");

	literal();
	snprintf(path, sizeof(path), "%s/fork", dir);
	fork_execve("fork", path, 0);
	snprintf(path, sizeof(path), "%s/spawn", dir);
	spawn(path);
	snprintf(path, sizeof(path), "%s/vfork", dir);
	vfork_execve(path);
	exec_via_fd("execveat-dirfd", dir, O_RDONLY | O_DIRECTORY, "at");
	snprintf(path, sizeof(path), "%s/fexec", dir);
	exec_via_fd("fexecve", path, O_RDONLY, NULL);
	snprintf(path, sizeof(path), "%s/x32", dir);
	execve32(path);
	snprintf(path, sizeof(path), "%s/missing", dir);
	fork_execve("enoent", path, -ENOENT);
	snprintf(path, sizeof(path), "%s/noexec", dir);
	fork_execve("eacces", path, -EACCES);
	bad_pointer();
	/* 4,000 bytes: DIR, "/" (twice if the parity needs it), "./" until 3,996, "long" */
	n = (size_t)snprintf(longp, sizeof(longp), "%s/%s", dir, (3995 - strlen(dir)) % 2 ? "/" : "");
	while (n < 3996)
		n += (size_t)snprintf(longp + n, sizeof(longp) - n, "./");
	snprintf(longp + n, sizeof(longp) - n, "long");
	fork_execve("long-path", longp, 0);
	fork_execve_name("newline", dir, "new\nline", "new\\nline", "new\\nline");
	fork_execve_name("invalid-utf8", dir, "bad\xff\xfe", "bad\\udcff\\udcfe", "bad\\xff\\xfe");
	fork_execve_name("utf8", dir, "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9");
	snprintf(path, sizeof(path), "%s/args", dir);
	hostile_args("args", path, 0);
	snprintf(path, sizeof(path), "%s/args-missing", dir);
	hostile_args("args-failed", path, -ENOENT);
	snprintf(path, sizeof(path), "%s/unread", dir);
	unreadable_args(path);
	snprintf(path, sizeof(path), "%s/many", dir);
	many_args("many-args", path, 0);
	snprintf(path, sizeof(path), "%s/many-missing", dir);
	many_args("many-args-failed", path, -ENOENT);
	snprintf(path, sizeof(path), "%s/setuid", dir);
	setuid_root(path);
	snprintf(path, sizeof(path), "%s/orphan", dir);
	reparented(path);
	snprintf(path, sizeof(path), "%s/thread", dir);
	from_thread(path);
	snprintf(path, sizeof(path), "%s/tty", dir);
	with_tty(path);
	snprintf(path, sizeof(path), "%s/cgroup", dir);
	if (cgdir)
		in_cgroup(path, cgdir, cgpath);
	else
		printf("# skip cgroup: no -g CGROUP_DIR=CGROUP_PATH given\n");
	print_now("window-end");
	unlink(LITERAL_PATH);
	return failures ? 1 : 0;
}
