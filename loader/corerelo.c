// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The CO-RE relocation records of a BPF object, read from its .BTF.ext section without
 * libbpf's help (libbpf applies them but does not list them), each named after the
 * object's BTF ("struct pt_regs.di"), and why one can have no match in a target BTF.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <byteswap.h>
#include <stddef.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include "corerelo.h"

#define CORE_POISON 0xbad2310	/* the call libbpf puts where a relocation failed */

/*
 * The .BTF.ext header, up to the CO-RE relocations: magic (u16), version, flags (u8),
 * then u32s: hdr_len, func_info off/len, line_info off/len, core_relo off/len. In the
 * object's byte order: a big-endian object (s390x) has its magic byte-swapped here.
 */
#define BTF_EXT_MAGIC 0xeB9F
#define EXT_HDR_LEN 4
#define EXT_CORE_RELO_OFF 24
#define EXT_CORE_RELO_LEN 28

/* The u32 at @p of a section in the byte order @swap says. */
static __u32 get32(const char *p, bool swap)
{
	__u32 v;

	memcpy(&v, p, sizeof(v));
	return swap ? bswap_32(v) : v;
}

/* libbpf's names (core_relo_kind_str()), by enum bpf_core_relo_kind value */
static const char *const kind_names[] = {
	[BPF_CORE_FIELD_BYTE_OFFSET] = "byte_off", [BPF_CORE_FIELD_BYTE_SIZE] = "byte_sz",
	[BPF_CORE_FIELD_EXISTS] = "field_exists", [BPF_CORE_FIELD_SIGNED] = "signed",
	[BPF_CORE_FIELD_LSHIFT_U64] = "lshift_u64", [BPF_CORE_FIELD_RSHIFT_U64] = "rshift_u64",
	[BPF_CORE_TYPE_ID_LOCAL] = "local_type_id", [BPF_CORE_TYPE_ID_TARGET] = "target_type_id",
	[BPF_CORE_TYPE_EXISTS] = "type_exists", [BPF_CORE_TYPE_SIZE] = "type_size",
	[BPF_CORE_ENUMVAL_EXISTS] = "enumval_exists", [BPF_CORE_ENUMVAL_VALUE] = "enumval_value",
	[BPF_CORE_TYPE_MATCHES] = "type_matches",
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

/* An ELF image opened read-only; NULL (errno EINVAL) if it is none. elf_end() it. */
static Elf *elf_open(const void *image, size_t size)
{
	Elf *e;

	errno = EINVAL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_memory((char *)image, size);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		e = NULL;
	}
	return e;
}

/* The first section of @e that @want accepts (by its header and name), or NULL. */
static Elf_Scn *find_section(Elf *e, bool (*want)(const GElf_Shdr *sh, const char *name))
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(e, shstrndx, sh.sh_name)) &&
		    want(&sh, name))
			return scn;
	}
	return NULL;
}

static bool is_btf_ext(const GElf_Shdr *sh, const char *name)
{
	(void)sh;
	return strcmp(name, ".BTF.ext") == 0;
}

static bool is_symtab(const GElf_Shdr *sh, const char *name)
{
	(void)name;
	return sh->sh_type == SHT_SYMTAB;
}

/* A copy of the .BTF.ext section of an ELF image; NULL (errno set) if it has none. */
static void *btf_ext_copy(const void *image, size_t size, size_t *len)
{
	Elf *e = elf_open(image, size);
	Elf_Scn *scn;
	Elf_Data *d;
	void *copy = NULL;

	if (!e)
		return NULL;
	errno = ENOENT;
	scn = find_section(e, is_btf_ext);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	if (d && d->d_buf && (copy = malloc(d->d_size))) {
		memcpy(copy, d->d_buf, d->d_size);
		*len = d->d_size;
	}
	elf_end(e);
	return copy;
}

/* The function symbol @prog of the symbol table @scn: its instructions in its section. */
static int symbol_span(Elf *e, Elf_Scn *scn, const char *prog, unsigned int *first,
		       unsigned int *count)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr sh;
	GElf_Sym sym;

	if (!d || !gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return -EINVAL;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    !(name = elf_strptr(e, sh.sh_link, sym.st_name)) || strcmp(name, prog))
			continue;
		*first = (unsigned int)(sym.st_value / sizeof(struct bpf_insn));
		*count = (unsigned int)(sym.st_size / sizeof(struct bpf_insn));
		return 0;
	}
	return -ENOENT;
}

int hbc_prog_span(const void *image, size_t size, const char *prog, unsigned int *first,
		  unsigned int *count)
{
	Elf *e = elf_open(image, size);
	Elf_Scn *scn;
	int err;

	if (!e)
		return -EINVAL;
	scn = find_section(e, is_symtab);
	err = scn ? symbol_span(e, scn, prog, first, count) : -ENOENT;
	elf_end(e);
	return err;
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
	size_t cap = 0, off, end;
	__u32 rec, hdr_len, relo_off, relo_len;
	__u16 magic;
	bool swap;

	if (len < EXT_CORE_RELO_OFF)
		return -EINVAL;
	memcpy(&magic, ext, sizeof(magic));
	if (magic != BTF_EXT_MAGIC && magic != bswap_16(BTF_EXT_MAGIC))
		return -EINVAL;
	swap = magic != BTF_EXT_MAGIC;
	hdr_len = get32(ext + EXT_HDR_LEN, swap);
	if (hdr_len > len)
		return -EINVAL;
	if (hdr_len < EXT_CORE_RELO_LEN + sizeof(__u32))
		return 0;	/* a header from before CO-RE relocations */
	relo_off = get32(ext + EXT_CORE_RELO_OFF, swap);
	relo_len = get32(ext + EXT_CORE_RELO_LEN, swap);
	if (!relo_len)
		return 0;	/* no CO-RE relocations */
	off = (size_t)hdr_len + relo_off;
	end = off + relo_len;
	if (end > len || relo_len < sizeof(rec))
		return -EINVAL;
	rec = get32(ext + off, swap);
	if (rec < sizeof(struct bpf_core_relo))
		return -EINVAL;
	for (off += sizeof(rec); off + 8 <= end;) {
		__u32 sec_name = get32(ext + off, swap), n = get32(ext + off + 4, swap);

		off += 8;
		if ((size_t)n * rec > end - off)
			return -EINVAL;
		for (__u32 i = 0; i < n; i++, off += rec) {
			const char *c = ext + off;	/* struct bpf_core_relo: four u32s */
			struct hbc_relo r = {};

			snprintf(r.section, sizeof(r.section), "%s", btf__name_by_offset(btf, sec_name));
			snprintf(r.access, sizeof(r.access), "%s",
				 btf__name_by_offset(btf, get32(c + offsetof(struct bpf_core_relo, access_str_off), swap)));
			r.insn = get32(c + offsetof(struct bpf_core_relo, insn_off), swap) / sizeof(struct bpf_insn);
			r.kind = get32(c + offsetof(struct bpf_core_relo, kind), swap);
			r.type_id = get32(c + offsetof(struct bpf_core_relo, type_id), swap);
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

			if (!*mname) {	/* an anonymous member: libbpf looks through it, in both */
				lid = btf__resolve_type(local, m->type);
				continue;
			}
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
