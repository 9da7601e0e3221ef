// SPDX-License-Identifier: GPL-2.0
/*
 * sym+off -> inline chain, through elfutils.  Each debug file (vmlinux, a
 * module's .ko) is reported to its own offline Dwfl the first time a query
 * needs it: libdwfl lays a relocatable .ko out and applies its relocations,
 * so module code resolves like vmlinux.  Queries name a symbol, not an
 * address, which KASLR and module load addresses do not change.  Results,
 * failures too, are cached per query.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>

#include "diag/debuginfo.h"
#include "diag/srcline.h"
#include "diag/srcline_syms.h"

/* One debug file, open or failed for good. */
struct sl_file {
	struct sl_file *next;
	char *module; /* NULL: vmlinux */
	char *err;    /* why it cannot be used; NULL when open */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct sl_syms syms;
};

struct sl_entry {
	struct sl_entry *next;
	unsigned long long hash;
	struct srcline_query q; /* strings point into key[] */
	struct srcline_result r;
	struct srcline_match *matches;
	char *err;
	char key[];
};

struct srcline {
	struct debuginfo *d;
	struct sl_file *files;
	struct sl_entry **buckets;
	size_t nbuckets, nentries;
	unsigned long long lookups, hits;
	/* the chain being built, copied out per match */
	struct srcline_step *scratch;
	size_t nscratch, scratch_cap;
};

/* No search beyond the file we name: its DWARF is in it. */
static int no_debuginfo(Dwfl_Module *mod, void **ud, const char *name, Dwarf_Addr base,
			const char *file, const char *dlink, GElf_Word crc, char **path)
{
	(void)mod, (void)ud, (void)name, (void)base, (void)file, (void)dlink, (void)crc;
	*path = NULL;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct srcline *srcline_new(struct debuginfo *d)
{
	struct srcline *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->d = d;
	return s;
}

static void free_file(struct sl_file *f)
{
	if (f->dwfl)
		dwfl_end(f->dwfl);
	sl_syms_free(&f->syms);
	free(f->module);
	free(f->err);
	free(f);
}

void srcline_free(struct srcline *s)
{
	struct sl_entry *e, *en;
	struct sl_file *f, *fn;
	size_t i;
	size_t m;

	if (!s)
		return;
	for (i = 0; i < s->nbuckets; i++) {
		for (e = s->buckets[i]; e; e = en) {
			en = e->next;
			for (m = 0; m < e->r.nmatch; m++)
				free((void *)e->matches[m].steps);
			free(e->matches);
			free(e->err);
			free(e);
		}
	}
	for (f = s->files; f; f = fn) {
		fn = f->next;
		free_file(f);
	}
	free(s->buckets);
	free(s->scratch);
	debuginfo_free(s->d);
	free(s);
}

void srcline_stats(const struct srcline *s, unsigned long long *lookups, unsigned long long *hits)
{
	*lookups = s->lookups;
	*hits = s->hits;
}

/* ---- files --------------------------------------------------------------- */

static void file_fail(struct sl_file *f, const char *fmt, const char *a, const char *b)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), fmt, a, b);
	f->err = strdup(buf);
}

/* Reports path to a Dwfl of its own and reads its symbols. */
static void open_file(struct srcline *s, struct sl_file *f)
{
	char err[1024];
	const char *path = debuginfo_find(s->d, f->module, err, sizeof(err));
	Dwarf_Addr bias;

	if (!path) {
		f->err = strdup(err);
		return;
	}
	if (debuginfo_check_id(s->d, f->module, path, err, sizeof(err))) {
		f->err = strdup(err);
		return;
	}
	f->dwfl = dwfl_begin(&offline_callbacks);
	if (!f->dwfl) {
		file_fail(f, "%s: %s", path, dwfl_errmsg(-1));
		return;
	}
	dwfl_report_begin(f->dwfl);
	f->mod = dwfl_report_offline(f->dwfl, f->module ? f->module : "vmlinux", path, -1);
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (!f->mod)
		file_fail(f, "%s: %s", path, dwfl_errmsg(-1));
	else if (!dwfl_module_getdwarf(f->mod, &bias))
		file_fail(f, "%s: no DWARF in it (%s)", path, dwfl_errmsg(-1));
	else if (sl_syms_read(&f->syms, f->mod))
		file_fail(f, "%s: no symbol table in it%s", path, "");
}

