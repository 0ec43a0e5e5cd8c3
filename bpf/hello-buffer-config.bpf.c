// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hello-buffer-config: one record per exec attempt, with a per-uid message.
 *
 * An exec is seen in two halves (bpf/README.md says why):
 *  - at its syscall's entry (execve, execveat, and their 32-bit compat entries), the
 *    caller's pid, uid, command and the filename pointer are stashed per thread in
 *    "pending";
 *  - then either sched_process_exec (it succeeded: the path is the kernel's copy,
 *    bprm->filename, so it never depends on the caller's page tables) or the syscall's
 *    exit while the stash is still there (it failed: the path is read from the caller's
 *    memory, which getname() has just faulted in, and the result is the errno).
 * Each emits one variable-length record: the header (the caller's identity, parent, tty,
 * cgroup and the time, read from the task at the outcome), then path_len bytes of path and
 * args_len bytes of arguments: the new program's, as the kernel laid them out in its memory
 * (a success), or read from the caller's argv (a failure).
 *
 * Two sets of entry/exit programs do the same; the loader attaches one (auto loads both
 * where the kernel has kprobes, so that it can fall back without reloading; bpf/README.md):
 *  - ks_*: kprobes (ksyscall/kretsyscall, kprobe/kretprobe for the compat entries);
 *  - tp_*: the syscalls/ tracepoints, and raw sys_enter/sys_exit for the compat entries
 *    (the syscalls/ tracepoints skip compat system calls), for kernels without kprobes.
 * exec_done (raw tracepoint sched_process_exec) serves both.
 *
 * Records go through the perf event array "output" (the book's way, any kernel) or,
 * where the kernel has them, a BPF ring buffer: one buffer shared by all CPUs, whose
 * reader is woken once 64 KiB are waiting (it also drains the ring on its own timer).
 */
#ifndef __VMLINUX_H__	/* meson force-includes vmlinux/<arch>/vmlinux.h (-include) */
#include "vmlinux.h"
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "hello-buffer-config.h"

/* libbpf's BPF_KPROBE/BPF_PROG macros name every argument, and ctx, whether used or not. */
#pragma clang diagnostic ignored "-Wunused-parameter"

#if defined(bpf_target_riscv)
/*
 * With syscall wrappers (riscv kernels from 6.6) the argument is read from the
 * user pt_regs; riscv's syscall entry has already put -ENOSYS into a0 by then,
 * and the argument stays in orig_a0. libbpf 1.1's bpf_tracing.h reads a0.
 */
#undef PT_REGS_PARM1_CORE_SYSCALL
#define PT_REGS_PARM1_CORE_SYSCALL(x) BPF_CORE_READ((const struct pt_regs *)(x), orig_a0)
#elif defined(bpf_target_powerpc)
/*
 * powerpc keeps the system call's first argument in orig_gpr3 (gpr[3] becomes the return
 * value), as libbpf's bpf_tracing.h reads it from 1.2 on; 1.1's reads gpr[3]. One access
 * whatever the build machine's libbpf headers.
 */
#undef PT_REGS_PARM1_CORE_SYSCALL
#define PT_REGS_PARM1_CORE_SYSCALL(x) BPF_CORE_READ((const struct pt_regs *)(x), orig_gpr3)
#endif

/*
 * The 32-bit entries, where the architecture has them: the wrappers' symbols, the
 * compat system call numbers (raw sys_enter sees them), whether the current system
 * call is a compat one, and its arguments in the user registers.
 */
#if defined(bpf_target_x86)
#define HBC_COMPAT 1
#define COMPAT_NR_EXECVE 11		/* arch/x86/entry/syscalls/syscall_32.tbl */
#define COMPAT_NR_EXECVEAT 358
#define COMPAT_ARG0(r) BPF_CORE_READ((r), bx)
#define COMPAT_ARG1(r) BPF_CORE_READ((r), cx)
#define COMPAT_ARG2(r) BPF_CORE_READ((r), dx)
#define COMPAT_ARG4(r) BPF_CORE_READ((r), di)
#define COMPAT_EXECVE "__ia32_compat_sys_execve"
#define COMPAT_EXECVEAT "__ia32_compat_sys_execveat"
/* TS_COMPAT: set by the 32-bit syscall entry, also for int $0x80 from a 64-bit process */
static __always_inline bool compat_syscall(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.status) & 0x0002;
}
#elif defined(bpf_target_arm64)
#define HBC_COMPAT 1
#define COMPAT_NR_EXECVE 11		/* the arm EABI numbers */
#define COMPAT_NR_EXECVEAT 387
#define COMPAT_ARG0(r) BPF_CORE_READ((r), regs[0])
#define COMPAT_ARG1(r) BPF_CORE_READ((r), regs[1])
#define COMPAT_ARG2(r) BPF_CORE_READ((r), regs[2])
#define COMPAT_ARG4(r) BPF_CORE_READ((r), regs[4])
#define COMPAT_EXECVE "__arm64_compat_sys_execve"
#define COMPAT_EXECVEAT "__arm64_compat_sys_execveat"
/* TIF_32BIT: an AArch32 task; only those make compat system calls */
static __always_inline bool compat_syscall(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.flags) & (1UL << 22);
}
#endif

