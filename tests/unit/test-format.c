// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Record formatting: text columns and JSON lines, including hostile bytes. */
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "tap.h"

/* A record as the BPF program sends it: the header, then path_len bytes of path. */
struct rec {
	struct data_t d;
	char path[HBC_PATH_MAX];
};

static struct rec *mk(int pid, int uid, const char *command, const char *message, const char *path,
		      size_t path_len)
{
	struct rec *r = calloc(1, sizeof(*r));

	r->d.pid = pid;
	r->d.uid = uid;
	r->d.dirfd = HBC_AT_FDCWD;
	r->d.syscall = HBC_SYS_EXECVE;
	r->d.flags = HBC_F_KERNEL_PATH;
	memcpy(r->d.command, command, strnlen(command, sizeof(r->d.command)));
	memcpy(r->d.message, message, strnlen(message, sizeof(r->d.message)));
	memcpy(r->d.path, path, path_len);
	r->d.path_len = (unsigned short)path_len;
	return r;
}

typedef void (*formatter)(FILE *out, const struct data_t *d);

static void expect(formatter fn, const struct rec *r, const char *want, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		tap_ok(0, name);
		return;
	}
	fn(out, r ? &r->d : NULL);
	fclose(out);
	tap_streq(buf, want, name);
	free(buf);
}

static void header(FILE *out, const struct data_t *d)
{
	(void)d;
	hbc_format_text_header(out);
}

static void lost(FILE *out, const struct data_t *d)
{
	(void)d;
	hbc_format_json_lost(out, 3, 12345678901ull);
}

static void summary(FILE *out, const struct data_t *d)
{
	(void)d;
	hbc_format_json_summary(out, 20000, 3, 18446744073709551615ull);
}

static void path_of(FILE *out, const struct data_t *d)
{
	char buf[HBC_FORMAT_PATH_MAX];
	int n = hbc_format_path(d, buf, sizeof(buf));

	fprintf(out, "%d:%s", n, n < 0 ? "" : buf);
}

