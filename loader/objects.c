// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "hbc.h"
#include "objects.h"

const struct hbc_object *hbc_object_for_machine(const char *machine)
{
	for (size_t i = 0; i < hbc_objects_count; i++) {
		const struct hbc_object *o = hbc_objects[i];

		for (const char *const *m = o->machines; *m; m++)
			if (strcmp(*m, machine) == 0)
				return o;
	}
	return NULL;
}

const struct hbc_object *hbc_object_for(const char *key)
{
	for (size_t i = 0; i < hbc_objects_count; i++)
		if (strcmp(hbc_objects[i]->name, key) == 0)
			return hbc_objects[i];
	return hbc_object_for_machine(key);
}

const struct hbc_kernel_btf *hbc_object_btf(const struct hbc_object *o, const char *release)
{
	for (size_t i = 0; i < o->btfs_count; i++)
		if (strcmp(o->btfs[i].release, release) == 0)
			return &o->btfs[i];
	return NULL;
}

void hbc_objects_machines(char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < hbc_objects_count; i++) {
		for (const char *const *m = hbc_objects[i]->machines; *m; m++) {
			int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", *m);

			if (n < 0 || (size_t)n >= len - used)
				return;
			used += (size_t)n;
		}
	}
}

const struct hbc_object *hbc_object_for_this_machine(void)
{
	const struct hbc_object *o;
	struct utsname u;
	char carried[256];

	if (uname(&u)) {
		fprintf(stderr, PROG ": uname: %s\n", strerror(errno));
		return NULL;
	}
	o = hbc_object_for_machine(u.machine);
	if (!o) {
		hbc_objects_machines(carried, sizeof(carried));
		fprintf(stderr, PROG ": unsupported architecture '%s'; this build carries: %s\n",
			u.machine, carried);
	}
	return o;
}
