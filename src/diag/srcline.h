/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source lines of kernel code, sym+off -> the inline chain of (function,
 * file, line), from the kernel's DWARF through elfutils' libdwfl.
 */
#ifndef SKBT_SRCLINE_H
#define SKBT_SRCLINE_H

#include <stdbool.h>
#include <stddef.h>

struct debuginfo;
struct srcline;

/* One link of an inline chain: "func at file:line". */
struct srcline_step {
	const char *func; /* "??" when the debug info names none */
	const char *file; /* relative to the kernel source tree where it is in it */
	int line;	  /* 0 when unknown */
	int discriminator;
};

/* One symbol the query's name matched, with the chain at its offset. */
struct srcline_match {
	unsigned long long sym_addr; /* in the debug file's address space */
	unsigned long long sym_size; /* distance to the next symbol, as kallsyms counts */
	size_t nsteps;
	const struct srcline_step *steps; /* innermost first; none when no line */
};

struct srcline_query {
	const char *module; /* NULL: vmlinux */
	const char *sym;
	unsigned long long off;
	unsigned long long size; /* 0: any symbol of that name; else only that size */
	bool return_addr;	 /* a return address: look up the call, at off - 1 */
};

enum srcline_status {
	SRCLINE_OK,
	SRCLINE_NO_FILE,   /* no debug file for the module, or it is not usable */
	SRCLINE_NO_SYMBOL, /* no function of that name in it */
	SRCLINE_PAST_END,  /* the offset is beyond every match's end */
	SRCLINE_NOMEM,
};

struct srcline_result {
	enum srcline_status status;
	const char *err; /* one line when status != SRCLINE_OK */
	size_t nmatch;
	const struct srcline_match *match;
	size_t skipped; /* matches left out because of the query's size */
};

/*
 * A resolver over the debug files d finds (d belongs to the resolver from
 * now on). Nothing is opened before the first lookup that needs it.
 */
struct srcline *srcline_new(struct debuginfo *d);
void srcline_free(struct srcline *s);

/*
 * Resolves q. The result and everything it points to belong to s and stay
 * valid until srcline_free: lookups are cached, errors included, so the
 * same frame costs one hash lookup the second time.
 */
const struct srcline_result *srcline_lookup(struct srcline *s, const struct srcline_query *q);

/*
 * Parses a frame as skbtrace prints it, "sym+0xoff[/0xsize][ [module]]",
 * into q, whose strings point into buf (a copy of text). 0 or -1.
 */
int srcline_parse(const char *text, struct srcline_query *q, char *buf, size_t len);

/* Lookups done and how many were answered from the cache. */
void srcline_stats(const struct srcline *s, unsigned long long *lookups, unsigned long long *hits);

#endif
