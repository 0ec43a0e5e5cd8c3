// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hbc.h"
#include "args.h"

int hbc_arg_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !isdigit((unsigned char)s[0]) || *end || v < min || v > max) {
		fprintf(stderr, PROG ": %s expects a number from %lu to %lu, not '%s'\n",
			opt, min, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int hbc_arg_size(const char *opt, const char *s, unsigned long min, unsigned long max,
		 unsigned long *out)
{
	char *end;
	unsigned long v, shift = 0;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end == 'K' || *end == 'M')
		shift = *end++ == 'K' ? 10 : 20;
	if (errno || !isdigit((unsigned char)s[0]) || *end || v > (max >> shift) || v << shift < min ||
	    (v & (v - 1))) {
		fprintf(stderr, PROG ": %s expects a power of 2 from %luK to %luM (K: KiB, M: MiB), "
			"not '%s'\n", opt, min >> 10, max >> 20, s);
		return -EINVAL;
	}
	*out = v << shift;
	return 0;
}

int hbc_arg_choice(const char *opt, const char *s, const char *const names[3], int *out)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	fprintf(stderr, PROG ": %s expects %s, %s or %s, not '%s'\n", opt, names[0], names[1],
		names[2], s);
	return -EINVAL;
}
