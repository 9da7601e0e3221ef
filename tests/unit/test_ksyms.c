// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the kallsyms reader: synthetic files and this machine's /proc/kallsyms. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe/ksyms.h"

/*
 * Unsorted on purpose: modules come after vmlinux in kallsyms and are
 * not in address order.  Covers aliases, weak and data symbols, a
 * duplicated static name, IBT __pfx_ prefixes and module names.
 */
static const char small_kallsyms[] = "ffffffffc0a01000 t veth_xmit\t[veth]\n"
				     "ffffffffc0a00ff0 t __pfx_veth_xmit\t[veth]\n"
				     "ffffffff81000000 T _stext\n"
				     "ffffffff81000000 T _text\n"
				     "ffffffff81ff6a70 T __pfx_ip_rcv\n"
				     "ffffffff81ff6a80 T ip_rcv\n"
				     "ffffffff81ff6c00 t dup_static\n"
				     "ffffffff81ff6d00 t ip_rcv_finish\n"
				     "ffffffff81ff7000 W weak_fn\n"
				     "ffffffff82400000 D some_data\n"
				     "ffffffff82500000 t dup_static\n"
				     "ffffffff82600000 T dup_global\n"
				     "ffffffff82500100 t dup_global\n"
				     "this line is garbage\n"
				     "\n"
				     "ffffffffc0b00000 T nft_do_chain\t[nf_tables]\n"
				     "ffffffffc0a02000 t veth_poll\t[veth]";

static char tmpdir[] = "/tmp/skbt_ksyms_XXXXXX";

static char *write_tmp(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		return NULL;
	f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len) {
		free(path);
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	return path;
}

static struct ksyms *load_text(const char *name, const char *text)
{
	char *path = write_tmp(name, text, strlen(text));
	struct ksyms *ks;

	assert_non_null(path);
	ks = ksyms_load(path);
	free(path);
	return ks;
}

static void assert_sym(const struct ksym *s, const char *name, unsigned long long addr)
{
	assert_non_null(s);
	assert_string_equal(s->name, name);
	assert_int_equal(s->addr, addr);
}

static void test_small_lookup(void **state)
{
	struct ksyms *ks = load_text("small", small_kallsyms);
	const struct ksym *s;

	(void)state;
	assert_non_null(ks);
	assert_int_equal(ksyms_count(ks), 15);
	assert_false(ksyms_hidden(ks));

	assert_sym(ksyms_lookup(ks, 0xffffffff81ff6a80ULL), "ip_rcv", 0xffffffff81ff6a80ULL);
	/* With IBT a probe reports func+4 (after ENDBR): still the same function. */
	assert_sym(ksyms_lookup(ks, 0xffffffff81ff6a84ULL), "ip_rcv", 0xffffffff81ff6a80ULL);
	assert_sym(ksyms_lookup(ks, 0xffffffff81ff6bffULL), "ip_rcv", 0xffffffff81ff6a80ULL);
	assert_sym(ksyms_lookup(ks, 0xffffffff81ff6a7cULL), "__pfx_ip_rcv", 0xffffffff81ff6a70ULL);
	/* Aliases: the first in file order names the address. */
	assert_sym(ksyms_lookup(ks, 0xffffffff81000010ULL), "_stext", 0xffffffff81000000ULL);
	/* Sorting must interleave the module symbols correctly. */
	s = ksyms_lookup(ks, 0xffffffffc0a01010ULL);
	assert_sym(s, "veth_xmit", 0xffffffffc0a01000ULL);
	assert_string_equal(s->module, "veth");
	assert_sym(ksyms_lookup(ks, 0xffffffffc0a00ff4ULL), "__pfx_veth_xmit",
		   0xffffffffc0a00ff0ULL);
	assert_sym(ksyms_lookup(ks, 0xffffffffc0a02004ULL), "veth_poll", 0xffffffffc0a02000ULL);
	assert_sym(ksyms_lookup(ks, 0xffffffffc0b00000ULL), "nft_do_chain", 0xffffffffc0b00000ULL);

	/* Below the first symbol, and far past the last one or in a hole. */
	assert_null(ksyms_lookup(ks, 0xffffffff80ffffffULL));
	assert_null(ksyms_lookup(ks, 0));
	assert_null(ksyms_lookup(ks, 0xffffffffc0b00000ULL + (16 << 20)));
	assert_null(ksyms_lookup(ks, 0xffffffffa0000000ULL));
	ksyms_free(ks);
}

