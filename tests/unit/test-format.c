// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Event formatting: text columns and JSON lines, including hostile bytes. */
#include <stdlib.h>
#include "format.h"
#include "tap.h"

typedef void (*formatter)(FILE *out, const struct data_t *d);

static void expect(formatter fn, const struct data_t *d, const char *want, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		tap_ok(0, name);
		return;
	}
	fn(out, d);
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

int main(void)
{
	struct data_t d = { .pid = 4242, .uid = 1000, .command = "bash",
			    .message = "Hello World", .path = "/usr/bin/ls" };
	struct data_t full = { .pid = 1, .uid = 0 };
	struct data_t hostile = { .pid = 7, .uid = 65534, .command = "a\"b\\c\td",
				  .message = "\x01" "caf\xc3\xa9", .path = "/tmp/x\ny" };

	/* Every field filled to its size: no terminating NUL. */
	memset(full.command, 'c', sizeof(full.command));
	memset(full.path, 'p', sizeof(full.path));
	memset(full.message, 'm', sizeof(full.message));

	expect(header, &d, "PID     UID     COMMAND          PATH             MESSAGE\n", "text header");
	expect(hbc_format_text, &d,
	       "4242    1000    bash             /usr/bin/ls      Hello World\n", "text record");
	expect(hbc_format_text, &full,
	       "1       0       cccccccccccccccc pppppppppppppppp mmmmmmmmmmmm\n",
	       "text record, unterminated fields");
	expect(hbc_format_text, &hostile,
	       "7       65534   a\"b\\c?d          /tmp/x?y         ?caf??\n",
	       "text record, control and non-ASCII bytes");
	expect(hbc_format_json, &d,
	       "{\"type\":\"exec\",\"pid\":4242,\"uid\":1000,\"command\":\"bash\","
	       "\"path\":\"/usr/bin/ls\",\"message\":\"Hello World\"}\n", "json record");
	expect(hbc_format_json, &full,
	       "{\"type\":\"exec\",\"pid\":1,\"uid\":0,\"command\":\"cccccccccccccccc\","
	       "\"path\":\"pppppppppppppppp\",\"message\":\"mmmmmmmmmmmm\"}\n",
	       "json record, unterminated fields");
	expect(hbc_format_json, &hostile,
	       "{\"type\":\"exec\",\"pid\":7,\"uid\":65534,\"command\":\"a\\\"b\\\\c\\u0009d\","
	       "\"path\":\"/tmp/x\\u000ay\",\"message\":\"\\u0001caf\\u00c3\\u00a9\"}\n",
	       "json record, escaped bytes");
	expect(lost, &d, "{\"type\":\"lost\",\"cpu\":3,\"count\":12345678901}\n", "json lost record");
	expect(summary, &d,
	       "{\"type\":\"summary\",\"events\":20000,\"lost\":3,\"beyond_count\":18446744073709551615}\n",
	       "json summary record");
	return tap_done();
}
