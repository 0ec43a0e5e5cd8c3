// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "say.h"
#include "attach.h"
#include "probe.h"

const char *const hbc_attach_names[HBC_ATTACH_MODES] = { "auto", "ksyscall", "tracepoint" };

static const char *long_name(enum hbc_attach_mode mode)
{
	return mode == HBC_ATTACH_KSYSCALL ? "ksyscall execve, execveat"
					   : "tracepoint syscalls/sys_{enter,exit}_execve{,at}";
}

/* cg_made: names of the cgroups made while tracing, for both sets; optional. */
static bool prog_cgroup(const struct bpf_program *prog)
{
	return strncmp(bpf_program__name(prog), "cg_", 3) == 0;
}

/* The set @prog belongs to; HBC_ATTACH_AUTO for the programs of both (exec_done, cg_made). */
static enum hbc_attach_mode prog_set(const struct bpf_program *prog)
{
	const char *n = bpf_program__name(prog);

	if (strncmp(n, "ks_", 3) == 0)
		return HBC_ATTACH_KSYSCALL;
	if (strncmp(n, "tp_", 3) == 0)
		return HBC_ATTACH_TRACEPOINT;
	return HBC_ATTACH_AUTO;
}

static bool prog_compat(const struct bpf_program *prog)
{
	return strncmp(bpf_program__name(prog) + 2, "_c_", 3) == 0;
}

static bool name_ends(const struct bpf_program *prog, const char *tail)
{
	const char *n = bpf_program__name(prog);
	size_t len = strlen(n), tlen = strlen(tail);

	return len > tlen && strcmp(n + len - tlen, tail) == 0;
}

/* An exit walking a failed exec's argv with bpf_loop() (_xl), not bounded loops (_x). */
static bool prog_loop(const struct bpf_program *prog)
{
	return name_ends(prog, "_xl");
}

static bool prog_entry(const struct bpf_program *prog)
{
	return prog_set(prog) != HBC_ATTACH_AUTO && !name_ends(prog, "_x") && !prog_loop(prog);
}

/* Of each exit's two variants, the one for @loop; every other program goes with its set. */
static bool variant_wanted(const struct bpf_program *prog, bool loop)
{
	return prog_entry(prog) || prog_set(prog) == HBC_ATTACH_AUTO || prog_loop(prog) == loop;
}

void hbc_attach_plan(struct hbc_attach *a, const struct hbc_progs *p, enum hbc_attach_mode want,
		     bool raw_compat, bool loop)
{
	struct bpf_program *prog;
	bool ksyscall, tracepoint;

	a->want = want;
	a->raw_compat = raw_compat;
	a->kprobes = want != HBC_ATTACH_TRACEPOINT && hbc_kprobes_available();
	ksyscall = want == HBC_ATTACH_KSYSCALL || (want == HBC_ATTACH_AUTO && a->kprobes);
	tracepoint = want != HBC_ATTACH_KSYSCALL;
	/* unreadable: libbpf's ksyscall names the entries, and says so if it cannot */
	a->regs_wrapper = ksyscall && hbc_plain_regs_wrapper(HBC_KALLSYMS, "execve") == 1;
	*p->regs_wrapper = a->regs_wrapper;
	bpf_object__for_each_program(prog, p->obj) {
		enum hbc_attach_mode set = prog_set(prog);

		a->has_compat |= prog_compat(prog);
		bpf_program__set_autoload(prog, variant_wanted(prog, loop) &&
					  (set == HBC_ATTACH_AUTO ||
					   (set == HBC_ATTACH_KSYSCALL && ksyscall) ||
					   (set == HBC_ATTACH_TRACEPOINT && tracepoint &&
					    (raw_compat || !prog_compat(prog)))));
	}
}

/*
 * A ks_ program of a native entry or exit ("ksyscall/execve", "kretsyscall/execveat") on
 * sys_<name> by name, where that is the kernel's pt_regs wrapper libbpf does not name.
 */
static struct bpf_link *attach_plain_wrapper(struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog), *name = strchr(sec, '/');
	char func[64];

	snprintf(func, sizeof(func), "sys_%s", name ? name + 1 : sec);
	return bpf_program__attach_kprobe(prog, strncmp(sec, "kret", 4) == 0, func);
}

static int link_prog(struct hbc_attach *a, struct bpf_program *prog)
{
	struct bpf_link *l;

	if (a->nlinks == HBC_MAX_LINKS)
		return -E2BIG;
	if (a->regs_wrapper && prog_set(prog) == HBC_ATTACH_KSYSCALL && !prog_compat(prog))
		l = attach_plain_wrapper(prog);
	else
		l = bpf_program__attach(prog);
	if (!l)
		return -errno;
	a->links[a->nlinks++] = l;
	return 0;
}

static void unlink_from(struct hbc_attach *a, int first)
{
	while (a->nlinks > first)
		bpf_link__destroy(a->links[--a->nlinks]);
}