/* User pointers (a failed exec's argv) are 4 bytes on 32-bit kernels and in compat calls. */
#if defined(bpf_target_arm)
#define NATIVE_PTR32 true
#else
#define NATIVE_PTR32 false
#endif

/*
 * Set by the loader before load: the kernel's system call entries are wrappers that take
 * the user pt_regs but are named plain sys_<name> (powerpc from 6.1). libbpf knows
 * wrappers only as __<arch>_sys_<name>, so it neither finds them for ksyscall nor sets
 * LINUX_HAS_SYSCALL_WRAPPER: the loader attaches the ks_ programs to sys_<name> by name,
 * and their arguments are read from the pt_regs the wrapper is given.
 */
const volatile bool regs_wrapper = false;

/*
 * Argument N of the system call whose entry a ks_ program is on: BPF_KSYSCALL's reads
 * (the user pt_regs through a wrapper, else the probed function's own registers), with
 * the loader's regs_wrapper besides libbpf's LINUX_HAS_SYSCALL_WRAPPER.
 */
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
#define SYSCALL_ARG(ctx, n) (LINUX_HAS_SYSCALL_WRAPPER || regs_wrapper			\
	? PT_REGS_PARM##n##_CORE_SYSCALL((struct pt_regs *)PT_REGS_PARM1(ctx))		\
	: PT_REGS_PARM##n##_SYSCALL(ctx))

char message[HBC_MESSAGE_LEN] = "Hello World";

/* Set by the loader before load: records go to the ring buffer, else the perf buffer. */
const volatile bool use_ringbuf = false;
/* Set by the loader before load: argument bytes per record (--args-max); 0: none (--no-args). */
const volatile unsigned int args_max = HBC_ARGS_DEFAULT;
/* Records the ring buffer had no room for. */
__u64 ringbuf_dropped = 0;
/* Exec attempts the config excludes (no record built). */
__u64 excluded_count = 0;
/*
 * Which kinds of exclusion the table in force has (a bit per enum hbc_key_kind), written
 * by the loader around each table swap: an exec is looked up only for those. During a
 * swap it covers the old table's and the new one's.
 */
__u32 exclude_kinds = 0;

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

/*
 * The book's my_config (uid -> message), one hash map per configuration, in the one slot
 * of config_in_force. The loader builds a whole new table for each config it reads
 * (loader/table.c) and swaps it into the slot; that update returns only once every
 * program that could still be reading the old table has finished (map-in-map updates
 * wait for an RCU grace period), so a record's message is one table's, never a mix.
 * An empty slot (no table yet) reads as no entry: the default message.
 */
struct config_table {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HBC_CONFIG_TABLE_MAX);
	/* sizes, not types: BTF has the structs only as declarations here */
	__uint(key_size, sizeof(struct hbc_config_key));
	__uint(value_size, sizeof(struct user_msg_t));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, u32);
	__array(values, struct config_table);
} config_in_force SEC(".maps");

/*
 * What only the entry can see, until the exec's outcome: the caller's pointers and
 * command, and its effective ids (to tell a setuid/setgid exec). The rest of a record is
 * read from the task at the outcome: an exec keeps the pid, parent, real ids, tty and
 * cgroup.
 */
struct pending_exec {
	__u64 filename;			/* the caller's pointers */
	__u64 argv;
	int dirfd;
	unsigned int at_flags;
	unsigned int euid;
	unsigned int egid;
	unsigned short flags;
	unsigned char syscall;
	char command[HBC_COMMAND_LEN];
};

/* By thread id. LRU: an exec whose outcome never came (a kill mid-exec) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HBC_PENDING_MAX);
	__type(key, u32);
	__type(value, struct pending_exec);
} pending SEC(".maps");

/*
 * Every size handed to a helper is masked to a power of 2 at its use (masked()), whatever
 * the bounds checks before it: older verifiers (6.1) can lose a bounds check's result on
 * a path they cannot rule out, and see a size or offset as unbounded. The masks never
 * change a value the checks let through.
 */
