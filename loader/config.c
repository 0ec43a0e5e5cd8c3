// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define HBC_MAX_LINE 4096

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Decimal uid, 0..4294967294 ((uid_t)-1 is not a uid). */
static int parse_uid(const char *s, size_t len, uint32_t *uid)
{
	unsigned long long v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	if (len > 10)
		return -ERANGE;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	if (v >= UINT32_MAX)
		return -ERANGE;
	*uid = (uint32_t)v;
	return 0;
}

static const struct hbc_config_entry *find_uid(const struct hbc_config *cfg, uint32_t uid)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (cfg->entries[i].uid == uid)
			return &cfg->entries[i];
	return NULL;
}

static int add_entry(struct hbc_config *cfg, const struct hbc_config_entry *e)
{
	if (cfg->count == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 16;
		struct hbc_config_entry *n = realloc(cfg->entries, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cfg->entries = n;
		cfg->cap = cap;
	}
	cfg->entries[cfg->count++] = *e;
	return 0;
}

static int parse_line(char *line, const char *path, unsigned int lineno,
		      struct hbc_config *cfg, char *err, size_t errlen)
{
	struct hbc_config_entry e = { .line = lineno };
	const struct hbc_config_entry *dup;
	char *s = skip_space(line), *msg;
	size_t uidlen, msglen;
	int ret;

	trim_end(s);
	if (*s == '\0' || *s == '#')
		return 0;

	uidlen = strcspn(s, " \t");
	ret = parse_uid(s, uidlen, &e.uid);
	if (ret == -ERANGE)
		return fail(err, errlen, -EINVAL, "%s:%u: uid '%.*s' is out of range (0..4294967294)",
			    path, lineno, (int)uidlen, s);
	if (ret)
		return fail(err, errlen, -EINVAL, "%s:%u: '%.*s' is not a numeric uid",
			    path, lineno, (int)uidlen, s);

	msg = skip_space(s + uidlen);
	msglen = strlen(msg);
	if (msglen == 0)
		return fail(err, errlen, -EINVAL, "%s:%u: uid %u has no message",
			    path, lineno, e.uid);
	if (msglen >= HBC_MESSAGE_LEN)
		return fail(err, errlen, -EINVAL,
			    "%s:%u: message for uid %u is %zu bytes; at most %d fit",
			    path, lineno, e.uid, msglen, HBC_MESSAGE_LEN - 1);

	dup = find_uid(cfg, e.uid);
	if (dup)
		return fail(err, errlen, -EINVAL, "%s:%u: uid %u is already set on line %u",
			    path, lineno, e.uid, dup->line);
	if (cfg->count >= HBC_CONFIG_MAX_ENTRIES)
		return fail(err, errlen, -E2BIG, "%s:%u: more than %d entries",
			    path, lineno, HBC_CONFIG_MAX_ENTRIES);

	memcpy(e.message, msg, msglen + 1);
	ret = add_entry(cfg, &e);
	if (ret)
		return fail(err, errlen, ret, "%s:%u: out of memory", path, lineno);
	return 0;
}

int hbc_config_parse(FILE *f, const char *path, struct hbc_config *cfg,
		     char *err, size_t errlen)
{
	char line[HBC_MAX_LINE];
	unsigned int lineno = 0;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = fail(err, errlen, -EINVAL, "%s:%u: line longer than %d bytes",
				   path, lineno, HBC_MAX_LINE - 2);
			break;
		}
		ret = parse_line(line, path, lineno, cfg, err, errlen);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = fail(err, errlen, -EIO, "%s: read error", path);
	if (ret)
		hbc_config_free(cfg);
	return ret;
}

int hbc_config_load(const char *path, struct hbc_config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return fail(err, errlen, -errno, "%s: cannot open: %s", path, strerror(errno));
	ret = hbc_config_parse(f, path, cfg, err, errlen);
	fclose(f);
	return ret;
}

void hbc_config_free(struct hbc_config *cfg)
{
	free(cfg->entries);
	memset(cfg, 0, sizeof(*cfg));
}

static int by_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct hbc_config_entry *)a)->uid;
	uint32_t y = ((const struct hbc_config_entry *)b)->uid;

	return (x > y) - (x < y);
}

void hbc_config_diff(struct hbc_config *old, struct hbc_config *new, struct hbc_config_diff *d)
{
	size_t i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	if (old->count)
		qsort(old->entries, old->count, sizeof(*old->entries), by_uid);
	if (new->count)
		qsort(new->entries, new->count, sizeof(*new->entries), by_uid);
	while (i < old->count || j < new->count) {
		if (j == new->count || (i < old->count && old->entries[i].uid < new->entries[j].uid)) {
			d->removed++;
			i++;
		} else if (i == old->count || new->entries[j].uid < old->entries[i].uid) {
			d->added++;
			j++;
		} else {
			d->changed += strcmp(old->entries[i].message, new->entries[j].message) != 0;
			i++;
			j++;
		}
	}
}

bool hbc_config_diff_empty(const struct hbc_config_diff *d)
{
	return !d->added && !d->removed && !d->changed;
}
