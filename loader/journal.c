// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "hbc.h"
#include "journal.h"

/* What journald's own clients ask for: big entries fit one datagram. */
#define SNDBUF_BYTES (8 * 1024 * 1024)
#define NAME_MAX_LEN 64

bool hbc_journal_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	return true;
}

void hbc_jentry_reset(struct hbc_jentry *e)
{
	e->len = 0;
	e->err = 0;
}

/* Room for @n more bytes; 0 or -ENOMEM (sticky). */
static int reserve(struct hbc_jentry *e, size_t n)
{
	size_t cap = e->cap ? e->cap : 4096;
	char *b;

	if (e->err)
		return e->err;
	if (e->len + n <= e->cap)
		return 0;
	while (cap < e->len + n)
		cap *= 2;
	b = realloc(e->buf, cap);
	if (!b)
		return e->err = -ENOMEM;
	e->buf = b;
	e->cap = cap;
	return 0;
}

static void put(struct hbc_jentry *e, const void *p, size_t n)
{
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

void hbc_jentry_add(struct hbc_jentry *e, const char *name, const void *value, size_t len)
{
	size_t nlen = strlen(name);
	unsigned char le[8];

	if (!hbc_journal_name_ok(name)) {
		e->err = e->err ? e->err : -EINVAL;
		return;
	}
	if (reserve(e, nlen + 1 + sizeof(le) + len + 1))
		return;
	put(e, name, nlen);
	if (!memchr(value, '\n', len) && !memchr(value, '\0', len)) {
		put(e, "=", 1);
	} else {	/* binary-safe: the length, little-endian, then the bytes */
		for (int i = 0; i < 8; i++)
			le[i] = (unsigned char)((uint64_t)len >> (8 * i));
		put(e, "\n", 1);
		put(e, le, sizeof(le));
	}
	put(e, value, len);
	put(e, "\n", 1);
}

void hbc_jentry_str(struct hbc_jentry *e, const char *name, const char *value)
{
	hbc_jentry_add(e, name, value, strlen(value));
}

void hbc_jentry_addf(struct hbc_jentry *e, const char *name, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		e->err = e->err ? e->err : -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		hbc_jentry_add(e, name, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		e->err = e->err ? e->err : -ENOMEM;
		return;
	}
	hbc_jentry_add(e, name, big, (size_t)n);
	free(big);
}

void hbc_jentry_add_raw(struct hbc_jentry *e, const char *buf, size_t len)
{
	if (!reserve(e, len))
		put(e, buf, len);
}

void hbc_jentry_free(struct hbc_jentry *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

/* 0 if a datagram socket can connect to @path (someone listens there), else -errno. */
static int reachable(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = -errno;
	close(fd);
	return err;
}

int hbc_journal_open(struct hbc_journal *j, const char *path)
{
	int size = SNDBUF_BYTES;
	int err;

	memset(j, 0, sizeof(*j));
	j->path = path;
	j->fd = -1;
	err = reachable(path);
	if (err) {	/* no socket, or a stale one nobody reads */
		fprintf(stderr, PROG ": --journal: %s: %s: is systemd-journald running?\n", path,
			strerror(-err));
		return err;
	}
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0) {
		fprintf(stderr, PROG ": --journal: socket: %s\n", strerror(errno));
		return -errno;
	}
	/* as large as allowed: the kernel caps SO_SNDBUF at net.core.wmem_max */
	if (setsockopt(j->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(j->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	return 0;
}

static int send_dgram(const struct hbc_journal *j, struct iovec *iov, size_t niov, int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = { .msg_name = &sa, .msg_iov = iov, .msg_iovlen = niov };

	/* by name every time, not connected: a restarted journald has a new socket */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", j->path);
	mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa.sun_path) + 1);
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(j->fd, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Too big for a datagram: the entry in a sealed memfd, an empty datagram carrying it. */
static int send_memfd(const struct hbc_journal *j, const struct hbc_jentry *e)
{
	int fd = memfd_create("hello-buffer-config-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING), err;
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < e->len) {
		ssize_t n = write(fd, e->buf + done, e->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		err = -errno;
		goto out;
	}
	err = send_dgram(j, NULL, 0, fd);
out:
	close(fd);
	return err;
}

int hbc_journal_send(struct hbc_journal *j, const struct hbc_jentry *e)
{
	struct iovec iov = { .iov_base = e->buf, .iov_len = e->len };
	int err = e->err;

	if (!err)
		err = send_dgram(j, &iov, 1, -1);
	if (err == -EMSGSIZE || err == -ENOBUFS) {
		err = send_memfd(j, e);
		j->by_memfd += !err;
	}
	if (!err) {
		j->sent++;
		return 0;
	}
	if (!j->failed++ || err != j->last_err)
		fprintf(stderr, PROG ": --journal: an entry was not accepted (%s): counted as lost\n",
			strerror(-err));
	j->last_err = err;
	return err;
}

void hbc_journal_close(struct hbc_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

bool hbc_journal_stream_is_stdout(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(STDOUT_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
