// SPDX-License-Identifier: GPL-2.0
/*
 * Colour (--color) in every text form of a drop: the trace's event and
 * hint lines, --drops-only lines and the --drop-summary table.  Coloured
 * output with its escapes taken out must be the plain output byte for
 * byte (the columns stay aligned), and plain output has no escape.
 * Also: when colour is wanted at all, and namespaces by name in the
 * trace's NETNS column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "cli/opts.h"
#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "diag/drop_summary.h"
#include "host/netns.h"
#include "out/color.h"
#include "out/output.h"

#define R_NETFILTER 12

struct fx {
	struct btf *btf;
	struct drop_reasons *dr;
	struct probe_list probes;
	struct drop_namer nm;
	char root[64];
	unsigned int blue; /* the inode of a namespace named "blue" */
};

static int setup(void **state)
{
	struct probe tp = {.name = "kfree_skb", .category = "skb", .kind = PROBE_TRACEPOINT};
	struct fx *x = calloc(1, sizeof(*x));
	char run[96], proc[96], blue[128];
	struct stat st;
	FILE *f;

	if (!x)
		return -1;
	*state = x;
	x->btf = btf__new_empty();
	if (!x->btf || btf__add_enum(x->btf, "skb_drop_reason", 4) < 0)
		return -1;
	btf__add_enum_value(x->btf, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(x->btf, "SKB_CONSUMED", 1);
	btf__add_enum_value(x->btf, "SKB_DROP_REASON_NETFILTER_DROP", R_NETFILTER);
	x->dr = drop_reasons_load(x->btf, NULL, 0);
	if (!x->dr || !probe_list_add(&x->probes, &tp))
		return -1;
	/* a run dir naming one namespace, a proc dir with no process */
	snprintf(x->root, sizeof(x->root), "/tmp/skbt_color_XXXXXX");
	if (!mkdtemp(x->root))
		return -1;
	snprintf(run, sizeof(run), "%s/run", x->root);
	snprintf(proc, sizeof(proc), "%s/proc", x->root);
	snprintf(blue, sizeof(blue), "%s/blue", run);
	if (mkdir(run, 0755) || mkdir(proc, 0755) || !(f = fopen(blue, "w")))
		return -1;
	fclose(f);
	if (stat(blue, &st))
		return -1;
	x->blue = st.st_ino;
	x->nm = (struct drop_namer){.dr = x->dr, .nn = netns_names_new(run, proc)};
	return x->nm.nn ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char cmd[96];

	if (!x)
		return 0;
	netns_names_free(x->nm.nn);
	drop_reasons_free(x->dr);
	btf__free(x->btf);
	probe_list_free(&x->probes);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->root);
	free(x);
	return system(cmd) ? -1 : 0;
}

/* A packet nftables dropped in namespace blue: a drop with its detail. */
static struct skbt_event drop_event(const struct fx *x)
{
	struct skbt_event e = {
		.ts = 5000000123ULL,
		.skb = 0xffff888012345600ULL,
		.func = 0, /* skb:kfree_skb in the probe table */
		.cpu = 1,
		.pid = 1234,
		.comm = "nc",
		.netns = x->blue,
		.ifindex = 2,
		.ifname = "veth0",
		.len = 84,
		.mtu = 1500,
		.proto = 0x0800,
		.stack_id = -1,
		.flags = SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON | SKBT_F_DROP | SKBT_F_HAS_TUPLE |
			 SKBT_F_HAS_PORTS,
		.reason = R_NETFILTER,
		.drop_location = 0xffffffff81000010ULL,
	};

	e.tuple.l3 = 4;
	e.tuple.l4 = IPPROTO_UDP;
	e.tuple.sport = 40000;
	e.tuple.dport = 7790;
	inet_pton(AF_INET, "198.18.0.1", e.tuple.saddr);
	inet_pton(AF_INET, "198.18.0.2", e.tuple.daddr);
	return e;
}

/* The event formatted with cfg; the caller frees it. */
static char *format(struct fx *x, struct output_cfg cfg)
{
	struct skbt_event e = drop_event(x);
	struct output o = {.cfg = cfg,
			   .probes = &x->probes,
			   .dr = x->dr,
			   .nm = &x->nm,
			   .stack_map_fd = -1,
			   .consumed_reason = drop_reason_consumed(x->dr)};
	char *buf = NULL;
	size_t len = 0;

	o.f = open_memstream(&buf, &len);
	assert_non_null(o.f);
	assert_int_equal(output_init(&o), 0);
	if (cfg.drops_only)
		output_header(&o);
	assert_int_equal(output_event(&o, &e, sizeof(e)), 0);
	assert_int_equal(output_flush(&o), 0);
	output_free(&o);
	fclose(o.f);
	return buf;
}

/* s without its SGR escapes (ESC [ ... m), in place. */
static char *strip_sgr(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\033' && r[1] == '[') {
			r += strcspn(r, "m");
			r += *r == 'm';
			continue;
		}
		*w++ = *r++;
	}
	*w = 0;
	return s;
}

