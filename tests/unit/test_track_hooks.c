// SPDX-License-Identifier: GPL-2.0
/* --filter-track-skb's extra probes: free points per backend, clone hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "probe/track_hooks.h"

static struct probe_list found;

static void add(const char *name, enum probe_kind kind, int skb_arg)
{
	struct probe p = {.name = (char *)name, .kind = kind, .skb_arg = skb_arg};

	if (kind == PROBE_TRACEPOINT)
		p.category = "skb";
	assert_non_null(probe_list_add(&found, &p));
}

static int setup(void **state)
{
	(void)state;
	add("kfree_skb", PROBE_TRACEPOINT, 1);
	add("consume_skb", PROBE_TRACEPOINT, 1);
	add("kfree_skbmem", PROBE_FUNC, 1);
	add("napi_skb_cache_put", PROBE_FUNC, 1);
	add("skb_clone", PROBE_FUNC, 1);
	add("skb_copy_expand", PROBE_FUNC, 1);
	add("ip_rcv", PROBE_FUNC, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	probe_list_free(&found);
	return 0;
}

/* How many probes named name in role r. */
static int count(const struct probe_list *l, const char *name, enum probe_role r)
{
	int n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += !strcmp(l->v[i].name, name) && l->v[i].role == r;
	return n;
}

static void test_free_points_per_backend(void **state)
{
	struct probe_list none = {0};

	(void)state;
	assert_true(track_free_at_tracepoints(&found, false));
	assert_false(track_free_at_tracepoints(&found, true));
	assert_false(track_free_at_tracepoints(&found, true));
	/* no kfree_skbmem in BTF: a function backend falls back to the tracepoints */
	assert_true(track_free_at_tracepoints(&none, true));
}

static void test_tracepoint_backend_hooks(void **state)
{
	struct probe_list probes = {0};
	size_t added = 0;

	(void)state;
	/* the drop hook skb:kfree_skb is always selected */
	assert_non_null(probe_list_add(&probes, &found.v[0]));
	assert_int_equal(track_add_hooks(&found, &probes, true, CLONE_HOOKS_NONE, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(count(&probes, "consume_skb", PROBE_ROLE_FORGET), 1);
	assert_int_equal(count(&probes, "kfree_skb", PROBE_ROLE_FORGET), 0);
	assert_int_equal(count(&probes, "kfree_skbmem", PROBE_ROLE_FORGET), 0);
	/* without kprobes no clone hook */
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_ENTRY), 0);
	probe_list_free(&probes);
}

static void test_function_backend_hooks(void **state)
{
	struct probe_list probes = {0};
	size_t added = 0;

	(void)state;
	/* kfree_skbmem was selected: it is its own free point, no second probe */
	assert_non_null(probe_list_add(&probes, &found.v[2]));
	assert_int_equal(track_add_hooks(&found, &probes, false, CLONE_HOOKS_KPROBE, &added), 0);
	assert_int_equal(count(&probes, "kfree_skbmem", PROBE_ROLE_FORGET), 0);
	assert_int_equal(count(&probes, "napi_skb_cache_put", PROBE_ROLE_FORGET), 1);
	assert_int_equal(count(&probes, "consume_skb", PROBE_ROLE_FORGET), 0);
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_ENTRY), 1);
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_RET), 1);
	assert_int_equal(count(&probes, "skb_copy_expand", PROBE_ROLE_CLONE_RET), 1);
	assert_int_equal(count(&probes, "ip_rcv", PROBE_ROLE_CLONE_ENTRY), 0);
	assert_int_equal(added, 5);
	probe_list_free(&probes);
}

static void test_fentry_backend_hooks(void **state)
{
	struct probe_list probes = {0};
	size_t added = 0;

	(void)state;
	assert_non_null(probe_list_add(&probes, &found.v[2]));
	assert_int_equal(track_add_hooks(&found, &probes, false, CLONE_HOOKS_FEXIT, &added), 0);
	/* one fexit per cloning function sees source and result: no entry/return pair */
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_EXIT), 1);
	assert_int_equal(count(&probes, "skb_copy_expand", PROBE_ROLE_CLONE_EXIT), 1);
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_ENTRY), 0);
	assert_int_equal(count(&probes, "skb_clone", PROBE_ROLE_CLONE_RET), 0);
	assert_int_equal(count(&probes, "napi_skb_cache_put", PROBE_ROLE_FORGET), 1);
	assert_int_equal(added, 3);
	probe_list_free(&probes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_points_per_backend),
		cmocka_unit_test(test_tracepoint_backend_hooks),
		cmocka_unit_test(test_function_backend_hooks),
		cmocka_unit_test(test_fentry_backend_hooks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
