// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Every kind of exec a tracer must report, each once, each with a path of its own:
 *
 *   exec-kinds DIR NOOP
 *
 * DIR: an empty directory (at most 64 bytes of [A-Za-z0-9/._-]); NOOP: a static program
 * that exits 0, copied into DIR under each name. For each kind one line goes to stdout,
 * what the tracer must report for it, tab-separated:
 *
 *   KIND  PID  SYSCALL  COMPAT  RESULT  PATH-HEX  JSON-PATH  TEXT-PATH
 *
 * PID the process that made the exec (the record's pid), SYSCALL execve|execveat, COMPAT 0|1, RESULT 0 or -errno, PATH-HEX the path as the
 * kernel names it (bytes as hex; "/dev/fd/N/..." for execveat relative to a dirfd; "-"
 * when it cannot be read: a bad pointer), then the path as the tracer's output has it
 * (loader/format.h): JSON-PATH the JSON value ("..." or null), TEXT-PATH the text column
 * ("?" when unreadable): known values for the names used here, so that a guest without a
 * JSON parser can compare.
 * A kind this machine cannot do is a line "# skip KIND: why". Exit 0 when every
 * exec's outcome was the one expected, 1 otherwise, 2 on usage or setup errors.
 *
 * The literal kind is the one that defeats a read of the path at the syscall's entry:
 * the path is a string literal alone in a page of .rodata that nobody has touched, and
 * fork() copies no page-table entry for a file mapping never written, so the forked
 * child execs a pointer into a page that is not mapped in it yet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* fexecve, vfork */
#endif
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LITERAL_PATH "/tmp/hbc-exec-kinds.literal"
/* Alone in its page: nothing else the child reads before execve shares it. */
__attribute__((aligned(4096))) static const char literal_path[4096] = LITERAL_PATH;

static char *const no_env[] = { NULL };
static int failures;

static void print_hex(const char *s)
{
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

/* @json, @text: the path's escaped forms where they differ from @path (NULL: the same). */
static void expect_escaped(const char *kind, pid_t pid, const char *sys, int compat, int result,
			   const char *path, const char *json, const char *text)
{
	printf("%s\t%d\t%s\t%d\t%d\t", kind, (int)pid, sys, compat, result);
	if (path) {
		print_hex(path);
		printf("\t\"%s\"\t%s\n", json ? json : path, text ? text : path);
	} else {	/* unreadable */
		printf("-\tnull\t?\n");
	}
	fflush(stdout);
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

/* fork, then execve @path in the child: what most daemons do. */
static void fork_execve_escaped(const char *kind, const char *path, int result, const char *json,
				const char *text)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)path, NULL };

		execve(path, argv, no_env);
		_exit(100 + errno);
	}
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
		syscall(SYS_execve, (const char *)1, NULL, no_env);
		_exit(100 + errno);
	}
	expect_escaped("efault", pid, "execve", 0, -EFAULT, NULL, NULL, NULL);
	check("efault", reap(pid), -EFAULT);
}

static void literal(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* argv is NULL: not even the kernel's argv copy touches the page before entry */
		syscall(SYS_execve, literal_path, NULL, no_env);
		_exit(100 + errno);
	}
	expect_line("literal-after-fork", pid, "execve", 0, 0, LITERAL_PATH);
	check("literal-after-fork", reap(pid), 0);
}

static void spawn(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	pid_t pid = -1;
	int err = posix_spawn(&pid, path, NULL, NULL, argv, no_env);

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
	pid_t pid;

	if (fd < 0) {
		fprintf(stderr, "exec-kinds: %s: %s\n", file, strerror(errno));
		failures++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)(name ? name : file), NULL };

		if (name)
			syscall(SYS_execveat, fd, name, argv, no_env, 0);
		else
			fexecve(fd, argv, no_env);
		_exit(100 + errno);
	}
	snprintf(want, sizeof(want), name ? "/dev/fd/%d/%s" : "/dev/fd/%d", fd, name);
	expect_line(kind, pid, "execveat", 0, 0, want);
	check(kind, reap(pid), 0);
	close(fd);
}

#if defined(__x86_64__)
/* Must sit below 4 GiB for the 32-bit entry: a static, non-PIE binary's .bss does. */
static char path32[4096];

static void execve32(const char *path)
{
	pid_t pid;

	snprintf(path32, sizeof(path32), "%s", path);
	if ((unsigned long)path32 > 0xffffffffUL) {
		printf("# skip execve-32bit: this binary's data is above 4 GiB (build it static, no PIE)\n");
		return;
	}
	pid = fork();
	if (pid == 0) {
		long ret;

		/* int $0x80: the ia32 execve (11) with 32-bit pointers; argv and envp NULL */
		__asm__ volatile("int $0x80" : "=a"(ret)
				 : "a"(11L), "b"((unsigned long)path32), "c"(0L), "d"(0L)
				 : "memory", "r8", "r9", "r10", "r11");
		_exit(100 + (int)-ret);
	}
	expect_line("execve-32bit", pid, "execve", 1, 0, path);
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

int main(int argc, char **argv)
{
	char path[4096], dir[128], longp[4096];
	const char *d;
	size_t n;

	if (argc != 3 || strlen(argv[1]) > 64 ||
	    strspn(argv[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-") !=
		    strlen(argv[1])) {
		fprintf(stderr, "usage: exec-kinds DIR NOOP   (DIR: at most 64 bytes of [A-Za-z0-9/._-])\n");
		return 2;
	}
	d = argv[1];
	snprintf(dir, sizeof(dir), "%s", d);
#define FILE_IN(name, mode)                                                              \
	do {                                                                             \
		snprintf(path, sizeof(path), "%s/%s", dir, name);                          \
		if (copy_file(argv[2], path, mode)) {                                    \
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
	if (copy_file(argv[2], LITERAL_PATH, 0755)) {
		fprintf(stderr, "exec-kinds: %s: %s\n", LITERAL_PATH, strerror(errno));
		return 2;
	}

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
	unlink(LITERAL_PATH);
	return failures ? 1 : 0;
}
