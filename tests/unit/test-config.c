// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Config parsing: good files, and each kind of bad line with its exact message. */
#include <errno.h>
#include <stdlib.h>
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

/* What a reload from @a to @b would change. */
static void diff(const char *a, const char *b, size_t added, size_t removed, size_t changed,
		 const char *what)
{
	struct hbc_config x, y;
	struct hbc_config_diff d;
	char err[256] = "";

	if (parse(a, &x, err, sizeof(err)) || parse(b, &y, err, sizeof(err))) {
		tap_ok(0, what);
		return;
	}
	hbc_config_diff(&x, &y, &d);
	tap_ok(d.added == added && d.removed == removed && d.changed == changed &&
	       hbc_config_diff_empty(&d) == (!added && !removed && !changed), what);
	if (d.added != added || d.removed != removed || d.changed != changed)
		fprintf(stderr, "# got %zu added, %zu removed, %zu changed\n", d.added, d.removed,
			d.changed);
	hbc_config_free(&x);
	hbc_config_free(&y);
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
	diffs();
	return tap_done();
}