static void test_small_by_name(void **state)
{
	struct ksyms *ks = load_text("small", small_kallsyms);
	const struct ksym *s;

	(void)state;
	assert_non_null(ks);
	s = ksyms_by_name(ks, "ip_rcv");
	assert_sym(s, "ip_rcv", 0xffffffff81ff6a80ULL);
	assert_null(s->module);
	assert_sym(ksyms_by_name(ks, "ip_rcv_finish"), "ip_rcv_finish", 0xffffffff81ff6d00ULL);
	assert_sym(ksyms_by_name(ks, "weak_fn"), "weak_fn", 0xffffffff81ff7000ULL);
	s = ksyms_by_name(ks, "veth_poll");
	assert_sym(s, "veth_poll", 0xffffffffc0a02000ULL);
	assert_string_equal(s->module, "veth");
	assert_string_equal(ksyms_by_name(ks, "nft_do_chain")->module, "nf_tables");
	/* Two statics: the lower address; a global beats a static. */
	assert_sym(ksyms_by_name(ks, "dup_static"), "dup_static", 0xffffffff81ff6c00ULL);
	assert_sym(ksyms_by_name(ks, "dup_global"), "dup_global", 0xffffffff82600000ULL);
	/* Only functions are indexed by name. */
	assert_null(ksyms_by_name(ks, "some_data"));
	assert_null(ksyms_by_name(ks, "ip_rc"));
	assert_null(ksyms_by_name(ks, "ip_rcv_"));
	assert_null(ksyms_by_name(ks, ""));
	assert_null(ksyms_by_name(ks, "this"));
	ksyms_free(ks);
}

/* On a thread: the same table, and the same error for a missing file. */
static void test_async(void **state)
{
	char *path = write_tmp("async", small_kallsyms, strlen(small_kallsyms));
	struct ksyms *ks;

	(void)state;
	assert_non_null(path);
	ks = ksyms_join(ksyms_load_async(path));
	free(path);
	assert_non_null(ks);
	assert_sym(ksyms_by_name(ks, "ip_rcv"), "ip_rcv", 0xffffffff81ff6a80ULL);
	ksyms_free(ks);
	errno = 0;
	assert_null(ksyms_join(ksyms_load_async("/nonexistent/kallsyms")));
	assert_int_equal(errno, ENOENT);
}

static void test_hidden(void **state)
{
	static const char text[] = "0000000000000000 T _stext\n"
				   "0000000000000000 T ip_rcv\n"
				   "0000000000000000 t veth_poll\t[veth]\n";
	struct ksyms *ks = load_text("hidden", text);

	(void)state;
	assert_non_null(ks);
	assert_true(ksyms_hidden(ks));
	assert_int_equal(ksyms_count(ks), 3);
	assert_null(ksyms_lookup(ks, 0));
	assert_null(ksyms_lookup(ks, 0xffffffff81ff6a80ULL));
	/* Names are still there: enough to tell what can be probed. */
	assert_non_null(ksyms_by_name(ks, "ip_rcv"));
	assert_int_equal(ksyms_by_name(ks, "ip_rcv")->addr, 0);
	ksyms_free(ks);
}

static void test_short_addresses(void **state)
{
	/* 32-bit kernels print 8 digits; tests and tools may print fewer. */
	static const char text[] = "c0001000 T start\n"
				   "c0002000 t helper\n"
				   "1 t tiny\n"
				   "C0003000 T upper_hex";
	struct ksyms *ks = load_text("short", text);

	(void)state;
	assert_non_null(ks);
	assert_int_equal(ksyms_count(ks), 4);
	assert_sym(ksyms_lookup(ks, 0xc0002004ULL), "helper", 0xc0002000ULL);
	assert_sym(ksyms_lookup(ks, 0xc0003000ULL), "upper_hex", 0xc0003000ULL);
	assert_sym(ksyms_by_name(ks, "tiny"), "tiny", 1);
	ksyms_free(ks);
}