#define ARGS_MASK (2 * HBC_ARGS_MAX - 1)
#define RECORD_MASK 0xffff	/* > header + path + arguments, 36,995 bytes at most */
static __always_inline u64 masked(u64 v, u64 mask)
{
	barrier_var(v);		/* or the compiler, knowing the bound, drops the mask */
	return v & mask;
}

/*
 * A record with room for the longest path and three times the most arguments (each
 * argument of a failed exec is read at an offset below HBC_ARGS_MAX with a size masked to
 * ARGS_MASK, and the verifier adds the two bounds): too big for the 512-byte BPF stack,
 * and for a per-CPU array's 32 KiB value. A slot per CPU and per enum hbc_scratch_role
 * (bpf/hello-buffer-config.h), at role * scratch_cpus + CPU: the kernel runs one instance
 * of a program per CPU at a time, but where tracepoints are preemptible (PREEMPT_RT, 7.x
 * x86) a program can be preempted mid-record by another one on its CPU. The loader sets
 * scratch_cpus to the possible CPUs and max_entries to the slots of the roles it loads.
 */
struct record_buf {
	char bytes[sizeof(struct data_t) + HBC_PATH_MAX + 3 * HBC_ARGS_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct record_buf);
} scratch SEC(".maps");

/* Set by the loader before load: the possible CPUs (the scratch slots of a role). */
const volatile unsigned int scratch_cpus = 1;

static __always_inline struct data_t *scratch_record(enum hbc_scratch_role role)
{
	u32 slot = role * scratch_cpus + bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &slot);
}

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

/* The current task's comm and effective ids, into @e. */
static __always_inline void current_caller(struct pending_exec *e)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	bpf_get_current_comm(&e->command, sizeof(e->command));
	e->euid = BPF_CORE_READ(t, cred, euid.val);
	e->egid = BPF_CORE_READ(t, cred, egid.val);
}

static __always_inline void *config_table(void)
{
	u32 slot = 0;

	return bpf_map_lookup_elem(&config_in_force, &slot);
}

/* @k (kind set, the rest zero) with @kind's field is in the table: an exclusion. */
static __always_inline bool in_table(void *table, struct hbc_config_key *k, unsigned int kind)
{
	k->kind = kind;
	return bpf_map_lookup_elem(table, k) != NULL;
}

/*
 * The config in force excludes the caller (@uid, @comm, its cgroup): one lookup per kind
 * of exclusion the table has, none when it has none. Counted.
 */
static __always_inline bool excluded(u32 uid, const char *comm)
{
	u32 kinds = exclude_kinds;
	struct hbc_config_key k = {};
	void *table;
	bool hit = false;

	if (!kinds || !(table = config_table()))
		return false;
	if (kinds & (1 << HBC_KEY_EXCLUDE_UID)) {
		k.uid = uid;
		hit = in_table(table, &k, HBC_KEY_EXCLUDE_UID);
		k.uid = 0;
	}
	if (!hit && (kinds & (1 << HBC_KEY_EXCLUDE_COMMAND))) {
		__builtin_memcpy(k.command, comm, sizeof(k.command));
		hit = in_table(table, &k, HBC_KEY_EXCLUDE_COMMAND);
		__builtin_memset(k.command, 0, sizeof(k.command));
	}
	if (!hit && (kinds & (1 << HBC_KEY_EXCLUDE_CGROUP))) {
		k.cgroup = bpf_get_current_cgroup_id();
		hit = in_table(table, &k, HBC_KEY_EXCLUDE_CGROUP);
	}
	if (hit)
		__sync_fetch_and_add(&excluded_count, 1);
	return hit;
}

/*
 * Entry: stash what only the caller still has; for an excluded exec only that it is
 * excluded, so that its outcome builds no record either.
 */
static __always_inline int exec_enter(const char *filename, const void *argv, int dirfd,
				      unsigned int at_flags, unsigned char syscall,
				      unsigned short flags)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct pending_exec e = {
		.filename = (__u64)filename,
		.argv = (__u64)argv,
		.dirfd = dirfd,
		.at_flags = at_flags,
		.syscall = syscall,
		.flags = flags,
	};

	current_caller(&e);
	if (excluded((u32)bpf_get_current_uid_gid(), e.command))
		e.flags |= HBC_F_EXCLUDED;
	bpf_map_update_elem(&pending, &tid, &e, BPF_ANY);
	return 0;
}

