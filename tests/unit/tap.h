/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Minimal TAP producer for the unit tests (meson test protocol: 'tap'). */
#ifndef HBC_TAP_H
#define HBC_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_ok(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
}

static inline void tap_streq(const char *got, const char *want, const char *name)
{
	tap_ok(strcmp(got, want) == 0, name);
	if (strcmp(got, want) != 0)
		printf("# got:  '%s'\n# want: '%s'\n", got, want);
}

/* The whole test skipped, with the reason (meson counts it as SKIP). */
static inline int tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* HBC_TAP_H */
