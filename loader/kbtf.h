/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Where the kernel's types for CO-RE come from: the running kernel's own BTF, a file
 * given with --btf, a minimal BTF this build carries for the running kernel release
 * (kernels built without CONFIG_DEBUG_INFO_BTF, e.g. Debian's armhf), or a file where
 * libbpf looks for one (/boot/vmlinux-RELEASE, ...: what a unit needs for a custom kernel).
 */
#ifndef HBC_KBTF_H
#define HBC_KBTF_H

#include "objects.h"


struct hbc_btf {
	const char *custom_path;	/* for bpf_object_open_opts.btf_custom_path; NULL: the kernel's */
	char fd_path[32];		/* /proc/self/fd/N of the embedded BTF's memfd */
	char std_path[160];		/* a standard location's file */
	int fd;
	char what[192];			/* for "btf: ..." and --check */
};

/*
 * Choose the BTF for @obj on this kernel: @file (--btf) if given, else the kernel's, else
 * the embedded one for this release, else the first of libbpf's standard locations that
 * holds BTF. Prints why on failure. 0; -EINVAL: @file is no BTF
 * (a usage error); -ENOENT: this kernel has no BTF and none is carried for it; -errno.
 */
int hbc_btf_choose(struct hbc_btf *b, const struct hbc_object *obj, const char *file);
void hbc_btf_release(struct hbc_btf *b);
/* Why btf__parse() failed with @err (its errno): strerror, or libbpf's "not ELF" in words. */
const char *hbc_btf_parse_error(int err);

#endif /* HBC_KBTF_H */