/*
 * Attach the loaded programs of @mode: exits before entries, so that every exec whose
 * entry is stashed has its outcome hooked. The 32-bit entries are optional (kernels
 * without compat support have no such symbols). 0 or -errno; nothing of @mode stays
 * attached on failure.
 */
static int link_set(struct hbc_attach *a, const struct hbc_progs *p, enum hbc_attach_mode mode)
{
	int first = a->nlinks, err = 0, compat_err = 0;
	struct bpf_program *prog;

	if (mode == HBC_ATTACH_TRACEPOINT) {
		err = hbc_ensure_tracefs();
		if (err)
			return err;
	}
	for (int entries = 0; entries < 2 && !err; entries++) {
		bpf_object__for_each_program(prog, p->obj) {
			int e;

			if (prog_set(prog) != mode || prog_entry(prog) != entries ||
			    !bpf_program__autoload(prog))
				continue;
			e = link_prog(a, prog);
			if (e && prog_compat(prog)) {
				compat_err = compat_err ? compat_err : e;
				continue;
			}
			if (e) {
				err = e;
				break;
			}
		}
	}
	if (err) {
		unlink_from(a, first);
		return err;
	}
	a->mode = mode;
	a->compat_err = compat_err;
	return 0;
}

/*
 * The programs of both sets, before any entry is hooked: cgroup_mkdir (optional: without
 * it a cgroup is named while it exists, as before) then sched_process_exec.
 */
static int link_common(struct hbc_attach *a, const struct hbc_progs *p)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, p->obj)
		if (prog_cgroup(prog))
			a->cgroup_err = link_prog(a, prog);
	bpf_object__for_each_program(prog, p->obj) {
		int err;

		if (prog_set(prog) != HBC_ATTACH_AUTO || prog_cgroup(prog))
			continue;
		err = link_prog(a, prog);
		if (err) {
			fprintf(stderr, PROG ": cannot attach %s (%s): %s\n",
				bpf_program__name(prog), bpf_program__section_name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

void hbc_attach_say(const struct hbc_attach *a)
{
	char compat[160] = "", cgroup[160] = ", cgroup_mkdir";

	if (a->has_compat && a->compat_err)
		snprintf(compat, sizeof(compat), "; 32-bit entries: none (%s)", strerror(-a->compat_err));
	else if (a->has_compat && a->mode == HBC_ATTACH_KSYSCALL)
		snprintf(compat, sizeof(compat), "; 32-bit entries: kprobes");
	else if (a->has_compat && a->raw_compat)
		snprintf(compat, sizeof(compat), "; 32-bit entries: raw_syscalls");
	else if (a->has_compat)
		snprintf(compat, sizeof(compat), "; 32-bit entries: not hooked (--raw-syscalls)");
	if (a->cgroup_err)
		snprintf(cgroup, sizeof(cgroup), "; cgroup_mkdir: %s (a cgroup removed before its "
			 "records are read goes unnamed)", strerror(-a->cgroup_err));
	hbc_say(HBC_SAY_ATTACHED, NULL, "attached: %s%s%s; sched_process_exec%s%s", long_name(a->mode),
		a->regs_wrapper && a->mode == HBC_ATTACH_KSYSCALL
			? " (kprobes on sys_execve, sys_execveat: pt_regs wrappers by their plain names)" : "",
		compat, cgroup, a->why);
}

int hbc_attach_link(struct hbc_attach *a, const struct hbc_progs *p)
{
	int err;

	snprintf(a->why, sizeof(a->why), " (requested)");
	err = link_common(a, p);
	if (err)
		return err;
	if (a->want != HBC_ATTACH_AUTO) {
		err = link_set(a, p, a->want);
	} else if (!a->kprobes) {
		snprintf(a->why, sizeof(a->why), " (kprobes unavailable)");
		err = link_set(a, p, HBC_ATTACH_TRACEPOINT);
	} else {
		a->why[0] = '\0';
		err = link_set(a, p, HBC_ATTACH_KSYSCALL);
		if (err) {	/* kprobes exist, but not on this function (riscv 6.12: ftrace sites) */
			snprintf(a->why, sizeof(a->why), " (ksyscall attach failed: %s)", strerror(-err));
			err = link_set(a, p, HBC_ATTACH_TRACEPOINT);
		}
	}
	if (!err)
		return 0;
	hbc_attach_detach(a);
	if (a->want == HBC_ATTACH_KSYSCALL)
		fprintf(stderr, PROG ": cannot attach %s: %s; try --attach tracepoint\n",
			long_name(HBC_ATTACH_KSYSCALL), strerror(-err));
	else
		fprintf(stderr, PROG ": cannot attach %s: %s%s\n",
			long_name(HBC_ATTACH_TRACEPOINT), strerror(-err), a->why);
	return err;
}

void hbc_attach_detach(struct hbc_attach *a)
{
	unlink_from(a, 0);
}
