// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Record formatting: text columns and JSON lines, including hostile bytes. */
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "tap.h"

/*
 * A record as the BPF program sends it: the header, then path_len bytes of path and
 * args_len bytes of arguments; with what the loader adds (time, cgroup path, container).
 * Every record here has the same context (TIME ... PCOMM in text, "time" ... "args" in
 * JSON) but where a case changes it.
 */
struct rec {
	struct hbc_record r;
	struct data_t d;
	char bytes[HBC_PATH_MAX + HBC_ARGS_MAX];
};

#define TIME "2025-12-03T12:34:56.123456789Z"
/* text: the columns from GID to PCOMM, and from CONTAINER to CGROUP */
#define T_IDS "100   1000  100   1000  3     pts0   sshd             "
#define T_CG "-                   /user.slice "
#define T_ARGS "[2] ls -l "
/* JSON: from "time" to "args" */
#define J_CTX ",\"time\":\"" TIME "\",\"boot_ns\":5000000000,\"ppid\":1,\"parent_command\":\"sshd\"," \
	"\"gid\":100,\"euid\":1000,\"egid\":100,\"loginuid\":1000,\"sessionid\":3,\"tty\":\"pts0\"," \
	"\"cgroup_id\":7,\"cgroup\":\"/user.slice\",\"argc\":2,\"args\":[\"ls\",\"-l\"]"

/* The arguments @bytes[@len] (NULs included) after the path, @argc of them in all. */
static void set_args(struct rec *r, const char *bytes, size_t len, unsigned int argc)
{
	memcpy(r->d.path + r->d.path_len, bytes, len);
	r->d.args_len = (unsigned short)len;
	r->d.argc = argc;
}

static struct rec *mk(int pid, unsigned int uid, const char *command, const char *message,
		      const char *path, size_t path_len)
{
	struct rec *r = calloc(1, sizeof(*r));

	r->r.d = &r->d;
	r->r.wall_ns = 1764765296123456789LL;
	r->r.cgroup = "/user.slice";
	r->d.boot_ns = 5000000000ULL;
	r->d.cgroup_id = 7;
	r->d.pid = pid;
	r->d.ppid = 1;
	r->d.uid = uid;
	r->d.gid = 100;
	r->d.euid = 1000;
	r->d.egid = 100;
	r->d.loginuid = 1000;
	r->d.sessionid = 3;
	r->d.dirfd = HBC_AT_FDCWD;
	r->d.syscall = HBC_SYS_EXECVE;
	r->d.flags = HBC_F_KERNEL_PATH | HBC_F_AUDIT;
	memcpy(r->d.command, command, strnlen(command, sizeof(r->d.command)));
	memcpy(r->d.parent_command, "sshd", 4);
	memcpy(r->d.tty, "pts0", 4);
	memcpy(r->d.message, message, strnlen(message, sizeof(r->d.message)));
	memcpy(r->d.path, path, path_len);
	r->d.path_len = (unsigned short)path_len;
	set_args(r, "ls\0-l", 6, 2);
	return r;
}

typedef void (*formatter)(FILE *out, const struct hbc_record *r);

static void expect(formatter fn, const struct rec *r, const char *want, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		tap_ok(0, name);
		return;
	}
	fn(out, r ? &r->r : NULL);
	fclose(out);
	tap_streq(buf, want, name);
	free(buf);
}

static void header(FILE *out, const struct hbc_record *r)
{
	(void)r;
	hbc_format_text_header(out);
}

static void lost(FILE *out, const struct hbc_record *r)
{
	(void)r;
	hbc_format_json_lost(out, 3, 12345678901ull);
}

static void summary(FILE *out, const struct hbc_record *r)
{
	(void)r;
	hbc_format_json_summary(out, 20000, 3, 18446744073709551615ull, 42);
}

static void path_of(FILE *out, const struct hbc_record *r)
{
	char buf[HBC_FORMAT_PATH_MAX];
	int n = hbc_format_path(r->d, buf, sizeof(buf));

	fprintf(out, "%d:%s", n, n < 0 ? "" : buf);
}

