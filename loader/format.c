// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "say.h"

/*
 * Bytes of the valid UTF-8 sequence at @s (of @n bytes left), or 0: overlong forms,
 * surrogates and code points past U+10FFFF are not valid. *@cp gets the code point.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters text shows as \xNN of their bytes: controls, C1 controls, line separators. */
static bool text_hidden(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029;
}

/*
 * How many bytes from @u on are printable ASCII that go out as they are: not @quote (a
 * byte the format escapes, or 0), not '\\', not a space when @space. Paths are mostly
 * such runs: one fwrite for each instead of a decision per byte.
 */
static size_t plain_ascii(const unsigned char *u, size_t n, int quote, bool space)
{
	size_t i = 0;

	while (i < n && u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\' && u[i] != quote &&
	       !(space && u[i] == ' '))
		i++;
	return i;
}

/*
 * @s[@n] escaped for a text column; @space: a space is escaped too (not the last column).
 * Returns the characters written.
 */
static size_t text_bytes(FILE *out, const char *s, size_t n, bool space)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t width = 0;

	for (size_t i = 0; i < n;) {
		size_t run = plain_ascii(u + i, n - i, 0, space), len;
		uint32_t cp;

		if (run) {
			fwrite(u + i, 1, run, out);
			width += run;
			i += run;
			continue;
		}
		len = utf8_seq(u + i, n - i, &cp);

		if (len == 1 && (cp == '\\' || cp == '\t' || cp == '\n' || cp == '\r')) {
			fputc('\\', out);
			fputc(cp == '\\' ? '\\' : cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r', out);
			width += 2;
		} else if (len && !text_hidden(cp) && !(space && cp == ' ')) {
			fwrite(u + i, 1, len, out);
			width++;
		} else {
			len = len ? len : 1;
			for (size_t k = 0; k < len; k++)
				fprintf(out, "\\x%02x", u[i + k]);
			width += 4 * len;
		}
		i += len;
	}
	return width;
}

static const char spaces[] = "                                ";

/* A text column of at least @width characters (the bytes as escaped), then a space. */
static void text_column(FILE *out, const char *s, size_t n, size_t width)
{
	size_t w = text_bytes(out, s, n, true);

	fwrite(spaces, 1, w < width ? width - w + 1 : 1, out);
}

/*
 * The fixed columns of a text line, built in memory and written at once: printf's
 * format parsing per column was most of the tracer's CPU time per record.
 */
struct cols {
	FILE *out;
	size_t len;
	char buf[512];
};

static void cols_write(struct cols *c)
{
	fwrite(c->buf, 1, c->len, c->out);
	c->len = 0;
}

/* @s[@n] (plain ASCII, at most 64 bytes) padded to @width (at most 32), then a space. */
static void col_bytes(struct cols *c, const char *s, size_t n, size_t width)
{
	if (c->len + 64 + sizeof(spaces) > sizeof(c->buf))
		cols_write(c);
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	n = n < width ? width - n + 1 : 1;
	memcpy(c->buf + c->len, spaces, n);
	c->len += n;
}

static void col_str(struct cols *c, const char *s, size_t width)
{
	col_bytes(c, s, strlen(s), width);
}

/* @prefix (at most 7 bytes), @v in decimal, @suffix (at most 7), padded to @width. */
static void col_num(struct cols *c, const char *prefix, unsigned long long v, const char *suffix,
		    size_t width)
{
	char s[40], *end = s + 8 + 20, *p = end;
	size_t pl = strlen(prefix), sl = strlen(suffix);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	p -= pl;
	memcpy(p, prefix, pl);
	memcpy(end, suffix, sl);
	col_bytes(c, p, (size_t)(end - p) + sl, width);
}

static void col_uint(struct cols *c, unsigned long long v, size_t width)
{
	col_num(c, "", v, "", width);
}

static void col_int(struct cols *c, long long v, size_t width)
{
	col_num(c, v < 0 ? "-" : "", v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v,
		"", width);
}

/*
 * A string field of the kernel's (up to @size bytes, NUL-terminated or not) as a column;
 * an empty one (prctl can empty a comm) keeps its column as "".
 */
static void col_field(struct cols *c, const char *s, size_t size, size_t width)
{
	size_t n = strnlen(s, size);

	if (!n) {
		col_bytes(c, "\"\"", 2, width);
	} else if (n <= 64 && plain_ascii((const unsigned char *)s, n, 0, true) == n) {
		col_bytes(c, s, n, width);
	} else {
		cols_write(c);
		text_column(c->out, s, n, width);
	}
}

