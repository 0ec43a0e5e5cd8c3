// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The object table compiled into the loader.
 *   test-objects MACHINE NAME [COUNT]  MACHINE maps to the object NAME ('-': to none),
 *                                      which embeds COUNT minimal BTFs (the kernels of
 *                                      vmlinux/NAME/min-btf/index.txt built without BTF)
 *   test-objects --list LIST    the carried machines read "LIST"
 */
#include <string.h>
#include "objects.h"
#include "tap.h"

/* The minimal BTFs an object carries: BTF blobs, each found by its release, and only by it. */
static void check_btfs(const struct hbc_object *o, const char *count)
{
	size_t bad = 0;
	char have[32], what[128];

	snprintf(have, sizeof(have), "%zu", o->btfs_count);
	snprintf(what, sizeof(what), "%s carries %s minimal BTF(s), one per kernel without BTF (has %s)",
		 o->name, count, have);
	tap_ok(strcmp(have, count) == 0, what);
	for (size_t i = 0; i < o->btfs_count; i++) {
		const struct hbc_kernel_btf *k = &o->btfs[i];

		if (k->size < 24 || k->data[0] != 0x9f || k->data[1] != 0xeb || !k->release[0] ||
		    hbc_object_btf(o, k->release) != k)
			bad++;
	}
	tap_ok(bad == 0, "each carried BTF starts with the BTF magic and is found by its release");
	tap_ok(hbc_object_btf(o, "0.0.0-none") == NULL, "an unknown release finds none");
}

int main(int argc, char **argv)
{
	char buf[256];

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: test-objects MACHINE NAME|- [COUNT] or --list 'a, b'\n");
		return 2;
	}
	if (strcmp(argv[1], "--list") == 0) {
		hbc_objects_machines(buf, sizeof(buf));
		tap_streq(buf, argv[2], "carried machines");
		hbc_objects_machines(buf, 8);
		tap_ok(strlen(buf) < 8, "short buffer is not overrun");
		return tap_done();
	}

	const struct hbc_object *o = hbc_object_for_machine(argv[1]);

	if (strcmp(argv[2], "-") == 0) {
		tap_ok(o == NULL, "unknown machine has no object");
		return tap_done();
	}
	tap_ok(o != NULL, "machine has an object");
	if (o) {
		tap_streq(o->name, argv[2], "object name");
		tap_ok(o->size > 0 && strlen(o->sha256) == 64, "size and sha256 recorded");
		if (argc == 4)
			check_btfs(o, argv[3]);
	}
	return tap_done();
}
