/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The service manager's notification protocol (sd_notify(3)), spoken directly: one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET. systemd
 * documents it as a stable interface to implement without libsystemd; the fleet loader
 * is static and links no libsystemd. Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef HBC_NOTIFY_H
#define HBC_NOTIFY_H

#include <stdbool.h>

struct hbc_notify {
	int fd;				/* -1: nobody to tell */
	bool warned;			/* a failed send was reported once */
};

/*
 * Take $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace) and unset it, so
 * that the processes we start (the live probe's children) do not inherit it. Returns 0
 * (also without the variable); -errno, said on stderr, when it names no usable socket.
 */
int hbc_notify_open(struct hbc_notify *n);
/* Send one message: "READY=1", "STATUS=...", lines joined by '\n'. 0 or -errno. */
int hbc_notify(struct hbc_notify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "RELOADING=1" with the MONOTONIC_USEC= systemd 253+ wants beside it. */
int hbc_notify_reloading(struct hbc_notify *n);
void hbc_notify_close(struct hbc_notify *n);

#endif /* HBC_NOTIFY_H */
