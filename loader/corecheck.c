// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * --check-btf: libbpf relocates the object against a BTF file (bpf_object__prepare(), no
 * map created, nothing loaded), and the report lists each program's CO-RE relocations
 * that libbpf had to poison (corerelo.c reads and explains them), as text or one JSON
 * object. Exit statuses: corecheck.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "corecheck.h"
#include "corerelo.h"
#include "format.h"
#include "kbtf.h"


#ifdef HBC_HAVE_BPF_OBJECT_PREPARE
/*
 * libbpf's warnings while it prepares the object: the reason when it gives up. A global:
 * libbpf's print callback takes no context.
 */
static char libbpf_said[512];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t used = strlen(libbpf_said);

	if (level == LIBBPF_WARN && used < sizeof(libbpf_said) - 1)
		vsnprintf(libbpf_said + used, sizeof(libbpf_said) - used, fmt, ap);
	return 0;
}

struct report {
	const struct hbc_relos *relos;
	const void *elf;		/* the object's ELF image: where each program is */
	size_t elf_size;
	const struct btf *local, *target;
	bool json;
	size_t total, resolved;
};

/* @r is a relocation of the program @sec, which starts at @first and has @n instructions. */
static bool relo_of(const struct hbc_relo *r, const char *sec, unsigned int first, unsigned int n)
{
	return strcmp(r->section, sec) == 0 && r->insn >= first && r->insn - first < n;
}

/* One program's relocations: counted, the unresolved ones listed with why. */
static void report_program(struct report *rep, const struct bpf_program *prog, bool first)
{
	const char *sec = bpf_program__section_name(prog);
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t cnt = bpf_program__insn_cnt(prog), total = 0, bad = 0;
	unsigned int start = 0, n = (unsigned int)cnt;

	/* a section of several programs (an exit's two variants): each its own part */
	if (hbc_prog_span(rep->elf, rep->elf_size, bpf_program__name(prog), &start, &n)) {
		fprintf(stderr, PROG ": %s: not in the object's symbol table: its section's "
			"relocations counted from the section's start\n", bpf_program__name(prog));
		start = 0, n = (unsigned int)cnt;
	}
	for (size_t i = 0; i < rep->relos->n; i++)
		total += relo_of(&rep->relos->v[i], sec, start, n);
	if (rep->json) {
		printf("%s{\"name\":", first ? "" : ",");
		hbc_format_json_str(stdout, bpf_program__name(prog));
		printf(",\"section\":");
		hbc_format_json_str(stdout, sec);
		printf(",\"relocations\":%zu,\"unresolved\":[", total);
	} else {
		printf("program %s (%s): %zu relocation%s\n", bpf_program__name(prog), sec, total,
		       total == 1 ? "" : "s");
	}
	for (size_t i = 0; i < rep->relos->n; i++) {
		const struct hbc_relo *r = &rep->relos->v[i];
		char why[192];

		if (!relo_of(r, sec, start, n) ||
		    (r->insn - start < cnt && !hbc_core_poisoned(&insns[r->insn - start])))
			continue;
		hbc_core_explain(r, rep->local, rep->target, why, sizeof(why));
		if (!why[0])
			snprintf(why, sizeof(why), "libbpf found no match (run with --verbose)");
		if (rep->json) {
			printf("%s{\"insn\":%u,\"kind\":\"%s\",\"spec\":", bad ? "," : "", r->insn,
			       hbc_core_kind_name(r->kind));
			hbc_format_json_str(stdout, r->spec);
			printf(",\"access\":\"%s\",\"why\":", r->access);
			hbc_format_json_str(stdout, why);
			printf("}");
		} else {
			printf("  unresolved: insn %u %s %s (%s): %s\n", r->insn, hbc_core_kind_name(r->kind),
			       r->spec, r->access, why);
		}
		bad++;
	}
	if (rep->json)
		printf("],\"resolved\":%zu}", total - bad);
	else
		printf("  %zu of %zu resolved\n", total - bad, total);
	rep->total += total;
	rep->resolved += total - bad;
}

