// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
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

/* Room for one more item of @size in *@items, which holds @count of *@cap: doubled from @first. */
static int grow(void **items, size_t *cap, size_t count, size_t size, size_t first)
{
	size_t n = *cap ? *cap * 2 : first;
	void *p;

	if (count < *cap)
		return 0;
	p = reallocarray(*items, n, size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = n;
	return 0;
}

static int add_entry(struct hbc_config *cfg, const struct hbc_config_entry *e)
{
	void *items = cfg->entries;
	int err = grow(&items, &cfg->cap, cfg->count, sizeof(*e), 16);

	cfg->entries = items;
	if (err)
		return err;
	cfg->entries[cfg->count++] = *e;
	return 0;
}

/* The same exclusion as @x, already in @cfg, or NULL. */
static const struct hbc_config_exclude *find_exclude(const struct hbc_config *cfg,
						     const struct hbc_config_exclude *x)
{
	for (size_t i = 0; i < cfg->nexcludes; i++) {
		const struct hbc_config_exclude *y = &cfg->excludes[i];

		if (y->kind == x->kind && y->uid == x->uid && !strcmp(y->command, x->command) &&
		    !strcmp(y->cgroup ? y->cgroup : "", x->cgroup ? x->cgroup : ""))
			return y;
	}
	return NULL;
}

static int add_exclude(struct hbc_config *cfg, const struct hbc_config_exclude *x)
{
	void *items = cfg->excludes;
	int err = grow(&items, &cfg->excap, cfg->nexcludes, sizeof(*x), 8);

	cfg->excludes = items;
	if (err)
		return err;
	cfg->excludes[cfg->nexcludes++] = *x;
	return 0;
}

/*
 * A cgroup path as /proc/PID/cgroup writes it: absolute, no empty, "." or ".."
 * component, no trailing slash (but the root, "/").
 */
static bool cgroup_path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	if (!strcmp(p, "/"))
		return true;
	for (const char *c = p + 1;; ) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

/* "exclude KIND VALUE": @s is what follows "exclude". */
static int parse_exclude(char *s, const char *path, unsigned int lineno, struct hbc_config *cfg,
			 char *err, size_t errlen)
{
	struct hbc_config_exclude x = { .line = lineno };
	const struct hbc_config_exclude *dup;
	size_t kindlen = strcspn(s, " \t");
	char *v = skip_space(s + kindlen);
	int ret;

	if (!*v)
		return fail(err, errlen, -EINVAL, "%s:%u: 'exclude' needs a kind and a value: "
			    "exclude uid UID, exclude command NAME or exclude cgroup PATH", path, lineno);
	if (kindlen == 3 && !strncmp(s, "uid", 3)) {
		x.kind = HBC_EXCLUDE_UID;
		ret = parse_uid(v, strlen(v), &x.uid);
		if (ret)
			return fail(err, errlen, -EINVAL, "%s:%u: exclude uid: '%s' is not a uid "
				    "(0..4294967294)", path, lineno, v);
	} else if (kindlen == 7 && !strncmp(s, "command", 7)) {
		x.kind = HBC_EXCLUDE_COMMAND;
		if (strlen(v) >= HBC_COMMAND_LEN)
			return fail(err, errlen, -EINVAL, "%s:%u: exclude command: '%s' is %zu bytes; "
				    "a command (the kernel's comm) has at most %d", path, lineno, v,
				    strlen(v), HBC_COMMAND_LEN - 1);
		memcpy(x.command, v, strlen(v) + 1);
	} else if (kindlen == 6 && !strncmp(s, "cgroup", 6)) {
		x.kind = HBC_EXCLUDE_CGROUP;
		if (!cgroup_path_ok(v))
			return fail(err, errlen, -EINVAL, "%s:%u: exclude cgroup: '%s' is not a cgroup "
				    "path as /proc/PID/cgroup shows it (\"/system.slice/cron.service\")",
				    path, lineno, v);
		x.cgroup = v;
	} else {
		return fail(err, errlen, -EINVAL, "%s:%u: exclude '%.*s': the kinds are uid, command "
			    "and cgroup", path, lineno, (int)kindlen, s);
	}
	dup = find_exclude(cfg, &x);
	if (dup)
		return fail(err, errlen, -EINVAL, "%s:%u: already excluded on line %u", path, lineno,
			    dup->line);
	if (cfg->nexcludes >= HBC_CONFIG_MAX_EXCLUDES)
		return fail(err, errlen, -E2BIG, "%s:%u: more than %d exclusions", path, lineno,
			    HBC_CONFIG_MAX_EXCLUDES);
	if (x.cgroup && !(x.cgroup = strdup(x.cgroup)))
		return fail(err, errlen, -ENOMEM, "%s:%u: out of memory", path, lineno);
	ret = add_exclude(cfg, &x);
	if (ret) {
		free(x.cgroup);
		return fail(err, errlen, ret, "%s:%u: out of memory", path, lineno);
	}
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
	if (uidlen == 7 && !strncmp(s, "exclude", 7))
		return parse_exclude(skip_space(s + uidlen), path, lineno, cfg, err, errlen);
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

/* "a FIFO", "a directory"...: what a file that is not regular is. */
static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The whole of the regular file @fd, at most HBC_CONFIG_MAX_BYTES, into @buf; its length. */
static ssize_t read_all(int fd, char *buf)
{
	size_t n = 0;

	while (n <= HBC_CONFIG_MAX_BYTES) {
		ssize_t r = read(fd, buf + n, HBC_CONFIG_MAX_BYTES + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

int hbc_config_load(const char *path, struct hbc_config *cfg, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), ret;
	struct stat st;
	ssize_t n;
	char *buf;
	FILE *f;

	memset(cfg, 0, sizeof(*cfg));
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = fail(err, errlen, -EINVAL, "%s: %s, not a regular file: give a file", path,
			   file_kind(st.st_mode));
		close(fd);
		return ret;
	}
	buf = malloc(HBC_CONFIG_MAX_BYTES + 1);
	n = buf ? read_all(fd, buf) : -ENOMEM;
	close(fd);
	if (n < 0 || n > HBC_CONFIG_MAX_BYTES) {
		ret = n < 0 ? fail(err, errlen, (int)n, "%s: cannot read: %s", path, strerror((int)-n)) :
			      fail(err, errlen, -EFBIG, "%s: longer than %d bytes: not a config file", path,
				   HBC_CONFIG_MAX_BYTES);
		free(buf);
		return ret;
	}
	f = fmemopen(buf, (size_t)n, "r");
	ret = f ? hbc_config_parse(f, path, cfg, err, errlen) :
		  fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (f)
		fclose(f);
	free(buf);
	return ret;
}

void hbc_config_free(struct hbc_config *cfg)
{
	for (size_t i = 0; i < cfg->nexcludes; i++)
		free(cfg->excludes[i].cgroup);
	free(cfg->excludes);
	free(cfg->entries);
	memset(cfg, 0, sizeof(*cfg));
}

static int by_uid(const void *a, const void *b)
{
	uint32_t x = ((const struct hbc_config_entry *)a)->uid;
	uint32_t y = ((const struct hbc_config_entry *)b)->uid;

	return (x > y) - (x < y);
}

/* Exclusions in a total order: kind, then uid, command or cgroup path. */
static int exclude_cmp(const void *a, const void *b)
{
	const struct hbc_config_exclude *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	if (strcmp(x->command, y->command))
		return strcmp(x->command, y->command);
	return strcmp(x->cgroup ? x->cgroup : "", y->cgroup ? y->cgroup : "");
}

/* Exclusions of @new not in @old (d->excluded) and the other way round (d->included). */
static void exclude_diff(struct hbc_config *old, struct hbc_config *new, struct hbc_config_diff *d)
{
	size_t i = 0, j = 0;

	if (old->nexcludes)
		qsort(old->excludes, old->nexcludes, sizeof(*old->excludes), exclude_cmp);
	if (new->nexcludes)
		qsort(new->excludes, new->nexcludes, sizeof(*new->excludes), exclude_cmp);
	while (i < old->nexcludes || j < new->nexcludes) {
		int c = i == old->nexcludes ? 1 : j == new->nexcludes ? -1 :
			exclude_cmp(&old->excludes[i], &new->excludes[j]);

		d->included += c < 0;
		d->excluded += c > 0;
		i += c <= 0;
		j += c >= 0;
	}
}

void hbc_config_diff(struct hbc_config *old, struct hbc_config *new, struct hbc_config_diff *d)
{
	size_t i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	exclude_diff(old, new, d);
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
	return !d->added && !d->removed && !d->changed && !d->excluded && !d->included;
}
