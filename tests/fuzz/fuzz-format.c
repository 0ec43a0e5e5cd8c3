// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target: the record formatter (loader/format.c) on arbitrary records. The
 * input is a record header (its fields as they come) then the path and argument bytes
 * (as many as the header says and the input has); the path bytes, NUL-terminated, are
 * also the record's cgroup path when the header's reserved byte is odd. What must hold:
 *  - text: one line, no raw control byte; the path column unescapes to the bytes the
 *    kernel named (loader/format.h), and the argument columns after the "[N...]" count to
 *    the record's arguments;
 *  - JSON: one line that is a valid JSON object of strings, numbers, booleans, null and
 *    arrays of strings, valid UTF-8 but for \udcNN escapes, whose "path" and "args"
 *    decode back to the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"

/* A record as the BPF program sends it: the header, then its path and argument bytes. */
union rec {
	struct data_t d;
	char bytes[sizeof(struct data_t) + HBC_PATH_MAX + HBC_ARGS_MAX];
};

static char *render(void (*fn)(FILE *, const struct hbc_record *), const struct hbc_record *r,
		    size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	if (!out)
		abort();
	fn(out, r);
	fclose(out);
	return buf;
}

/* One line: exactly one '\n', at the end; no other byte below 0x20, no 0x7f. */
static void one_clean_line(const char *s, size_t n)
{
	if (n == 0 || s[n - 1] != '\n')
		abort();
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The text path column (6th, space-separated) back to bytes: \\ \t \n \r \xNN. */
static size_t text_unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i >= n)
			abort();
		if (s[i] == 'x') {
			if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
				abort();
			out[o++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i];
		}
	}
	return o;
}

/*
 * A minimal strict JSON reader for our lines; *path gets the "path" string's bytes, *args
 * the "args" array's strings, each followed by a NUL.
 */
struct json {
	const char *s, *end;
	char *path;
	size_t path_cap, path_len;
	bool has_path;
	char *args;
	size_t args_cap, args_len, nargs;
	bool has_args;
};

static void ws(struct json *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\t'))
		j->s++;
}

static void expect(struct json *j, char c)
{
	ws(j);
	if (j->s >= j->end || *j->s != c)
		abort();
	j->s++;
}

