/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Record layout shared by the BPF program and the loader. */
#ifndef HELLO_BUFFER_CONFIG_H
#define HELLO_BUFFER_CONFIG_H

#define HBC_COMMAND_LEN 16
#define HBC_MESSAGE_LEN 12
/* The controlling tty's name as the kernel has it ("pts3", "ttyS0"); longer ones are cut. */
#define HBC_TTY_LEN 16
/* PATH_MAX: the kernel's own bound on a filename, its NUL included. A power of 2. */
#define HBC_PATH_MAX 4096
/* Argument bytes a record carries by default (--args-max), and at most: a record must
 * fit one perf sample (under 64 KiB). A power of 2. */
#define HBC_ARGS_DEFAULT 4096
#define HBC_ARGS_MAX 32768
/*
 * A failed exec's argv is read pointer by pointer: at most this many with bpf_loop(), and
 * this many where the kernel cannot run it (before 5.17, or no BPF JIT), whose verifier
 * then checks the bounded loops step by step.
 */
#define HBC_ARGV_SCAN 1024
#define HBC_ARGV_SCAN_LOOPS 128
#define HBC_CONFIG_MAX_ENTRIES 10240
/* Exclusions of a config file, at most; the table holds messages and exclusions. */
#define HBC_CONFIG_MAX_EXCLUDES 1024
/* The config table: messages, exclusions, and the cgroup ids of "exclude cgroup" lines. */
#define HBC_CONFIG_TABLE_MAX (HBC_CONFIG_MAX_ENTRIES + HBC_CONFIG_MAX_EXCLUDES + 16384)
/* Execs between their syscall's entry and their outcome, machine-wide (LRU: bounded). */
#define HBC_PENDING_MAX 8192
/*
 * The ring buffer, all CPUs, by default (the loader sizes it before load: --ring-size):
 * ~10,000 typical records. The reader maps it twice, so its pages count twice in the
 * tracer's RSS; the packaged unit asks for more, as --journal waits on journald.
 */
#define HBC_RINGBUF_BYTES (2 * 1024 * 1024)
/* The BPF program asks for a wakeup of the reader once this much is waiting. */
#define HBC_RINGBUF_WAKEUP_BYTES (64 * 1024)
/* AT_FDCWD: execve(), and execveat() relative to the working directory. */
#define HBC_AT_FDCWD (-100)
#define HBC_AT_EMPTY_PATH 0x1000

/* Which system call the exec came through. */
enum hbc_syscall {
	HBC_SYS_UNKNOWN = 0,	/* its entry was not seen: see HBC_F_COMM_AFTER */
	HBC_SYS_EXECVE = 1,
	HBC_SYS_EXECVEAT = 2,
};

/* data_t.flags */
#define HBC_F_COMPAT 0x0001	/* a 32-bit (compat) entry: int $0x80 on x86_64, AArch32 on arm64 */
#define HBC_F_NO_PATH 0x0002	/* the path could not be read (a bad pointer): path_len is 0 */
#define HBC_F_COMM_AFTER 0x0004	/* entry not seen: command is the new program's, not the caller's */
#define HBC_F_KERNEL_PATH 0x0008 /* path and args are the kernel's copies (sched_process_exec) */
#define HBC_F_AUDIT 0x0010	/* loginuid and sessionid are the kernel's (it has audit) */
#define HBC_F_SETID 0x0020	/* the exec changed the effective uid or gid (setuid/setgid file) */
#define HBC_F_ARGS_CUT 0x0040	/* args_len stops at --args-max: more (or a longer last) argument */
#define HBC_F_NO_ARGS 0x0080	/* a failed exec's argv could not be read (from args_len on) */
#define HBC_F_ARGS_OFF 0x0100	/* arguments are not collected (--no-args): args_len and argc 0 */
#define HBC_F_EXCLUDED 0x0200	/* (the entry's stash only) the config excludes it: no record */
/* Not an exec: a cgroup v2 directory was made; cgroup_id is its id, path its path. */
#define HBC_F_CGROUP_MADE 0x0400

