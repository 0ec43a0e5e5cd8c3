// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The journal's native protocol, our side: field encoding (plain, and binary-safe for a
 * newline or a NUL), field names the journal refuses, JOURNAL_STREAM, and entries sent to
 * a socket of the test's, a big one through a sealed memfd; then a record's fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "format.h"
#include "journal.h"
#include "journal-read.h"
#include "tap.h"

static void encode(void)
{
	struct hbc_jentry e = {};
	struct jfield f;
	size_t pos = 0;

	hbc_jentry_str(&e, "MESSAGE", "hello");
	hbc_jentry_add(&e, "HBC_PATH", "a\nb", 3);
	hbc_jentry_add(&e, "HBC_ARGV", "x\0y\0", 4);
	hbc_jentry_addf(&e, "HBC_PID", "%d", 42);
	tap_ok(e.err == 0, "fields added");
	tap_ok(e.len == 14 + (9 + 8 + 3 + 1) + (9 + 8 + 4 + 1) + 11 &&
	       !memcmp(e.buf, "MESSAGE=hello\nHBC_PATH\n\x03\0\0\0\0\0\0\0a\nb\n", 14 + 21),
	       "plain, then binary-safe with a little-endian 64-bit length");
	tap_ok(jread(e.buf, e.len, &pos, &f) == 1 && f.len == 5 && !memcmp(f.value, "hello", 5), "read: MESSAGE");
	tap_ok(jread(e.buf, e.len, &pos, &f) == 1 && f.len == 3 && !memcmp(f.value, "a\nb", 3),
	       "read: a newline survives");
	tap_ok(jread(e.buf, e.len, &pos, &f) == 1 && f.len == 4 && !memcmp(f.value, "x\0y\0", 4),
	       "read: NULs survive (binary form)");
	tap_ok(jread(e.buf, e.len, &pos, &f) == 1 && f.len == 2 && !memcmp(f.value, "42", 2), "read: a number");
	tap_ok(jread(e.buf, e.len, &pos, &f) == 0, "read: then the end");
	hbc_jentry_reset(&e);
	hbc_jentry_str(&e, "lower", "x");
	tap_ok(e.err == -EINVAL, "a lowercase name is refused");
	hbc_jentry_reset(&e);
	hbc_jentry_str(&e, "_PID", "1");
	tap_ok(e.err == -EINVAL, "a name starting with _ is refused (the journal's own)");
	hbc_jentry_reset(&e);
	hbc_jentry_str(&e, "0X", "1");
	tap_ok(e.err == -EINVAL, "a name starting with a digit is refused");
	hbc_jentry_reset(&e);
	hbc_jentry_str(&e, "A_NAME_OF_SIXTY_FIVE_BYTES_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "1");
	tap_ok(e.err == -EINVAL, "a name over 64 bytes is refused");
	hbc_jentry_reset(&e);
	hbc_jentry_str(&e, "A_NAME_OF_SIXTY_FOUR_BYTES_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "1");
	tap_ok(e.err == 0, "a name of 64 bytes is taken");
	hbc_jentry_free(&e);
}

static void stream(void)
{
	struct stat st;
	char v[64];

	fstat(STDOUT_FILENO, &st);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	tap_ok(hbc_journal_stream_is_stdout(), "JOURNAL_STREAM naming stdout");
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	tap_ok(!hbc_journal_stream_is_stdout(), "JOURNAL_STREAM naming another file");
	setenv("JOURNAL_STREAM", "garbage", 1);
	tap_ok(!hbc_journal_stream_is_stdout(), "JOURNAL_STREAM garbage");
	unsetenv("JOURNAL_STREAM");
	tap_ok(!hbc_journal_stream_is_stdout(), "no JOURNAL_STREAM");
}

/* One datagram of @fd: its payload, or the memfd it carries, into @buf; its length or -1. */
static ssize_t receive(int fd, char *buf, size_t cap, bool *by_fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
			     .msg_controllen = sizeof(control.b) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	int memfd;

	*by_fd = false;
	if (n < 0)
		return -1;
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return n;
	memcpy(&memfd, CMSG_DATA(c), sizeof(int));
	*by_fd = n == 0 && (fcntl(memfd, F_GET_SEALS) & F_SEAL_WRITE);
	n = pread(memfd, buf, cap, 0);
	close(memfd);
	return n;
}

static void send_entries(void)
{
	char dir[] = "/tmp/hbc-journal-XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hbc_journal j;
	struct hbc_jentry e = {};
	size_t big = 16 * 1024 * 1024 + 1, len;	/* more than SO_SNDBUF (8 MiB) takes */
	char *buf = malloc(big + 4096), *value = malloc(big);
	const char *v;
	bool by_fd;
	ssize_t n;
	int fd;

	if (!buf || !value || !mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/socket", dir);
	tap_ok(hbc_journal_open(&j, path) == -ENOENT, "no socket there: -ENOENT, said");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		tap_ok(0, "a socket to receive on");
		return;
	}
	tap_ok(hbc_journal_open(&j, path) == 0, "open: the socket is there");
	hbc_jentry_str(&e, "MESSAGE", "small");
	tap_ok(hbc_journal_send(&j, &e) == 0 && j.sent == 1, "a small entry sent");
	n = receive(fd, buf, big + 4096, &by_fd);
	tap_ok(n == (ssize_t)e.len && !memcmp(buf, e.buf, e.len) && !by_fd, "... one datagram, as encoded");
	memset(value, 'v', big);
	hbc_jentry_reset(&e);
	hbc_jentry_add(&e, "HBC_BIG", value, big);
	tap_ok(hbc_journal_send(&j, &e) == 0 && j.by_memfd == 1, "a 16 MiB entry sent, through a memfd");
	n = receive(fd, buf, big + 4096, &by_fd);
	v = n > 0 ? jget(buf, (size_t)n, "HBC_BIG", &len) : NULL;
	tap_ok(by_fd && v && len == big && !memcmp(v, value, big),
	       "... an empty datagram with a sealed memfd holding the entry");
	hbc_journal_close(&j);
	close(fd);
	unlink(path);
	rmdir(dir);
	hbc_jentry_free(&e);
	free(buf);
	free(value);
}

/* A record's fields: the exact bytes of the path, command and arguments, the flags. */
static void record(void)
{
	struct {
		struct data_t d;
		char bytes[64];
	} r = { .d = { .pid = 5, .ppid = 1, .uid = 1000, .euid = 0, .gid = 7, .egid = 7, .result = -2,
		       .dirfd = HBC_AT_FDCWD, .syscall = HBC_SYS_EXECVE, .cgroup_id = 9, .argc = 3,
		       .flags = HBC_F_SETID | HBC_F_ARGS_CUT, .path_len = 5, .args_len = 7 } };
	struct hbc_record rec = { .d = &r.d, .wall_ns = 1, .cgroup = "/a b" };
	struct hbc_jentry e = {};
	const char *v;
	size_t len;

	memcpy(r.d.command, "c\xff", 2);
	memcpy(r.d.message, "Hello World", 11);
	memcpy(r.d.path, "/x\ny\xfe" "a\0b c\0d", 12);
	hbc_format_journal(&e, &rec, "LINE", 4);
	tap_ok(!e.err, "a record's entry");
	v = jget(e.buf, e.len, "HBC_PATH", &len);
	tap_ok(v && len == 5 && !memcmp(v, "/x\ny\xfe", 5), "HBC_PATH: the exact bytes, a newline and all");
	v = jget(e.buf, e.len, "HBC_ARGV", &len);
	tap_ok(v && len == 7 && !memcmp(v, "a\0b c\0d", 7), "HBC_ARGV: the arguments with their NULs");
	v = jget(e.buf, e.len, "HBC_COMMAND", &len);
	tap_ok(v && len == 2 && !memcmp(v, "c\xff", 2), "HBC_COMMAND: bytes outside UTF-8 as they are");
	v = jget(e.buf, e.len, "MESSAGE", &len);
	tap_ok(v && len == 4 && !memcmp(v, "LINE", 4), "MESSAGE: the text line");
	tap_ok(jget(e.buf, e.len, "HBC_SETID", &len) && jget(e.buf, e.len, "HBC_ARGS_CUT", &len) &&
	       !jget(e.buf, e.len, "HBC_LOGINUID", &len) && !jget(e.buf, e.len, "HBC_TTY", &len),
	       "flags as fields; no audit, no tty: no field");
	v = jget(e.buf, e.len, "HBC_ERROR", &len);
	tap_ok(v && len == 6 && !memcmp(v, "ENOENT", 6), "HBC_ERROR ENOENT");
	v = jget(e.buf, e.len, "HBC_CGROUP", &len);
	tap_ok(v && len == 4 && !memcmp(v, "/a b", 4), "HBC_CGROUP");
	hbc_jentry_free(&e);
}

int main(void)
{
	encode();
	stream();
	send_entries();
	record();
	return tap_done();
}
