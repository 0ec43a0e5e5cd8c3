// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hbc_plain_regs_wrapper() (loader/probe.c): which symbol tables name the execve entry a
 * pt_regs wrapper under the plain name sys_execve (the loader then attaches ksyscall by
 * that name and reads the arguments through the wrapper's pt_regs). The tables are cut
 * down from the kinds of kernel the VM matrix boots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "probe.h"
#include "tap.h"

static char path[] = "/tmp/test-kallsyms-XXXXXX";

static int check(const char *table)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(table, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
	return hbc_plain_regs_wrapper(path, "execve");
}

static const struct {
	const char *table;
	int want;
	const char *what;
} cases[] = {
	{ "c0000000003e8a40 T sys_execve\nc0000000003e8b10 T sys_execveat\n", 1,
	  "powerpc 6.1+: sys_execve alone is the pt_regs wrapper" },
	{ "c0000000003e8a40 T sys_execve\nc0000000003e8900 t __do_sys_execve\n", 1,
	  "... also when __do_sys_execve (the body) was not inlined" },
	{ "ffffffff81400000 T __x64_sys_execve\nffffffff81400100 T __ia32_sys_execve\n", 0,
	  "x86: __x64_sys_execve, a wrapper libbpf names" },
	{ "ffff800080300000 T __arm64_sys_execve\nffff800080300100 T sys_execve [x]\n", 0,
	  "arm64: __arm64_sys_execve" },
	{ "c0300000 T sys_execve\nc0300000 T __se_sys_execve\n", 0,
	  "armhf (no wrappers): sys_execve is __se_sys_execve's alias" },
	{ "c0300000 T __se_sys_execve\nc0300000 T sys_execve\n", 0, "... in either order" },
	{ "ffffffff81400000 T __ia32_compat_sys_execve\nffffffff81400100 T sys_execve\n", 1,
	  "a compat wrapper is not the native entry" },
	{ "ffffffff81400000 T sys_execveat\nffffffff81400000 T do_execve\n", 0,
	  "no sys_execve: not this case" },
	{ "", 0, "an empty table (kptr_restrict, no symbols): not this case" },
	{ "garbage\n\n  \nsys_execve\n", 0, "lines without the three fields are skipped" },
};

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_ok(check(cases[i].table) == cases[i].want, cases[i].what);
	unlink(path);
	tap_ok(hbc_plain_regs_wrapper(path, "execve") == -ENOENT, "an unreadable table: -errno");
	return tap_done();
}