int hbc_format_path(const struct data_t *d, char *buf, size_t len)
{
	size_t n = d->path_len;
	int w;

	if (d->flags & HBC_F_NO_PATH)
		return -1;
	if (d->syscall == HBC_SYS_EXECVEAT && !(d->flags & HBC_F_KERNEL_PATH) &&
	    d->dirfd != HBC_AT_FDCWD && (n == 0 || d->path[0] != '/')) {
		if (n == 0 && (d->at_flags & HBC_AT_EMPTY_PATH))
			w = snprintf(buf, len, "/dev/fd/%d", d->dirfd);
		else
			w = snprintf(buf, len, "/dev/fd/%d/%.*s", d->dirfd, (int)n, d->path);
		return w < 0 ? -1 : (size_t)w < len ? w : (int)len - 1;
	}
	n = n < len - 1 ? n : len - 1;
	memcpy(buf, d->path, n);
	buf[n] = '\0';
	return (int)n;
}

const char *hbc_format_syscall(const struct data_t *d)
{
	switch (d->syscall) {
	case HBC_SYS_EXECVE: return "execve";
	case HBC_SYS_EXECVEAT: return "execveat";
	default: return "unknown";
	}
}

/* "ENOENT" for -2; a result that is no -errno (the kernel sends none) as its number. */
static const char *errno_name(int result, char *buf, size_t len)
{
	const char *name = result < 0 && result >= -4095 ? strerrorname_np(-result) : NULL;

	if (name)
		return name;
	snprintf(buf, len, result < 0 && result >= -4095 ? "E%d" : "%d",
		 result < 0 && result >= -4095 ? -result : result);
	return buf;
}

/* The columns before PATH: their names and least widths (loader/README.md). */
static const struct {
	const char *name;
	int width;
} columns[] = {
	{ "TIME", 30 }, { "PID", 7 }, { "PPID", 7 }, { "UID", 7 }, { "GID", 5 }, { "EUID", 5 },
	{ "EGID", 5 }, { "AUID", 5 }, { "SES", 5 }, { "TTY", 6 }, { "PCOMM", 16 },
	{ "COMMAND", 16 }, { "SYSCALL", 10 }, { "RESULT", 7 }, { "CONTAINER", 19 }, { "CGROUP", 0 },
};

void hbc_format_text_header(FILE *out)
{
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		fprintf(out, "%-*s ", columns[i].width, columns[i].name);
	fputs("PATH ARGS MESSAGE\n", out);
}

/*
 * "2026-12-03T12:34:56.123456789Z": UTC, nanoseconds. The part to the second is made
 * once per second of records (the last one is kept, per thread: records come in time
 * order, and a thread that formats never sees another's half-written cache).
 */
void hbc_format_time(char *buf, size_t len, long long wall_ns)
{
	static _Thread_local long long last_s = -1;
	static _Thread_local char last[32];
	static _Thread_local size_t last_len;
	long long ns = wall_ns % 1000000000LL, s = wall_ns / 1000000000LL;
	time_t t;
	struct tm tm;

	if (ns < 0) {
		ns += 1000000000LL;
		s--;
	}
	t = (time_t)s;
	if (s != last_s) {
		last_len = gmtime_r(&t, &tm) ? strftime(last, sizeof(last), "%Y-%m-%dT%H:%M:%S", &tm) : 0;
		last_s = last_len ? s : -1;
	}
	if (!last_len || len < last_len + 12) {
		snprintf(buf, len, "?");
		return;
	}
	memcpy(buf, last, last_len);
	buf += last_len;
	*buf++ = '.';
	for (int i = 8; i >= 0; i--, ns /= 10)
		buf[i] = (char)('0' + ns % 10);
	memcpy(buf + 9, "Z", 2);
}


/* An audit id: "unset" for the kernel's (u32)-1, "-" without audit. */
static void col_audit_id(struct cols *c, const struct data_t *d, unsigned int v)
{
	if (!(d->flags & HBC_F_AUDIT))
		col_str(c, "-", 5);
	else if (v == HBC_AUDIT_UNSET)
		col_str(c, "unset", 5);
	else
		col_uint(c, v, 5);
}

/* An effective id, "*" after it when the exec changed the effective ids (setuid/setgid). */
static void col_effective(struct cols *c, const struct data_t *d, unsigned int v)
{
	col_num(c, "", v, d->flags & HBC_F_SETID ? "*" : "", 5);
}

