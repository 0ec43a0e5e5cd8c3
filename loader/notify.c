// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "hbc.h"
#include "notify.h"

/* A STATUS= line and a few more: systemd reads up to its pipe buffer, far more. */
#define NOTIFY_MAX 1024

/* @name as a socket address: a path, or "@..." for the abstract namespace. */
static int notify_address(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || n < 2)
		return -EAFNOSUPPORT;	/* e.g. systemd 254+'s "vsock:CID:PORT", for VMs */
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int hbc_notify_open(struct hbc_notify *n)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	int err;

	n->fd = -1;
	n->warned = false;
	if (!name)
		return 0;
	err = notify_address(name, &sa, &len);
	if (!err) {
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (n->fd < 0 || connect(n->fd, (struct sockaddr *)&sa, len))
			err = -errno;
	}
	if (err) {
		fprintf(stderr, PROG ": NOTIFY_SOCKET=%s: %s: the service manager will not hear "
			"that it is ready (with systemd: run it as Type=notify from its unit)\n",
			name, err == -EAFNOSUPPORT ? "not an AF_UNIX socket" : strerror(-err));
		hbc_notify_close(n);
	}
	unsetenv("NOTIFY_SOCKET");
	return err;
}

static int notify_send(struct hbc_notify *n, const char *msg)
{
	int err;

	if (send(n->fd, msg, strlen(msg), MSG_NOSIGNAL) >= 0)
		return 0;
	err = -errno;	/* before fprintf() can change errno */
	if (!n->warned)
		fprintf(stderr, PROG ": telling the service manager '%.40s': %s (said once)\n", msg,
			strerror(-err));
	n->warned = true;
	return err;
}

int hbc_notify(struct hbc_notify *n, const char *fmt, ...)
{
	char msg[NOTIFY_MAX];
	va_list ap;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return notify_send(n, msg);
}

int hbc_notify_reloading(struct hbc_notify *n)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return hbc_notify(n, "RELOADING=1\nMONOTONIC_USEC=%llu",
			  (unsigned long long)ts.tv_sec * 1000000ULL +
			  (unsigned long long)ts.tv_nsec / 1000ULL);
}

void hbc_notify_close(struct hbc_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
