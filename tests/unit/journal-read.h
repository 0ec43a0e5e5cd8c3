/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The reading side of the journal's native protocol, for the tests: an entry's fields
 * back as (name, bytes), as journald parses them ("NAME=value\n", or "NAME\n", a 64-bit
 * little-endian length, the bytes, "\n").
 */
#ifndef HBC_JOURNAL_READ_H
#define HBC_JOURNAL_READ_H

#include <stdint.h>
#include <string.h>

struct jfield {
	const char *name;
	size_t name_len;
	const char *value;
	size_t len;
};

/* The next field of @buf[@n] from *@pos: 1, 0 at the end, -1 when malformed. */
static inline int jread(const char *buf, size_t n, size_t *pos, struct jfield *f)
{
	const char *p, *end, *eq, *nl;
	uint64_t len = 0;

	if (!buf || *pos >= n)
		return 0;
	p = buf + *pos;
	end = buf + n;
	nl = memchr(p, '\n', (size_t)(end - p));
	eq = memchr(p, '=', (size_t)(end - p));
	if (!nl)
		return -1;
	f->name = p;
	if (eq && eq < nl) {
		f->name_len = (size_t)(eq - p);
		f->value = eq + 1;
		f->len = (size_t)(nl - eq - 1);
		*pos = (size_t)(nl + 1 - buf);
		return 1;
	}
	f->name_len = (size_t)(nl - p);
	if (end - nl - 1 < 8 + 1)	/* the length, and at least the closing newline */
		return -1;
	for (int i = 7; i >= 0; i--)
		len = len << 8 | (unsigned char)nl[1 + i];
	if (len > (uint64_t)(end - nl - 9) - 1 || nl[9 + len] != '\n')
		return -1;
	f->value = nl + 9;
	f->len = (size_t)len;
	*pos = (size_t)(nl + 10 + len - buf);
	return 1;
}

/* Field @name's value in @buf[@n] (the first one), or NULL. */
static inline const char *jget(const char *buf, size_t n, const char *name, size_t *len)
{
	struct jfield f;
	size_t pos = 0;

	while (jread(buf, n, &pos, &f) == 1)
		if (f.name_len == strlen(name) && !memcmp(f.name, name, f.name_len)) {
			*len = f.len;
			return f.value;
		}
	return NULL;
}

#endif /* HBC_JOURNAL_READ_H */
