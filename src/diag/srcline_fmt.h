/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How an inline chain is written, the same live and offline: the text
 * lines of the kernel's scripts/faddr2line, and the JSON of docs/json-schema.md.
 */
#ifndef SKBT_SRCLINE_FMT_H
#define SKBT_SRCLINE_FMT_H

#include <stddef.h>

/* Room for any real chain: 30 inlined levels of 300 characters. */
#define SRCLINE_TEXT_MAX 10000

struct srcline_match;
struct srcline_result;

/*
 * "func at file:line" then " (inlined by) func at file:line" lines, each
 * after indent and ending in '\n'; "?? ??:0" when there is no line. Writes
 * whole lines only; returns the length written (buf is NUL-terminated).
 */
size_t srcline_fmt_text(char *buf, size_t len, const struct srcline_match *m, const char *indent);

/*
 * {"sym":frame,"src":[{"func","file","line"[,"discriminator"]}...]} for a
 * stack frame resolved to r (NULL: the frame names no symbol). "matches"
 * when several functions share the name (src is the first's), "error"
 * when the frame itself is wrong (no such function, offset past its end);
 * neither src nor error when the debug file is missing, which is told
 * once, not per frame. Always well-formed: src is left out when it does
 * not fit. Returns the length written.
 */
size_t srcline_fmt_json(char *buf, size_t len, const char *frame, const struct srcline_result *r);

#endif