static struct sl_file *get_file(struct srcline *s, const char *module)
{
	struct sl_file *f;

	if (module && !strcmp(module, "vmlinux"))
		module = NULL;
	for (f = s->files; f; f = f->next)
		if (module ? f->module && module_name_eq(f->module, module) : !f->module)
			return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	if (module && !(f->module = strdup(module))) {
		free(f);
		return NULL;
	}
	open_file(s, f);
	f->next = s->files;
	s->files = f;
	return f;
}

/* ---- inline chains --------------------------------------------------------- */

/*
 * Paths as the kernel's scripts/faddr2line prints them: relative to the
 * source tree.  A relative name is relative to the build directory, which
 * kernels built with a debug prefix map name relatively too; an absolute
 * one (assembler files) loses the part it shares with an absolute build
 * directory when that part is at least two levels deep, never "/" or "/usr".
 */
static const char *tree_path(const char *path, const char *comp_dir)
{
	size_t n = comp_dir ? strlen(comp_dir) : 0, i, last = 0, depth = 0;

	if (!path)
		return "??";
	if (path[0] != '/') {
		if (n && comp_dir[0] != '/' && !strncmp(path, comp_dir, n) && path[n] == '/')
			path += n + 1;
	} else if (n && comp_dir[0] == '/') {
		for (i = 0; path[i] && path[i] == comp_dir[i]; i++)
			if (path[i] == '/' && i)
				last = i, depth++;
		if (i == n && path[i] == '/')
			last = i, depth++;
		if (depth >= 2)
			path += last + 1;
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path;
}

static bool is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
	       tag == DW_TAG_entry_point;
}

/* A function's name, from its abstract origin when it is an inlined copy. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));

	return name ? name : "??";
}

static int push_step(struct srcline *s, const struct srcline_step *st)
{
	if (s->nscratch == s->scratch_cap) {
		size_t cap = s->scratch_cap ? 2 * s->scratch_cap : 16;
		struct srcline_step *n = realloc(s->scratch, cap * sizeof(*n));

		if (!n)
			return -1;
		s->scratch = n;
		s->scratch_cap = cap;
	}
	s->scratch[s->nscratch++] = *st;
	return 0;
}

/* The call site of an inlined copy: DW_AT_call_file / DW_AT_call_line. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *inl, const char *comp_dir, struct srcline_step *st)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx, line;
	Dwarf_Files *files;
	size_t nfiles;

	st->file = "??";
	st->line = 0;
	if (!dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &idx) &&
	    !dwarf_getsrcfiles(cu, &files, &nfiles) && idx < nfiles)
		st->file = tree_path(dwarf_filesrc(files, idx, NULL, NULL), comp_dir);
	if (!dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &line))
		st->line = (int)line;
}

/*
 * The chain at addr into s->scratch: the innermost function with the line
 * table's line, then for each inlined copy the function it was inlined
 * into with the call site, as binutils' addr2line -i prints them.
 */
/*
 * The innermost function's name.  binutils names assembler code after the
 * symbol table (memcpy, not the assembler's __memcpy): so do we, to print
 * what faddr2line prints.
 */
static const char *func_name(const struct sl_file *f, Dwarf_Die *cu, Dwarf_Die *fn, Dwarf_Addr bias,
			     Dwarf_Addr addr)
{
	Dwarf_Addr low;
	const char *name;

	if (dwarf_srclang(cu) == DW_LANG_Mips_Assembler && dwarf_tag(fn) == DW_TAG_subprogram &&
	    !dwarf_lowpc(fn, &low) && (name = sl_syms_asm_name(&f->syms, addr, low + bias)))
		return name;
	return die_name(fn);
}