static void test_errors(void **state)
{
	char *path;

	(void)state;
	errno = 0;
	assert_null(ksyms_load("/nonexistent/kallsyms"));
	assert_int_equal(errno, ENOENT);
	path = write_tmp("empty", "", 0);
	assert_non_null(path);
	errno = 0;
	assert_null(ksyms_load(path));
	assert_int_equal(errno, ENODATA);
	free(path);
	errno = 0;
	assert_null(ksyms_load(tmpdir));
	assert_int_equal(errno, EISDIR);
	assert_null(ksyms_lookup(NULL, 1));
	assert_null(ksyms_by_name(NULL, "x"));
	ksyms_free(NULL);
}

/*
 * Many parse batches, so lines straddle the points where the parser
 * catches up with the reader; more names than the first name table
 * holds, so it grows; and a tail out of address order.
 */
static void test_large_streamed(void **state)
{
	const size_t n = 150000, tail = 5000;
	size_t cap = n * 64, len = 0;
	char *text = malloc(cap), *path, name[32];
	struct ksyms *ks;

	(void)state;
	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		/* The tail goes below everything before it, in descending order. */
		unsigned long long addr = i < n - tail ? 0xffffffff81000000ULL + i * 0x40
						       : 0xffffffff80000000ULL + (n - i) * 0x40;

		len += snprintf(text + len, cap - len, "%016llx %c sym_%zu%s\n", addr,
				i % 3 ? 't' : 'T', i, i >= n - tail ? "\t[mod]" : "");
	}
	path = write_tmp("large", text, len);
	assert_non_null(path);
	ks = ksyms_load(path);
	assert_non_null(ks);
	assert_int_equal(ksyms_count(ks), n);
	for (size_t i = 0; i < n; i += 7) {
		unsigned long long addr = i < n - tail ? 0xffffffff81000000ULL + i * 0x40
						       : 0xffffffff80000000ULL + (n - i) * 0x40;
		const struct ksym *s;

		snprintf(name, sizeof(name), "sym_%zu", i);
		assert_sym(ksyms_by_name(ks, name), name, addr);
		s = ksyms_lookup(ks, addr + 4);
		assert_sym(s, name, addr);
		if (i >= n - tail)
			assert_string_equal(s->module, "mod");
		else
			assert_null(s->module);
	}
	ksyms_free(ks);
	unlink(path);
	free(path);
	free(text);
}

/* The real file: ip_rcv round-trips between name and address. */
static void test_proc_kallsyms(void **state)
{
	const struct ksym *s, *r;
	struct ksyms *ks;
	size_t lines = 0;
	char buf[512];
	FILE *f;

	(void)state;
	ks = ksyms_load(NULL);
	if (!ks || ksyms_hidden(ks)) {
		ksyms_free(ks);
		skip();
	}
	s = ksyms_by_name(ks, "ip_rcv");
	assert_non_null(s);
	assert_null(s->module);
	assert_true(s->addr >= 0xffff000000000000ULL);
	r = ksyms_lookup(ks, s->addr);
	assert_ptr_equal(r, s);
	r = ksyms_lookup(ks, s->addr + 4);
	assert_ptr_equal(r, s);

	f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f))
		lines++;
	fclose(f);
	/* Modules may come and go between the two reads. */
	assert_true(ksyms_count(ks) + 1000 > lines && lines + 1000 > ksyms_count(ks));
	ksyms_free(ks);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_lookup),	cmocka_unit_test(test_small_by_name),
		cmocka_unit_test(test_async),		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_short_addresses), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_large_streamed),	cmocka_unit_test(test_proc_kallsyms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
