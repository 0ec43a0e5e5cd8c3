// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target: the journal field encoder (loader/journal.c) and a record's entry
 * (loader/format.c). The input is split at 0x00 0x00 into (name, value) pairs: each name
 * the journal accepts is added with its value; then the entry must read back (as journald
 * parses the native protocol: tests/unit/journal-read.h) to exactly those fields, in
 * order, whatever bytes the values hold (newlines, NULs), and a name the journal refuses
 * must leave the entry marked bad. Then the input's first bytes as a record: its entry
 * reads back whole, HBC_PATH and HBC_ARGV exactly the record's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "journal.h"
#include "journal-read.h"

#define PAIRS_MAX 64

static void fields(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct { const char *v; size_t n; char name[80]; } in[PAIRS_MAX];
	struct hbc_jentry e = {};
	size_t k = 0, pos = 0;
	bool bad = false;
	struct jfield f;

	while (p < end && k < PAIRS_MAX) {
		const char *sep = memmem(p, (size_t)(end - p), "\0\0", 2), *stop = sep ? sep : end;
		const char *nul = memchr(p, '\0', (size_t)(stop - p));
		size_t nlen = nul ? (size_t)(nul - p) : (size_t)(stop - p);

		if (nlen >= sizeof(in[k].name))
			nlen = sizeof(in[k].name) - 1;
		memcpy(in[k].name, p, nlen);
		in[k].name[nlen] = '\0';
		in[k].v = nul ? nul + 1 : stop;
		in[k].n = (size_t)(stop - in[k].v);
		if (hbc_journal_name_ok(in[k].name))
			hbc_jentry_add(&e, in[k].name, in[k].v, in[k].n), k++;
		else if (strlen(in[k].name) == nlen) {	/* a name with no NUL inside: refused */
			struct hbc_jentry x = {};

			hbc_jentry_add(&x, in[k].name, "v", 1);
			bad |= x.err == 0;
			hbc_jentry_free(&x);
		}
		p = sep ? sep + 2 : end;
	}
	if (bad || e.err)
		abort();
	for (size_t i = 0; i < k; i++) {
		if (jread(e.buf, e.len, &pos, &f) != 1 || f.name_len != strlen(in[i].name) ||
		    memcmp(f.name, in[i].name, f.name_len) || f.len != in[i].n || memcmp(f.value, in[i].v, f.len))
			abort();
	}
	if (jread(e.buf, e.len, &pos, &f) != 0)
		abort();
	hbc_jentry_free(&e);
}

static void record(const uint8_t *data, size_t size)
{
	static union {
		struct data_t d;
		char bytes[sizeof(struct data_t) + HBC_PATH_MAX + HBC_ARGS_MAX];
	} r;
	struct hbc_record rec = { .d = &r.d };
	struct hbc_jentry e = {};
	char path[HBC_FORMAT_PATH_MAX];
	size_t hdr = HBC_RECORD_HEADER, n, a, len, pos = 0;
	const char *v;
	struct jfield f;
	int wn;

	if (size < hdr)
		return;
	memset(&r, 0, sizeof(r));
	memcpy(&r.d, data, hdr);
	n = size - hdr < r.d.path_len ? size - hdr : r.d.path_len;
	n = n < HBC_PATH_MAX - 1 ? n : HBC_PATH_MAX - 1;
	a = size - hdr - n < r.d.args_len ? size - hdr - n : r.d.args_len;
	a = a < HBC_ARGS_MAX ? a : HBC_ARGS_MAX;
	memcpy(r.d.path, data + hdr, n + a);
	r.d.path_len = (unsigned short)n;
	r.d.args_len = (unsigned short)a;
	hbc_format_journal(&e, &rec, "line", 4);
	if (e.err)
		abort();
	while (jread(e.buf, e.len, &pos, &f) == 1)
		;
	if (pos != e.len)
		abort();
	wn = hbc_format_path(&r.d, path, sizeof(path));
	v = jget(e.buf, e.len, "HBC_PATH", &len);
	if ((wn < 0) != !v || (v && (len != (size_t)wn || memcmp(v, path, len))))
		abort();
	v = jget(e.buf, e.len, "HBC_ARGV", &len);
	if (!(r.d.flags & HBC_F_ARGS_OFF) && a && (!v || len != a || memcmp(v, hbc_record_args(&r.d), a)))
		abort();
	hbc_jentry_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fields(data, size);
	record(data, size);
	return 0;
}