static int chain_at(struct srcline *s, const struct sl_file *f, Dwarf_Addr addr)
{
	Dwfl_Module *mod = f->mod;
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL, inner;
	Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
	Dwarf_Attribute attr;
	const char *comp_dir = cu ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr)) : NULL;
	struct srcline_step st = {.func = NULL, .file = "??"};
	int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0, i, rc = 0;

	s->nscratch = 0;
	/*
	 * dwarf_getscopes continues an inlined copy with its abstract
	 * definition's scopes; the DIE tree's own nesting is what leads
	 * from each inlined copy to the function it was inlined into.
	 */
	if (n > 0) {
		inner = scopes[0];
		free(scopes);
		scopes = NULL;
		n = dwarf_getscopes_die(&inner, &scopes);
	}
	if (line) {
		Dwarf_Addr lb;
		Dwarf_Line *dl = dwfl_dwarf_line(line, &lb);
		unsigned int disc = 0;

		st.file =
			tree_path(dwfl_lineinfo(line, NULL, &st.line, NULL, NULL, NULL), comp_dir);
		if (dl && !dwarf_linediscriminator(dl, &disc))
			st.discriminator = (int)disc;
	}
	for (i = 0; i < n && !is_function(&scopes[i]); i++)
		;
	/* Code without DWARF (static call trampolines) keeps its symbol's name. */
	st.func =
		i < n ? func_name(f, cu, &scopes[i], bias, addr) : dwfl_module_addrname(mod, addr);
	/* Neither line nor function in DWARF: binutils falls back on STT_FILE. */
	if (!line && i == n && st.func) {
		const char *file = sl_syms_file(&f->syms, addr);

		if (file)
			st.file = file;
	}
	if (line || st.func) {
		if (!st.func)
			st.func = "??";
		rc = push_step(s, &st);
	}
	while (!rc && i < n && dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine) {
		int j;

		for (j = i + 1; j < n && !is_function(&scopes[j]); j++)
			;
		memset(&st, 0, sizeof(st));
		call_site(cu, &scopes[i], comp_dir, &st);
		st.func = j < n ? die_name(&scopes[j]) : "??";
		rc = push_step(s, &st);
		i = j;
	}
	free(scopes);
	return rc;
}

/* ---- lookups ------------------------------------------------------------- */

static int add_match(struct srcline *s, struct sl_file *f, struct sl_entry *e,
		     const struct sl_sym *sym)
{
	struct srcline_match *m = &e->matches[e->r.nmatch];
	unsigned long long off = e->q.off;

	if (e->q.return_addr && off)
		off--;
	if (chain_at(s, f, sym->addr + off))
		return -1;
	m->sym_addr = sym->addr;
	m->sym_size = sym->size;
	m->nsteps = s->nscratch;
	if (s->nscratch) {
		struct srcline_step *steps = malloc(s->nscratch * sizeof(*steps));

		if (!steps)
			return -1;
		memcpy(steps, s->scratch, s->nscratch * sizeof(*steps));
		m->steps = steps;
	}
	e->r.nmatch++;
	return 0;
}

