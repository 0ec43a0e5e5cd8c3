/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The BPF objects this loader carries: one per row of arch/arches.txt. */
#ifndef HBC_OBJECTS_H
#define HBC_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

/* Handles into one opened skeleton, independent of its architecture. */
struct hbc_progs {
	void *skel;				/* hello_<arch> skeleton */
	struct bpf_object_skeleton *skeleton;
	struct bpf_object *obj;
	struct bpf_map *config;			/* config_in_force: the slot of the uid table */
	struct bpf_map *output;			/* output (perf event array) */
	struct bpf_map *ringbuf;		/* records (ring buffer) */
	struct bpf_map *scratch;		/* a record's room, per role and possible CPU */
	unsigned int *scratch_cpus;		/* rodata: the possible CPUs */
	bool *use_ringbuf;			/* rodata: set before load */
	unsigned int *args_max;			/* rodata: argument bytes per record, 0: none */
	bool *regs_wrapper;			/* rodata: sys_<name> takes the user pt_regs */

	void (*destroy)(void *skel);
	__u64 *(*dropped)(void *skel);		/* ring buffer drop counter, after load */
	__u64 *(*excluded)(void *skel);		/* execs the config excluded, after load */
	__u32 *(*exclude_kinds)(void *skel);	/* the exclusion kinds in force, after load */
};

/* A minimal BTF for one kernel release, made from its DWARF (vmlinux/<name>/min-btf/). */
struct hbc_kernel_btf {
	const char *release;			/* uname -r */
	const char *package;			/* the kernel package it was made from */
	const char *version;			/* and its version */
	const unsigned char *data;
	size_t size;
};

struct hbc_object {
	const char *name;			/* arch table name, e.g. "arm64" */
	const char *const *machines;		/* uname -m values, NULL-terminated */
	size_t size;				/* bytes of the embedded object */
	const char *sha256;			/* of the embedded object */
	int (*open)(struct hbc_progs *p, const struct bpf_object_open_opts *opts);
	const void *(*elf)(size_t *size);	/* the embedded object's bytes */
	const struct hbc_kernel_btf *btfs;	/* for kernels without BTF, by release */
	size_t btfs_count;
};

extern const struct hbc_object *const hbc_objects[];
extern const size_t hbc_objects_count;

/* The object built for @machine (a uname -m value), or NULL. */
const struct hbc_object *hbc_object_for_machine(const char *machine);

/* The object for the machine we run on (uname -m), or NULL after saying which machines
 * this build carries. */
const struct hbc_object *hbc_object_for_this_machine(void);

/* The object named @key (arch table name) or built for @key (a uname -m value), or NULL. */
const struct hbc_object *hbc_object_for(const char *key);

/* The minimal BTF @o carries for kernel @release, or NULL. */
const struct hbc_kernel_btf *hbc_object_btf(const struct hbc_object *o, const char *release);

/* "x86_64, aarch64, riscv64": every machine this build carries. */
void hbc_objects_machines(char *buf, size_t len);

#endif /* HBC_OBJECTS_H */