/*
 * The arguments: "[N]" then the N arguments, each a column ("" when empty); "[N/ARGC]"
 * when cut (the last shown may be partial), "[N/?]" when the rest could not be read,
 * "[-]" when not collected.
 */
static void text_args(FILE *out, const struct data_t *d)
{
	size_t pos = 0, n = hbc_record_nargs(d);
	const char *arg;
	int len;

	if (d->flags & HBC_F_ARGS_OFF) {
		fputs("[-] ", out);
		return;
	}
	if (d->flags & HBC_F_NO_ARGS)
		fprintf(out, "[%zu/?] ", n);
	else if (d->flags & HBC_F_ARGS_CUT)
		fprintf(out, "[%zu/%u] ", n, d->argc);
	else
		fprintf(out, "[%zu] ", n);
	while ((len = hbc_record_arg(d, &pos, &arg)) >= 0) {
		if (len)
			text_bytes(out, arg, (size_t)len, true);
		else
			fputs("\"\"", out);
		fputc(' ', out);
	}
}

/* "execve", "execveat" or "unknown", "/32" after it for a 32-bit entry. */
static void col_syscall(struct cols *c, const struct data_t *d)
{
	const char *name = hbc_format_syscall(d);
	char buf[16];

	if (!(d->flags & HBC_F_COMPAT)) {
		col_str(c, name, 10);
		return;
	}
	snprintf(buf, sizeof(buf), "%s/32", name);
	col_str(c, buf, 10);
}

/* "runtime:<12 digits of its id>", or "-". */
static void col_container(struct cols *c, const struct hbc_container *k)
{
	char buf[64];

	if (!k->runtime) {
		col_str(c, "-", 19);
		return;
	}
	snprintf(buf, sizeof(buf), "%s:%.12s", k->runtime, k->id);
	col_str(c, buf, 19);
}

void hbc_format_text(FILE *out, const struct hbc_record *r)
{
	const struct data_t *d = r->d;
	char path[HBC_FORMAT_PATH_MAX], errbuf[24], when[48];
	int n = hbc_format_path(d, path, sizeof(path));
	struct cols c = { .out = out };

	hbc_format_time(when, sizeof(when), r->wall_ns);
	col_str(&c, when, 30);
	col_int(&c, d->pid, 7);
	col_int(&c, d->ppid, 7);
	col_uint(&c, d->uid, 7);
	col_uint(&c, d->gid, 5);
	col_effective(&c, d, d->euid);
	col_effective(&c, d, d->egid);
	col_audit_id(&c, d, d->loginuid);
	col_audit_id(&c, d, d->sessionid);
	if (d->tty[0])
		col_field(&c, d->tty, sizeof(d->tty), 6);
	else
		col_str(&c, "-", 6);
	col_field(&c, d->parent_command, sizeof(d->parent_command), 16);
	col_field(&c, d->command, sizeof(d->command), 16);
	col_syscall(&c, d);
	col_str(&c, d->result ? errno_name(d->result, errbuf, sizeof(errbuf)) : "0", 7);
	col_container(&c, &r->container);
	if (!r->cgroup)
		col_num(&c, "id:", d->cgroup_id, "", 0);
	else
		col_field(&c, r->cgroup, strlen(r->cgroup), 0);
	cols_write(&c);
	if (n < 0)
		fputs("?", out);
	else if (n == 0)
		fputs("\"\"", out);
	else
		text_bytes(out, path, (size_t)n, true);
	fputc(' ', out);
	text_args(out, d);
	text_bytes(out, d->message, strnlen(d->message, sizeof(d->message)), false);
	fputc('\n', out);
}

void hbc_format_json_bytes(FILE *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		size_t run = plain_ascii(u + i, n - i, '"', false), len;
		uint32_t cp;

		if (run) {
			fwrite(u + i, 1, run, out);
			i += run;
			continue;
		}
		len = utf8_seq(u + i, n - i, &cp);
		if (!len) {
			fprintf(out, "\\udc%02x", u[i]);	/* surrogateescape */
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			fprintf(out, "\\%c", (int)cp);
		} else if (cp == '\n') {
			fputs("\\n", out);
		} else if (cp == '\t') {
			fputs("\\t", out);
		} else if (cp == '\r') {
			fputs("\\r", out);
		} else if (cp < 0x20 || cp == 0x7f) {
			fprintf(out, "\\u%04x", (unsigned int)cp);
		} else {
			fwrite(u + i, 1, len, out);
		}
		i += len;
	}
	fputc('"', out);
}