static void entry_fail(struct sl_entry *e, enum srcline_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void entry_fail(struct sl_entry *e, enum srcline_status st, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->r.status = st;
	e->err = strdup(buf);
	e->r.err = e->err ? e->err : "out of memory";
}

/* Fills e->r for e->q: every function of that name the offset falls in. */
static void resolve(struct srcline *s, struct sl_entry *e)
{
	struct sl_file *f = get_file(s, e->q.module);
	const char *where = e->q.module ? e->q.module : "vmlinux";
	size_t i, k, n, past = 0, nfunc = 0;
	unsigned long long last_size = 0;

	if (!f || !f->mod || f->err) {
		e->r.status = SRCLINE_NO_FILE;
		e->r.err = f && f->err ? f->err : "out of memory";
		return;
	}
	n = sl_syms_named(&f->syms, e->q.sym, &i);
	for (k = 0; k < n; k++)
		nfunc += f->syms.by_name[i + k].kind == SYM_FUNC;
	if (!n) {
		entry_fail(e, SRCLINE_NO_SYMBOL, "%s: no function %s in %s", e->q.sym, e->q.sym,
			   where);
		return;
	}
	e->matches = calloc(n, sizeof(*e->matches));
	if (!e->matches) {
		entry_fail(e, SRCLINE_NOMEM, "out of memory");
		return;
	}
	e->r.match = e->matches;
	for (; n; n--, i++) {
		const struct sl_sym *sym = &f->syms.by_name[i];

		/* An untyped code symbol only where no function has the name. */
		if (nfunc && sym->kind != SYM_FUNC)
			continue;
		if (e->q.size && e->q.size != sym->size) {
			e->r.skipped++;
			continue;
		}
		if (e->q.off > sym->size) {
			past++;
			last_size = sym->size;
			continue;
		}
		if (add_match(s, f, e, sym)) {
			entry_fail(e, SRCLINE_NOMEM, "out of memory");
			return;
		}
	}
	if (!e->r.nmatch && past)
		entry_fail(e, SRCLINE_PAST_END,
			   "%s+0x%llx: offset past the end of %s (size 0x%llx)", e->q.sym, e->q.off,
			   e->q.sym, last_size);
	else if (!e->r.nmatch)
		entry_fail(e, SRCLINE_NO_SYMBOL, "%s: no function %s of size 0x%llx in %s",
			   e->q.sym, e->q.sym, e->q.size, where);
}

/* ---- cache --------------------------------------------------------------- */

static unsigned long long query_hash(const struct srcline_query *q)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *p;

	for (p = q->module ? q->module : ""; *p; p++)
		h = (h ^ (unsigned char)(*p == '-' ? '_' : *p)) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (p = q->sym; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h ^= q->off * 0x9e3779b97f4a7c15ULL;
	h ^= (q->size << 1 | q->return_addr) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ h >> 29;
}

static bool same_query(const struct srcline_query *a, const struct srcline_query *b)
{
	if (a->off != b->off || a->size != b->size || a->return_addr != b->return_addr ||
	    strcmp(a->sym, b->sym))
		return false;
	if (!a->module || !b->module)
		return !a->module == !b->module;
	return module_name_eq(a->module, b->module);
}

static int grow(struct srcline *s)
{
	size_t n = s->nbuckets ? 2 * s->nbuckets : 1024, i;
	struct sl_entry **b = calloc(n, sizeof(*b)), *e, *en;

	if (!b)
		return -1;
	for (i = 0; i < s->nbuckets; i++) {
		for (e = s->buckets[i]; e; e = en) {
			en = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
	return 0;
}

/* A cache entry owning copies of q's strings. */
static struct sl_entry *new_entry(const struct srcline_query *q, unsigned long long hash)
{
	size_t ml = q->module ? strlen(q->module) + 1 : 0, sl = strlen(q->sym) + 1;
	struct sl_entry *e = calloc(1, sizeof(*e) + ml + sl);

	if (!e)
		return NULL;
	e->hash = hash;
	e->q = *q;
	e->q.sym = memcpy(e->key, q->sym, sl);
	e->q.module = q->module ? memcpy(e->key + sl, q->module, ml) : NULL;
	return e;
}

const struct srcline_result *srcline_lookup(struct srcline *s, const struct srcline_query *q)
{
	static const struct srcline_result nomem = {.status = SRCLINE_NOMEM,
						    .err = "out of memory"};
	unsigned long long h = query_hash(q);
	struct sl_entry *e;

	s->lookups++;
	if (s->nbuckets)
		for (e = s->buckets[h & (s->nbuckets - 1)]; e; e = e->next)
			if (e->hash == h && same_query(&e->q, q)) {
				s->hits++;
				return &e->r;
			}
	if ((s->nentries >= s->nbuckets && grow(s)) || !(e = new_entry(q, h)))
		return &nomem;
	resolve(s, e);
	e->next = s->buckets[h & (s->nbuckets - 1)];
	s->buckets[h & (s->nbuckets - 1)] = e;
	s->nentries++;
	return &e->r;
}

/* ---- parsing ------------------------------------------------------------- */

static int parse_number(const char *p, unsigned long long *v)
{
	char *end;

	if (!*p || *p == '-' || *p == '+')
		return -1;
	errno = 0;
	*v = strtoull(p, &end, 0);
	return errno || *end ? -1 : 0;
}

int srcline_parse(const char *text, struct srcline_query *q, char *buf, size_t len)
{
	char *plus, *slash, *mod, *end;

	memset(q, 0, sizeof(*q));
	if (snprintf(buf, len, "%s", text) >= (int)len)
		return -1;
	mod = strchr(buf, ' ');
	if (mod) {
		*mod++ = '\0';
		while (*mod == ' ')
			mod++;
		end = mod + strlen(mod);
		if (*mod != '[' || end - mod < 3 || end[-1] != ']')
			return -1;
		end[-1] = '\0';
		q->module = mod + 1;
	}
	plus = strrchr(buf, '+');
	if (!plus || plus == buf)
		return -1;
	*plus++ = '\0';
	slash = strchr(plus, '/');
	if (slash) {
		*slash++ = '\0';
		if (parse_number(slash, &q->size) || !q->size)
			return -1;
	}
	if (parse_number(plus, &q->off))
		return -1;
	q->sym = buf;
	return 0;
}
