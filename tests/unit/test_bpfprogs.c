// SPDX-License-Identifier: GPL-2.0
/*
 * --filter-trace-tc/-xdp, the parts that need no kernel: the program
 * table, verdict names, and the exact text and JSON of program events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "cli/opts.h"
#include "probe/bpfprogs.h"
#include "out/output.h"

static void test_kinds_and_verdicts(void **state)
{
	enum bpfprog_kind k;

	(void)state;
	assert_true(bpfprog_kind_of(BPF_PROG_TYPE_SCHED_CLS, &k));
	assert_int_equal(k, BPFPROG_TC);
	assert_true(bpfprog_kind_of(BPF_PROG_TYPE_XDP, &k));
	assert_int_equal(k, BPFPROG_XDP);
	assert_false(bpfprog_kind_of(BPF_PROG_TYPE_SCHED_ACT, &k));
	assert_false(bpfprog_kind_of(BPF_PROG_TYPE_TRACING, &k));
	assert_string_equal(bpfprog_verdict_name(BPFPROG_TC, 0), "TC_ACT_OK");
	assert_string_equal(bpfprog_verdict_name(BPFPROG_TC, 2), "TC_ACT_SHOT");
	assert_string_equal(bpfprog_verdict_name(BPFPROG_TC, 7), "TC_ACT_REDIRECT");
	assert_string_equal(bpfprog_verdict_name(BPFPROG_TC, -1), "TC_ACT_UNSPEC");
	assert_null(bpfprog_verdict_name(BPFPROG_TC, 9));
	assert_null(bpfprog_verdict_name(BPFPROG_TC, -2));
	assert_string_equal(bpfprog_verdict_name(BPFPROG_XDP, 1), "XDP_DROP");
	assert_string_equal(bpfprog_verdict_name(BPFPROG_XDP, 4), "XDP_REDIRECT");
	assert_null(bpfprog_verdict_name(BPFPROG_XDP, 5));
	assert_null(bpfprog_verdict_name(BPFPROG_XDP, -1));
}

static void test_table(void **state)
{
	struct bpfprogs l = {0};
	struct bpfprog *p;

	(void)state;
	for (unsigned int id = 1; id <= 40; id++) {
		p = bpfprogs_add(&l, id * 3, id % 2 ? BPFPROG_TC : BPFPROG_XDP);
		assert_non_null(p);
		assert_int_equal(p->prog_fd[0], -1);
		assert_int_equal(p->link_fd[1], -1);
	}
	assert_int_equal(l.n, 40);
	p = bpfprogs_find(&l, 3 * 17);
	assert_non_null(p);
	assert_int_equal(p->id, 51);
	assert_int_equal(p->kind, BPFPROG_TC);
	assert_null(bpfprogs_find(&l, 52));
	assert_null(bpfprogs_find(NULL, 3));
	bpfprogs_free(&l);
	assert_int_equal(l.n, 0);
}

/* One event formatted alone with cfg, against a table naming program 42. */
static void expect(struct output_cfg cfg, const struct skbt_event *e, const char *want)
{
	static const unsigned char tag[8] = {0x3b, 0x18, 0x51, 0x87, 0xf1, 0x85, 0x5c, 0x4c};
	struct bpfprogs l = {0};
	struct bpfprog *p = bpfprogs_add(&l, 42, BPFPROG_TC);
	struct output o = {.cfg = cfg, .progs = &l, .stack_map_fd = -1, .consumed_reason = -1};
	char *buf = NULL;
	size_t len = 0;

	assert_non_null(p);
	strcpy(p->name, "cil_from_netdev");
	memcpy(p->tag, tag, sizeof(tag));
	o.f = open_memstream(&buf, &len);
	assert_non_null(o.f);
	assert_int_equal(output_init(&o), 0);
	assert_int_equal(output_event(&o, e, sizeof(*e)), 0);
	assert_int_equal(output_flush(&o), 0);
	fflush(o.f);
	assert_string_equal(buf, want);
	output_free(&o);
	fclose(o.f);
	free(buf);
	bpfprogs_free(&l);
}