static void time_of(FILE *out, const struct hbc_record *r)
{
	char buf[48];

	hbc_format_time(buf, sizeof(buf), r->wall_ns);
	fputs(buf, out);
}

/* The context columns and fields: each case changes one thing of @r (a record of pid 5). */
static void context(struct rec *r)
{
	expect(hbc_format_text, r,
	       TIME " 5       1       1000    " T_IDS "sh               execve     0       " T_CG
	       "/bin/ls " T_ARGS "m\n", "text: the context columns");
	r->d.flags |= HBC_F_SETID;
	r->d.euid = 0;
	expect(hbc_format_text, r,
	       TIME " 5       1       1000    100   0*    100*  1000  3     pts0   sshd             "
	       "sh               execve     0       " T_CG "/bin/ls " T_ARGS "m\n",
	       "text: a setuid exec marks the effective ids with *");
	r->d.flags &= (unsigned short)~HBC_F_AUDIT;
	r->d.tty[0] = '\0';
	r->d.parent_command[0] = '\0';
	expect(hbc_format_text, r,
	       TIME " 5       1       1000    100   0*    100*  -     -     -      \"\"               "
	       "sh               execve     0       " T_CG "/bin/ls " T_ARGS "m\n",
	       "text: no audit, no tty, an empty parent command");
	expect(hbc_format_json, r,
	       "{\"type\":\"exec\",\"pid\":5,\"uid\":1000,\"command\":\"sh\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/bin/ls\",\"path_source\":\"kernel\","
	       "\"time\":\"" TIME "\",\"boot_ns\":5000000000,\"ppid\":1,\"parent_command\":\"\","
	       "\"gid\":100,\"euid\":0,\"egid\":100,\"setid\":true,\"tty\":null,\"cgroup_id\":7,"
	       "\"cgroup\":\"/user.slice\",\"argc\":2,\"args\":[\"ls\",\"-l\"],\"message\":\"m\"}\n",
	       "json: setid, no audit fields, tty null");
	r->d.flags |= HBC_F_AUDIT;
	r->d.loginuid = HBC_AUDIT_UNSET;
	r->d.sessionid = HBC_AUDIT_UNSET;
	r->r.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
	hbc_container_of(r->r.cgroup, &r->r.container);
	memcpy(r->d.tty, "ttyS0", 6);
	expect(hbc_format_text, r,
	       TIME " 5       1       1000    100   0*    100*  unset unset ttyS0  \"\"               "
	       "sh               execve     0       docker:0123456789ab /system.slice/docker-"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope /bin/ls " T_ARGS "m\n",
	       "text: unset login uid and session, a container (12 digits of its id)");
	expect(hbc_format_json, r,
	       "{\"type\":\"exec\",\"pid\":5,\"uid\":1000,\"command\":\"sh\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/bin/ls\",\"path_source\":\"kernel\","
	       "\"time\":\"" TIME "\",\"boot_ns\":5000000000,\"ppid\":1,\"parent_command\":\"\","
	       "\"gid\":100,\"euid\":0,\"egid\":100,\"setid\":true,\"loginuid\":4294967295,"
	       "\"sessionid\":4294967295,\"tty\":\"ttyS0\",\"cgroup_id\":7,\"cgroup\":\"/system.slice/docker-"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\","
	       "\"container_runtime\":\"docker\",\"container_id\":"
	       "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	       "\"argc\":2,\"args\":[\"ls\",\"-l\"],\"message\":\"m\"}\n",
	       "json: unset login uid and session as the kernel's value, the container's whole id");
	r->r.cgroup = NULL;
	r->r.container.runtime = NULL;
	r->d.cgroup_id = 18446744073709551615ull;
	expect(hbc_format_text, r,
	       TIME " 5       1       1000    100   0*    100*  unset unset ttyS0  \"\"               "
	       "sh               execve     0       -                   id:18446744073709551615 /bin/ls "
	       T_ARGS "m\n", "text: a cgroup whose path is unknown shows its id");
}

