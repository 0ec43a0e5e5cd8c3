/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* What the running kernel and process can do, asked before anything is loaded. */
#ifndef HBC_PROBE_H
#define HBC_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#define HBC_KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define HBC_KALLSYMS "/proc/kallsyms"

/* Effective capabilities allow loading and attaching (root, or CAP_BPF+CAP_PERFMON). */
bool hbc_have_privileges(void);
/* Kernel can attach kprobes (perf kprobe PMU, or tracefs kprobe_events). */
bool hbc_kprobes_available(void);
/*
 * Whether @syscall's entry in the symbol table @kallsyms (/proc/kallsyms) is a wrapper
 * that takes the user pt_regs under the plain name sys_<syscall> (powerpc from 6.1): a
 * sys_<syscall>, and neither an __<arch>_sys_<syscall> wrapper nor the __se_sys_<syscall>
 * that kernels without wrappers define. 1 yes, 0 no, -errno if unreadable.
 */
int hbc_plain_regs_wrapper(const char *kallsyms, const char *syscall);
/*
 * bpf_loop() can run here: the kernel has the helper, and its BPF JIT is on
 * (/proc/sys/net/core/bpf_jit_enable: the interpreter refuses callbacks). When it cannot,
 * @why says why.
 */
bool hbc_bpf_loop_usable(char *why, size_t len);
/*
 * The kernel runs only JIT-compiled programs that call a helper its JIT inlines
 * (bpf_get_smp_processor_id(), bpf_get_current_task(): riscv64 from Linux 7.x), and the
 * JIT is off (net.core.bpf_jit_enable 0): a minimal tracepoint program calling both is
 * refused for that reason.
 */
bool hbc_jit_required(void);
/* Make sure tracefs is reachable; mounts it at /sys/kernel/tracing if needed. 0 or -errno. */
int hbc_ensure_tracefs(void);

#endif /* HBC_PROBE_H */
