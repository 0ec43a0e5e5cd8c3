// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "kbtf.h"
#include "probe.h"


const char *hbc_btf_parse_error(int err)
{
	if (err == EOPNOTSUPP)	/* libbpf's btf_parse_hdr() */
		return "BTF of the other byte order with a header this libbpf cannot read (not 24 bytes)";
	return err < __LIBBPF_ERRNO__START ? strerror(err) : "neither raw BTF nor an ELF file";
}

static int use_file(struct hbc_btf *b, const char *file)
{
	struct btf *btf = btf__parse(file, NULL);

	if (!btf) {
		fprintf(stderr, PROG ": --btf %s: no BTF in it (raw BTF, e.g. a copy of "
			HBC_KERNEL_BTF ", or an ELF with .BTF): %s\n", file, hbc_btf_parse_error(errno));
		return -EINVAL;
	}
	btf__free(btf);
	b->custom_path = file;
	snprintf(b->what, sizeof(b->what), "%s (--btf)", file);
	return 0;
}

/* The embedded BTF in a memfd, so that libbpf can open it by path; nothing on disk. */
static int use_embedded(struct hbc_btf *b, const struct hbc_kernel_btf *k)
{
	ssize_t n;

	b->fd = memfd_create(PROG "-btf", MFD_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	n = write(b->fd, k->data, k->size);
	if (n < 0 || (size_t)n != k->size)
		return n < 0 ? -errno : -EIO;
	snprintf(b->fd_path, sizeof(b->fd_path), "/proc/self/fd/%d", b->fd);
	if (access(b->fd_path, R_OK))
		return -errno;	/* no /proc */
	b->custom_path = b->fd_path;
	snprintf(b->what, sizeof(b->what), "embedded for %s (%s %s)", k->release, k->package,
		 k->version);
	return 0;
}

static int no_btf(const struct hbc_object *obj, const char *release)
{
	fprintf(stderr, PROG ": this kernel (%s) has no BTF (" HBC_KERNEL_BTF ") and this build "
		"carries none for it (%zu kernel release(s) of %s); give one with --btf FILE "
		"(e.g. pahole -J from the kernel's DWARF, or a kernel built with "
		"CONFIG_DEBUG_INFO_BTF=y)\n", release, obj->btfs_count, obj->name);
	return -ENOENT;
}

int hbc_btf_choose(struct hbc_btf *b, const struct hbc_object *obj, const char *file)
{
	const struct hbc_kernel_btf *k;
	struct utsname u;
	int err;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (file)
		return use_file(b, file);
	if (!access(HBC_KERNEL_BTF, R_OK)) {
		snprintf(b->what, sizeof(b->what), "kernel (" HBC_KERNEL_BTF ")");
		return 0;
	}
	if (uname(&u))
		return -errno;
	k = hbc_object_btf(obj, u.release);
	if (!k)
		return no_btf(obj, u.release);
	err = use_embedded(b, k);
	if (err)
		fprintf(stderr, PROG ": cannot hand the embedded BTF for %s to libbpf: %s\n",
			u.release, strerror(-err));
	return err;
}

void hbc_btf_release(struct hbc_btf *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
