// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The offline CO-RE check's own logic, without a kernel: the relocations read from each
 * embedded object's .BTF.ext, their names, why one has no match in a target BTF (built
 * here with libbpf's BTF writer).
 */
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "corecheck.h"
#include "corerelo.h"
#include "tap.h"

/* The relocation of @obj whose spec is @spec (in any program), or NULL. */
static const struct hbc_relo *find(const struct hbc_relos *r, const char *section, const char *spec)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].section, section) == 0 && strcmp(r->v[i].spec, spec) == 0)
			return &r->v[i];
	return NULL;
}

/*
 * A target BTF with "struct NAME { long MEMBER; }" (MEMBER an array of 18 when @array),
 * or no struct at all when NAME is NULL.
 */
static struct btf *target_with(const char *name, const char *member, bool array)
{
	struct btf *btf = btf__new_empty();
	int lng = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int arr = btf__add_array(btf, u32, lng, 18);

	if (name) {
		btf__add_struct(btf, name, array ? 18 * 8 : 8);
		btf__add_field(btf, member, array ? arr : lng, 0, 0);
	}
	return btf;
}

static void expect_why(const struct hbc_relo *r, const struct btf *local, const char *name,
		       const char *member, bool array, const char *want, const char *what)
{
	struct btf *target = target_with(name, member, array);
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

/*
 * @core_arg as arch/arches.txt has it: "pt_regs.di", "pt_regs___arm64.orig_x0",
 * "pt_regs.uregs[0]", "pt_regs.<anon>.<anon>.orig_gpr3". Splits it into the kernel's struct name (a "___flavour" is not
 * part of it), the member and whether the member is an array.
 */
static void split_core_arg(const char *core_arg, char *st, size_t stlen, char *member, size_t mlen,
			   bool *array)
{
	const char *dot = strchr(core_arg, '.'), *last = strrchr(core_arg, '.');

	snprintf(st, stlen, "%.*s", dot ? (int)(dot - core_arg) : 0, core_arg);
	if (strstr(st, "___"))
		*strstr(st, "___") = '\0';
	/* the register itself: after anonymous members ("pt_regs.<anon>.<anon>.orig_gpr3") */
	snprintf(member, mlen, "%s", last ? last + 1 : "");
	*array = strchr(member, '[') != NULL;
	member[strcspn(member, "[")] = '\0';
}

static void check_object(const char *name, const char *core_arg)
{
	const struct hbc_object *obj = hbc_object_for(name);
	struct hbc_progs p = {};
	struct hbc_relos relos = {};
	const struct btf *local;
	const struct hbc_relo *r;
	const void *elf;
	size_t size;
	char what[160], want[160], spec[96], st[64], member[64];
	bool array;

	if (!obj || obj->open(&p, NULL)) {
		tap_ok(0, "object opens");
		return;
	}
	split_core_arg(core_arg, st, sizeof(st), member, sizeof(member), &array);
	snprintf(spec, sizeof(spec), "struct %s", core_arg);
	local = bpf_object__btf(p.obj);
	elf = obj->elf(&size);
	snprintf(what, sizeof(what), "%s: the CO-RE relocations of .BTF.ext read", name);
	tap_ok(hbc_core_relos(elf, size, local, &relos) == 0 && relos.n >= 2, what);
	r = find(&relos, "ksyscall/execve", spec);
	snprintf(what, sizeof(what), "%s: ksyscall reads %s", name, spec);
	tap_ok(r && r->kind == BPF_CORE_FIELD_BYTE_OFFSET, what);
	snprintf(what, sizeof(what), "%s: the tracepoint reads trace_event_raw_sys_enter.args[0]", name);
	tap_ok(find(&relos, "tp/syscalls/sys_enter_execve", "struct trace_event_raw_sys_enter.args[0]") != NULL,
	       what);
	snprintf(what, sizeof(what), "%s: %s matches a target that has it", name, spec);
	expect_why(r, local, st, member, array, "", what);
	snprintf(what, sizeof(what), "%s: a %s without %s is named", name, st, member);
	snprintf(want, sizeof(want), "struct %s has no member '%s'", st, member);
	expect_why(r, local, st, "hbc_not_a_register", array, want, what);
	if (array) {
		snprintf(what, sizeof(what), "%s: a %s whose %s is no array is named", name, st, member);
		snprintf(want, sizeof(want), "the target's %s is no array", spec);
		expect_why(r, local, st, member, false, want, what);
	}
	snprintf(what, sizeof(what), "%s: no %s at all is named", name, st);
	snprintf(want, sizeof(want), "no struct %s in this BTF", st);
	expect_why(r, local, NULL, NULL, false, want, what);
	hbc_core_relos_free(&relos);
	p.destroy(p.skel);
}

/*
 * Why this build cannot open object @name, or NULL: an object of the other byte order (s390x
 * on a little-endian machine) opens only with libbpf 1.5 or later; the unit tests link the build machine's libbpf (bookworm:
 * 1.1). The fleet loader (libbpf 1.7) checks that object in the corecheck suite.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA ELFDATA2LSB
#else
#define HOST_ELFDATA ELFDATA2MSB
#endif

static const char *cannot_open(const char *name)
{
	static char why[160];
	const struct hbc_object *obj = hbc_object_for(name);
	const unsigned char *elf;
	size_t size;

	if (!obj)
		return NULL;
	elf = obj->elf(&size);
	if (size > EI_DATA && elf[EI_DATA] != HOST_ELFDATA &&
	    (libbpf_major_version() < 1 || (libbpf_major_version() == 1 && libbpf_minor_version() < 5))) {
		snprintf(why, sizeof(why), "the %s object's byte order is not this machine's: libbpf %u.%u opens it only from 1.5 on "
			 "(tests/corecheck checks it with the fleet loader)", name, libbpf_major_version(),
			 libbpf_minor_version());
		return why;
	}
	return NULL;
}

/*
 * test-corecheck NAME CORE-ARG: that object's relocations (tests/meson.build gives each
 * row of arch/arches.txt); without arguments, the names of CO-RE kinds.
 */
int main(int argc, char **argv)
{
	struct bpf_insn helper = { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_read_kernel };

	if (argc == 3) {
		const char *why = cannot_open(argv[1]);

		if (why)
			return tap_skip_all(why);
		check_object(argv[1], argv[2]);
		return tap_done();
	}
	/*
	 * That libbpf's real poison mark is recognised is tested where libbpf makes one: the
	 * synthetic BTF without pt_regs.orig_a0 of tests/corecheck/matrix.py, whose unresolved
	 * list comes only from poisoned instructions. Here: what is not one.
	 */
	tap_ok(!hbc_core_poisoned(&helper), "a helper call is not a poison mark");
	tap_streq(hbc_core_kind_name(BPF_CORE_FIELD_BYTE_OFFSET), "byte_off", "kind names: libbpf's");
	tap_streq(hbc_core_kind_name(BPF_CORE_TYPE_MATCHES), "type_matches", "the last kind");
	tap_streq(hbc_core_kind_name(99), "unknown", "an unknown kind");
	return tap_done();
}