/*
 * One record per exec attempt; its size is offsetof(struct data_t, path) + path_len +
 * args_len: the path (no NUL), then the arguments as the kernel lays them out for the
 * new program (each NUL-terminated; with HBC_F_ARGS_CUT the last may lack its NUL). The
 * book's program had pid, uid, command, message and a 16-byte path. Naturally aligned,
 * the same layout on every architecture (64-bit fields first).
 */
struct data_t {
	unsigned long long boot_ns;	/* CLOCK_BOOTTIME when the outcome was known */
	unsigned long long cgroup_id;	/* the caller's cgroup v2 id (its directory's inode) */
	int pid;			/* tgid of the process that called exec */
	int ppid;			/* tgid of its parent (real_parent) */
	unsigned int uid;		/* real uid and gid of the caller */
	unsigned int gid;
	unsigned int euid;		/* effective ids the new program runs with (failed: the caller's) */
	unsigned int egid;
	unsigned int loginuid;		/* audit login uid and session (HBC_F_AUDIT); -1: unset */
	unsigned int sessionid;
	int result;			/* 0, or the exec's negative errno */
	int dirfd;			/* execveat's dirfd; HBC_AT_FDCWD for execve */
	unsigned int at_flags;		/* execveat's flags; 0 for execve */
	unsigned int argc;		/* arguments the program got (failed: argv entries read) */
	unsigned short path_len;	/* bytes of path */
	unsigned short args_len;	/* bytes of arguments after the path */
	unsigned short flags;		/* HBC_F_* */
	unsigned char syscall;		/* enum hbc_syscall */
	unsigned char reserved;
	char command[HBC_COMMAND_LEN];
	char parent_command[HBC_COMMAND_LEN];
	char tty[HBC_TTY_LEN];		/* "" without a controlling tty */
	char message[HBC_MESSAGE_LEN];
	char path[];
};

#define HBC_RECORD_HEADER ((unsigned int)__builtin_offsetof(struct data_t, path))

/*
 * Who builds a record in a scratch slot (a slot per role and CPU): programs that can be
 * preempted on their CPU by one another never share one. The exits on kprobes and on the
 * syscalls/ tracepoints run with preemption off (the perf path turns it off); the raw
 * tracepoints (sched_process_exec, cgroup_mkdir, the --raw-syscalls compat exit) can be
 * preemptible. RAW_EXIT last: the loader leaves its slots out unless it loads that exit.
 */
enum hbc_scratch_role {
	HBC_SCRATCH_EXEC,	/* exec_done */
	HBC_SCRATCH_CGROUP,	/* cg_made */
	HBC_SCRATCH_EXIT,	/* kretprobe and syscalls/ tracepoint exits */
	HBC_SCRATCH_RAW_EXIT,	/* tp_c_execve_x (raw sys_exit) */
	HBC_SCRATCH_ROLES
};

struct user_msg_t {
	char message[HBC_MESSAGE_LEN];
};

/*
 * The config table (the book's my_config, grown): a uid's message, and the exclusions of
 * the config file. A key has its kind and the one field of that kind; the others zero.
 * The value is a struct user_msg_t (an exclusion's is empty).
 */
enum hbc_key_kind {
	HBC_KEY_MESSAGE = 0,		/* uid -> message */
	HBC_KEY_EXCLUDE_UID = 1,	/* a caller's uid */
	HBC_KEY_EXCLUDE_COMMAND = 2,	/* a caller's command */
	HBC_KEY_EXCLUDE_CGROUP = 3,	/* a caller's cgroup id (exclude cgroup PATH: each cgroup below PATH) */
};

struct hbc_config_key {
	unsigned long long cgroup;
	unsigned int kind;		/* enum hbc_key_kind */
	unsigned int uid;
	char command[HBC_COMMAND_LEN];
};

#endif /* HELLO_BUFFER_CONFIG_H */