int main(void)
{
	struct rec *d = mk(4242, 1000, "bash", "Hello World", "/usr/bin/ls", 11);
	struct rec *full = mk(1, 0, "", "", "", 0);
	struct rec *hostile = mk(7, 65534, "a\"b\\c\td e", "\x01" "caf\xc3\xa9",
				 "/tmp/x\ny \xff\xc3\xa9\xe2\x80\xa8\x7f", 16);
	struct rec *failed = mk(9, 0, "sh", "Hello World", "rel", 3);
	struct rec *fexec = mk(9, 0, "sh", "m", "", 0);
	struct rec *bad = mk(9, 0, "sh", "m", "", 0);
	struct rec *compat = mk(10, 0, "x", "m", "/x32", 4);
	struct rec *before = mk(11, 0, "newprog", "m", "/bin/newprog", 12);
	struct rec *nul = mk(12, 0, "c", "m", "/a\0b", 4);

	/* Every field filled to its size: no terminating NUL. */
	memset(full->d.command, 'c', sizeof(full->d.command));
	memset(full->d.message, 'm', sizeof(full->d.message));
	memset(full->d.path, 'p', 4095);
	full->d.path_len = 4095;
	failed->d.syscall = HBC_SYS_EXECVEAT;
	failed->d.flags = 0;	/* read from the caller: relative to dirfd 5 */
	failed->d.dirfd = 5;
	failed->d.result = -2;
	fexec->d.syscall = HBC_SYS_EXECVEAT;
	fexec->d.flags = 0;
	fexec->d.dirfd = 3;
	fexec->d.at_flags = HBC_AT_EMPTY_PATH;
	fexec->d.result = -13;
	bad->d.flags = HBC_F_NO_PATH;
	bad->d.result = -14;
	compat->d.flags |= HBC_F_COMPAT;
	before->d.syscall = HBC_SYS_UNKNOWN;
	before->d.flags |= HBC_F_COMM_AFTER;

	expect(header, NULL, "PID     UID     COMMAND          SYSCALL    RESULT  PATH MESSAGE\n", "text header");
	expect(hbc_format_text, d,
	       "4242    1000    bash             execve     0       /usr/bin/ls Hello World\n", "text record");
	expect(hbc_format_json, d,
	       "{\"type\":\"exec\",\"pid\":4242,\"uid\":1000,\"command\":\"bash\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/usr/bin/ls\",\"path_source\":\"kernel\","
	       "\"message\":\"Hello World\"}\n", "json record");

	/* unterminated fields, and a 4,095-byte path */
	{
		char want[8192];

		snprintf(want, sizeof(want), "1       0       cccccccccccccccc execve     0       %.*s mmmmmmmmmmmm\n",
			 4095, full->d.path);
		expect(hbc_format_text, full, want, "text record, unterminated fields, 4095-byte path");
		snprintf(want, sizeof(want), "{\"type\":\"exec\",\"pid\":1,\"uid\":0,\"command\":\"cccccccccccccccc\","
			 "\"syscall\":\"execve\",\"compat\":false,\"result\":0,\"path\":\"%.*s\","
			 "\"path_source\":\"kernel\",\"message\":\"mmmmmmmmmmmm\"}\n", 4095, full->d.path);
		expect(hbc_format_json, full, want, "json record, unterminated fields, 4095-byte path");
	}

	/* text: spaces escaped but in the message, control and invalid bytes as \xNN, U+2028 too */
	expect(hbc_format_text, hostile,
	       "7       65534   a\"b\\\\c\\td\\x20e   execve     0       "
	       "/tmp/x\\ny\\x20\\xffé\\xe2\\x80\\xa8\\x7f \\x01café\n",
	       "text record, hostile bytes escaped");
	/* JSON: valid UTF-8 as is, invalid bytes as \udcNN (surrogateescape) */
	expect(hbc_format_json, hostile,
	       "{\"type\":\"exec\",\"pid\":7,\"uid\":65534,\"command\":\"a\\\"b\\\\c\\td e\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/tmp/x\\ny \\udcffé\xe2\x80\xa8\\u007f\","
	       "\"path_source\":\"kernel\",\"message\":\"\\u0001café\"}\n",
	       "json record, hostile bytes escaped");
	expect(hbc_format_text, nul, "12      0       c                execve     0       /a\\x00b m\n",
	       "text record, a NUL inside the path bytes");

	/* the kernel's name for an execveat() the kernel did not name itself */
	expect(path_of, failed, "13:/dev/fd/5/rel", "execveat relative to a dirfd: /dev/fd/N/path");
	expect(path_of, fexec, "9:/dev/fd/3", "execveat AT_EMPTY_PATH: /dev/fd/N");
	expect(path_of, bad, "-1:", "unreadable path: -1");
	expect(hbc_format_text, failed,
	       "9       0       sh               execveat   ENOENT  /dev/fd/5/rel Hello World\n",
	       "text record, failed execveat");
	expect(hbc_format_json, fexec,
	       "{\"type\":\"exec\",\"pid\":9,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execveat\",\"compat\":false,"
	       "\"result\":-13,\"error\":\"EACCES\",\"dirfd\":3,\"at_flags\":4096,\"path\":\"/dev/fd/3\","
	       "\"path_source\":\"caller\",\"message\":\"m\"}\n", "json record, fexecve failure");
	expect(hbc_format_text, bad, "9       0       sh               execve     EFAULT  ? m\n",
	       "text record, unreadable path is ?");
	expect(hbc_format_json, bad,
	       "{\"type\":\"exec\",\"pid\":9,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execve\",\"compat\":false,"
	       "\"result\":-14,\"error\":\"EFAULT\",\"path\":null,\"path_source\":\"caller\",\"message\":\"m\"}\n",
	       "json record, unreadable path is null");
	expect(hbc_format_text, fexec, "9       0       sh               execveat   EACCES  /dev/fd/3 m\n",
	       "text record, fexecve");
	bad->d.flags = 0;
	expect(hbc_format_text, bad, "9       0       sh               execve     EFAULT  \"\" m\n",
	       "text record, empty path is \"\"");
	expect(hbc_format_text, compat, "10      0       x                execve/32  0       /x32 m\n",
	       "text record, 32-bit entry");
	expect(hbc_format_json, before,
	       "{\"type\":\"exec\",\"pid\":11,\"uid\":0,\"command\":\"newprog\",\"syscall\":\"unknown\",\"compat\":false,"
	       "\"result\":0,\"path\":\"/bin/newprog\",\"path_source\":\"kernel\",\"command_after_exec\":true,"
	       "\"message\":\"m\"}\n", "json record, entry not seen");

	/* an empty comm keeps its column; a result that is no -errno is shown as its number */
	before->d.command[0] = '\0';
	before->d.result = -2147483647 - 1;
	expect(hbc_format_text, before,
	       "11      0       \"\"               unknown    -2147483648 /bin/newprog m\n",
	       "text record, empty command, a result that is no errno");
	expect(lost, NULL, "{\"type\":\"lost\",\"cpu\":3,\"count\":12345678901}\n", "json lost record");
	expect(summary, NULL,
	       "{\"type\":\"summary\",\"events\":20000,\"lost\":3,\"beyond_count\":18446744073709551615}\n",
	       "json summary record");
	free(d), free(full), free(hostile), free(failed), free(fexec), free(bad), free(compat), free(before),
		free(nul);
	return tap_done();
}
