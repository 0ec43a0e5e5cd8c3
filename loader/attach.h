/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where the programs hook exec: the ksyscall kprobe set where the kernel takes it, else
 * the syscalls/ tracepoint set; sched_process_exec in both. Both sets are loaded where
 * the kernel has kprobes, so falling back needs no second load. A set is its programs'
 * name prefix in bpf/hello-buffer-config.bpf.c: ks_ (kprobes), tp_ (tracepoints); a
 * third letter c_ marks the 32-bit (compat) entries, a suffix _x a syscall's exit, _xl
 * the same exit walking a failed exec's arguments with bpf_loop() (one of the two loads).
 */
#ifndef HBC_ATTACH_H
#define HBC_ATTACH_H

#include <stdbool.h>
#include "objects.h"

enum hbc_attach_mode { HBC_ATTACH_AUTO, HBC_ATTACH_KSYSCALL, HBC_ATTACH_TRACEPOINT, HBC_ATTACH_MODES };

/* "auto", "ksyscall", "tracepoint": the command-line words, in enum order. */
extern const char *const hbc_attach_names[HBC_ATTACH_MODES];

#define HBC_MAX_LINKS 16

struct hbc_attach {
	enum hbc_attach_mode want;	/* as asked on the command line */
	bool kprobes;			/* the kernel has kprobes */
	bool regs_wrapper;		/* ksyscall by name: sys_<name> takes the user pt_regs */
	enum hbc_attach_mode mode;	/* what is attached, after hbc_attach_link() */
	bool has_compat;		/* the object has 32-bit entry programs */
	bool raw_compat;		/* tracepoint set: hook them on raw sys_enter/sys_exit */
	int compat_err;			/* 0: they are attached; else why not (-errno) */
	int cgroup_err;			/* 0: cgroup_mkdir is attached; else why not (-errno) */
	char why[128];			/* how the mode was chosen, for hbc_attach_say() */
	struct bpf_link *links[HBC_MAX_LINKS];
	int nlinks;
};

/*
 * Before load: which programs to load for @want, from what the kernel has. @raw_compat:
 * the tracepoint set's 32-bit entries too, on the raw sys_enter/sys_exit tracepoints,
 * which run a BPF program on every system call of the machine (--raw-syscalls). @loop:
 * the exits' bpf_loop() variants (hbc_bpf_loop_usable()), else their bounded-loop ones.
 */
void hbc_attach_plan(struct hbc_attach *a, const struct hbc_progs *p, enum hbc_attach_mode want,
		     bool raw_compat, bool loop);
/*
 * After load: attach, falling back from ksyscall to the tracepoints when asked for
 * "auto". Says on stderr why nothing could be attached; hbc_attach_say() what was.
 * The 32-bit entries are attached where the kernel has them; their absence is said,
 * not an error. 0 or -errno.
 */
int hbc_attach_link(struct hbc_attach *a, const struct hbc_progs *p);
/* "attached: <what>; 32-bit entries: ...; sched_process_exec<why>" on stderr. */
void hbc_attach_say(const struct hbc_attach *a);
/* Detach (nothing new reaches the buffer afterwards). */
void hbc_attach_detach(struct hbc_attach *a);

#endif /* HBC_ATTACH_H */