#ifdef HBC_COMPAT
/* The 32-bit entries' arguments, from the user registers @regs. */
static __always_inline int compat_execve_enter(struct pt_regs *regs)
{
	return exec_enter((const char *)COMPAT_ARG0(regs), (const void *)COMPAT_ARG1(regs),
			  HBC_AT_FDCWD, 0, HBC_SYS_EXECVE, HBC_F_COMPAT);
}

static __always_inline int compat_execveat_enter(struct pt_regs *regs)
{
	return exec_enter((const char *)COMPAT_ARG1(regs), (const void *)COMPAT_ARG2(regs),
			  (int)COMPAT_ARG0(regs), (unsigned int)COMPAT_ARG4(regs),
			  HBC_SYS_EXECVEAT, HBC_F_COMPAT);
}
#endif

/* The record's message: the uid's from the table in force, else the default. */
static __always_inline void fill_message(struct data_t *d)
{
	struct hbc_config_key k = { .kind = HBC_KEY_MESSAGE, .uid = d->uid };
	void *table = config_table();
	struct user_msg_t *p = table ? bpf_map_lookup_elem(table, &k) : NULL;

	if (p)
		bpf_probe_read_kernel_str(&d->message, sizeof(d->message), p->message);
	else
		bpf_probe_read_kernel_str(&d->message, sizeof(d->message), message);
}

static __always_inline void fill_from_entry(struct data_t *d, const struct pending_exec *e)
{
	d->dirfd = e->dirfd;
	d->at_flags = e->at_flags;
	d->syscall = e->syscall;
	d->flags = e->flags;
	__builtin_memcpy(d->command, e->command, sizeof(d->command));
}

/*
 * What an exec does not change, from the current task at the outcome: pid, parent, real
 * and effective ids, audit login uid and session, tty, cgroup; and the time.
 */
static __always_inline void fill_task(struct data_t *d)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct task_struct *parent = BPF_CORE_READ(t, real_parent);
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	u64 ugid = bpf_get_current_uid_gid();

	d->boot_ns = bpf_ktime_get_boot_ns();
	d->cgroup_id = bpf_get_current_cgroup_id();
	d->pid = bpf_get_current_pid_tgid() >> 32;
	d->ppid = BPF_CORE_READ(parent, tgid);
	d->uid = (u32)ugid;
	d->gid = ugid >> 32;
	d->euid = BPF_CORE_READ(t, cred, euid.val);
	d->egid = BPF_CORE_READ(t, cred, egid.val);
	bpf_core_read_str(d->parent_command, sizeof(d->parent_command), &parent->comm);
	/* kernels without audit (CONFIG_AUDITSYSCALL) have neither field */
	if (bpf_core_field_exists(t->loginuid)) {
		d->loginuid = BPF_CORE_READ(t, loginuid.val);
		d->sessionid = BPF_CORE_READ(t, sessionid);
		d->flags |= HBC_F_AUDIT;
	} else {
		d->loginuid = (u32)-1;
		d->sessionid = (u32)-1;
	}
	d->tty[0] = '\0';
	if (tty)
		bpf_core_read_str(d->tty, sizeof(d->tty), &tty->name);
}

/*
 * @n: what a bpf_probe_read_*_str() of the path returned: the bytes with the NUL, or
 * -errno; 0 for an empty string on kernels before 6.2 or so (strncpy_from_user_nofault()
 * did not count the NUL of an empty string).
 */
static __always_inline unsigned int path_len(struct data_t *d, long n)
{
	unsigned int len = 0;

	if (n > 0)
		len = (n - 1) & (HBC_PATH_MAX - 1);
	else if (n < 0)
		d->flags |= HBC_F_NO_PATH;
	d->path_len = len;
	return len;
}

/* Where the arguments go: right after the path's @plen bytes. */
static __always_inline char *args_at(struct data_t *d, unsigned int plen)
{
	return d->path + (plen & (HBC_PATH_MAX - 1));
}

static __always_inline struct mm_struct *current_mm(void)
{
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), mm);
}

/*
 * A successful exec's arguments, into @dst: the argument area the kernel wrote into the
 * new program's memory (mm->arg_start..arg_end, each NUL-terminated), at most args_max
 * bytes. Kernel-written pages of the new mm: present, whatever the caller's page tables.
 */
static __always_inline unsigned int args_of_new_program(struct data_t *d, char *dst,
							struct mm_struct *mm, unsigned int argc)
{
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long len = BPF_CORE_READ(mm, arg_end) - start;

