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

/*
 * Where libbpf's btf__load_vmlinux_btf() looks besides HBC_KERNEL_BTF (%1$s: the release):
 * where a distribution or an operator puts a kernel's vmlinux or its BTF.
 */
static const char *const standard_locations[] = {
	"/boot/vmlinux-%1$s",
	"/lib/modules/%1$s/vmlinux-%1$s",
	"/lib/modules/%1$s/build/vmlinux",
	"/usr/lib/modules/%1$s/kernel/vmlinux",
	"/usr/lib/debug/boot/vmlinux-%1$s",
	"/usr/lib/debug/boot/vmlinux-%1$s.debug",
	"/usr/lib/debug/lib/modules/%1$s/vmlinux",
};

/* The first standard location for @release with BTF in it; 0, or -ENOENT if none. */
static int use_standard(struct hbc_btf *b, const char *release)
{
	struct btf *btf;

	for (size_t i = 0; i < sizeof(standard_locations) / sizeof(standard_locations[0]); i++) {
		if (snprintf(b->std_path, sizeof(b->std_path), standard_locations[i], release) >=
		    (int)sizeof(b->std_path) || access(b->std_path, R_OK))
			continue;
		btf = btf__parse(b->std_path, NULL);
		if (!btf) {
			fprintf(stderr, PROG ": %s: no BTF in it (%s): not used\n", b->std_path,
				hbc_btf_parse_error(errno));
			continue;
		}
		btf__free(btf);
		b->custom_path = b->std_path;
		snprintf(b->what, sizeof(b->what), "%s (a standard location)", b->std_path);
		return 0;
	}
	return -ENOENT;
}

static int no_btf(const struct hbc_object *obj, const char *release)
{
	fprintf(stderr, PROG ": this kernel (%s) has no BTF (" HBC_KERNEL_BTF "), this build "
		"carries none for it (%zu kernel release(s) of %s) and none is at /boot/vmlinux-%s "
		"or the other places libbpf looks; give one with --btf FILE, or put it at "
		"/boot/vmlinux-%s (e.g. pahole -J from the kernel's DWARF, or build the kernel "
		"with CONFIG_DEBUG_INFO_BTF=y)\n", release, obj->btfs_count, obj->name, release,
		release);
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
		return use_standard(b, u.release) ? no_btf(obj, u.release) : 0;
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
