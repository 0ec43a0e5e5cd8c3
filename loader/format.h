/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * How records are printed: aligned text columns, or JSON lines. Every string field
 * comes from the kernel as bytes; both forms escape them reversibly (loader/README.md):
 *  - text: printable UTF-8 as is; '\' as "\\", tab "\t", newline "\n", carriage return
 *    "\r", every other byte of a control character, of a C1 control or U+2028/U+2029,
 *    and every byte that is not part of valid UTF-8, as "\xNN"; in every column but the
 *    last (the message) a space is "\x20" too, so a line is always one record and its
 *    columns split on spaces. An empty path (or command) is "", a path that could not be
 *    read "?"; a result that is no -errno is shown as its number.
 *  - JSON: valid UTF-8 as is (control characters as \n, \t, \u00NN ...); a byte that
 *    is not part of valid UTF-8 as the lone surrogate \udcNN (PEP 383's
 *    "surrogateescape": Python's bytes(s, 'utf-8', 'surrogateescape') gives it back).
 *    A path that could not be read is null.
 */
#ifndef HBC_FORMAT_H
#define HBC_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hello-buffer-config.h"
#include "journal.h"
#include "record.h"

/* Room for any path hbc_format_path() writes: the kernel's "/dev/fd/N/" and the NUL. */
#define HBC_FORMAT_PATH_MAX (HBC_PATH_MAX + 32)

/*
 * The record's path as the kernel names the file: for an execveat() relative to a
 * directory fd that the kernel did not copy itself, "/dev/fd/N/<path>" ("/dev/fd/N" for
 * AT_EMPTY_PATH), as the kernel's bprm->filename does. Returns its length; -1 when the
 * path could not be read. @d is followed by its d->path_len path bytes.
 */
int hbc_format_path(const struct data_t *d, char *buf, size_t len);
/* "execve", "execveat" or "unknown" (the exec's entry was not seen). */
const char *hbc_format_syscall(const struct data_t *d);

/* "2026-12-03T12:34:56.123456789Z": @wall_ns (nanoseconds since the epoch) in UTC. */
void hbc_format_time(char *buf, size_t len, long long wall_ns);

/* Header line for text output. */
void hbc_format_text_header(FILE *out);
/*
 * "TIME PID PPID UID GID EUID EGID AUID SES TTY PCOMM COMMAND SYSCALL RESULT CONTAINER
 * CGROUP PATH [N] ARG... MESSAGE": one column each but ARGS, which is a count "[N]"
 * ("[N/ARGC]" cut, "[N/?]" unreadable, "[-]" not collected) and N argument columns; the
 * message last, its spaces as they are (loader/README.md).
 */
void hbc_format_text(FILE *out, const struct hbc_record *r);
/*
 * {"type":"exec","pid":..,"uid":..,"command":..,"syscall":..,"compat":..,"result":..,
 *  ["error":"ENOENT",]["dirfd":..,"at_flags":..,]"path":..|null,"path_source":..,
 *  ["command_after_exec":true,]"time":..,"boot_ns":..,"ppid":..,"parent_command":..,
 *  "gid":..,"euid":..,"egid":..,["setid":true,]["loginuid":..,"sessionid":..,]
 *  "tty":..|null,"cgroup_id":..,"cgroup":..|null,["container_runtime":..,"container_id":..,]
 *  ["argc":..,"args":[..]|null,["args_cut":true,]["args_unreadable":true,]]"message":..}
 */
void hbc_format_json(FILE *out, const struct hbc_record *r);
/*
 * The record as native journal fields into @e (loader/README.md lists them): MESSAGE its
 * text line @line[@len] (no newline), MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER, and a field
 * HBC_* per record field with its exact bytes: HBC_PATH, HBC_COMMAND, HBC_ARGV (the
 * arguments, each NUL-terminated as the kernel lays them out), ...
 */
void hbc_format_journal(struct hbc_jentry *e, const struct hbc_record *r, const char *line, size_t len);
/* Bytes as a JSON string, escaped as above. */
void hbc_format_json_bytes(FILE *out, const char *s, size_t n);
/* A NUL-terminated string as a JSON string. */
void hbc_format_json_str(FILE *out, const char *s);
/* {"type":"lost","cpu":..,"count":..} */
void hbc_format_json_lost(FILE *out, int cpu, uint64_t count);
/* {"type":"summary","events":..,"lost":..,"beyond_count":..,"excluded":..}: the last line */
void hbc_format_json_summary(FILE *out, uint64_t events, uint64_t lost, uint64_t beyond,
			     uint64_t excluded);

#endif /* HBC_FORMAT_H */
