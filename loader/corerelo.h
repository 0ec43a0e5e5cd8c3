/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The CO-RE relocation records of a BPF object's .BTF.ext, named, and explained. */
#ifndef HBC_CORERELO_H
#define HBC_CORERELO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

struct hbc_relo {
	char section[64];		/* the program's ELF section, e.g. "ksyscall/execve" */
	unsigned int insn;		/* instruction index in that section (not its program) */
	unsigned int kind;		/* enum bpf_core_relo_kind */
	unsigned int type_id;		/* root type in the object's BTF */
	char access[32];		/* access string, e.g. "0:14" */
	char spec[128];			/* e.g. "struct pt_regs.di" */
};

struct hbc_relos {
	struct hbc_relo *v;
	size_t n;
};

/* The CO-RE relocations in the .BTF.ext of an object's ELF bytes, named after its BTF. */
int hbc_core_relos(const void *elf, size_t size, const struct btf *btf, struct hbc_relos *out);
void hbc_core_relos_free(struct hbc_relos *r);
/*
 * Where the program @prog is in its section of the ELF image: its first instruction and
 * how many it has (its symbol). A section can hold several programs; a relocation's insn
 * counts from the section's start. 0, or -ENOENT (no such function), -EINVAL.
 */
int hbc_prog_span(const void *elf, size_t size, const char *prog, unsigned int *first,
		  unsigned int *count);
/* libbpf's name of a CO-RE kind: "byte_off", "field_exists", "type_size"... */
const char *hbc_core_kind_name(unsigned int kind);
/*
 * Why @r can have no match in @target: "no struct pt_regs", "struct pt_regs has no
 * member 'di'"; an empty string when its whole access path exists there by name.
 */
void hbc_core_explain(const struct hbc_relo *r, const struct btf *local, const struct btf *target,
		      char *buf, size_t len);
/* libbpf's mark on an instruction it could not relocate (bpf_core_poison_insn()). */
bool hbc_core_poisoned(const struct bpf_insn *insn);
#endif /* HBC_CORERELO_H */
