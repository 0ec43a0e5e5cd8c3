// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The offline CO-RE check's own logic, without a kernel: the relocations read from each
 * embedded object's .BTF.ext, their names, why one has no match in a target BTF (built
 * here with libbpf's BTF writer), and libbpf's poison mark.
 */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "corecheck.h"
#include "tap.h"

/* The relocation of @obj whose spec is @spec (in any program), or NULL. */
static const struct hbc_relo *find(const struct hbc_relos *r, const char *section, const char *spec)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].section, section) == 0 && strcmp(r->v[i].spec, spec) == 0)
			return &r->v[i];
	return NULL;
}

/* A target BTF with "struct NAME { long MEMBER; }", or no struct at all when NAME is NULL. */
static struct btf *target_with(const char *name, const char *member)
{
	struct btf *btf = btf__new_empty();
	int lng = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);

	if (name) {
		btf__add_struct(btf, name, 8);
		btf__add_field(btf, member, lng, 0, 0);
	}
	return btf;
}

static void expect_why(const struct hbc_relo *r, const struct btf *local, const char *name,
		       const char *member, const char *want, const char *what)
{
	struct btf *target = target_with(name, member);
	char why[192];

	if (!r) {
		tap_ok(0, what);
		btf__free(target);
		return;
	}
	hbc_core_explain(r, local, target, why, sizeof(why));
	tap_streq(why, want, what);
	btf__free(target);
}

static void check_object(const char *name, const char *ksyscall_spec, const char *member,
			 const char *other_member)
{
	const struct hbc_object *obj = hbc_object_for(name);
	struct hbc_progs p = {};
	struct hbc_relos relos = {};
	const struct btf *local;
	const struct hbc_relo *r;
	const void *elf;
	size_t size;
	char what[160];

	if (!obj || obj->open(&p, NULL)) {
		tap_ok(0, "object opens");
		return;
	}
	local = bpf_object__btf(p.obj);
	elf = obj->elf(&size);
	snprintf(what, sizeof(what), "%s: the CO-RE relocations of .BTF.ext read", name);
	tap_ok(hbc_core_relos(elf, size, local, &relos) == 0 && relos.n >= 2, what);
	r = find(&relos, "ksyscall/execve", ksyscall_spec);
	snprintf(what, sizeof(what), "%s: ksyscall reads %s", name, ksyscall_spec);
	tap_ok(r && r->kind == BPF_CORE_FIELD_BYTE_OFFSET, what);
	snprintf(what, sizeof(what), "%s: the tracepoint reads trace_event_raw_sys_enter.args[0]", name);
	tap_ok(find(&relos, "tp/syscalls/sys_enter_execve", "struct trace_event_raw_sys_enter.args[0]") != NULL,
	       what);
	snprintf(what, sizeof(what), "%s: %s matches a target that has it", name, ksyscall_spec);
	expect_why(r, local, "pt_regs", member, "", what);
	snprintf(what, sizeof(what), "%s: a pt_regs without %s is named", name, member);
	snprintf(what + 100, 60, "struct pt_regs has no member '%s'", member);
	expect_why(r, local, "pt_regs", other_member, what + 100, what);
	snprintf(what, sizeof(what), "%s: no pt_regs at all is named", name);
	expect_why(r, local, NULL, NULL, "no struct pt_regs in this BTF", what);
	hbc_core_relos_free(&relos);
	p.destroy(p.skel);
}

int main(void)
{
	struct bpf_insn poison = { .code = BPF_JMP | BPF_CALL, .imm = 0xbad2310 };
	struct bpf_insn helper = { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_read_kernel };

	/* each architecture's own register layout (the arm64 one is a flavour: ___arm64) */
	if (hbc_object_for("x86"))
		check_object("x86", "struct pt_regs.di", "di", "si");
	if (hbc_object_for("arm64"))
		check_object("arm64", "struct pt_regs___arm64.orig_x0", "orig_x0", "regs");
	if (hbc_object_for("riscv"))
		check_object("riscv", "struct pt_regs.orig_a0", "orig_a0", "a0");
	tap_ok(hbc_core_poisoned(&poison), "libbpf's poisoned call is recognised");
	tap_ok(!hbc_core_poisoned(&helper), "a helper call is not a poison mark");
	tap_streq(hbc_core_kind_name(BPF_CORE_FIELD_BYTE_OFFSET), "field_byte_offset", "kind names");
	tap_streq(hbc_core_kind_name(99), "unknown", "an unknown kind");
	return tap_done();
}
