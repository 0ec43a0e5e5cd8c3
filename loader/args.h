/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Command-line values: a number in a range, a power-of-2 size with a K or M suffix, one
 * word of a list; a number starts with a digit (no sign, no space). Each takes the option's name for its message; a value it refuses is
 * said on stderr ("PROG: --opt expects ..., not 'value'") and returns -EINVAL.
 */
#ifndef HBC_ARGS_H
#define HBC_ARGS_H

#include <stddef.h>

/* @s as a decimal number from @min to @max. */
int hbc_arg_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
		  unsigned long *out);
/* @s as a power of 2 from @min to @max bytes: a number, K (KiB) or M (MiB) after it. */
int hbc_arg_size(const char *opt, const char *s, unsigned long min, unsigned long max,
		 unsigned long *out);
/* @s as one of the three @names (an enum's words, in order): its index. */
int hbc_arg_choice(const char *opt, const char *s, const char *const names[3], int *out);

#endif /* HBC_ARGS_H */