static size_t utf8_len(const unsigned char *u, size_t n)
{
	uint32_t c;
	size_t len;

	if (u[0] < 0x80)
		return 1;
	len = (u[0] & 0xe0) == 0xc0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3 : (u[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n)
		abort();
	c = u[0] & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			abort();
		c = (c << 6) | (u[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		abort();
	return len;
}

/* A string; its bytes (surrogateescape undone) into @out[@cap] when not NULL. */
static size_t string(struct json *j, char *out, size_t cap)
{
	size_t o = 0;

	expect(j, '"');
	while (j->s < j->end && *j->s != '"') {
		unsigned char c = (unsigned char)*j->s;

		if (c < 0x20)
			abort();
		if (c != '\\') {
			size_t len = utf8_len((const unsigned char *)j->s, (size_t)(j->end - j->s));

			if (out && o + len > cap)
				abort();
			if (out)
				memcpy(out + o, j->s, len);
			o += len;
			j->s += len;
			continue;
		}
		j->s++;
		if (j->s >= j->end || (out && o >= cap))
			abort();
		c = (unsigned char)*j->s++;
		if (c == 'u') {
			unsigned int v = 0;

			if (j->end - j->s < 4)
				abort();
			for (int k = 0; k < 4; k++) {
				if (hex(j->s[k]) < 0)
					abort();
				v = v * 16 + (unsigned int)hex(j->s[k]);
			}
			j->s += 4;
			if (v >= 0xdc80 && v <= 0xdcff) {
				if (out)
					out[o] = (char)(v - 0xdc00);
				o++;
			} else if (v < 0x80) {
				if (out)
					out[o] = (char)v;
				o++;
			} else {
				abort();	/* we never escape other characters */
			}
		} else {
			char b = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '"' ? '"' :
				 c == '\\' ? '\\' : c == '/' ? '/' : 0;

			if (!b)
				abort();
			if (out)
				out[o] = b;
			o++;
		}
	}
	expect(j, '"');
	return o;
}

/* ["...", ...]: the "args" array, its strings into j->args. */
static void array(struct json *j)
{
	expect(j, '[');
	ws(j);
	j->has_args = true;
	if (j->s < j->end && *j->s == ']') {
		j->s++;
		return;
	}
	for (;;) {
		size_t n = string(j, j->args + j->args_len, j->args_cap - j->args_len - 1);

		j->args_len += n;
		j->args[j->args_len++] = '\0';
		j->nargs++;
		ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		break;
	}
	expect(j, ']');
}

static void value(struct json *j, bool is_path, bool is_args)
{
	ws(j);
	if (is_args && j->s < j->end && *j->s == '[') {
		array(j);
	} else if (j->s < j->end && *j->s == '"') {
		size_t n = string(j, is_path ? j->path : NULL, j->path_cap);

		if (is_path) {
			j->path_len = n;
			j->has_path = true;
		}
	} else if (j->end - j->s >= 4 && !memcmp(j->s, "true", 4)) {
		j->s += 4;
	} else if (j->end - j->s >= 5 && !memcmp(j->s, "false", 5)) {
		j->s += 5;
	} else if (j->end - j->s >= 4 && !memcmp(j->s, "null", 4)) {
		j->s += 4;
	} else {
		const char *start = j->s;

		if (j->s < j->end && *j->s == '-')
			j->s++;
		while (j->s < j->end && *j->s >= '0' && *j->s <= '9')
			j->s++;
		if (j->s == start || (j->s == start + 1 && *start == '-'))
			abort();
	}
}

static void object(struct json *j)
{
	char key[64];

	expect(j, '{');
	for (;;) {
		size_t n;

		n = string(j, key, sizeof(key));
		expect(j, ':');
		value(j, n == 4 && !memcmp(key, "path", 4), n == 4 && !memcmp(key, "args", 4));
		ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		break;
	}
	expect(j, '}');
	if (j->s != j->end)
		abort();
}

/* @p past @n space-separated columns (none holds a raw space). */
static char *skip_columns(char *p, int n)
{
	for (int col = 0; col < n; col++) {
		p = strchr(p, ' ');
		if (!p)
			abort();
		while (*p == ' ')
			p++;
	}
	return p;
}

/* The record's arguments as the JSON reader leaves them: each one, then a NUL. */
static size_t args_nul_each(const struct data_t *d, char *out)
{
	size_t pos = 0, o = 0;
	const char *arg;
	int n;

	while ((n = hbc_record_arg(d, &pos, &arg)) >= 0) {
		memcpy(out + o, arg, (size_t)n);
		o += (size_t)n;
		out[o++] = '\0';
	}
	return o;
}

/*
 * The text line's path column and argument columns, checked against the record: the
 * path is the 17th column (after TIME ... CGROUP); then "[N]" (or "[N/...]", "[-]") and
 * N argument columns ("" for an empty one).
 */
static void check_text(char *line, const struct data_t *d, const char *want, int wn, char *got)
{
	char *p = skip_columns(line, 16), *e = strchr(p, ' ');
	size_t nargs = hbc_record_nargs(d), pos = 0, shown;
	const char *arg;
	int n;

	if (!e)
		abort();
	if (wn < 0) {
		if (e - p != 1 || *p != '?')
			abort();
	} else if (wn == 0) {
		if (e - p != 2 || memcmp(p, "\"\"", 2))
			abort();
	} else if (text_unescape(p, (size_t)(e - p), got) != (size_t)wn || memcmp(got, want, (size_t)wn)) {
		abort();
	}
	p = e + 1;
	if (d->flags & HBC_F_ARGS_OFF) {
		if (strncmp(p, "[-] ", 4))
			abort();
		return;
	}
	if (p[0] != '[' || sscanf(p + 1, "%zu", &shown) != 1 || shown != nargs)
		abort();
	p = strchr(p, ' ') + 1;
	while ((n = hbc_record_arg(d, &pos, &arg)) >= 0) {
		e = strchr(p, ' ');
		if (!e)
			abort();
		if (n == 0 ? (e - p != 2 || memcmp(p, "\"\"", 2)) :
			     (text_unescape(p, (size_t)(e - p), got) != (size_t)n || memcmp(got, arg, (size_t)n)))
			abort();
		p = e + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union rec r;
	static char want[HBC_FORMAT_PATH_MAX], got[(HBC_FORMAT_PATH_MAX + HBC_ARGS_MAX) * 4];
	static char args[2 * HBC_ARGS_MAX], cgroup[HBC_PATH_MAX];
	size_t hdr = HBC_RECORD_HEADER, len, n, a;
	struct hbc_record rec = { .d = &r.d };
	char *line;
	int wn;

	if (size < hdr)
		return 0;
	memset(&r, 0, sizeof(r));
	memcpy(&r.d, data, hdr);
	/* the BPF side never sends more than it has, nor a path over 4,095 bytes */
	n = size - hdr;
	n = r.d.path_len < n ? r.d.path_len : n;
	n = n < HBC_PATH_MAX - 1 ? n : HBC_PATH_MAX - 1;
	a = size - hdr - n;
	a = r.d.args_len < a ? r.d.args_len : a;
	a = a < HBC_ARGS_MAX ? a : HBC_ARGS_MAX;
	memcpy(r.d.path, data + hdr, n + a);
	r.d.path_len = (unsigned short)n;
	r.d.args_len = (unsigned short)a;
	rec.wall_ns = (long long)r.d.boot_ns;
	if (r.d.reserved & 1) {
		memcpy(cgroup, r.d.path, n);
		cgroup[n] = '\0';
		rec.cgroup = cgroup;
		hbc_container_of(cgroup, &rec.container);
	}
	wn = hbc_format_path(&r.d, want, sizeof(want));

	line = render(hbc_format_text, &rec, &len);
	one_clean_line(line, len);
	check_text(line, &r.d, want, wn, got);
	free(line);

	line = render(hbc_format_json, &rec, &len);
	one_clean_line(line, len);
	{
		struct json j = { .s = line, .end = line + len - 1, .path = got, .path_cap = sizeof(got),
				  .args = args, .args_cap = sizeof(args) };
		char each[2 * HBC_ARGS_MAX];
		size_t m = args_nul_each(&r.d, each);
		bool args_null = (r.d.flags & HBC_F_NO_ARGS) && !r.d.args_len;

		object(&j);
		if ((wn < 0) != !j.has_path)
			abort();
		if (wn >= 0 && (j.path_len != (size_t)wn || memcmp(got, want, (size_t)wn)))
			abort();
		if (j.has_args != !((r.d.flags & HBC_F_ARGS_OFF) || args_null))
			abort();
		if (j.has_args && (j.args_len != m || memcmp(args, each, m)))
			abort();
	}
	free(line);
	return 0;
}
