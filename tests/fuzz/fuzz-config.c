// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target: the --config parser (loader/config.c) on arbitrary bytes. Beyond the
 * sanitizers, what must hold: on success every message is NUL-terminated, at most
 * HBC_MESSAGE_LEN - 1 bytes, every uid appears once and is not (uid_t)-1; on failure the
 * table is empty and the message is one line naming "fuzz.conf:LINE: ". And a reload of the
 * same bytes finds nothing to change (hbc_config_diff of a parse against another).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

/* The same bytes parsed again: a reload that must change nothing. */
static void same_again(const uint8_t *data, size_t size, struct hbc_config *cfg)
{
	struct hbc_config again = {};
	struct hbc_config_diff d;
	char err[512] = "";
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return;
	if (hbc_config_parse(f, "fuzz.conf", &again, err, sizeof(err)))
		abort();
	fclose(f);
	hbc_config_diff(cfg, &again, &d);
	if (!hbc_config_diff_empty(&d))
		abort();
	hbc_config_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hbc_config cfg = {};
	char err[512] = "";
	FILE *f = fmemopen((void *)data, size, "r");
	int ret;

	if (!f || size == 0) {
		if (f)
			fclose(f);
		return 0;
	}
	ret = hbc_config_parse(f, "fuzz.conf", &cfg, err, sizeof(err));
	fclose(f);
	if (ret) {
		if (cfg.count || strchr(err, '\n') || strncmp(err, "fuzz.conf:", 10))
			abort();
		return 0;
	}
	for (size_t i = 0; i < cfg.count; i++) {
		const struct hbc_config_entry *e = &cfg.entries[i];

		if (strnlen(e->message, sizeof(e->message)) >= sizeof(e->message) || e->uid == UINT32_MAX)
			abort();
		for (size_t k = 0; k < i; k++)
			if (cfg.entries[k].uid == e->uid)
				abort();
	}
	same_again(data, size, &cfg);
	hbc_config_free(&cfg);
	return 0;
}