/* SGR text SGR_RESET somewhere in s. */
static void assert_wrapped(const char *s, const char *sgr, const char *text)
{
	char want[512];

	snprintf(want, sizeof(want), "%s%s", sgr, text);
	if (!strstr(s, want))
		fail_msg("no %s%s... in\n%s", sgr + 1, text, s);
	if (!strstr(strstr(s, want) + strlen(want), COLOR_RESET))
		fail_msg("%s%s is not reset in\n%s", sgr + 1, text, s);
}

/* Coloured and plain: the same text but for escapes; plain has none. */
static void assert_same_but_colour(char *colored, const char *plain)
{
	assert_null(strchr(plain, '\033'));
	assert_non_null(strchr(colored, '\033'));
	assert_string_equal(strip_sgr(colored), plain);
}

static void test_trace_drop(void **state)
{
	struct fx *x = *state;
	char *plain = format(x, (struct output_cfg){.meta = true, .tuple = true});
	char *colored = format(x, (struct output_cfg){.meta = true, .tuple = true, .color = true});

	assert_wrapped(colored, COLOR_DROP, "skb:kfree_skb(SKB_DROP_REASON_NETFILTER_DROP)");
	/* the hint line keeps its indent plain, the colour starts at "hint:" */
	assert_wrapped(colored, "\n    " COLOR_HINT, "hint: a netfilter hook dropped it");
	assert_non_null(strstr(plain, "\n    hint: a netfilter hook dropped it"));
	assert_same_but_colour(colored, plain);
	free(plain);
	free(colored);
}

static void test_drops_only(void **state)
{
	struct fx *x = *state;
	char *plain = format(x, (struct output_cfg){.drops_only = true});
	char *colored = format(x, (struct output_cfg){.drops_only = true, .color = true});

	assert_wrapped(colored, COLOR_DROP, "NETFILTER_DROP");
	assert_wrapped(colored, COLOR_HINT, "hint: ");
	/* the location column starts where the header says, coloured or not */
	assert_same_but_colour(colored, plain);
	free(plain);
	free(colored);
}

static char *summary(struct fx *x, const struct ds_table *t, bool color)
{
	struct ds_print p = {.nm = &x->nm, .map_max = 4096, .color = color};
	char *out = NULL;
	size_t len = 0;

	p.f = open_memstream(&out, &len);
	assert_non_null(p.f);
	assert_int_equal(drop_summary_print(&p, t), 0);
	fclose(p.f);
	return out;
}

static void test_summary(void **state)
{
	struct fx *x = *state;
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_key k = {
		.location = 0xffffffff81000010ULL, .reason = R_NETFILTER, .netns = x->blue};
	struct skbt_drop_val v = {.count = 7, .last_ts = 5};
	struct ds_table t;
	char *plain, *colored;

	assert_non_null(s);
	drop_summary_add(s, &k, &v, 1);
	drop_summary_close(s, 5, 1000000005, 2, &t);
	plain = summary(x, &t, false);
	colored = summary(x, &t, true);
	assert_wrapped(colored, COLOR_HEAD, "drop summary ");
	assert_wrapped(colored, COLOR_HINT, "WARNING: 2 drops were not counted");
	assert_wrapped(colored, COLOR_DROP, "    7  NETFILTER_DROP");
	assert_wrapped(colored, COLOR_HINT, "hint: a netfilter hook dropped it");
	/* the namespace by its name in the table, as everywhere */
	assert_non_null(strstr(plain, "  blue  "));
	assert_same_but_colour(colored, plain);
	free(plain);
	free(colored);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* The trace's NETNS column names the namespace; a number only for an unnamed one. */
static void test_netns_column(void **state)
{
	struct fx *x = *state;
	char *named = format(x, (struct output_cfg){.meta = true});

	if (!strstr(named, " blue             0x0 "))
		fail_msg("no \"blue\" column in\n%s", named);
	free(named);
}

static void test_want_color(void **state)
{
	struct opts o = {.color = OPTS_COLOR_AUTO};

	(void)state;
	assert_true(opts_want_color(&o, true, NULL, "xterm"));
	assert_true(opts_want_color(&o, true, "", "xterm")); /* NO_COLOR set but empty */
	assert_false(opts_want_color(&o, false, NULL, "xterm"));
	assert_false(opts_want_color(&o, true, "1", "xterm"));
	assert_false(opts_want_color(&o, true, NULL, "dumb"));
	o.color = OPTS_COLOR_NEVER;
	assert_false(opts_want_color(&o, true, NULL, "xterm"));
	o.color = OPTS_COLOR_ALWAYS;
	assert_true(opts_want_color(&o, false, "1", "dumb"));
	o.out.json = true; /* JSON never */
	assert_false(opts_want_color(&o, true, NULL, "xterm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_drop), cmocka_unit_test(test_drops_only),
		cmocka_unit_test(test_summary),	   cmocka_unit_test(test_netns_column),
		cmocka_unit_test(test_want_color),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
