/* SPDX-License-Identifier: GPL-2.0 */
/* `skbtrace addr2line`: source lines for kernel sym+off, offline. */
#ifndef SKBT_ADDR2LINE_CMD_H
#define SKBT_ADDR2LINE_CMD_H

#include <stdio.h>

struct srcline;
struct srcline_match;

/* argv[0] is "addr2line". Returns the process exit code (2: usage). */
int addr2line_main(int argc, char **argv);

/* Prints one match's chain as faddr2line does: "func at file:line" lines. */
void srcline_print_chain(FILE *out, const struct srcline_match *m, const char *indent);

/*
 * Reads a JSON-lines trace from in and writes it to out with the source
 * lines of every "stack" frame and of "drop_location" added. Returns 0, or
 * -1 when in could not be read.
 */
int addr2line_json(struct srcline *s, FILE *in, FILE *out);

#endif