/* The arguments: escaped like the path, empty ones "", counts, cut, unreadable, off. */
static void arguments(struct rec *r)
{
	const char *pre = TIME " 6       1       0       " T_IDS "sh               execve     0       " T_CG
			  "/x ";
	char want[512];

	set_args(r, "a b\0\0new\nline\0\xff\xc3\xa9\0", 18, 4);
	snprintf(want, sizeof(want), "%s[4] a\\x20b \"\" new\\nline \\xff\xc3\xa9 m\n", pre);
	expect(hbc_format_text, r, want, "text: arguments with a space, empty, a newline, invalid UTF-8");
	expect(hbc_format_json, r,
	       "{\"type\":\"exec\",\"pid\":6,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/x\",\"path_source\":\"kernel\",\"time\":\"" TIME
	       "\",\"boot_ns\":5000000000,\"ppid\":1,\"parent_command\":\"sshd\",\"gid\":100,\"euid\":1000,"
	       "\"egid\":100,\"loginuid\":1000,\"sessionid\":3,\"tty\":\"pts0\",\"cgroup_id\":7,"
	       "\"cgroup\":\"/user.slice\",\"argc\":4,\"args\":[\"a b\",\"\",\"new\\nline\",\"\\udcff\xc3\xa9\"],"
	       "\"message\":\"m\"}\n", "json: the same arguments");
	set_args(r, "ls\0-l\0/tm", 9, 1000);
	r->d.flags |= HBC_F_ARGS_CUT;
	snprintf(want, sizeof(want), "%s[3/1000] ls -l /tm m\n", pre);
	expect(hbc_format_text, r, want, "text: cut: shown of argc, the last one partial");
	r->d.flags &= (unsigned short)~HBC_F_ARGS_CUT;
	r->d.flags |= HBC_F_NO_ARGS;
	set_args(r, "", 0, 2);
	snprintf(want, sizeof(want), "%s[0/?] m\n", pre);
	expect(hbc_format_text, r, want, "text: unreadable arguments");
	expect(hbc_format_json, r,
	       "{\"type\":\"exec\",\"pid\":6,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/x\",\"path_source\":\"kernel\",\"time\":\"" TIME
	       "\",\"boot_ns\":5000000000,\"ppid\":1,\"parent_command\":\"sshd\",\"gid\":100,\"euid\":1000,"
	       "\"egid\":100,\"loginuid\":1000,\"sessionid\":3,\"tty\":\"pts0\",\"cgroup_id\":7,"
	       "\"cgroup\":\"/user.slice\",\"argc\":2,\"args\":null,\"args_unreadable\":true,"
	       "\"message\":\"m\"}\n", "json: unreadable arguments are null");
	r->d.flags = HBC_F_KERNEL_PATH | HBC_F_AUDIT | HBC_F_ARGS_OFF;
	r->d.argc = 0;
	snprintf(want, sizeof(want), "%s[-] m\n", pre);
	expect(hbc_format_text, r, want, "text: arguments not collected (--no-args)");
	set_args(r, "", 0, 0);
	r->d.flags = HBC_F_KERNEL_PATH | HBC_F_AUDIT;
	snprintf(want, sizeof(want), "%s[0] m\n", pre);
	expect(hbc_format_text, r, want, "text: no arguments at all (argv NULL)");
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
	struct rec *ctx = mk(5, 1000, "sh", "m", "/bin/ls", 7);
	struct rec *args = mk(6, 0, "sh", "m", "/x", 2);
	struct rec *epoch = mk(6, 0, "sh", "m", "/x", 2);

	/* Every field filled to its size: no terminating NUL. */
	memset(full->d.command, 'c', sizeof(full->d.command));
	memset(full->d.message, 'm', sizeof(full->d.message));
	memset(full->d.path, 'p', 4095);
	full->d.path_len = 4095;
	set_args(full, "ls\0-l", 6, 2);
	failed->d.syscall = HBC_SYS_EXECVEAT;
	failed->d.flags = HBC_F_AUDIT;	/* read from the caller: relative to dirfd 5 */
	failed->d.dirfd = 5;
	failed->d.result = -2;
	fexec->d.syscall = HBC_SYS_EXECVEAT;
	fexec->d.flags = HBC_F_AUDIT;
	fexec->d.dirfd = 3;
	fexec->d.at_flags = HBC_AT_EMPTY_PATH;
	fexec->d.result = -13;
	bad->d.flags = HBC_F_AUDIT | HBC_F_NO_PATH;
	bad->d.result = -14;
	compat->d.flags |= HBC_F_COMPAT;
	before->d.syscall = HBC_SYS_UNKNOWN;
	before->d.flags |= HBC_F_COMM_AFTER;

	expect(header, NULL,
	       "TIME                           PID     PPID    UID     GID   EUID  EGID  AUID  SES   TTY    "
	       "PCOMM            COMMAND          SYSCALL    RESULT  CONTAINER           CGROUP PATH ARGS MESSAGE\n",
	       "text header");
	expect(hbc_format_text, d,
	       TIME " 4242    1       1000    " T_IDS "bash             execve     0       " T_CG
	       "/usr/bin/ls " T_ARGS "Hello World\n", "text record");
	expect(hbc_format_json, d,
	       "{\"type\":\"exec\",\"pid\":4242,\"uid\":1000,\"command\":\"bash\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/usr/bin/ls\",\"path_source\":\"kernel\""
	       J_CTX ",\"message\":\"Hello World\"}\n", "json record");

	/* unterminated fields, and a 4,095-byte path */
	{
		char want[8192];

		snprintf(want, sizeof(want), TIME " 1       1       0       " T_IDS "cccccccccccccccc execve     "
			 "0       " T_CG "%.*s " T_ARGS "mmmmmmmmmmmm\n", 4095, full->d.path);
		expect(hbc_format_text, full, want, "text record, unterminated fields, 4095-byte path");
		snprintf(want, sizeof(want), "{\"type\":\"exec\",\"pid\":1,\"uid\":0,\"command\":\"cccccccccccccccc\","
			 "\"syscall\":\"execve\",\"compat\":false,\"result\":0,\"path\":\"%.*s\","
			 "\"path_source\":\"kernel\"" J_CTX ",\"message\":\"mmmmmmmmmmmm\"}\n", 4095, full->d.path);
		expect(hbc_format_json, full, want, "json record, unterminated fields, 4095-byte path");
	}

	/* text: spaces escaped but in the message, control and invalid bytes as \xNN, U+2028 too */
	expect(hbc_format_text, hostile,
	       TIME " 7       1       65534   " T_IDS "a\"b\\\\c\\td\\x20e   execve     0       " T_CG
	       "/tmp/x\\ny\\x20\\xffé\\xe2\\x80\\xa8\\x7f " T_ARGS "\\x01café\n",
	       "text record, hostile bytes escaped");
	/* JSON: valid UTF-8 as is, invalid bytes as \udcNN (surrogateescape) */
	expect(hbc_format_json, hostile,
	       "{\"type\":\"exec\",\"pid\":7,\"uid\":65534,\"command\":\"a\\\"b\\\\c\\td e\",\"syscall\":\"execve\","
	       "\"compat\":false,\"result\":0,\"path\":\"/tmp/x\\ny \\udcffé\xe2\x80\xa8\\u007f\","
	       "\"path_source\":\"kernel\"" J_CTX ",\"message\":\"\\u0001café\"}\n",
	       "json record, hostile bytes escaped");
	expect(hbc_format_text, nul,
	       TIME " 12      1       0       " T_IDS "c                execve     0       " T_CG
	       "/a\\x00b " T_ARGS "m\n",
	       "text record, a NUL inside the path bytes");

	epoch->r.wall_ns = 1;
	/* the kernel's name for an execveat() the kernel did not name itself */
	expect(path_of, failed, "13:/dev/fd/5/rel", "execveat relative to a dirfd: /dev/fd/N/path");
	expect(path_of, fexec, "9:/dev/fd/3", "execveat AT_EMPTY_PATH: /dev/fd/N");
	expect(path_of, bad, "-1:", "unreadable path: -1");
	expect(hbc_format_text, failed,
	       TIME " 9       1       0       " T_IDS "sh               execveat   ENOENT  " T_CG
	       "/dev/fd/5/rel " T_ARGS "Hello World\n",
	       "text record, failed execveat");
	expect(hbc_format_json, fexec,
	       "{\"type\":\"exec\",\"pid\":9,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execveat\",\"compat\":false,"
	       "\"result\":-13,\"error\":\"EACCES\",\"dirfd\":3,\"at_flags\":4096,\"path\":\"/dev/fd/3\","
	       "\"path_source\":\"caller\"" J_CTX ",\"message\":\"m\"}\n", "json record, fexecve failure");
	expect(hbc_format_text, bad,
	       TIME " 9       1       0       " T_IDS "sh               execve     EFAULT  " T_CG "? " T_ARGS "m\n",
	       "text record, unreadable path is ?");
	expect(hbc_format_json, bad,
	       "{\"type\":\"exec\",\"pid\":9,\"uid\":0,\"command\":\"sh\",\"syscall\":\"execve\",\"compat\":false,"
	       "\"result\":-14,\"error\":\"EFAULT\",\"path\":null,\"path_source\":\"caller\"" J_CTX
	       ",\"message\":\"m\"}\n",
	       "json record, unreadable path is null");
	expect(hbc_format_text, fexec,
	       TIME " 9       1       0       " T_IDS "sh               execveat   EACCES  " T_CG "/dev/fd/3 "
	       T_ARGS "m\n",
	       "text record, fexecve");
	bad->d.flags = HBC_F_AUDIT;
	expect(hbc_format_text, bad,
	       TIME " 9       1       0       " T_IDS "sh               execve     EFAULT  " T_CG "\"\" " T_ARGS "m\n",
	       "text record, empty path is \"\"");
	expect(hbc_format_text, compat,
	       TIME " 10      1       0       " T_IDS "x                execve/32  0       " T_CG "/x32 " T_ARGS "m\n",
	       "text record, 32-bit entry");
	expect(hbc_format_json, before,
	       "{\"type\":\"exec\",\"pid\":11,\"uid\":0,\"command\":\"newprog\",\"syscall\":\"unknown\",\"compat\":false,"
	       "\"result\":0,\"path\":\"/bin/newprog\",\"path_source\":\"kernel\",\"command_after_exec\":true"
	       J_CTX ",\"message\":\"m\"}\n", "json record, entry not seen");

	/* an empty comm keeps its column; a result that is no -errno is shown as its number */
	before->d.command[0] = '\0';
	before->d.result = -2147483647 - 1;
	expect(hbc_format_text, before,
	       TIME " 11      1       0       " T_IDS "\"\"               unknown    -2147483648 " T_CG
	       "/bin/newprog " T_ARGS "m\n",
	       "text record, empty command, a result that is no errno");
	expect(lost, NULL, "{\"type\":\"lost\",\"cpu\":3,\"count\":12345678901}\n", "json lost record");
	expect(summary, NULL,
	       "{\"type\":\"summary\",\"events\":20000,\"lost\":3,\"beyond_count\":18446744073709551615,\"excluded\":42}\n",
	       "json summary record");
	context(ctx);
	arguments(args);
	expect(time_of, epoch, "1970-01-01T00:00:00.000000001Z", "time: nanoseconds");
	epoch->r.wall_ns = -1;
	expect(time_of, epoch, "1969-12-31T23:59:59.999999999Z", "time: before the epoch");
	free(d), free(full), free(hostile), free(failed), free(fexec), free(bad), free(compat), free(before),
		free(nul), free(ctx), free(args), free(epoch);
	return tap_done();
}
