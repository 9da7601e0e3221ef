// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the source-line resolver, without the kernel's debug
 * files: a small program with inlined functions and a duplicate static
 * name is built with gcc -g -O2 (an executable, and an object named like
 * a module), and every offset of its functions is resolved and compared
 * with binutils' addr2line -f -i -p, which scripts/faddr2line runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag/addr2line_cmd.h"
#include "diag/debuginfo.h"
#include "diag/srcline.h"

static const char src_h[] =
	"static inline __attribute__((always_inline)) int inner_add(int a, int b)\n"
	"{\n"
	"\treturn a * 3 + b;\n"
	"}\n"
	"\n"
	"static inline __attribute__((always_inline)) int middle(int x)\n"
	"{\n"
	"\treturn inner_add(x, x + 1) ^ x;\n"
	"}\n";
static const char src_a[] = "#include \"t.h\"\n"
			    "volatile int sink;\n"
			    "static __attribute__((noinline)) int helper(int v)\n"
			    "{\n"
			    "\tsink = v;\n"
			    "\treturn v + 1;\n"
			    "}\n"
			    "\n"
			    "int outer(int x)\n"
			    "{\n"
			    "\tint r = middle(x);\n"
			    "\n"
			    "\tsink = r;\n"
			    "\treturn helper(r) + middle(r);\n"
			    "}\n"
			    "\n"
			    "int other(int x);\n"
			    "int main(void)\n"
			    "{\n"
			    "\treturn outer(sink) + other(sink);\n"
			    "}\n";
static const char src_b[] = "extern volatile int sink;\n"
			    "static __attribute__((noinline)) int helper(int v)\n"
			    "{\n"
			    "\tsink = v * 2;\n"
			    "\treturn v;\n"
			    "}\n"
			    "\n"
			    "int other(int x)\n"
			    "{\n"
			    "\treturn helper(x) + 1;\n"
			    "}\n";

static char dir[] = "/tmp/skbt_srcline_XXXXXX";
static char prog[128], nodwarf[128], module[128];

static int write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir) || write_file("t.h", src_h) || write_file("a.c", src_a) ||
	    write_file("b.c", src_b))
		return -1;
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(nodwarf, sizeof(nodwarf), "%s/nodwarf", dir);
	snprintf(module, sizeof(module), "%s/amod.ko", dir);
	/* Relative names, as kbuild compiles: the build directory is comp_dir. */
	return sh(
		"cd %s && gcc -g -O2 -fno-reorder-blocks-and-partition -Wl,--build-id a.c b.c -o prog && "
		"gcc -O2 a.c b.c -o nodwarf && "
		"gcc -g -O2 -fno-reorder-blocks-and-partition -c a.c -o amod.ko",
		dir);
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static struct srcline *resolver(const char *path, const char *sys_root, bool running)
{
	const char *paths[] = {path};
	struct debuginfo_opts o = {
		.paths = paths, .npaths = 1, .sys_root = sys_root, .running = running};
	struct debuginfo *d = debuginfo_new(&o);

	assert_non_null(d);
	return srcline_new(d);
}

/* One chain as addr2line -p prints it, lines joined by " | ". */
static void chain_text(const struct srcline_match *m, char *buf, size_t len)
{
	char *text = NULL, *p;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	srcline_print_chain(f, m, "");
	fclose(f);
	while ((p = strstr(text, "\n (inlined by) ")))
		memcpy(p, " |", 2), memmove(p + 2, p + 14, strlen(p + 14) + 1);
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
}

/* binutils' answer for addr in file (section for an object), tree prefix removed. */
static void binutils_text(const char *file, const char *section, unsigned long long addr, char *buf,
			  size_t len)
{
	char cmd[512], line[512], prefix[160];
	size_t w = 0, pl;
	FILE *p;
	char *at;

	snprintf(cmd, sizeof(cmd), "addr2line -f -i -p -e %s %s%s 0x%llx", file,
		 section ? "--section=" : "", section ? section : "", addr);
	snprintf(prefix, sizeof(prefix), "%s/", dir);
	pl = strlen(prefix);
	p = popen(cmd, "r");
	assert_non_null(p);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		while ((at = strstr(line, prefix)))
			memmove(at, at + pl, strlen(at + pl) + 1);
		w += snprintf(buf + w, len - w, "%s%s", w ? " | " : "",
			      line + (strncmp(line, " (inlined by) ", 14) ? 0 : 14));
	}
	pclose(p);
}

struct fn {
	char name[64];
	unsigned long long addr, size;
};

