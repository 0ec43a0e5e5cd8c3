// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The object table compiled into the loader.
 *   test-objects MACHINE NAME   MACHINE maps to the object NAME ('-': to none)
 *   test-objects --list LIST    the carried machines read "LIST"
 */
#include <string.h>
#include "objects.h"
#include "tap.h"

int main(int argc, char **argv)
{
	char buf[256];

	if (argc != 3) {
		fprintf(stderr, "usage: test-objects MACHINE NAME|- or --list 'a, b'\n");
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
		tap_ok(o->open != NULL, "skeleton opener present");
	}
	return tap_done();
}
