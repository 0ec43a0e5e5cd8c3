// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "say.h"
#include "buffer.h"
#include "hello-buffer-config.h"

/* The largest record: its header, the longest path and the most argument bytes. */
#define RECORD_MAX (HBC_RECORD_HEADER + HBC_PATH_MAX + HBC_ARGS_MAX)

struct hbc_buffer {
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	/* perf samples sit 4 bytes past an 8-byte boundary: records are copied here first */
	unsigned long long *aligned;
	const __u64 *dropped;		/* ring buffer: records the BPF side had no room for */
	unsigned long long dropped_seen;
	struct hbc_buffer_ops ops;
};

const char *const hbc_buffer_names[HBC_BUFFER_KINDS] = { "auto", "ring", "perf" };

/* Without a ring buffer the unused map becomes a one-entry array any kernel can create. */
static int shape_for_perf(const struct hbc_progs *p)
{
	if (bpf_map__set_type(p->ringbuf, BPF_MAP_TYPE_ARRAY) ||
	    bpf_map__set_key_size(p->ringbuf, sizeof(__u32)) ||
	    bpf_map__set_value_size(p->ringbuf, sizeof(__u32)) ||
	    bpf_map__set_max_entries(p->ringbuf, 1))
		return -EINVAL;
	return 0;
}

int hbc_buffer_setup(const struct hbc_progs *p, enum hbc_buffer_kind want, unsigned long pages,
		     unsigned long ring_bytes)
{
	enum hbc_buffer_kind kind = want;

	if (kind == HBC_BUFFER_AUTO)
		kind = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1 ? HBC_BUFFER_RING
										   : HBC_BUFFER_PERF;
	if (kind == HBC_BUFFER_RING) {
		hbc_say(HBC_SAY_BUFFER, NULL, "buffer: ring buffer, %lu KiB%s", ring_bytes / 1024,
			want == HBC_BUFFER_RING ? " (requested)" : "");
		if (bpf_map__set_max_entries(p->ringbuf, (__u32)ring_bytes)) {
			fprintf(stderr, PROG ": cannot size the ring buffer to %lu bytes\n", ring_bytes);
			return -EINVAL;
		}
	} else
		hbc_say(HBC_SAY_BUFFER, NULL, "buffer: perf buffer, %lu pages per CPU%s", pages,
			want == HBC_BUFFER_PERF ? " (requested)" : " (ring buffer unsupported)");
	*p->use_ringbuf = kind == HBC_BUFFER_RING;
	if (kind == HBC_BUFFER_PERF && shape_for_perf(p)) {
		fprintf(stderr, PROG ": cannot set up the perf buffer's maps\n");
		return -EINVAL;
	}
	return kind;
}

static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct hbc_buffer *b = ctx;

	b->ops.record(b->ops.ctx, data, size);
	return 0;
}

static void on_perf_record(void *ctx, int cpu, void *data, __u32 size)
{
	struct hbc_buffer *b = ctx;

	(void)cpu;
	if (size > RECORD_MAX)	/* the BPF side sends no more: the tail is padding */
		size = RECORD_MAX;
	memcpy(b->aligned, data, size);
	b->ops.record(b->ops.ctx, b->aligned, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	struct hbc_buffer *b = ctx;

	b->ops.lost(b->ops.ctx, cpu, count);
}

struct hbc_buffer *hbc_buffer_open(const struct hbc_progs *p, enum hbc_buffer_kind kind,
				   unsigned long pages, const struct hbc_buffer_ops *ops)
{
	struct hbc_buffer *b = calloc(1, sizeof(*b));
	int err;

	if (!b) {
		fprintf(stderr, PROG ": out of memory\n");
		return NULL;
	}
	b->ops = *ops;
	if (kind == HBC_BUFFER_RING) {
		b->rb = ring_buffer__new(bpf_map__fd(p->ringbuf), on_ring_record, b, NULL);
		b->dropped = p->dropped(p->skel);
	} else {
		b->aligned = malloc(RECORD_MAX);
		if (b->aligned)
			b->pb = perf_buffer__new(bpf_map__fd(p->output), pages, on_perf_record,
						 on_perf_lost, b, NULL);
	}
	if (b->rb || b->pb)
		return b;
	err = -errno;
	fprintf(stderr, PROG ": cannot open the %s buffer: %s\n",
		kind == HBC_BUFFER_RING ? "ring" : "perf", strerror(-err));
	free(b->aligned);
	free(b);
	errno = -err;
	return NULL;
}

/* The ring buffer counts its own losses in the BPF program: report what is new. */
static void report_ring_drops(struct hbc_buffer *b)
{
	unsigned long long now;

	if (!b->dropped)
		return;
	now = __atomic_load_n(b->dropped, __ATOMIC_RELAXED);
	if (now == b->dropped_seen)
		return;
	b->ops.lost(b->ops.ctx, -1, now - b->dropped_seen);
	b->dropped_seen = now;
}

int hbc_buffer_poll(struct hbc_buffer *b, int timeout_ms)
{
	int n;

	if (b->pb) {
		n = perf_buffer__poll(b->pb, timeout_ms);
		return n < 0 ? n : 0;
	}
	/* The BPF side wakes us only per batch: drain what is there when the wait times out. */
	n = ring_buffer__poll(b->rb, timeout_ms);
	if (n == 0)
		n = ring_buffer__consume(b->rb);
	report_ring_drops(b);
	return n < 0 ? n : 0;
}

int hbc_buffer_drain(struct hbc_buffer *b)
{
	int n;

	if (b->pb)
		return perf_buffer__consume(b->pb);
	/* Detached: nothing new is written; consume until the ring is empty. */
	do {
		n = ring_buffer__consume(b->rb);
	} while (n > 0);
	report_ring_drops(b);
	return n < 0 ? n : 0;
}

const char *hbc_buffer_name(const struct hbc_buffer *b)
{
	return b->rb ? "ring buffer" : "perf buffer";
}

enum hbc_buffer_kind hbc_buffer_kind(const struct hbc_buffer *b)
{
	return b->rb ? HBC_BUFFER_RING : HBC_BUFFER_PERF;
}

void hbc_buffer_free(struct hbc_buffer *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	perf_buffer__free(b->pb);
	free(b->aligned);
	free(b);
}