	d->argc = argc;
	if (len > args_max) {
		len = args_max;
		d->flags |= HBC_F_ARGS_CUT;
	}
	if (len > HBC_ARGS_MAX)
		len = HBC_ARGS_MAX;
	if (bpf_probe_read_user(dst, masked(len, ARGS_MASK), (const void *)start)) {
		d->flags |= HBC_F_NO_ARGS;
		return 0;
	}
	return len;
}

/* argv[@i] of a failed exec (a user pointer of 4 or 8 bytes): 0 on success. */
static __always_inline long argv_entry(const void *argv, int i, bool ptr32, u64 *p)
{
	u32 p32 = 0;
	long err;

	if (!ptr32)
		return bpf_probe_read_user(p, sizeof(*p), (const char *)argv + 8 * i);
	err = bpf_probe_read_user(&p32, sizeof(p32), (const char *)argv + 4 * i);
	*p = p32;
	return err;
}

/*
 * Walking a failed exec's argv: what stays the same in every step. What changes (entries
 * counted, bytes copied) lives in the record, d->argc and d->args_len: map memory, whose
 * values the verifier does not track, so that the states of one step and the next are
 * the same to it and a bpf_loop() callback is checked once, not once per step.
 */
struct argv_walk {
	struct data_t *d;
	char *dst;			/* where the strings go */
	const void *argv;		/* the caller's */
	u64 max;			/* args_max */
	bool ptr32;
};

/* One argv entry counted into d->argc (bpf_loop callback): 1 at the NULL or unreadable. */
static long count_entry(u64 i, void *ctx)
{
	struct argv_walk *w = ctx;
	u64 p;

	if (argv_entry(w->argv, i, w->ptr32, &p)) {
		w->d->flags |= HBC_F_NO_ARGS;
		return 1;
	}
	if (!p)
		return 1;
	w->d->argc++;
	return 0;
}

/*
 * Argument @i copied after the d->args_len bytes copied so far (bpf_loop callback): 1
 * when done, because all are copied, args_max is reached (flagged cut when any is left)
 * or memory cannot be read (flagged).
 */
static long copy_entry(u64 i, void *ctx)
{
	struct argv_walk *w = ctx;
	struct data_t *d = w->d;
	/* 64-bit: the verifier bounds the very register passed to the helper */
	u64 room, p, off = d->args_len;
	long n;

	if (i >= d->argc || off >= w->max || argv_entry(w->argv, i, w->ptr32, &p) || !p)
		return 1;
	/* one byte more than is left: a string that does not fit reads to the end */
	room = w->max - off + 1;
	if (room > HBC_ARGS_MAX)
		room = HBC_ARGS_MAX;
	barrier_var(room);	/* the bounded value itself goes to the helper */
	n = bpf_probe_read_user_str(w->dst + masked(off, HBC_ARGS_MAX - 1), masked(room, ARGS_MASK),
				    (const void *)p);
	if (n < 0) {
		d->flags |= HBC_F_NO_ARGS;
		return 1;
	}
	if (n == 0)	/* an empty string, whose NUL older kernels do not count */
		n = 1;
	if ((u64)n == room) {	/* cut: the string, or its NUL, did not fit */
		d->args_len = w->max;
		d->flags |= HBC_F_ARGS_CUT;
		return 1;
	}
	d->args_len = off + n;
	if (off + n >= w->max && i + 1 < d->argc)
		d->flags |= HBC_F_ARGS_CUT;	/* full, and arguments are left */
	return 0;
}

/*
 * A failed exec's arguments, into @dst: read from the caller's argv at the syscall's
 * exit, at most args_max bytes; argc counts the entries up to the NULL (at most
 * HBC_ARGV_SCAN). Unreadable memory stops it, flagged. Two walks, each with one way to
 * go on: with @loop, bpf_loop(), whose callback the verifier checks once; else bounded
 * loops of HBC_ARGV_SCAN_LOOPS steps, which it checks step by step. @loop is a constant
 * of each exit program (its _xl variant; see KRET_EXITS), not a rodata flag: a kernel
 * before 5.13 refuses a program that so much as names a callback, even in dead code.
 */
static __always_inline unsigned int args_of_caller(struct data_t *d, char *dst,
						   const void *argv, bool ptr32, bool loop)
{
	struct argv_walk w = { .d = d, .dst = dst, .argv = argv, .max = args_max, .ptr32 = ptr32 };
	u32 i;

	d->argc = 0;
	d->args_len = 0;
	if (!argv)
		return 0;
	if (loop) {	/* a compile-time constant: the other branch is not in the program */
		bpf_loop(HBC_ARGV_SCAN, count_entry, &w, 0);
		bpf_loop(HBC_ARGV_SCAN, copy_entry, &w, 0);
		if (d->argc >= HBC_ARGV_SCAN)
			d->flags |= HBC_F_ARGS_CUT;	/* more entries than counted */
	} else {
		for (i = 0; i < HBC_ARGV_SCAN_LOOPS; i++)
			if (count_entry(i, &w))
				break;
		for (i = 0; i < HBC_ARGV_SCAN_LOOPS; i++)
			if (copy_entry(i, &w))
				break;
		if (d->argc >= HBC_ARGV_SCAN_LOOPS)
			d->flags |= HBC_F_ARGS_CUT;
	}
	return d->args_len;
}