/* FUNC symbols of file from nm: name, value, ELF size. */
static size_t functions(const char *file, struct fn *fns, size_t max)
{
	char cmd[256], line[256], type;
	FILE *p;
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only %s", file);
	p = popen(cmd, "r");
	assert_non_null(p);
	/* Lines without a size have three fields: not functions of ours. */
	while (n < max && fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %llx %c %63s", &fns[n].addr, &fns[n].size, &type,
			   fns[n].name) == 4)
			n += (type == 't' || type == 'T') &&
			     (!strcmp(fns[n].name, "outer") || !strcmp(fns[n].name, "other") ||
			      !strcmp(fns[n].name, "helper"));
	pclose(p);
	return n;
}

/*
 * Every offset of every function of ours in file resolves as binutils
 * does; returns how many of them were in inlined code.
 */
static int compare_all(const char *file, const char *mod, const char *section, size_t nfns)
{
	struct srcline *s = resolver(file, NULL, false);
	struct fn fns[16];
	size_t n = functions(file, fns, 16), i, k, m;
	unsigned long long off;
	char ours[1024], theirs[1024];
	int inlined = 0;

	assert_int_equal(n, nfns);
	for (i = 0; i < n; i++) {
		for (off = 0; off < fns[i].size; off++) {
			struct srcline_query q = {.module = mod, .sym = fns[i].name, .off = off};
			const struct srcline_result *r = srcline_lookup(s, &q);

			assert_int_equal(r->status, SRCLINE_OK);
			/*
			 * Matches come in address order; libdwfl's addresses are
			 * its own layout (a PIE's bias, a module's sections).
			 */
			for (m = 0, k = 0; k < n; k++)
				m += !strcmp(fns[k].name, fns[i].name) && fns[k].addr < fns[i].addr;
			assert_true(m < r->nmatch);
			chain_text(&r->match[m], ours, sizeof(ours));
			binutils_text(file, section, fns[i].addr + off, theirs, sizeof(theirs));
			if (strcmp(ours, theirs))
				fail_msg("%s+0x%llx: skbtrace \"%s\", binutils \"%s\"", fns[i].name,
					 off, ours, theirs);
			inlined += strstr(ours, " | ") != NULL;
		}
	}
	srcline_free(s);
	return inlined;
}

static void test_executable_matches_binutils(void **state)
{
	(void)state;
	/* outer, other, and the two helpers */
	assert_true(compare_all(prog, NULL, NULL, 4) > 0);
}

static void test_module_matches_binutils(void **state)
{
	(void)state;
	assert_true(compare_all(module, "amod", ".text", 2) > 0);
}

static void test_inline_chain(void **state)
{
	struct srcline *s = resolver(prog, NULL, false);
	struct srcline_query q = {.sym = "outer"};
	const struct srcline_result *r;
	bool seen = false;

	(void)state;
	for (q.off = 0; !seen && q.off < 64; q.off++) {
		r = srcline_lookup(s, &q);
		assert_int_equal(r->status, SRCLINE_OK);
		seen = r->match[0].nsteps == 3;
	}
	assert_true(seen);
	assert_string_equal(r->match[0].steps[0].func, "inner_add");
	assert_string_equal(r->match[0].steps[0].file, "t.h");
	assert_int_equal(r->match[0].steps[0].line, 3);
	assert_string_equal(r->match[0].steps[1].func, "middle");
	assert_int_equal(r->match[0].steps[1].line, 8);
	assert_string_equal(r->match[0].steps[2].func, "outer");
	assert_string_equal(r->match[0].steps[2].file, "a.c");
	srcline_free(s);
}

static void test_duplicates_and_size(void **state)
{
	struct srcline *s = resolver(prog, NULL, false);
	struct srcline_query q = {.sym = "helper", .off = 1};
	const struct srcline_result *r = srcline_lookup(s, &q);
	unsigned long long size;

	(void)state;
	assert_int_equal(r->status, SRCLINE_OK);
	assert_int_equal(r->nmatch, 2);
	assert_string_equal(r->match[0].steps[r->match[0].nsteps - 1].file, "a.c");
	assert_string_equal(r->match[1].steps[r->match[1].nsteps - 1].file, "b.c");
	/* /SIZE keeps the matches of that size only. */
	size = r->match[1].sym_size;
	q.size = size;
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_OK);
	assert_true(r->nmatch >= 1);
	assert_int_equal(r->match[0].sym_size, size);
	q.size = size + 0x1000;
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_NO_SYMBOL);
	assert_non_null(strstr(r->err, "of size"));
	srcline_free(s);
}

