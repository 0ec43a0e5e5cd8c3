// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <inttypes.h>
#include <string.h>
#include "format.h"

#define TEXT_COLUMNS "%-7s %-7s %-16s %-16s %s\n"

/* Copy a fixed-size, maybe unterminated kernel string, '?' for non-printables. */
static void printable(char *dst, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[n] = '\0';
}

void hbc_format_text_header(FILE *out)
{
	fprintf(out, TEXT_COLUMNS, "PID", "UID", "COMMAND", "PATH", "MESSAGE");
}

void hbc_format_text(FILE *out, const struct data_t *d)
{
	char command[HBC_COMMAND_LEN + 1], path[HBC_PATH_LEN + 1], message[HBC_MESSAGE_LEN + 1];
	char pid[16], uid[16];

	printable(command, d->command, sizeof(d->command));
	printable(path, d->path, sizeof(d->path));
	printable(message, d->message, sizeof(d->message));
	snprintf(pid, sizeof(pid), "%d", d->pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned int)d->uid);
	fprintf(out, TEXT_COLUMNS, pid, uid, command, path, message);
}

/* A JSON string; bytes that are not printable ASCII become \u00XX. */
static void json_string(FILE *out, const char *s, size_t maxlen)
{
	size_t n = strnlen(s, maxlen);

	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else
			fprintf(out, "\\u%04x", c);
	}
	fputc('"', out);
}

void hbc_format_json(FILE *out, const struct data_t *d)
{
	fprintf(out, "{\"type\":\"exec\",\"pid\":%d,\"uid\":%u,\"command\":", d->pid,
		(unsigned int)d->uid);
	json_string(out, d->command, sizeof(d->command));
	fputs(",\"path\":", out);
	json_string(out, d->path, sizeof(d->path));
	fputs(",\"message\":", out);
	json_string(out, d->message, sizeof(d->message));
	fputs("}\n", out);
}

void hbc_format_json_str(FILE *out, const char *s)
{
	json_string(out, s, strlen(s));
}

void hbc_format_json_lost(FILE *out, int cpu, uint64_t count)
{
	fprintf(out, "{\"type\":\"lost\",\"cpu\":%d,\"count\":%" PRIu64 "}\n", cpu, count);
}

void hbc_format_json_summary(FILE *out, uint64_t events, uint64_t lost, uint64_t beyond)
{
	fprintf(out, "{\"type\":\"summary\",\"events\":%" PRIu64 ",\"lost\":%" PRIu64
		",\"beyond_count\":%" PRIu64 "}\n", events, lost, beyond);
}