/* "args":[...] (null when none could be read), "argc", and the flags that qualify them. */
static void json_args(FILE *out, const struct data_t *d)
{
	size_t pos = 0, n = 0;
	const char *arg;
	int len;

	if (d->flags & HBC_F_ARGS_OFF)
		return;
	fprintf(out, ",\"argc\":%u,\"args\":", d->argc);
	if ((d->flags & HBC_F_NO_ARGS) && !d->args_len) {
		fputs("null", out);
	} else {
		fputc('[', out);
		while ((len = hbc_record_arg(d, &pos, &arg)) >= 0) {
			if (n++)
				fputc(',', out);
			hbc_format_json_bytes(out, arg, (size_t)len);
		}
		fputc(']', out);
	}
	if (d->flags & HBC_F_ARGS_CUT)
		fputs(",\"args_cut\":true", out);
	if (d->flags & HBC_F_NO_ARGS)
		fputs(",\"args_unreadable\":true", out);
}

void hbc_format_json(FILE *out, const struct hbc_record *r)
{
	const struct data_t *d = r->d;
	char path[HBC_FORMAT_PATH_MAX], buf[24], when[48];
	int n = hbc_format_path(d, path, sizeof(path));

	fprintf(out, "{\"type\":\"exec\",\"pid\":%d,\"uid\":%u,\"command\":", d->pid, d->uid);
	hbc_format_json_bytes(out, d->command, strnlen(d->command, sizeof(d->command)));
	fprintf(out, ",\"syscall\":\"%s\",\"compat\":%s,\"result\":%d", hbc_format_syscall(d),
		d->flags & HBC_F_COMPAT ? "true" : "false", d->result);
	if (d->result)
		fprintf(out, ",\"error\":\"%s\"", errno_name(d->result, buf, sizeof(buf)));
	if (d->syscall == HBC_SYS_EXECVEAT)
		fprintf(out, ",\"dirfd\":%d,\"at_flags\":%u", d->dirfd, d->at_flags);
	fputs(",\"path\":", out);
	if (n < 0)
		fputs("null", out);
	else
		hbc_format_json_bytes(out, path, (size_t)n);
	fprintf(out, ",\"path_source\":\"%s\"", d->flags & HBC_F_KERNEL_PATH ? "kernel" : "caller");
	if (d->flags & HBC_F_COMM_AFTER)
		fputs(",\"command_after_exec\":true", out);
	hbc_format_time(when, sizeof(when), r->wall_ns);
	fprintf(out, ",\"time\":\"%s\",\"boot_ns\":%llu,\"ppid\":%d,\"parent_command\":", when,
		d->boot_ns, d->ppid);
	hbc_format_json_bytes(out, d->parent_command, strnlen(d->parent_command, sizeof(d->parent_command)));
	fprintf(out, ",\"gid\":%u,\"euid\":%u,\"egid\":%u", d->gid, d->euid, d->egid);
	if (d->flags & HBC_F_SETID)
		fputs(",\"setid\":true", out);
	if (d->flags & HBC_F_AUDIT)
		fprintf(out, ",\"loginuid\":%u,\"sessionid\":%u", d->loginuid, d->sessionid);
	fputs(",\"tty\":", out);
	if (d->tty[0])
		hbc_format_json_bytes(out, d->tty, strnlen(d->tty, sizeof(d->tty)));
	else
		fputs("null", out);
	fprintf(out, ",\"cgroup_id\":%llu,\"cgroup\":", d->cgroup_id);
	if (r->cgroup)
		hbc_format_json_str(out, r->cgroup);
	else
		fputs("null", out);
	if (r->container.runtime)
		fprintf(out, ",\"container_runtime\":\"%s\",\"container_id\":\"%s\"",
			r->container.runtime, r->container.id);
	json_args(out, d);
	fputs(",\"message\":", out);
	hbc_format_json_bytes(out, d->message, strnlen(d->message, sizeof(d->message)));
	fputs("}\n", out);
}

/* A number field of the journal entry. */
static void jnum(struct hbc_jentry *e, const char *name, long long v)
{
	hbc_jentry_addf(e, name, "%lld", v);
}

/* A field of a kernel string (up to @size bytes, NUL-terminated or not), when not empty. */
static void jfield(struct hbc_jentry *e, const char *name, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n)
		hbc_jentry_add(e, name, s, n);
}

