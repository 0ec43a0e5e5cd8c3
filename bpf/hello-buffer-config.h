/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Record layout shared by the BPF program and the loader. */
#ifndef HELLO_BUFFER_CONFIG_H
#define HELLO_BUFFER_CONFIG_H

#define HBC_COMMAND_LEN 16
#define HBC_MESSAGE_LEN 12
/* PATH_MAX: the kernel's own bound on a filename, its NUL included. A power of 2. */
#define HBC_PATH_MAX 4096
#define HBC_CONFIG_MAX_ENTRIES 10240
/* Execs between their syscall's entry and their outcome, machine-wide (LRU: bounded). */
#define HBC_PENDING_MAX 8192
#define HBC_RINGBUF_BYTES (512 * 1024)
/* The BPF program wakes the reader when this much is waiting in the ring buffer. */
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
#define HBC_F_COMPAT 0x01	/* a 32-bit (compat) entry: int $0x80 on x86_64, AArch32 on arm64 */
#define HBC_F_NO_PATH 0x02	/* the path could not be read (a bad pointer): path_len is 0 */
#define HBC_F_COMM_AFTER 0x04	/* entry not seen: command is the new program's, not the caller's */
#define HBC_F_KERNEL_PATH 0x08	/* path is the kernel's copy (bprm->filename), not the caller's memory */

/*
 * One record per exec attempt; its size is offsetof(struct data_t, path) + path_len
 * (no NUL). The book's program had pid, uid, command, message and a 16-byte path.
 */
struct data_t {
	int pid;			/* tgid of the process that called exec */
	int uid;
	int result;			/* 0, or the exec's negative errno */
	int dirfd;			/* execveat's dirfd; HBC_AT_FDCWD for execve */
	unsigned int at_flags;		/* execveat's flags; 0 for execve */
	unsigned short path_len;	/* bytes of path[] */
	unsigned char syscall;		/* enum hbc_syscall */
	unsigned char flags;		/* HBC_F_* */
	char command[HBC_COMMAND_LEN];
	char message[HBC_MESSAGE_LEN];
	char path[];
};

#define HBC_RECORD_HEADER ((unsigned int)__builtin_offsetof(struct data_t, path))

struct user_msg_t {
	char message[HBC_MESSAGE_LEN];
};

#endif /* HELLO_BUFFER_CONFIG_H */
