/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The offline CO-RE check: libbpf relocates one architecture's object against a BTF
 * file (a kernel's, copied from a host or cut from a package) without that kernel, and
 * every CO-RE relocation of the programs the loader can enable is reported: resolved,
 * or not and why.
 */
#ifndef HBC_CORECHECK_H
#define HBC_CORECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include "objects.h"

/*
 * The exit statuses of --check-btf (and hbc_corecheck()'s returns):
 *   0 every relocation resolved, 1 some did not (the report names each and why),
 *   2 bad input (no such file, no BTF in it, an unknown --arch),
 *   3 the check could not run: not privileged, libbpf failed to prepare the object, a
 *     build without bpf_object__prepare() (libbpf < 1.6). Never "unresolved".
 */
enum hbc_check_status {
	HBC_CHECK_RESOLVED = 0,
	HBC_CHECK_UNRESOLVED = 1,
	HBC_CHECK_BAD_INPUT = 2,
	HBC_CHECK_FAILED = 3,
};

/*
 * Check @obj against the BTF in @path and print the report (text, or one JSON object).
 * Returns an enum hbc_check_status.
 */
int hbc_corecheck(const struct hbc_object *obj, const char *path, bool json);

#endif /* HBC_CORECHECK_H */
