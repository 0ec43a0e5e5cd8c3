// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hello-buffer-config: one record per execve(), with a per-uid message.
 *
 * Records go through the perf event array "output" (the book's way, any kernel) or,
 * where the kernel has them, a BPF ring buffer: one buffer shared by all CPUs, which
 * wakes the reader only when it has caught up.
 *
 * Two entry points produce identical records; the loader enables exactly one:
 *  - ksyscall/execve (kprobe on the syscall, preferred);
 *  - tp/syscalls/sys_enter_execve, for kernels built without kprobes.
 */
#ifndef __VMLINUX_H__	/* meson force-includes vmlinux/<arch>/vmlinux.h (-include) */
#include "vmlinux.h"
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "hello-buffer-config.h"

#if defined(bpf_target_riscv)
/*
 * With syscall wrappers (riscv kernels from 6.6) the argument is read from the
 * user pt_regs; riscv's syscall entry has already put -ENOSYS into a0 by then,
 * and the argument stays in orig_a0. libbpf 1.1's bpf_tracing.h reads a0.
 */
#undef PT_REGS_PARM1_CORE_SYSCALL
#define PT_REGS_PARM1_CORE_SYSCALL(x) BPF_CORE_READ((const struct pt_regs *)(x), orig_a0)
#endif

char message[HBC_MESSAGE_LEN] = "Hello World";

/* Set by the loader before load: records go to the ring buffer, else the perf buffer. */
const volatile bool use_ringbuf = false;
/* Records the ring buffer had no room for. */
__u64 ringbuf_dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} output SEC(".maps");

/* Where the kernel has BPF ring buffers (5.8+); the loader makes it a dummy array otherwise. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HBC_RINGBUF_BYTES);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HBC_CONFIG_MAX_ENTRIES);
	__type(key, u32);
	__type(value, struct user_msg_t);
} my_config SEC(".maps");

/*
 * Wake the reader only once a batch has piled up; it also drains the ring every
 * poll interval by itself, so a quiet machine's records wait at most that long.
 */
static __always_inline long ringbuf_wakeup(void)
{
	if (bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) >= HBC_RINGBUF_WAKEUP_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline int emit_record(void *ctx, const char *pathname)
{
	struct data_t data = {};
	struct user_msg_t *p;

	data.pid = bpf_get_current_pid_tgid() >> 32;
	data.uid = bpf_get_current_uid_gid() & 0xFFFFFFFF;
	bpf_get_current_comm(&data.command, sizeof(data.command));
	bpf_probe_read_user_str(&data.path, sizeof(data.path), pathname);

	p = bpf_map_lookup_elem(&my_config, &data.uid);
	if (p)
		bpf_probe_read_kernel_str(&data.message, sizeof(data.message), p->message);
	else
		bpf_probe_read_kernel_str(&data.message, sizeof(data.message), message);

	if (!use_ringbuf)
		bpf_perf_event_output(ctx, &output, BPF_F_CURRENT_CPU, &data, sizeof(data));
	else if (bpf_ringbuf_output(&records, &data, sizeof(data), ringbuf_wakeup()))
		__sync_fetch_and_add(&ringbuf_dropped, 1);
	return 0;
}

SEC("ksyscall/execve")
int BPF_KPROBE_SYSCALL(hello, const char *pathname)
{
	return emit_record(ctx, pathname);
}

SEC("tp/syscalls/sys_enter_execve")
int hello_tp(struct trace_event_raw_sys_enter *ctx)
{
	return emit_record(ctx, (const char *)ctx->args[0]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