static struct skbt_event prog_event(unsigned int flags, int verdict)
{
	struct skbt_event e = {
		.ts = 7,
		.skb = 0xffff888012345600ULL,
		.func = 42,
		.pid = 9,
		.comm = "ping",
		.ifindex = 3,
		.ifname = "veth-b",
		.flags = SKBT_F_PROG | flags,
		.verdict = verdict,
		.stack_id = -1,
	};
	return e;
}

static void test_text(void **state)
{
	struct skbt_event e = prog_event(0, 0);

	(void)state;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 0   [9] ping             "
	       "tc:cil_from_netdev[id 42 tag 3b185187f1855c4c]\n");
	e = prog_event(SKBT_F_PROG_RET, 2);
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 0   [9] ping             "
	       "tc:cil_from_netdev[id 42 tag 3b185187f1855c4c] -> TC_ACT_SHOT\n");
	e = prog_event(SKBT_F_PROG_RET, 7);
	e.redirect = 5;
	e.redirect_flags = BPF_F_INGRESS;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 0   [9] ping             "
	       "tc:cil_from_netdev[id 42 tag 3b185187f1855c4c] -> TC_ACT_REDIRECT to ingress of "
	       "ifindex 5\n");
	/* A program the table does not know (never seen): named by id, verdict as a number. */
	e = prog_event(SKBT_F_PROG_RET | SKBT_F_XDP, 9);
	e.func = 7;
	e.skb = 0;
	expect((struct output_cfg){0}, &e,
	       "0x0000000000000000 0   [9] ping             "
	       "xdp:prog#7[id 7 tag 0000000000000000] -> 9\n");
}

static void test_json(void **state)
{
	struct skbt_event e = prog_event(SKBT_F_PROG_RET | SKBT_F_XDP, 4);

	(void)state;
	e.func = 42;
	e.redirect = 3;
	e.redirect_map = 12;
	expect((struct output_cfg){.json = true}, &e,
	       "{\"time\":7,\"skb\":\"0xffff888012345600\",\"cpu\":0,\"pid\":9,"
	       "\"process\":\"ping\",\"func\":\"xdp:cil_from_netdev\",\"netns\":0,\"mark\":0,"
	       "\"ifindex\":3,\"iface\":\"veth-b\",\"proto\":0,\"len\":0,\"mtu\":0,"
	       "\"bpf_prog\":{\"type\":\"xdp\",\"id\":42,\"name\":\"cil_from_netdev\","
	       "\"tag\":\"3b185187f1855c4c\"},\"verdict\":\"XDP_REDIRECT\",\"verdict_code\":4,"
	       "\"redirect\":{\"map_id\":12,\"key\":3,\"ingress\":false}}\n");
	e = prog_event(0, 0);
	expect((struct output_cfg){.json = true}, &e,
	       "{\"time\":7,\"skb\":\"0xffff888012345600\",\"cpu\":0,\"pid\":9,"
	       "\"process\":\"ping\",\"func\":\"tc:cil_from_netdev\",\"netns\":0,\"mark\":0,"
	       "\"ifindex\":3,\"iface\":\"veth-b\",\"proto\":0,\"len\":0,\"mtu\":0,"
	       "\"bpf_prog\":{\"type\":\"tc\",\"id\":42,\"name\":\"cil_from_netdev\","
	       "\"tag\":\"3b185187f1855c4c\"}}\n");
}

static void test_options(void **state)
{
	char *none[] = {"skbtrace", "-q", NULL};
	char *both[] = {"skbtrace", "--filter-trace-xdp", "--filter-trace-tc", "udp", NULL};
	char *tc[] = {"skbtrace", "--filter-trace-tc", NULL};
	struct opts o;

	(void)state;
	assert_int_equal(opts_parse(&o, 2, none), OPTS_OK);
	assert_false(o.trace_tc);
	assert_false(o.trace_xdp);
	opts_free(&o);
	assert_int_equal(opts_parse(&o, 4, both), OPTS_OK);
	assert_true(o.trace_tc);
	assert_true(o.trace_xdp);
	assert_string_equal(o.pcap_expr, "udp");
	opts_free(&o);
	assert_int_equal(opts_parse(&o, 2, tc), OPTS_OK);
	assert_true(o.trace_tc);
	assert_false(o.trace_xdp);
	opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_and_verdicts),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
