// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include "corecheck.h"
#include "kbtf.h"
#include "format.h"

#define PROG "hello-buffer-config"
#define CORE_POISON 0xbad2310	/* the call libbpf puts where a relocation failed */

/* The .BTF.ext header (the part up to the CO-RE relocations). */
struct btf_ext_hdr {
	__u16 magic;
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 func_info_off, func_info_len, line_info_off, line_info_len;
	__u32 core_relo_off, core_relo_len;
};

static const char *const kind_names[] = {
	"field_byte_offset", "field_byte_size", "field_exists", "field_signed", "field_lshift_u64",
	"field_rshift_u64", "local_type_id", "target_type_id", "type_exists", "type_size",
	"enumval_exists", "enumval_value", "type_matches",
};

const char *hbc_core_kind_name(unsigned int kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "unknown";
}

static bool field_kind(unsigned int kind)
{
	return kind <= BPF_CORE_FIELD_RSHIFT_U64;
}

bool hbc_core_poisoned(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->imm == CORE_POISON;
}

/* A copy of the .BTF.ext section of an ELF image; NULL (errno set) if it has none. */
static void *btf_ext_copy(const void *image, size_t size, size_t *len)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	void *copy = NULL;

	errno = ENOENT;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_memory((char *)image, size);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		errno = EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (strcmp(name, ".BTF.ext") || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
			continue;
		copy = malloc(d->d_size);
		if (copy) {
			memcpy(copy, d->d_buf, d->d_size);
			*len = d->d_size;
		}
		break;
	}
out:
	if (e)
		elf_end(e);
	return copy;
}

static int kind_of(const struct btf_type *t)
{
	return btf_kind(t);
}

static const char *kind_word(const struct btf_type *t)
{
	switch (kind_of(t)) {
	case BTF_KIND_STRUCT: return "struct";
	case BTF_KIND_UNION: return "union";
	case BTF_KIND_ENUM: return "enum";
	case BTF_KIND_TYPEDEF: return "typedef";
	default: return "type";
	}
}

/* The access string's indices; returns their count. */
static int access_indices(const char *access, int *idx, int max)
{
	int n = 0;

	for (const char *s = access; *s && n < max; s++) {
		idx[n++] = (int)strtol(s, (char **)&s, 10);
		if (*s != ':')
			break;
	}
	return n;
}

/* "struct pt_regs.di", "struct user_pt_regs.regs[0]": the root and the access path. */
static void describe(const struct btf *btf, const struct hbc_relo *r, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, r->type_id);
	int idx[16], n = access_indices(r->access, idx, 16), id;
	size_t used;

	if (!t) {
		snprintf(buf, len, "[%u]", r->type_id);
		return;
	}
	used = (size_t)snprintf(buf, len, "%s %s", kind_word(t), btf__name_by_offset(btf, t->name_off));
	if (!field_kind(r->kind) || used >= len)
		return;
	id = btf__resolve_type(btf, r->type_id);
	for (int i = 1; i < n && id > 0 && used < len; i++) {
		t = btf__type_by_id(btf, id);
		if (btf_is_composite(t) && idx[i] < btf_vlen(t)) {
			const struct btf_member *m = btf_members(t) + idx[i];
			const char *name = btf__name_by_offset(btf, m->name_off);

			used += (size_t)snprintf(buf + used, len - used, ".%s", *name ? name : "<anon>");
			id = btf__resolve_type(btf, m->type);
		} else if (btf_is_array(t)) {
			used += (size_t)snprintf(buf + used, len - used, "[%d]", idx[i]);
			id = btf__resolve_type(btf, btf_array(t)->type);
		} else {
			break;
		}
	}
}

static int add_relo(struct hbc_relos *out, size_t *cap, const struct hbc_relo *r)
{
	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct hbc_relo *v = realloc(out->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		*cap = ncap;
	}
	out->v[out->n++] = *r;
	return 0;
}

static int parse_relos(const char *ext, size_t len, const struct btf *btf, struct hbc_relos *out)
{
	const struct btf_ext_hdr *h = (const void *)ext;
	size_t cap = 0, off, end;
	__u32 rec;

	if (len < sizeof(h->magic) + 6 || h->magic != 0xeB9F || h->hdr_len > len)
		return -EINVAL;
	if (h->hdr_len < sizeof(*h) || !h->core_relo_len)
		return 0;	/* no CO-RE relocations */
	off = (size_t)h->hdr_len + h->core_relo_off;
	end = off + h->core_relo_len;
	if (end > len || h->core_relo_len < sizeof(rec))
		return -EINVAL;
	memcpy(&rec, ext + off, sizeof(rec));
	if (rec < sizeof(struct bpf_core_relo))
		return -EINVAL;
	for (off += sizeof(rec); off + 8 <= end;) {
		__u32 sec[2];	/* name offset, records */

		memcpy(sec, ext + off, sizeof(sec));
		off += sizeof(sec);
		if ((size_t)sec[1] * rec > end - off)
			return -EINVAL;
		for (__u32 i = 0; i < sec[1]; i++, off += rec) {
			struct bpf_core_relo cr;
			struct hbc_relo r = {};

			memcpy(&cr, ext + off, sizeof(cr));
			snprintf(r.section, sizeof(r.section), "%s", btf__name_by_offset(btf, sec[0]));
			snprintf(r.access, sizeof(r.access), "%s", btf__name_by_offset(btf, cr.access_str_off));
			r.insn = cr.insn_off / sizeof(struct bpf_insn);
			r.kind = cr.kind;
			r.type_id = cr.type_id;
			describe(btf, &r, r.spec, sizeof(r.spec));
			if (add_relo(out, &cap, &r))
				return -ENOMEM;
		}
	}
	return 0;
}

