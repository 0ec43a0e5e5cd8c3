// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Command-line values: numbers, power-of-2 sizes with K and M, and one word of three. */
#include <errno.h>
#include <limits.h>
#include "args.h"
#include "tap.h"

static void size_is(const char *s, unsigned long want)
{
	unsigned long got = 0;
	char name[64];

	snprintf(name, sizeof(name), "size '%s' is %lu", s, want);
	tap_ok(hbc_arg_size("--ring-size", s, 256UL << 10, 1UL << 30, &got) == 0 && got == want, name);
}

static void size_refused(const char *s)
{
	unsigned long got = 7;
	char name[64];

	snprintf(name, sizeof(name), "size '%s' refused, nothing stored", s);
	tap_ok(hbc_arg_size("--ring-size", s, 256UL << 10, 1UL << 30, &got) == -EINVAL && got == 7, name);
}

int main(void)
{
	static const char *const words[3] = { "auto", "ring", "perf" };
	unsigned long n = 0;
	int choice = -1;

	size_is("2M", 2UL << 20);
	size_is("256K", 256UL << 10);
	size_is("1024M", 1UL << 30);
	size_is("8388608", 8UL << 20);
	/* not a power of 2, below or above the range, a suffix of another kind, junk */
	const char *bad[] = { "3M", "128K", "2048M", "0", "0K", "-1M", "1MB", "1G", "M", "", " 2M",
			      "18446744073709551615M", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		size_refused(bad[i]);

	tap_ok(hbc_arg_ulong("--count", "42", 1, ULONG_MAX, &n) == 0 && n == 42, "number 42");
	tap_ok(hbc_arg_ulong("--count", "0", 1, 10, &n) == -EINVAL, "number below its range");
	tap_ok(hbc_arg_ulong("--count", "-1", 0, ULONG_MAX, &n) == -EINVAL, "a negative number");
	tap_ok(hbc_arg_ulong("--count", "7x", 0, 10, &n) == -EINVAL, "a number with junk after it");
	tap_ok(hbc_arg_ulong("--count", "+7", 0, 10, &n) == -EINVAL, "a sign");
	tap_ok(hbc_arg_choice("--buffer", "perf", words, &choice) == 0 && choice == 2, "the third word");
	tap_ok(hbc_arg_choice("--buffer", "Ring", words, &choice) == -EINVAL && choice == 2,
	       "words are case-sensitive; nothing stored");
	return tap_done();
}