static void test_errors(void **state)
{
	struct srcline *s = resolver(prog, NULL, false);
	struct srcline_query q = {.sym = "no_such_function", .off = 1};
	const struct srcline_result *r = srcline_lookup(s, &q);

	(void)state;
	assert_int_equal(r->status, SRCLINE_NO_SYMBOL);
	assert_string_equal(r->err, "no_such_function: no function no_such_function in vmlinux");
	q.sym = "outer";
	q.off = 0x100000;
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_PAST_END);
	assert_non_null(strstr(r->err, "offset past the end of outer"));
	q.module = "nosuchmod";
	q.off = 0;
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_NO_FILE);
	assert_non_null(strstr(r->err, "no debug file for module nosuchmod"));
	srcline_free(s);

	s = resolver(nodwarf, NULL, false);
	q.module = NULL;
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_NO_FILE);
	assert_non_null(strstr(r->err, "no DWARF"));
	srcline_free(s);
}

/* A sysfs tree whose kernel/notes carries build id id (len bytes). */
static void fake_sysfs(const char *root, const unsigned char *id, unsigned int len)
{
	unsigned int hdr[3] = {4, len, 3 /* NT_GNU_BUILD_ID */};
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel", root);
	mkdir(root, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/kernel/notes", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(hdr, sizeof(hdr), 1, f);
	fwrite("GNU", 4, 1, f);
	fwrite(id, len, 1, f);
	fclose(f);
}

static void test_build_id(void **state)
{
	char root[160];
	struct build_id id;
	struct srcline *s;
	struct srcline_query q = {.sym = "outer"};
	const struct srcline_result *r;

	(void)state;
	assert_int_equal(build_id_of_file(prog, &id), 0);
	snprintf(root, sizeof(root), "%s/sys", dir);
	fake_sysfs(root, id.b, (unsigned int)id.len);
	s = resolver(prog, root, true);
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_OK);
	srcline_free(s);

	id.b[0] ^= 0xff;
	fake_sysfs(root, id.b, (unsigned int)id.len);
	s = resolver(prog, root, true);
	r = srcline_lookup(s, &q);
	assert_int_equal(r->status, SRCLINE_NO_FILE);
	assert_non_null(strstr(r->err, "is not the running kernel's"));
	srcline_free(s);
}

static void test_cache_and_return_address(void **state)
{
	struct srcline *s = resolver(prog, NULL, false);
	struct srcline_query q = {.sym = "outer", .off = 9};
	const struct srcline_result *a, *b, *c;
	unsigned long long lookups, hits;

	(void)state;
	a = srcline_lookup(s, &q);
	b = srcline_lookup(s, &q);
	assert_ptr_equal(a, b);
	srcline_stats(s, &lookups, &hits);
	assert_int_equal(lookups, 2);
	assert_int_equal(hits, 1);
	/* A return address at off is the call at off - 1. */
	q.return_addr = true;
	q.off = 10;
	c = srcline_lookup(s, &q);
	assert_ptr_not_equal(a, c);
	assert_int_equal(c->match[0].nsteps, a->match[0].nsteps);
	assert_string_equal(c->match[0].steps[0].func, a->match[0].steps[0].func);
	assert_int_equal(c->match[0].steps[0].line, a->match[0].steps[0].line);
	srcline_free(s);
}

static void test_parse(void **state)
{
	struct srcline_query q;
	char buf[128];

	(void)state;
	assert_int_equal(srcline_parse("nft_do_chain+0x3e8 [nf_tables]", &q, buf, sizeof(buf)), 0);
	assert_string_equal(q.sym, "nft_do_chain");
	assert_string_equal(q.module, "nf_tables");
	assert_int_equal(q.off, 0x3e8);
	assert_int_equal(q.size, 0);
	assert_int_equal(srcline_parse("__ip_local_out+0xdb/0x160", &q, buf, sizeof(buf)), 0);
	assert_null(q.module);
	assert_int_equal(q.size, 0x160);
	assert_int_equal(srcline_parse("do_softirq.part.0+17", &q, buf, sizeof(buf)), 0);
	assert_string_equal(q.sym, "do_softirq.part.0");
	assert_int_equal(q.off, 17);
	assert_int_equal(srcline_parse("0xffffffffc002abb3", &q, buf, sizeof(buf)), -1);
	assert_int_equal(srcline_parse("sym+", &q, buf, sizeof(buf)), -1);
	assert_int_equal(srcline_parse("sym+0x10/0", &q, buf, sizeof(buf)), -1);
	assert_int_equal(srcline_parse("sym+0x10 [", &q, buf, sizeof(buf)), -1);
	assert_int_equal(srcline_parse("+0x10", &q, buf, sizeof(buf)), -1);
	assert_int_equal(srcline_parse("sym+-1", &q, buf, sizeof(buf)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_executable_matches_binutils),
		cmocka_unit_test(test_module_matches_binutils),
		cmocka_unit_test(test_inline_chain),
		cmocka_unit_test(test_duplicates_and_size),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_cache_and_return_address),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