int hbc_core_relos(const void *elf, size_t size, const struct btf *btf, struct hbc_relos *out)
{
	size_t len = 0;
	char *ext = btf_ext_copy(elf, size, &len);
	int err;

	*out = (struct hbc_relos){};
	if (!ext)
		return -errno;
	err = parse_relos(ext, len, btf, out);
	free(ext);
	if (err)
		hbc_core_relos_free(out);
	return err;
}

void hbc_core_relos_free(struct hbc_relos *r)
{
	free(r->v);
	*r = (struct hbc_relos){};
}

/* The type of the member @name of composite @id (anonymous members searched too), or -1. */
static int member_type(const struct btf *btf, int id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (!t || !btf_is_composite(t))
		return -1;
	for (int i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *n = btf__name_by_offset(btf, m->name_off);
		int found;

		if (*n && strcmp(n, name) == 0)
			return btf__resolve_type(btf, m->type);
		if (!*n && (found = member_type(btf, btf__resolve_type(btf, m->type), name)) > 0)
			return found;
	}
	return -1;
}

void hbc_core_explain(const struct hbc_relo *r, const struct btf *local, const struct btf *target,
		      char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(local, r->type_id);
	int idx[16], n = access_indices(r->access, idx, 16), lid, tid;
	char name[128];

	buf[0] = '\0';
	if (!t)
		return;
	/* a local "pt_regs___arm64" is a flavour of the target's "pt_regs" */
	snprintf(name, sizeof(name), "%s", btf__name_by_offset(local, t->name_off));
	if (strstr(name, "___"))
		*strstr(name, "___") = '\0';
	tid = btf__find_by_name_kind(target, name, kind_of(t));
	if (tid < 0) {
		snprintf(buf, len, "no %s %s in this BTF", kind_word(t), name);
		return;
	}
	if (!field_kind(r->kind))
		return;
	lid = btf__resolve_type(local, r->type_id);
	tid = btf__resolve_type(target, tid);
	for (int i = 1; i < n && lid > 0 && tid > 0; i++) {
		const struct btf_type *lt = btf__type_by_id(local, lid);

		if (btf_is_composite(lt) && idx[i] < btf_vlen(lt)) {
			const struct btf_member *m = btf_members(lt) + idx[i];
			const char *mname = btf__name_by_offset(local, m->name_off);
			const struct btf_type *tt = btf__type_by_id(target, tid);

			tid = member_type(target, tid, mname);
			if (tid < 0) {
				snprintf(buf, len, "%s %s has no member '%s'", kind_word(tt),
					 btf__name_by_offset(target, tt->name_off), mname);
				return;
			}
			lid = btf__resolve_type(local, m->type);
		} else if (btf_is_array(lt)) {
			const struct btf_type *tt = btf__type_by_id(target, tid);

			if (!btf_is_array(tt)) {
				snprintf(buf, len, "the target's %s is no array", r->spec);
				return;
			}
			lid = btf__resolve_type(local, btf_array(lt)->type);
			tid = btf__resolve_type(target, btf_array(tt)->type);
		}
	}
}

#ifdef HBC_HAVE_BPF_OBJECT_PREPARE
/* libbpf's warnings while it prepares the object: the reason when it gives up. */
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
	const struct btf *local, *target;
	bool json;
	size_t total, resolved;
};

/* One program's relocations: counted, the unresolved ones listed with why. */
static void report_program(struct report *rep, const struct bpf_program *prog, bool first)
{
	const char *sec = bpf_program__section_name(prog);
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t cnt = bpf_program__insn_cnt(prog), total = 0, bad = 0;

	for (size_t i = 0; i < rep->relos->n; i++)
		total += strcmp(rep->relos->v[i].section, sec) == 0;
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

		if (strcmp(r->section, sec) || (r->insn < cnt && !hbc_core_poisoned(&insns[r->insn])))
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
	struct report rep = { .local = bpf_object__btf(p->obj), .target = target, .json = json };
	struct hbc_relos relos;
	libbpf_print_fn_t old;
	struct bpf_map *map;
	size_t size;
	const void *elf = obj->elf(&size);
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
		return 1;
	}
	err = hbc_core_relos(elf, size, rep.local, &relos);
	if (err) {
		fprintf(stderr, PROG ": cannot read the CO-RE relocations of the %s object: %s\n",
			obj->name, strerror(-err));
		return 2;
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
	return rep.resolved == rep.total ? 0 : 1;
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
		return 2;
	}
#ifndef HBC_HAVE_BPF_OBJECT_PREPARE
	fprintf(stderr, PROG ": --check-btf needs libbpf 1.6 or later (bpf_object__prepare); this "
		"build has libbpf %u.%u: use the packaged loader\n", libbpf_major_version(),
		libbpf_minor_version());
	btf__free(target);
	(void)json, (void)obj, (void)p, (void)err, (void)ret;
	return 2;
#else
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = path);
	err = obj->open(&p, &opts);
	if (err) {
		fprintf(stderr, PROG ": cannot open the %s BPF object: %s\n", obj->name, strerror(-err));
		btf__free(target);
		return 2;
	}
	ret = check_opened(obj, &p, path, target, json);
	p.destroy(p.skel);
	btf__free(target);
	return ret;
#endif
}
