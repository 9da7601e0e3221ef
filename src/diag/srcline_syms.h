/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code symbols of one kernel debug file, by name for sym+off queries
 * and by address to name assembler code, with their sizes as kallsyms and
 * scripts/faddr2line count them.
 */
#ifndef SKBT_SRCLINE_SYMS_H
#define SKBT_SRCLINE_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <elfutils/libdwfl.h>

/*
 * Functions, and untyped symbols in code as a second choice (assembler
 * entry points): kernel stacks name both.
 */
enum sl_kind { SYM_OTHER, SYM_CODE, SYM_FUNC };

struct sl_sym {
	const char *name; /* in the ELF file's string table */
	const char *file; /* the STT_FILE symbol binutils pairs it with, or NULL */
	unsigned long long addr, elf_size;
	unsigned long long size; /* up to the next symbol, padding included */
	unsigned int shndx, idx; /* section, and place in the symbol table */
	enum sl_kind kind;
	bool weak;
};

struct sl_syms {
	struct sl_sym *by_name;
	const struct sl_sym **by_addr;
	size_t n;
};

/* Reads mod's symbol table. 0 or -1 (no symbol table, out of memory). */
int sl_syms_read(struct sl_syms *t, Dwfl_Module *mod);
void sl_syms_free(struct sl_syms *t);
/* How many symbols are named name; the first is t->by_name[*first]. */
size_t sl_syms_named(const struct sl_syms *t, const char *name, size_t *first);
/*
 * The name binutils' addr2line gives assembler code at addr: the symbol
 * that fits it best among those starting where the debug info's function
 * does (low_pc); NULL when none starts there.
 */
/*
 * The source file binutils names for code at addr that has no DWARF: the
 * STT_FILE symbol of the symbol holding addr; NULL when there is none.
 */
const char *sl_syms_file(const struct sl_syms *t, unsigned long long addr);
const char *sl_syms_asm_name(const struct sl_syms *t, unsigned long long addr,
			     unsigned long long low_pc);

#endif
