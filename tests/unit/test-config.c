// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Config parsing: good files, exclusions, each kind of bad line with its exact message,
 * what a reload would change, and files that are no regular file or never end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "config.h"
#include "tap.h"

static int parse(const char *text, struct hbc_config *cfg, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = hbc_config_parse(f, "test.conf", cfg, err, errlen);
	fclose(f);
	return ret;
}

static void good(void)
{
	struct hbc_config cfg;
	char err[256] = "";
	int ret = parse("# messages\n\n0 Hey root!\n  501\tHi user 501  \n65534 x\n"
			"4294967294 max uid\n", &cfg, err, sizeof(err));

	tap_ok(ret == 0, "good file parses");
	tap_ok(cfg.count == 4, "good file has 4 entries");
	if (cfg.count != 4)
		return hbc_config_free(&cfg);
	tap_ok(cfg.entries[0].uid == 0 && cfg.entries[0].line == 3, "uid 0 on line 3");
	tap_streq(cfg.entries[0].message, "Hey root!", "message keeps inner spaces");
	tap_ok(cfg.entries[1].uid == 501, "leading blanks and tab separator");
	tap_streq(cfg.entries[1].message, "Hi user 501", "trailing blanks trimmed");
	tap_streq(cfg.entries[2].message, "x", "one-byte message");
	tap_ok(cfg.entries[3].uid == 4294967294u, "largest uid");
	hbc_config_free(&cfg);
}

static void empty(void)
{
	struct hbc_config cfg;
	char err[256] = "";

	tap_ok(parse("", &cfg, err, sizeof(err)) == 0 && cfg.count == 0, "empty file");
	tap_ok(parse("# only\n\n   \n", &cfg, err, sizeof(err)) == 0 && cfg.count == 0,
	       "comments and blanks only");
	tap_ok(parse("7 no newline", &cfg, err, sizeof(err)) == 0 && cfg.count == 1,
	       "last line without newline");
	hbc_config_free(&cfg);
}

static void bad(const char *text, const char *want)
{
	struct hbc_config cfg;
	char err[256] = "";
	int ret = parse(text, &cfg, err, sizeof(err));

	tap_ok(ret < 0 && cfg.count == 0 && cfg.entries == NULL, want);
	tap_streq(err, want, "  exact message");
}

/* The change a reload from @a to @b would make, in @d; -1 (and a failed test) if either does not parse. */
static int diff_of(const char *a, const char *b, struct hbc_config_diff *d, const char *what)
{
	struct hbc_config x, y;
	char err[256] = "";

	if (parse(a, &x, err, sizeof(err))) {
		tap_ok(0, what);
		return -1;
	}
	if (parse(b, &y, err, sizeof(err))) {
		hbc_config_free(&x);
		tap_ok(0, what);
		return -1;
	}
	hbc_config_diff(&x, &y, d);
	hbc_config_free(&x);
	hbc_config_free(&y);
	return 0;
}

/* What a reload from @a to @b would change. */
static void diff(const char *a, const char *b, size_t added, size_t removed, size_t changed,
		 const char *what)
{
	struct hbc_config_diff d;

	if (diff_of(a, b, &d, what))
		return;
	tap_ok(d.added == added && d.removed == removed && d.changed == changed &&
	       hbc_config_diff_empty(&d) == (!added && !removed && !changed), what);
	if (d.added != added || d.removed != removed || d.changed != changed)
		fprintf(stderr, "# got %zu added, %zu removed, %zu changed\n", d.added, d.removed,
			d.changed);
}

