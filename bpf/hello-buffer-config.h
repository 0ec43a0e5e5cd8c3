/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Record layout shared by the BPF program and the loader. */
#ifndef HELLO_BUFFER_CONFIG_H
#define HELLO_BUFFER_CONFIG_H

#define HBC_COMMAND_LEN 16
#define HBC_MESSAGE_LEN 12
#define HBC_PATH_LEN 16
#define HBC_CONFIG_MAX_ENTRIES 10240
#define HBC_RINGBUF_BYTES (512 * 1024)
/* The BPF program wakes the reader when this much is waiting in the ring buffer. */
#define HBC_RINGBUF_WAKEUP_BYTES (64 * 1024)

struct data_t {
	int pid;
	int uid;
	char command[HBC_COMMAND_LEN];
	char message[HBC_MESSAGE_LEN];
	char path[HBC_PATH_LEN];
};

struct user_msg_t {
	char message[HBC_MESSAGE_LEN];
};

#endif /* HELLO_BUFFER_CONFIG_H */
