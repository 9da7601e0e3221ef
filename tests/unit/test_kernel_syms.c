// SPDX-License-Identifier: GPL-2.0
/* The table of kernel symbols with a role: names, argument layouts, kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "probe/kernel_syms.h"

static struct probe fn(const char *name, int skb_arg, int reason_arg)
{
	return (struct probe){.name = (char *)name,
			      .kind = PROBE_FUNC,
			      .skb_arg = skb_arg,
			      .reason_arg = reason_arg};
}

static struct probe tp(const char *name, int skb_arg, int reason_arg)
{
	return (struct probe){.name = (char *)name,
			      .kind = PROBE_TRACEPOINT,
			      .category = "skb",
			      .skb_arg = skb_arg,
			      .reason_arg = reason_arg};
}

static void test_drop_layouts(void **state)
{
	struct probe p;

	(void)state;
	p = tp("kfree_skb", 1, 3);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_TP);
	assert_true(ksym_is_drop_tracepoint(&p));
	p = fn("kfree_skb_reason", 1, 2);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_R2);
	p = fn("sk_skb_reason_drop", 2, 3);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_R3);
	/* A layout the drop programs do not read is no drop symbol. */
	p = fn("sk_skb_reason_drop", 1, 3);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_NONE);
	p = tp("kfree_skb", 1, 0);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_NONE);
	assert_true(ksym_is_drop_tracepoint(&p));
	/* A function of the tracepoint's name is not the tracepoint. */
	p = fn("kfree_skb", 1, 0);
	assert_int_equal(ksym_drop(&p), KSYM_DROP_NONE);
	assert_false(ksym_is_drop_tracepoint(&p));
}

static void test_free_and_clone(void **state)
{
	struct probe p;

	(void)state;
	p = tp("kfree_skb", 1, 3);
	assert_true(ksym_has(&p, KSYM_FREE));
	assert_false(ksym_has(&p, KSYM_CONSUME));
	p = tp("consume_skb", 1, 0);
	assert_true(ksym_has(&p, KSYM_FREE));
	assert_true(ksym_has(&p, KSYM_CONSUME));
	p = fn(KSYM_SKB_FREE, 1, 0);
	assert_true(ksym_has(&p, KSYM_FREE));
	p.module = "veth";
	assert_false(ksym_has(&p, KSYM_FREE));
	p = fn("napi_skb_cache_put", 2, 0);
	assert_false(ksym_has(&p, KSYM_FREE));
	p = fn("skb_clone", 1, 0);
	assert_true(ksym_has(&p, KSYM_CLONE));
	assert_false(ksym_has(&p, KSYM_FREE));
	p = fn("ip_rcv", 1, 0);
	assert_false(ksym_has(&p, KSYM_FREE | KSYM_CLONE | KSYM_DROP));
}

static void test_tracing_internal(void **state)
{
	(void)state;
	assert_true(ksym_is_tracing_internal("__bpf_trace_kfree_skb"));
	assert_true(ksym_is_tracing_internal("bpf_trace_run3"));
	assert_true(ksym_is_tracing_internal("trace_event_raw_event_net_dev_xmit"));
	assert_false(ksym_is_tracing_internal("ip_rcv"));
	assert_false(ksym_is_tracing_internal("trace_"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_layouts),
		cmocka_unit_test(test_free_and_clone),
		cmocka_unit_test(test_tracing_internal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