static void excludes(void)
{
	struct hbc_config cfg;
	char err[256] = "";
	int ret = parse("1000 hi\nexclude uid 65534\nexclude  command\tcron\nexclude command a b\n"
			"exclude cgroup /system.slice/cron.service\nexclude cgroup /\n", &cfg, err, sizeof(err));

	tap_ok(ret == 0 && cfg.count == 1 && cfg.nexcludes == 5, "exclusions parse beside a message");
	if (ret || cfg.nexcludes != 5)
		return hbc_config_free(&cfg);
	tap_ok(cfg.excludes[0].kind == HBC_EXCLUDE_UID && cfg.excludes[0].uid == 65534 &&
	       cfg.excludes[0].line == 2, "exclude uid 65534, line 2");
	tap_ok(cfg.excludes[1].kind == HBC_EXCLUDE_COMMAND && !strcmp(cfg.excludes[1].command, "cron"),
	       "exclude command cron (blanks and a tab between)");
	tap_streq(cfg.excludes[2].command, "a b", "a command with a space (prctl can name one so)");
	tap_ok(cfg.excludes[3].kind == HBC_EXCLUDE_CGROUP &&
	       !strcmp(cfg.excludes[3].cgroup, "/system.slice/cron.service"), "exclude cgroup PATH");
	tap_streq(cfg.excludes[4].cgroup, "/", "exclude cgroup / (everything)");
	hbc_config_free(&cfg);
}

/* @text written to a file of @mode (FIFO: made, nothing written) then loaded. */
static void load(mode_t mode, const char *text, const char *want, const char *what)
{
	char dir[] = "/tmp/hbc-config-XXXXXX", path[64], err[256] = "", msg[320];
	struct hbc_config cfg = { .count = 7 };
	int ret;

	if (!mkdtemp(dir)) {
		tap_ok(0, what);
		return;
	}
	snprintf(path, sizeof(path), "%s/c", dir);
	if (S_ISFIFO(mode)) {
		ret = mkfifo(path, 0600);
	} else if (S_ISDIR(mode)) {
		ret = 0;	/* the directory itself is loaded */
	} else {
		FILE *f = fopen(path, "w");

		ret = f && fputs(text, f) >= 0 && !fclose(f) ? 0 : -1;
	}
	ret = ret ? -1 : hbc_config_load(S_ISDIR(mode) ? dir : path, &cfg, err, sizeof(err));
	snprintf(msg, sizeof(msg), want, S_ISDIR(mode) ? dir : path);
	tap_ok(want[0] ? ret < 0 && cfg.count == 0 : ret == 0, what);
	if (want[0])
		tap_streq(err, msg, "  exact message");
	hbc_config_free(&cfg);
	unlink(path);
	rmdir(dir);
}

static void files(void)
{
	char *big = malloc(HBC_CONFIG_MAX_BYTES + 2);

	load(S_IFREG, "1 a\n", "", "a regular file loads");
	load(S_IFIFO, NULL, "%s: a FIFO, not a regular file: give a file",
	     "a FIFO is refused at once (no writer waited for)");
	load(S_IFDIR, NULL, "%s: a directory, not a regular file: give a file", "a directory is refused");
	if (!big)
		return;
	memset(big, '#', HBC_CONFIG_MAX_BYTES + 1);
	big[HBC_CONFIG_MAX_BYTES + 1] = '\0';
	load(S_IFREG, big, "%s: longer than 1048576 bytes: not a config file",
	     "a file longer than 1 MiB is refused, not read to its end");
	for (size_t i = 63; i < HBC_CONFIG_MAX_BYTES; i += 64)
		big[i] = '\n';
	big[HBC_CONFIG_MAX_BYTES] = '\0';
	load(S_IFREG, big, "", "a file of exactly 1 MiB (comment lines) loads");
	free(big);
}

static void diffs(void)
{
	diff("", "", 0, 0, 0, "diff: empty to empty: nothing");
	diff("1 a\n2 b\n", "# reordered\n2 b\n\n1 a\n", 0, 0, 0,
	     "diff: same messages in another order and layout: nothing");
	diff("1 a\n2 b\n3 c\n", "3 c\n2 B\n4 d\n", 1, 1, 1, "diff: one added, one removed, one changed");
	diff("", "7 x\n8 y\n", 2, 0, 0, "diff: from no file: all added");
	diff("7 x\n8 y\n", "", 0, 2, 0, "diff: to an empty file: all removed");
	diff("4294967294 max\n0 min\n", "0 min\n4294967294 MAX\n", 0, 0, 1,
	     "diff: uid order at the extremes");
	diff("exclude uid 1\nexclude command x\n", "exclude command x\nexclude uid 1\n", 0, 0, 0,
	     "diff: the same exclusions in another order: nothing");
}

