// SPDX-License-Identifier: GPL-2.0
/*
 * The drop site's source lines in a live trace: a small program built
 * with gcc -g stands in for vmlinux, a kallsyms table places its function
 * where the drop site points, and the formatter must print the chain the
 * resolver gives for the call before that return address, in text under
 * the "at" line and as JSON's drop_location_src.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/btf.h>

#include "diag/debuginfo.h"
#include "diag/drop_reason.h"
#include "diag/srcline.h"
#include "diag/srcline_fmt.h"
#include "out/output.h"
#include "probe/ksyms.h"
#include "probe/probes.h"

#define A_OUTER 0xffffffff82000000ULL
#define A_KFREE 0xffffffff81200000ULL

static const char prog_c[] = "volatile int sink;\n"
			     "static inline __attribute__((always_inline)) int twice(int v)\n"
			     "{\n"
			     "\tsink = v;\n"
			     "\treturn v * 2;\n"
			     "}\n"
			     "__attribute__((noinline)) int outer(int x)\n"
			     "{\n"
			     "\tint r = twice(x);\n"
			     "\n"
			     "\tsink = r + 1;\n"
			     "\treturn r;\n"
			     "}\n"
			     "int main(void)\n"
			     "{\n"
			     "\treturn outer(sink);\n"
			     "}\n";

static char dir[] = "/tmp/skbt_drop_src_XXXXXX";
static char prog[128];

struct fx {
	struct ksyms *ks;
	struct btf *btf;
	struct drop_reasons *dr;
	struct probe_list probes;
	struct srcline *src;
};

static struct ksyms *kallsyms(void)
{
	char path[160];
	FILE *f;
	struct ksyms *k;

	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f,
		"ffffffff81000000 T _stext\n%llx T kfree_skb_reason\n%llx T outer\n"
		"ffffffff82100000 T after_outer\n",
		A_KFREE, A_OUTER);
	fclose(f);
	k = ksyms_load(path);
	return k;
}

static int setup(void **state)
{
	static struct fx x;
	struct probe tp = {.name = "kfree_skb", .category = "skb", .kind = PROBE_TRACEPOINT};
	const char *paths[] = {prog};
	struct debuginfo_opts o = {.paths = paths, .npaths = 1};
	struct debuginfo *d;
	char cmd[512];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(prog, sizeof(prog), "%s/prog", dir);
	snprintf(cmd, sizeof(cmd), "%s/p.c", dir);
	f = fopen(cmd, "w");
	if (!f)
		return -1;
	fputs(prog_c, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && gcc -g -O2 -Wl,--build-id p.c -o prog", dir);
	if (system(cmd))
		return -1;
	x.ks = kallsyms();
	x.btf = btf__new_empty();
	if (!x.ks || !x.btf || btf__add_enum(x.btf, "skb_drop_reason", 4) < 0)
		return -1;
	btf__add_enum_value(x.btf, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(x.btf, "SKB_CONSUMED", 1);
	btf__add_enum_value(x.btf, "SKB_DROP_REASON_NETFILTER_DROP", 12);
	x.dr = drop_reasons_load(x.btf, NULL, 0);
	d = debuginfo_new(&o);
	x.src = d ? srcline_new(d) : NULL;
	if (!x.dr || !x.src || !probe_list_add(&x.probes, &tp))
		return -1;
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char cmd[160];

	if (x) {
		srcline_free(x->src);
		drop_reasons_free(x->dr);
		btf__free(x->btf);
		ksyms_free(x->ks);
		probe_list_free(&x->probes);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* One drop event formatted with cfg; the caller frees the text. */
static char *format(struct fx *x, struct output_cfg cfg, unsigned long long location)
{
	struct skbt_event e = {
		.ts = 5000000123ULL,
		.skb = 0xffff888012345600ULL,
		.func = A_KFREE,
		.cpu = 1,
		.pid = 1,
		.comm = "nc",
		.netns = 4026531840u,
		.flags = SKBT_F_HAS_REASON | SKBT_F_DROP,
		.reason = 12,
		.drop_location = location,
	};
	struct output o = {.cfg = cfg,
			   .probes = &x->probes,
			   .ks = x->ks,
			   .dr = x->dr,
			   .src = x->src,
			   .stack_map_fd = -1,
			   .consumed_reason = 1};
	char *buf = NULL;
	size_t len = 0;

	o.f = open_memstream(&buf, &len);
	assert_non_null(o.f);
	assert_int_equal(output_init(&o), 0);
	assert_int_equal(output_event(&o, &e, sizeof(e)), 0);
	assert_int_equal(output_flush(&o), 0);
	output_free(&o);
	fclose(o.f);
	return buf;
}

/* What the resolver says of outer+off as a return address. */
static const struct srcline_result *expected(struct fx *x, unsigned long long off)
{
	struct srcline_query q = {.sym = "outer", .off = off, .return_addr = true};
	const struct srcline_result *r = srcline_lookup(x->src, &q);

	assert_int_equal(r->status, SRCLINE_OK);
	return r;
}

static void test_json(void **state)
{
	struct fx *x = *state;
	char want[SRCLINE_TEXT_MAX + 128], *got;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), ",\"drop_location_src\":");
	srcline_fmt_json(want + n, sizeof(want) - n, "outer+0x9", expected(x, 9));
	got = format(x, (struct output_cfg){.json = true}, A_OUTER + 9);
	if (!strstr(got, want))
		fail_msg("%s\nlacks\n%s", got, want);
	assert_non_null(strstr(want, "p.c"));
	free(got);
}

static void test_text(void **state)
{
	struct fx *x = *state;
	char want[SRCLINE_TEXT_MAX], *got, *at;

	srcline_fmt_text(want, sizeof(want), &expected(x, 9)->match[0], "        ");
	got = format(x, (struct output_cfg){0}, A_OUTER + 9);
	at = strstr(got, "    at outer+0x9\n");
	if (!at || strncmp(at + strlen("    at outer+0x9\n"), want, strlen(want)))
		fail_msg("%s\nlacks, under its at line,\n%s", got, want);
	assert_non_null(strstr(at, "\n    hint: "));
	free(got);
}

/* A site without a symbol, or unknown, adds nothing and breaks nothing. */
static void test_no_symbol(void **state)
{
	struct fx *x = *state;
	char *got = format(x, (struct output_cfg){.json = true}, 0x1000);

	assert_null(strstr(got, "drop_location_src"));
	free(got);
	got = format(x, (struct output_cfg){.json = true}, 0);
	assert_null(strstr(got, "drop_location_src"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_no_symbol),
	};

	return cmocka_run_group_tests_name("drop_src", tests, setup, teardown);
}
