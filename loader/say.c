// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hbc.h"
#include "say.h"

/* Made once with journalctl --new-id128; never change one: fleets filter on them. */
static const char *const ids[HBC_SAY_IDS] = {
	[HBC_SAY_EXEC] = "c74a88d4da7f4dea956e82fa19eff053",
	[HBC_SAY_OUTPUT] = "ad4eda593c11421ebc400a05dfbdc9a3",
	[HBC_SAY_BTF] = "25626b30ed5c4bbba01464ae3f74782e",
	[HBC_SAY_CGROUP] = "76a154e9891a4057bc1fb2fa06b3bfb2",
	[HBC_SAY_BUFFER] = "8a355533e32c49b19c525b8b2ec94214",
	[HBC_SAY_ARGS] = "863c3526567a4493b1dfd84fa4b03553",
	[HBC_SAY_LIVE] = "cdb14132b751403d921b6b2d43c75095",
	[HBC_SAY_ATTACHED] = "96e9c19c100a4745a4edd2dcb319081c",
	[HBC_SAY_RELOAD] = "097d56cde9eb47f7ad687c02e0ef5bc8",
	[HBC_SAY_LOST] = "d8443718529b41119227049bbbc7e770",
	[HBC_SAY_SUMMARY] = "3515f52f3d874495a7b1589f0a65930c",
};

static struct hbc_journal *journal;
static struct hbc_jentry entry;

const char *hbc_say_message_id(enum hbc_say_id id)
{
	return ids[id];
}

void hbc_say_to(struct hbc_journal *j)
{
	journal = j;
	if (!j)
		hbc_jentry_free(&entry);
}

void hbc_say(enum hbc_say_id id, const struct hbc_jentry *extra, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (journal) {
		hbc_jentry_reset(&entry);
		hbc_jentry_str(&entry, "MESSAGE", line);
		hbc_jentry_str(&entry, "MESSAGE_ID", ids[id]);
		hbc_jentry_str(&entry, "PRIORITY", id == HBC_SAY_LOST ? "4" : "6");
		hbc_jentry_str(&entry, "SYSLOG_IDENTIFIER", PROG);
		if (extra && extra->len && !entry.err && !extra->err)
			hbc_jentry_add_raw(&entry, extra->buf, extra->len);
		if (!hbc_journal_send(journal, &entry))
			return;
	}
	fprintf(stderr, "%s\n", line);
}
