// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "probe.h"

const char *const hbc_attach_names[HBC_ATTACH_MODES] = { "auto", "ksyscall", "tracepoint" };

static const char *long_name(enum hbc_attach_mode mode)
{
	return mode == HBC_ATTACH_KSYSCALL ? "ksyscall execve" : "tracepoint syscalls/sys_enter_execve";
}

void hbc_attach_plan(struct hbc_attach *a, const struct hbc_progs *p, enum hbc_attach_mode want)
{
	bool ksyscall, tracepoint;

	a->want = want;
	a->kprobes = want != HBC_ATTACH_TRACEPOINT && hbc_kprobes_available();
	ksyscall = want == HBC_ATTACH_KSYSCALL || (want == HBC_ATTACH_AUTO && a->kprobes);
	tracepoint = want != HBC_ATTACH_KSYSCALL;
	bpf_program__set_autoload(p->ksyscall, ksyscall);
	bpf_program__set_autoload(p->tracepoint, tracepoint);
}

/* Attach the loaded program of @mode. 0 or -errno. */
static int link_one(struct hbc_attach *a, const struct hbc_progs *p, enum hbc_attach_mode mode)
{
	if (mode == HBC_ATTACH_TRACEPOINT) {
		int err = hbc_ensure_tracefs();

		if (err)
			return err;
	}
	a->link = bpf_program__attach(mode == HBC_ATTACH_KSYSCALL ? p->ksyscall : p->tracepoint);
	if (!a->link)
		return -errno;
	a->mode = mode;
	return 0;
}

int hbc_attach_link(struct hbc_attach *a, const struct hbc_progs *p)
{
	char why[128] = " (requested)";
	int err;

	if (a->want != HBC_ATTACH_AUTO) {
		err = link_one(a, p, a->want);
	} else if (!a->kprobes) {
		snprintf(why, sizeof(why), " (kprobes unavailable)");
		err = link_one(a, p, HBC_ATTACH_TRACEPOINT);
	} else {
		why[0] = '\0';
		err = link_one(a, p, HBC_ATTACH_KSYSCALL);
		if (err) {	/* kprobes exist, but not on this function (riscv 6.12: ftrace sites) */
			snprintf(why, sizeof(why), " (ksyscall attach failed: %s)", strerror(-err));
			err = link_one(a, p, HBC_ATTACH_TRACEPOINT);
		}
	}
	if (!err) {
		fprintf(stderr, "attached: %s%s\n", long_name(a->mode), why);
		return 0;
	}
	if (a->want == HBC_ATTACH_KSYSCALL)
		fprintf(stderr, "hello-buffer-config: cannot attach %s: %s; try --attach tracepoint\n",
			long_name(HBC_ATTACH_KSYSCALL), strerror(-err));
	else
		fprintf(stderr, "hello-buffer-config: cannot attach %s: %s%s\n",
			long_name(HBC_ATTACH_TRACEPOINT), strerror(-err), why);
	return err;
}

void hbc_attach_detach(struct hbc_attach *a)
{
	bpf_link__destroy(a->link);
	a->link = NULL;
}