/* @size bytes of @d into the ring buffer or the perf buffer. */
static __always_inline void output_record(void *ctx, struct data_t *d, u64 size)
{
	if (!use_ringbuf)
		bpf_perf_event_output(ctx, &output, BPF_F_CURRENT_CPU, d, masked(size, RECORD_MASK));
	else if (bpf_ringbuf_output(&records, d, masked(size, RECORD_MASK), ringbuf_wakeup()))
		__sync_fetch_and_add(&ringbuf_dropped, 1);
}

/* Send the record: its header, @plen bytes of path, @alen bytes of arguments. */
static __always_inline int submit(void *ctx, struct data_t *d, unsigned int plen, unsigned int alen)
{
	if (alen > HBC_ARGS_MAX)
		alen = HBC_ARGS_MAX;
	d->args_len = alen;
	fill_message(d);
	output_record(ctx, d, HBC_RECORD_HEADER + (plen & (HBC_PATH_MAX - 1)) + alen);
	return 0;
}

/*
 * The effective ids before the exec (@euid, @egid: the stash) and after (in @d): a setuid
 * or setgid file changed them.
 */
static __always_inline void flag_setid(struct data_t *d, unsigned int euid, unsigned int egid)
{
	if (d->euid != euid || d->egid != egid)
		d->flags |= HBC_F_SETID;
}

/*
 * A successful exec that exec_done missed, seen at the syscall's exit: the kernel runs
 * one instance of a program per CPU and skips the next while one is preempted (where
 * tracepoints are preemptible: PREEMPT_RT, 7.x x86). The new program's memory is in
 * place and has not run yet: its path as the kernel copied it there (AT_EXECFN, right
 * after the environment strings), argc at the initial stack pointer, the arguments.
 * The setid flag as exec_done sets it. Returns the path's length; *@alen the arguments'.
 */
static __always_inline unsigned int exec_missed(struct data_t *d, const struct pending_exec *e,
						bool ptr32, unsigned int *alen)
{
	struct mm_struct *mm = current_mm();
	unsigned int plen;
	u64 argc;
	long n;

	d->flags |= HBC_F_KERNEL_PATH;
	flag_setid(d, e->euid, e->egid);
	n = bpf_probe_read_user_str(d->path, HBC_PATH_MAX, (const void *)BPF_CORE_READ(mm, env_end));
	plen = path_len(d, n);
	/* argc: a long of the new program's ABI, read as its argv entries are */
	if (argv_entry((const void *)BPF_CORE_READ(mm, start_stack), 0, ptr32, &argc))
		argc = 0;
	if (args_max)
		*alen = args_of_new_program(d, args_at(d, plen), mm, (unsigned int)argc);
	else
		d->flags |= HBC_F_ARGS_OFF;
	return plen;
}

/*
 * The syscall returned while its entry is still stashed: the exec failed (a success
 * went through exec_done, which took the entry, unless it missed it: exec_missed()).
 * @compat: which exit this is, so that the native and the compat exit hooks never both
 * report one exec. @loop: see args_of_caller().
 */
static __always_inline int exec_exit(void *ctx, long ret, bool compat, bool loop,
				     enum hbc_scratch_role role)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct pending_exec *e = bpf_map_lookup_elem(&pending, &tid);
	unsigned int plen, alen = 0;
	struct data_t *d;
	long n;

	if (!e || !!(e->flags & HBC_F_COMPAT) != compat)
		return 0;
	if (e->flags & HBC_F_EXCLUDED) {
		bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	d = scratch_record(role);
	if (!d) {
		bpf_map_delete_elem(&pending, &tid);
		return 0;
	}
	fill_from_entry(d, e);
	fill_task(d);
	d->result = ret;
	d->argc = 0;
	if (ret == 0) {
		plen = exec_missed(d, e, compat || NATIVE_PTR32, &alen);
		bpf_map_delete_elem(&pending, &tid);
		return submit(ctx, d, plen, alen);
	}
	n = bpf_probe_read_user_str(d->path, HBC_PATH_MAX, (const void *)e->filename);
	plen = path_len(d, n);
	if (!args_max)
		d->flags |= HBC_F_ARGS_OFF;
	else
		alen = args_of_caller(d, args_at(d, plen), (const void *)e->argv, compat || NATIVE_PTR32,
				      loop);
	bpf_map_delete_elem(&pending, &tid);
	return submit(ctx, d, plen, alen);
}

