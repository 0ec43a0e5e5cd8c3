/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* How records are printed: aligned text columns, or JSON lines. */
#ifndef HBC_FORMAT_H
#define HBC_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include "hello-buffer-config.h"

/* Header line for text output. */
void hbc_format_text_header(FILE *out);
/* "pid uid command path message" with non-printable bytes shown as '?'. */
void hbc_format_text(FILE *out, const struct data_t *d);
/* {"type":"exec","pid":..,"uid":..,"command":..,"path":..,"message":..} */
void hbc_format_json(FILE *out, const struct data_t *d);
/* A NUL-terminated string as a JSON string. */
void hbc_format_json_str(FILE *out, const char *s);
/* {"type":"lost","cpu":..,"count":..} */
void hbc_format_json_lost(FILE *out, int cpu, uint64_t count);
/* {"type":"summary","events":..,"lost":..,"beyond_count":..}: the last line */
void hbc_format_json_summary(FILE *out, uint64_t events, uint64_t lost, uint64_t beyond);

#endif /* HBC_FORMAT_H */