/* What a reload from @a to @b does to the exclusions. */
static void exclude_diff(const char *a, const char *b, size_t excluded, size_t included, const char *what)
{
	struct hbc_config_diff d;

	if (diff_of(a, b, &d, what))
		return;
	tap_ok(d.excluded == excluded && d.included == included && !hbc_config_diff_empty(&d), what);
}

int main(void)
{
	char longline[5000];

	good();
	empty();
	bad("0 Hello World\n1 exactly-12-b\n", "test.conf:2: message for uid 1 is 12 bytes; at most 11 fit");
	bad("root Hi\n", "test.conf:1: 'root' is not a numeric uid");
	bad("-1 Hi\n", "test.conf:1: '-1' is not a numeric uid");
	bad("12a Hi\n", "test.conf:1: '12a' is not a numeric uid");
	bad("4294967295 Hi\n", "test.conf:1: uid '4294967295' is out of range (0..4294967294)");
	bad("99999999999 Hi\n", "test.conf:1: uid '99999999999' is out of range (0..4294967294)");
	bad("# c\n1000\n", "test.conf:2: uid 1000 has no message");
	bad("5 a\n\n5 b\n", "test.conf:3: uid 5 is already set on line 1");
	memset(longline, 'a', sizeof(longline) - 2);
	longline[0] = '1';
	longline[1] = ' ';
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	bad(longline, "test.conf:1: line longer than 4094 bytes");
	bad("exclude\n", "test.conf:1: 'exclude' needs a kind and a value: exclude uid UID, exclude command "
	    "NAME or exclude cgroup PATH");
	bad("exclude uid\n", "test.conf:1: 'exclude' needs a kind and a value: exclude uid UID, exclude "
	    "command NAME or exclude cgroup PATH");
	bad("exclude user 5\n", "test.conf:1: exclude 'user': the kinds are uid, command and cgroup");
	bad("exclude uid bob\n", "test.conf:1: exclude uid: 'bob' is not a uid (0..4294967294)");
	bad("exclude uid 4294967295\n", "test.conf:1: exclude uid: '4294967295' is not a uid (0..4294967294)");
	bad("exclude command sixteen-bytes-xx\n", "test.conf:1: exclude command: 'sixteen-bytes-xx' is 16 "
	    "bytes; a command (the kernel's comm) has at most 15");
	bad("exclude cgroup system.slice\n", "test.conf:1: exclude cgroup: 'system.slice' is not a cgroup "
	    "path as /proc/PID/cgroup shows it (\"/system.slice/cron.service\")");
	bad("exclude cgroup /a/\n", "test.conf:1: exclude cgroup: '/a/' is not a cgroup path as "
	    "/proc/PID/cgroup shows it (\"/system.slice/cron.service\")");
	bad("exclude cgroup /a//b\n", "test.conf:1: exclude cgroup: '/a//b' is not a cgroup path as "
	    "/proc/PID/cgroup shows it (\"/system.slice/cron.service\")");
	bad("exclude cgroup /a/../b\n", "test.conf:1: exclude cgroup: '/a/../b' is not a cgroup path as "
	    "/proc/PID/cgroup shows it (\"/system.slice/cron.service\")");
	bad("exclude uid 7\n# again\nexclude  uid 7\n", "test.conf:3: already excluded on line 1");
	excludes();
	files();
	diffs();
	exclude_diff("exclude uid 1\n", "exclude uid 1\nexclude uid 2\n", 1, 0, "exclusions: one new");
	exclude_diff("exclude uid 1\nexclude command c\n", "", 0, 2, "exclusions: all lifted");
	exclude_diff("exclude uid 1\nexclude cgroup /a\n", "exclude cgroup /a\nexclude cgroup /b\n", 1, 1,
		     "exclusions: one new, one lifted");
	return tap_done();
}
