// SPDX-License-Identifier: GPL-2.0
/*
 * A debug file's code symbols, read through libdwfl (which relocates a
 * module's), sorted by name and by address once per file.
 */
#include <stdlib.h>
#include <string.h>
#include <gelf.h>

#include "diag/srcline_syms.h"

/* Assemblers' local labels and mapping symbols, which faddr2line skips too. */
static bool is_mapping_symbol(const char *name)
{
	return !*name || !strncmp(name, ".L", 2) || !strncmp(name, "L0", 2) || name[0] == '$';
}

static int by_place(const void *a, const void *b)
{
	const struct sl_sym *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct sl_sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* End of section shndx in the module's address space. */
static unsigned long long section_end(Dwfl_Module *mod, unsigned int shndx)
{
	GElf_Addr bias;
	GElf_Shdr sh;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;

	if (!scn || !gelf_getshdr(scn, &sh))
		return 0;
	return sh.sh_addr + bias + sh.sh_size;
}

/*
 * A function's size is the distance to the next symbol of its section
 * that lies past its ELF size (padding counts, as in kallsyms), or to the
 * section's end: sym[i..n) are sorted by place.
 */
static void size_funcs(Dwfl_Module *mod, struct sl_sym *sym, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		unsigned long long end = sym[i].addr + (sym[i].elf_size ? sym[i].elf_size : 1);

		if (sym[i].kind == SYM_OTHER)
			continue;
		if (j < i)
			j = i;
		while (j < n && sym[j].shndx == sym[i].shndx && sym[j].addr < end)
			j++;
		if (j < n && sym[j].shndx == sym[i].shndx)
			sym[i].size = sym[j].addr - sym[i].addr;
		else
			sym[i].size = section_end(mod, sym[i].shndx) - sym[i].addr;
	}
}

static enum sl_kind sym_kind(Dwfl_Module *mod, const GElf_Sym *sym, unsigned int shndx)
{
	GElf_Addr bias;
	GElf_Shdr sh;
	Elf *elf;
	Elf_Scn *scn;

	if (GELF_ST_TYPE(sym->st_info) == STT_FUNC)
		return SYM_FUNC;
	if (GELF_ST_TYPE(sym->st_info) != STT_NOTYPE)
		return SYM_OTHER;
	elf = dwfl_module_getelf(mod, &bias);
	scn = elf ? elf_getscn(elf, shndx) : NULL;
	if (scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR))
		return SYM_CODE;
	return SYM_OTHER;
}

static int by_addr(const void *a, const void *b)
{
	const struct sl_sym *x = *(const struct sl_sym *const *)a,
			    *y = *(const struct sl_sym *const *)b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * bfd's pairing of a symbol with the STT_FILE symbol before it: a global
 * symbol keeps it only while no STT_FILE has come after another symbol,
 * since globals are gathered at the table's end, away from their file.
 */
struct file_state {
	const char *file;
	bool symbol_seen, file_after_symbol;
};

static const char *sym_file(struct file_state *fs, const GElf_Sym *sym, const char *name)
{
	if (GELF_ST_TYPE(sym->st_info) == STT_FILE) {
		fs->file = name;
		fs->file_after_symbol |= fs->symbol_seen;
		return NULL;
	}
	fs->symbol_seen = true;
	if (GELF_ST_BIND(sym->st_info) == STB_LOCAL || !fs->file_after_symbol)
		return fs->file;
	return NULL;
}

int sl_syms_read(struct sl_syms *t, Dwfl_Module *mod)
{
	int i, n = dwfl_module_getsymtab(mod);
	struct file_state fs = {0};
	struct sl_sym *all;
	size_t nall = 0, k;

	if (n <= 0)
		return -1;
	all = calloc((size_t)n, sizeof(*all));
	if (!all)
		return -1;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		const char *file = name ? sym_file(&fs, &sym, name) : NULL;

		if (!name || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE ||
		    is_mapping_symbol(name))
			continue;
		all[nall++] = (struct sl_sym){.name = name,
					      .file = file,
					      .addr = addr,
					      .elf_size = sym.st_size,
					      .shndx = shndx,
					      .idx = (unsigned int)i,
					      .weak = GELF_ST_BIND(sym.st_info) == STB_WEAK,
					      .kind = sym_kind(mod, &sym, shndx)};
	}
	qsort(all, nall, sizeof(*all), by_place);
	size_funcs(mod, all, nall);
	for (k = 0; k < nall; k++)
		if (all[k].kind != SYM_OTHER)
			all[t->n++] = all[k];
	qsort(all, t->n, sizeof(*all), by_name);
	t->by_name = all;
	t->by_addr = malloc((t->n ? t->n : 1) * sizeof(*t->by_addr));
	if (!t->by_addr) {
		sl_syms_free(t);
		return -1;
	}
	for (k = 0; k < t->n; k++)
		t->by_addr[k] = &all[k];
	qsort(t->by_addr, t->n, sizeof(*t->by_addr), by_addr);
	return 0;
}

void sl_syms_free(struct sl_syms *t)
{
	free(t->by_name);
	free(t->by_addr);
	memset(t, 0, sizeof(*t));
}

size_t sl_syms_named(const struct sl_syms *t, const char *name, size_t *first)
{
	size_t lo = 0, hi = t->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->by_name[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < t->n && !strcmp(t->by_name[lo + n].name, name))
		n++;
	return n;
}

static unsigned long long span(const struct sl_sym *s)
{
	return s->elf_size ? s->elf_size : 1;
}

/*
 * Whether b fits code at addr better than a, both starting at the same
 * place: one that reaches addr, a function rather than an untyped label,
 * the smaller, and among equals a weak alias (memcpy over __memcpy), as
 * binutils names them.
 */
static bool fits_better(const struct sl_sym *a, const struct sl_sym *b, unsigned long long addr)
{
	bool a_in = a->addr + span(a) > addr, b_in = b->addr + span(b) > addr;

	if (!a_in)
		return span(b) > span(a);
	if (!b_in)
		return false;
	if (a->kind != b->kind)
		return b->kind == SYM_FUNC;
	if (span(a) != span(b))
		return span(b) < span(a);
	return b->weak && !a->weak;
}

/* How many symbols start at or before addr (by_addr is sorted by address). */
static size_t count_upto(const struct sl_syms *t, unsigned long long addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->by_addr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *sl_syms_file(const struct sl_syms *t, unsigned long long addr)
{
	size_t n = count_upto(t, addr);
	const struct sl_sym *s;

	if (!n)
		return NULL;
	s = t->by_addr[n - 1];
	return addr < s->addr + s->size ? s->file : NULL;
}

const char *sl_syms_asm_name(const struct sl_syms *t, unsigned long long addr,
			     unsigned long long low_pc)
{
	size_t lo = count_upto(t, addr), hi;
	const struct sl_sym *best;

	if (!lo || t->by_addr[lo - 1]->addr != low_pc)
		return NULL;
	hi = lo;
	while (lo && t->by_addr[lo - 1]->addr == low_pc)
		lo--;
	/* In symbol table order: the first of equals stays. */
	for (best = t->by_addr[lo++]; lo < hi; lo++)
		if (fits_better(best, t->by_addr[lo], addr))
			best = t->by_addr[lo];
	return best->name;
}