void hbc_format_journal(struct hbc_jentry *e, const struct hbc_record *r, const char *line, size_t len)
{
	const struct data_t *d = r->d;
	char path[HBC_FORMAT_PATH_MAX], buf[24], when[48];
	int n = hbc_format_path(d, path, sizeof(path));

	hbc_jentry_add(e, "MESSAGE", line, len);
	hbc_jentry_str(e, "MESSAGE_ID", hbc_say_message_id(HBC_SAY_EXEC));
	hbc_jentry_str(e, "PRIORITY", "6");
	hbc_jentry_str(e, "SYSLOG_IDENTIFIER", "hello-buffer-config");
	hbc_format_time(when, sizeof(when), r->wall_ns);
	hbc_jentry_str(e, "HBC_TIME", when);
	hbc_jentry_addf(e, "HBC_BOOT_NS", "%llu", d->boot_ns);
	jnum(e, "HBC_PID", d->pid);
	jnum(e, "HBC_PPID", d->ppid);
	jfield(e, "HBC_PARENT_COMMAND", d->parent_command, sizeof(d->parent_command));
	jnum(e, "HBC_UID", d->uid);
	jnum(e, "HBC_GID", d->gid);
	jnum(e, "HBC_EUID", d->euid);
	jnum(e, "HBC_EGID", d->egid);
	if (d->flags & HBC_F_SETID)
		hbc_jentry_str(e, "HBC_SETID", "1");
	if (d->flags & HBC_F_AUDIT) {
		jnum(e, "HBC_LOGINUID", d->loginuid);
		jnum(e, "HBC_SESSIONID", d->sessionid);
	}
	jfield(e, "HBC_TTY", d->tty, sizeof(d->tty));
	jfield(e, "HBC_COMMAND", d->command, sizeof(d->command));
	if (d->flags & HBC_F_COMM_AFTER)
		hbc_jentry_str(e, "HBC_COMMAND_AFTER_EXEC", "1");
	hbc_jentry_str(e, "HBC_SYSCALL", hbc_format_syscall(d));
	if (d->flags & HBC_F_COMPAT)
		hbc_jentry_str(e, "HBC_COMPAT", "1");
	jnum(e, "HBC_RESULT", d->result);
	if (d->result)
		hbc_jentry_str(e, "HBC_ERROR", errno_name(d->result, buf, sizeof(buf)));
	if (d->syscall == HBC_SYS_EXECVEAT) {
		jnum(e, "HBC_DIRFD", d->dirfd);
		jnum(e, "HBC_AT_FLAGS", d->at_flags);
	}
	if (n >= 0)	/* absent when it could not be read */
		hbc_jentry_add(e, "HBC_PATH", path, (size_t)n);
	hbc_jentry_str(e, "HBC_PATH_SOURCE", d->flags & HBC_F_KERNEL_PATH ? "kernel" : "caller");
	hbc_jentry_addf(e, "HBC_CGROUP_ID", "%llu", d->cgroup_id);
	if (r->cgroup)
		hbc_jentry_str(e, "HBC_CGROUP", r->cgroup);
	if (r->container.runtime) {
		hbc_jentry_str(e, "HBC_CONTAINER_RUNTIME", r->container.runtime);
		hbc_jentry_str(e, "HBC_CONTAINER_ID", r->container.id);
	}
	if (!(d->flags & HBC_F_ARGS_OFF)) {
		jnum(e, "HBC_ARGC", d->argc);
		if (d->args_len)
			hbc_jentry_add(e, "HBC_ARGV", hbc_record_args(d), d->args_len);
		if (d->flags & HBC_F_ARGS_CUT)
			hbc_jentry_str(e, "HBC_ARGS_CUT", "1");
		if (d->flags & HBC_F_NO_ARGS)
			hbc_jentry_str(e, "HBC_ARGS_UNREADABLE", "1");
	}
	jfield(e, "HBC_MESSAGE", d->message, sizeof(d->message));
}

void hbc_format_json_str(FILE *out, const char *s)
{
	hbc_format_json_bytes(out, s, strlen(s));
}

void hbc_format_json_lost(FILE *out, int cpu, uint64_t count)
{
	fprintf(out, "{\"type\":\"lost\",\"cpu\":%d,\"count\":%" PRIu64 "}\n", cpu, count);
}

void hbc_format_json_summary(FILE *out, uint64_t events, uint64_t lost, uint64_t beyond,
			     uint64_t excluded)
{
	fprintf(out, "{\"type\":\"summary\",\"events\":%" PRIu64 ",\"lost\":%" PRIu64
		",\"beyond_count\":%" PRIu64 ",\"excluded\":%" PRIu64 "}\n", events, lost, beyond,
		excluded);
}