/*
 * The exec succeeded (the new program is in place; comm is already its name). The
 * entry is found by old_pid: an exec from a non-leader thread takes the leader's pid.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_done, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 tid = old_pid;
	struct pending_exec *e = bpf_map_lookup_elem(&pending, &tid);
	struct data_t *d = scratch_record(HBC_SCRATCH_EXEC);
	/* an exec whose entry came before we attached, or was not hooked: its comm is the new one */
	struct pending_exec unseen = { .dirfd = HBC_AT_FDCWD, .syscall = HBC_SYS_UNKNOWN,
				       .flags = HBC_F_COMM_AFTER };
	unsigned int plen, alen = 0, euid = 0, egid = 0;
	bool seen = e;
	long n;

	if (!d)
		return 0;
	if (e) {
		bool out = e->flags & HBC_F_EXCLUDED;

		fill_from_entry(d, e);
		euid = e->euid;
		egid = e->egid;
		bpf_map_delete_elem(&pending, &tid);
		if (out)
			return 0;
	} else {	/* its entry unseen: the exclusions by what is left of the caller */
		current_caller(&unseen);
		if (excluded((u32)bpf_get_current_uid_gid(), unseen.command))
			return 0;
		fill_from_entry(d, &unseen);
	}
	fill_task(d);
	if (seen)
		flag_setid(d, euid, egid);
	d->result = 0;
	d->argc = 0;
	d->flags |= HBC_F_KERNEL_PATH;
	n = bpf_probe_read_kernel_str(d->path, HBC_PATH_MAX, BPF_CORE_READ(bprm, filename));
	plen = path_len(d, n);
	if (args_max)
		alen = args_of_new_program(d, args_at(d, plen), current_mm(), BPF_CORE_READ(bprm, argc));
	else
		d->flags |= HBC_F_ARGS_OFF;
	return submit(ctx, d, plen, alen);
}

/* ---- kprobes: the native entries (ksyscall) and the compat wrappers by symbol ---- */

/*
 * Each syscall exit comes as two programs, of which the loader loads one (and says so):
 * <name>_x walks a failed exec's argv with bounded loops, which any kernel takes;
 * <name>_xl with bpf_loop(), where the kernel runs it (hbc_bpf_loop_usable()).
 */
#define KRET_EXIT(sec, name, compat, loop)						\
	SEC(sec) int BPF_KRETPROBE(name, long ret)					\
	{										\
		return exec_exit(ctx, ret, compat, loop, HBC_SCRATCH_EXIT);		\
	}