/* Relocate @p (opened with the target BTF) as libbpf would for a load, then report. */
static int check_opened(const struct hbc_object *obj, const struct hbc_progs *p, const char *path,
			const struct btf *target, bool json)
{
	size_t size;
	const void *elf = obj->elf(&size);
	struct report rep = { .local = bpf_object__btf(p->obj), .target = target, .json = json,
			      .elf = elf, .elf_size = size };
	struct hbc_relos relos;
	libbpf_print_fn_t old;
	struct bpf_map *map;
	struct bpf_program *prog;
	bool first = true;
	int err;

	bpf_object__for_each_program(prog, p->obj)
		bpf_program__set_autoload(prog, true);	/* every program the loader can use */
	bpf_object__for_each_map(map, p->obj)
		bpf_map__set_autocreate(map, false);	/* nothing is created in this kernel */
	libbpf_said[0] = '\0';
	old = libbpf_set_print(capture);
	err = bpf_object__prepare(p->obj);
	libbpf_set_print(old);
	if (err) {
		fprintf(stderr, PROG ": libbpf cannot relocate the %s object against %s: %s%s%s", obj->name,
			path, strerror(-err), libbpf_said[0] ? "; libbpf: " : "\n", libbpf_said);
		return HBC_CHECK_FAILED;
	}
	err = hbc_core_relos(elf, size, rep.local, &relos);
	if (err) {
		fprintf(stderr, PROG ": cannot read the CO-RE relocations of the %s object: %s\n",
			obj->name, strerror(-err));
		return HBC_CHECK_FAILED;
	}
	rep.relos = &relos;
	if (json) {
		printf("{\"object\":\"%s\",\"btf\":", obj->name);
		hbc_format_json_str(stdout, path);
		printf(",\"btf_types\":%u,\"programs\":[", btf__type_cnt(target));
	} else {
		printf("check-btf: object %s against %s (%u types)\n", obj->name, path, btf__type_cnt(target));
	}
	bpf_object__for_each_program(prog, p->obj) {
		report_program(&rep, prog, first);
		first = false;
	}
	if (json)
		printf("],\"relocations\":%zu,\"resolved\":%zu,\"result\":\"%s\"}\n", rep.total,
		       rep.resolved, rep.resolved == rep.total ? "ok" : "unresolved");
	else if (rep.resolved == rep.total)
		printf("check-btf: ok: all %zu relocations resolved\n", rep.total);
	else
		printf("check-btf: FAIL: %zu of %zu relocations unresolved\n", rep.total - rep.resolved,
		       rep.total);
	hbc_core_relos_free(&relos);
	return rep.resolved == rep.total ? HBC_CHECK_RESOLVED : HBC_CHECK_UNRESOLVED;
}

#endif /* HBC_HAVE_BPF_OBJECT_PREPARE */

int hbc_corecheck(const struct hbc_object *obj, const char *path, bool json)
{
	struct btf *target = btf__parse(path, NULL);
	struct hbc_progs p = {};
	int err, ret;

	if (!target) {
		fprintf(stderr, PROG ": %s: no BTF in it (raw BTF or an ELF with .BTF): %s\n", path,
			hbc_btf_parse_error(errno));
		return HBC_CHECK_BAD_INPUT;
	}
#ifndef HBC_HAVE_BPF_OBJECT_PREPARE
	fprintf(stderr, PROG ": --check-btf needs libbpf 1.6 or later (bpf_object__prepare); this "
		"build has libbpf %u.%u: use the packaged loader\n", libbpf_major_version(),
		libbpf_minor_version());
	btf__free(target);
	(void)json, (void)obj, (void)p, (void)err, (void)ret;
	return HBC_CHECK_FAILED;
#else
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = path);
	err = obj->open(&p, &opts);
	if (err) {
		fprintf(stderr, PROG ": cannot open the %s BPF object: %s\n", obj->name, strerror(-err));
		btf__free(target);
		return HBC_CHECK_FAILED;
	}
	ret = check_opened(obj, &p, path, target, json);
	p.destroy(p.skel);
	btf__free(target);
	return ret;
#endif
}
