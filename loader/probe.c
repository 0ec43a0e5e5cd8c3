// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hbc.h"
#include "probe.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS "/sys/kernel/tracing"
#define TRACEFS_DEBUGFS "/sys/kernel/debug/tracing"

static bool cap_effective(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

bool hbc_have_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	if (cap_effective(d, CAP_SYS_ADMIN))
		return true;
	return cap_effective(d, CAP_BPF) && cap_effective(d, CAP_PERFMON);
}

static bool tracefs_has(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), TRACEFS_DEBUGFS "/%s", file);
	return access(path, F_OK) == 0;
}

bool hbc_kprobes_available(void)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0)
		return true;
	return hbc_ensure_tracefs() == 0 && tracefs_has("kprobe_events");
}

/* "ffff... T name [module]": the name, cut at its end, or NULL. */
static char *kallsyms_name(char *line)
{
	char *name = strchr(line, ' ');

	name = name ? strchr(name + 1, ' ') : NULL;
	if (!name)
		return NULL;
	name++;
	name[strcspn(name, " \t\n")] = '\0';
	return name;
}

/* __<arch>_sys_<syscall> (a wrapper libbpf knows) or __se_sys_<syscall> (no wrapper); not
 * __do_sys_<syscall>, the body every kind of kernel has (when not inlined). */
static bool names_other_entry(const char *name, const char *tail)
{
	size_t n = strlen(name), t = strlen(tail);
	const char *arch_end;

	if (strncmp(name, "__", 2) != 0 || n <= t + 2 || strcmp(name + n - t, tail) != 0)
		return false;
	arch_end = strchr(name + 2, '_');
	return arch_end == name + n - t && strncmp(name, "__do_", 5) != 0;
}

int hbc_plain_regs_wrapper(const char *kallsyms, const char *syscall)
{
	char line[512], plain[64], tail[64];
	bool have_plain = false, other = false;
	FILE *f = fopen(kallsyms, "re");

	if (!f)
		return -errno;
	snprintf(plain, sizeof(plain), "sys_%s", syscall);
	snprintf(tail, sizeof(tail), "_sys_%s", syscall);
	while (!other && fgets(line, sizeof(line), f)) {
		const char *name = kallsyms_name(line);

		if (!name)
			continue;
		have_plain |= strcmp(name, plain) == 0;
		other = names_other_entry(name, tail);
	}
	fclose(f);
	return have_plain && !other;
}

int hbc_ensure_tracefs(void)
{
	if (tracefs_has("events"))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		fprintf(stderr, PROG ": cannot mount tracefs at " TRACEFS
			": %s; mount it with 'mount -t tracefs tracefs " TRACEFS "'\n",
			strerror(-err));
		return err;
	}
	fprintf(stderr, PROG ": mounted tracefs at " TRACEFS "\n");
	return 0;
}

/* net.core.bpf_jit_enable: 0 off, 1 on, 2 on with debug output; -1 when absent. */
static int jit_setting(void)
{
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "re");
	int jit = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &jit) != 1)
		jit = 0;
	fclose(f);
	return jit;
}

bool hbc_bpf_loop_usable(char *why, size_t len)
{
	int jit;

	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop, NULL) != 1) {
		snprintf(why, len, "no bpf_loop() in this kernel");
		return false;
	}
	jit = jit_setting();
	if (jit < 1) {
		snprintf(why, len, "the BPF JIT is off (net.core.bpf_jit_enable %s), and the "
			 "interpreter runs no bpf_loop()", jit < 0 ? "absent" : "0");
		return false;
	}
	return true;
}

bool hbc_jit_required(void)
{
	/* bpf_get_smp_processor_id(); bpf_get_current_task(); return 0; */
	const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_smp_processor_id },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_current_task },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd;

	if (jit_setting() != 0)
		return false;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, NULL, "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return strstr(log, "requires BPF JIT compiler") != NULL;
}