#define KRET_EXITS(sec, name, compat)							\
	KRET_EXIT(sec, name##_x, compat, false)						\
	KRET_EXIT(sec, name##_xl, compat, true)


SEC("ksyscall/execve")
int BPF_KPROBE(ks_execve)
{
	return exec_enter((const char *)SYSCALL_ARG(ctx, 1), (const void *)SYSCALL_ARG(ctx, 2),
			  HBC_AT_FDCWD, 0, HBC_SYS_EXECVE, 0);
}

SEC("ksyscall/execveat")
int BPF_KPROBE(ks_execveat)
{
	return exec_enter((const char *)SYSCALL_ARG(ctx, 2), (const void *)SYSCALL_ARG(ctx, 3),
			  (int)SYSCALL_ARG(ctx, 1), (int)SYSCALL_ARG(ctx, 5), HBC_SYS_EXECVEAT, 0);
}

KRET_EXITS("kretsyscall/execve", ks_execve, false)
KRET_EXITS("kretsyscall/execveat", ks_execveat, false)

#ifdef HBC_COMPAT
SEC("kprobe/" COMPAT_EXECVE)
int BPF_KPROBE(ks_c_execve, struct pt_regs *regs)
{
	return compat_execve_enter(regs);
}

SEC("kprobe/" COMPAT_EXECVEAT)
int BPF_KPROBE(ks_c_execveat, struct pt_regs *regs)
{
	return compat_execveat_enter(regs);
}

KRET_EXITS("kretprobe/" COMPAT_EXECVE, ks_c_execve, true)
KRET_EXITS("kretprobe/" COMPAT_EXECVEAT, ks_c_execveat, true)
#endif

/*
 * A cgroup v2 directory was made: its id and path, for the loader to name the cgroup of
 * the execs in it even once it is gone. A transient unit's or a container's cgroup is
 * removed as soon as its last process exits, often before the loader has read the
 * records of its execs; their cgroup id alone could not be named any more then. Through
 * the same buffer, so that (a ring buffer keeps one order) the loader learns the path
 * before it reads an exec in the cgroup. A raw tracepoint: no tracefs, no kprobes, and
 * struct cgroup, which every kernel's BTF has. cgroup v1 hierarchies are skipped.
 */
SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(cg_made, struct cgroup *cgrp, const char *path)
{
	struct kernfs_node *kn = BPF_CORE_READ(cgrp, kn);
	struct data_t *d;
	long n;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)	/* 0: the default (v2) hierarchy */
		return 0;
	d = scratch_record(HBC_SCRATCH_CGROUP);
	if (!d)
		return 0;
	__builtin_memset(d, 0, HBC_RECORD_HEADER);
	d->flags = HBC_F_CGROUP_MADE;
	d->boot_ns = bpf_ktime_get_boot_ns();
	/* the kernfs id, as bpf_get_current_cgroup_id() gives it (a union of 8 bytes before 5.5) */
	bpf_core_read(&d->cgroup_id, sizeof(d->cgroup_id), &kn->id);
	n = bpf_probe_read_kernel_str(d->path, HBC_PATH_MAX, path);
	if (path_len(d, n) == 0)
		return 0;
	output_record(ctx, d, HBC_RECORD_HEADER + (d->path_len & (HBC_PATH_MAX - 1)));
	return 0;
}

/* ---- tracepoints: for kernels without kprobes ---- */

SEC("tp/syscalls/sys_enter_execve")
int tp_execve(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[0], (const void *)ctx->args[1], HBC_AT_FDCWD, 0,
			  HBC_SYS_EXECVE, 0);
}

SEC("tp/syscalls/sys_enter_execveat")
int tp_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[1], (const void *)ctx->args[2], (int)ctx->args[0],
			  (unsigned int)ctx->args[4], HBC_SYS_EXECVEAT, 0);
}

/*
 * A syscall exit record is the enter record's layout with ret where args[0] is (both are
 * { trace_entry; syscall nr; then longs }). Read through trace_event_raw_sys_enter, which
 * every kernel's BTF has: the BTF Debian's armhf kernels get from their DWARF (pahole)
 * has no trace_event_raw_sys_exit.
 */
static __always_inline long sys_exit_ret(const struct trace_event_raw_sys_enter *ctx)
{
	return (long)ctx->args[0];
}

#define TP_EXIT(sec, name, loop)							\
	SEC(sec) int name(struct trace_event_raw_sys_enter *ctx)			\
	{										\
		return exec_exit(ctx, sys_exit_ret(ctx), false, loop, HBC_SCRATCH_EXIT);	\
	}
#define TP_EXITS(sec, name)								\
	TP_EXIT(sec, name##_x, false)							\
	TP_EXIT(sec, name##_xl, true)

/* in pairs: see KRET_EXITS */
TP_EXITS("tp/syscalls/sys_exit_execve", tp_execve)
TP_EXITS("tp/syscalls/sys_exit_execveat", tp_execveat)

#ifdef HBC_COMPAT
/*
 * The syscalls/ tracepoints skip compat system calls; the raw ones see every system
 * call of the machine, so these return at once unless it is a compat exec.
 */
SEC("raw_tp/sys_enter")
int BPF_PROG(tp_c_execve, struct pt_regs *regs, long nr)
{
	if (nr != COMPAT_NR_EXECVE && nr != COMPAT_NR_EXECVEAT)
		return 0;
	if (!compat_syscall((struct task_struct *)bpf_get_current_task()))
		return 0;
	return nr == COMPAT_NR_EXECVE ? compat_execve_enter(regs) : compat_execveat_enter(regs);
}

static __always_inline int compat_exit(void *ctx, long ret, bool loop)
{
	if (!compat_syscall((struct task_struct *)bpf_get_current_task()))
		return 0;
	return exec_exit(ctx, ret, true, loop, HBC_SCRATCH_RAW_EXIT);
}

/* in a pair: see KRET_EXITS */
SEC("raw_tp/sys_exit")
int BPF_PROG(tp_c_execve_x, struct pt_regs *regs, long ret)
{
	return compat_exit(ctx, ret, false);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(tp_c_execve_xl, struct pt_regs *regs, long ret)
{
	return compat_exit(ctx, ret, true);
}
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";
