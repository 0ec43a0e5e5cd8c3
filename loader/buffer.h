/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The channel records come through: a BPF ring buffer where the kernel has one, else
 * the book's perf event array. One interface for both: shape the maps before load,
 * open after load, poll while attached, drain after detaching.
 */
#ifndef HBC_BUFFER_H
#define HBC_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include "objects.h"

enum hbc_buffer_kind { HBC_BUFFER_AUTO, HBC_BUFFER_RING, HBC_BUFFER_PERF, HBC_BUFFER_KINDS };

/* "auto", "ring", "perf": the command-line words, in enum order. */
extern const char *const hbc_buffer_names[HBC_BUFFER_KINDS];

/* What the buffer hands over: each record, and records the kernel could not store. */
struct hbc_buffer_ops {
	void (*record)(void *ctx, const void *data, size_t size);
	void (*lost)(void *ctx, int cpu, unsigned long long count);	/* cpu -1: ring buffer */
	void *ctx;
};

struct hbc_buffer;

/*
 * Before load: pick the ring buffer where the kernel has one (or @want), say which on
 * stderr, and shape the maps for it: @ring_bytes of ring buffer, or @pages per CPU of
 * perf buffer. Returns the kind chosen, or -errno.
 */
int hbc_buffer_setup(const struct hbc_progs *p, enum hbc_buffer_kind want, unsigned long pages,
		     unsigned long ring_bytes);
/* After load. NULL (and a message on stderr) on failure. */
struct hbc_buffer *hbc_buffer_open(const struct hbc_progs *p, enum hbc_buffer_kind kind,
				   unsigned long pages, const struct hbc_buffer_ops *ops);
/* Wait up to @timeout_ms and hand over what arrived. 0, or -errno (-EINTR: interrupted). */
int hbc_buffer_poll(struct hbc_buffer *b, int timeout_ms);
/* Hand over everything still in the buffer, without waiting (after detaching). */
int hbc_buffer_drain(struct hbc_buffer *b);
/* "ring buffer" or "perf buffer", for messages. */
const char *hbc_buffer_name(const struct hbc_buffer *b);
/* HBC_BUFFER_RING or HBC_BUFFER_PERF: what was opened (auto chooses). */
enum hbc_buffer_kind hbc_buffer_kind(const struct hbc_buffer *b);
void hbc_buffer_free(struct hbc_buffer *b);

#endif /* HBC_BUFFER_H */
