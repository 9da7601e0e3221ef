// SPDX-License-Identifier: GPL-2.0
/* Drop reason names against this machine's BTF and a synthetic one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "diag/drop_reason.h"

/* The value the running kernel gives an enumerator, or -1. */
static long long enum_value(const struct btf *btf, const char *enum_name, const char *val_name)
{
	int id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (unsigned int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), val_name))
			return (unsigned int)e[i].val;
	return -1;
}

static int vmlinux_setup(void **state)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return -1;
	*state = btf;
	return 0;
}

static int vmlinux_teardown(void **state)
{
	btf__free(*state);
	return 0;
}

static void test_netfilter_drop(void **state)
{
	const struct btf *btf = *state;
	long long v = enum_value(btf, "skb_drop_reason", "SKB_DROP_REASON_NETFILTER_DROP");
	struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
	char buf[32];

	assert_non_null(dr);
	assert_int_equal(drop_reasons_known(dr), 1);
	assert_true(v > 0);
	assert_string_equal(drop_reason_name(dr, v, buf, sizeof(buf)),
			    "SKB_DROP_REASON_NETFILTER_DROP");
	/* the value the environment notes record for this kernel */
	if (v == 12)
		assert_string_equal(drop_reason_name(dr, 12, buf, sizeof(buf)),
				    "SKB_DROP_REASON_NETFILTER_DROP");
	assert_string_equal(drop_reason_name(dr, 0, buf, sizeof(buf)), "SKB_NOT_DROPPED_YET");
	assert_int_equal(drop_reason_value(dr, "SKB_DROP_REASON_NETFILTER_DROP"), v);
	assert_int_equal(drop_reason_value(dr, "SKB_DROP_REASON_NO_SUCH_THING"), -1);
	assert_int_equal(drop_reason_value(NULL, "SKB_DROP_REASON_NETFILTER_DROP"), -1);
	drop_reasons_free(dr);
}

static void test_consumed(void **state)
{
	const struct btf *btf = *state;
	long long v = enum_value(btf, "skb_drop_reason", "SKB_CONSUMED");
	struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
	char buf[32];

	assert_non_null(dr);
	assert_true(v >= 0);
	assert_int_equal(drop_reason_consumed(dr), v);
	assert_string_equal(drop_reason_name(dr, v, buf, sizeof(buf)), "SKB_CONSUMED");
	drop_reasons_free(dr);
}

static void test_unknown_is_number(void **state)
{
	struct drop_reasons *dr = drop_reasons_load(*state, NULL, 0);
	char buf[32];

	assert_non_null(dr);
	assert_string_equal(drop_reason_name(dr, 0xfff0, buf, sizeof(buf)), "65520");
	/* the mask is an enumerator but not a reason */
	assert_string_equal(drop_reason_name(dr, 0xffff0000u, buf, sizeof(buf)), "4294901760");
	assert_string_equal(drop_reason_name(NULL, 7, buf, sizeof(buf)), "7");
	drop_reasons_free(dr);
}

/* Start-up cost: the brief is well under a millisecond. */
static void test_load_is_cheap(void **state)
{
	struct timespec a, b;
	long long best = -1;

	for (int i = 0; i < 5; i++) {
		struct drop_reasons *dr;
		long long ns;

		clock_gettime(CLOCK_MONOTONIC, &a);
		dr = drop_reasons_load(*state, NULL, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		assert_non_null(dr);
		drop_reasons_free(dr);
		ns = (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec;
		if (best < 0 || ns < best)
			best = ns;
	}
	print_message("# drop_reasons_load(vmlinux): %lld us\n", best / 1000);
	/* generous: this binary runs under ASan */
	assert_true(best < 20 * 1000 * 1000);
}

static void add_values(struct btf *btf, const char *name, const char *const *names,
		       const unsigned int *vals, int n)
{
	assert_true(btf__add_enum(btf, name, 4) > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(btf__add_enum_value(btf, names[i], vals[i]), 0);
}

/*
 * A kernel with two subsystems, a flag enum that happens to hit
 * subsystem values, and a mac80211-style pair of aliased enums.
 */
static struct btf *synthetic_btf(void)
{
	static const char *const core[] = {"SKB_NOT_DROPPED_YET", "SKB_CONSUMED",
					   "SKB_DROP_REASON_NOT_SPECIFIED",
					   "SKB_DROP_REASON_SUBSYS_MASK"};
	static const unsigned int core_v[] = {0, 1, 2, 0xffff0000u};
	static const char *const subsys[] = {
		"SKB_DROP_REASON_SUBSYS_CORE", "SKB_DROP_REASON_SUBSYS_FOO",
		"SKB_DROP_REASON_SUBSYS_BAR", "SKB_DROP_REASON_SUBSYS_NUM"};
	static const unsigned int subsys_v[] = {0, 1, 2, 3};
	static const char *const foo[] = {"__FOO_DROP_REASON", "FOO_DROP_A", "FOO_DROP_B",
					  "FOO_DROP_C"};
	static const unsigned int foo_v[] = {1 << 16, 1 << 16 | 1, 1 << 16 | 2, 1 << 16 | 3};
	static const char *const alias[] = {"___FOO_DROP_C"};
	static const unsigned int alias_v[] = {1 << 16 | 3};
	static const char *const flags[] = {"F_ONE", "F_TWO", "F_BIG"};
	static const unsigned int flags_v[] = {1, 1 << 16 | 2, 1 << 20};
	static const char *const bar[] = {"BAR_X", "BAR_Y"};
	static const unsigned int bar_v[] = {2 << 16 | 5, 2 << 16 | 6};
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	add_values(btf, "skb_drop_reason", core, core_v, 4);
	add_values(btf, "skb_drop_reason_subsys", subsys, subsys_v, 4);
	add_values(btf, "___foo_drop_reason", alias, alias_v, 1);
	add_values(btf, "foo_drop_reason", foo, foo_v, 4);
	add_values(btf, "some_flags", flags, flags_v, 3);
	/* no "drop" in the name, but every value sits in subsystem 2 */
	add_values(btf, "bar_result", bar, bar_v, 2);
	return btf;
}

static void test_synthetic_subsys(void **state)
{
	struct btf *btf = synthetic_btf();
	struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
	char buf[32];

	(void)state;
	assert_non_null(dr);
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 3, buf, sizeof(buf)), "FOO_DROP_C");
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 1, buf, sizeof(buf)), "FOO_DROP_A");
	/* a flag enum is not a reason list */
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 2, buf, sizeof(buf)), "FOO_DROP_B");
	assert_string_equal(drop_reason_name(dr, 2 << 16 | 6, buf, sizeof(buf)), "BAR_Y");
	assert_string_equal(drop_reason_name(dr, 2 << 16 | 2, buf, sizeof(buf)), "131074");
	/* subsystem 3 is SKB_DROP_REASON_SUBSYS_NUM, not a subsystem */
	assert_string_equal(drop_reason_name(dr, 3 << 16 | 1, buf, sizeof(buf)), "196609");
	assert_string_equal(drop_reason_name(dr, 2, buf, sizeof(buf)),
			    "SKB_DROP_REASON_NOT_SPECIFIED");
	assert_int_equal(drop_reason_consumed(dr), 1);
	/* names are copied: the BTF can go first */
	btf__free(btf);
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 3, buf, sizeof(buf)), "FOO_DROP_C");
	drop_reasons_free(dr);
}

/* Module BTF is split on top of vmlinux; only its own types are scanned. */
static void test_module_btf(void **state)
{
	static const char *const names[] = {"RX_DROP_U_MIC_FAIL", "RX_DROP_U_REPLAY"};
	static const unsigned int vals[] = {1 << 16 | 7, 1 << 16 | 8};
	struct btf *base = synthetic_btf();
	struct btf *mod = btf__new_empty_split(base);
	struct drop_reasons *dr;
	char buf[32];

	(void)state;
	assert_non_null(mod);
	add_values(mod, "mac80211_drop_reason", names, vals, 2);
	dr = drop_reasons_load(base, &mod, 1);
	assert_non_null(dr);
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 8, buf, sizeof(buf)),
			    "RX_DROP_U_REPLAY");
	assert_string_equal(drop_reason_name(dr, 1 << 16 | 3, buf, sizeof(buf)), "FOO_DROP_C");
	drop_reasons_free(dr);
	btf__free(mod);
	btf__free(base);
}

static void test_synthetic_subsys_names(void **state)
{
	struct btf *btf = synthetic_btf();
	struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
	char buf[32];

	(void)state;
	assert_non_null(dr);
	btf__free(btf);
	assert_null(drop_reason_subsys(dr, 2, buf, sizeof(buf)));
	assert_string_equal(drop_reason_subsys(dr, 1 << 16 | 3, buf, sizeof(buf)), "FOO");
	assert_string_equal(drop_reason_subsys(dr, 2 << 16 | 6, buf, sizeof(buf)), "BAR");
	/* SKB_DROP_REASON_SUBSYS_NUM is a count, not a subsystem */
	assert_string_equal(drop_reason_subsys(dr, 3 << 16 | 1, buf, sizeof(buf)), "3");
	assert_string_equal(drop_reason_subsys(NULL, 7 << 16, buf, sizeof(buf)), "7");
	drop_reasons_free(dr);
}

static void test_short_name(void **state)
{
	(void)state;
	assert_string_equal(drop_reason_short("SKB_DROP_REASON_NO_SOCKET"), "NO_SOCKET");
	assert_string_equal(drop_reason_short("OVS_DROP_LAST_ACTION"), "OVS_DROP_LAST_ACTION");
	assert_string_equal(drop_reason_short("SKB_CONSUMED"), "SKB_CONSUMED");
	assert_string_equal(drop_reason_short("12"), "12");
}

/* The running kernel's own subsystem enum, read back value by value. */
static void test_vmlinux_subsys(void **state)
{
	const struct btf *btf = *state;
	struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
	int id = btf__find_by_name_kind(btf, "skb_drop_reason_subsys", BTF_KIND_ENUM);
	const struct btf_type *t;
	char buf[32];

	assert_non_null(dr);
	if (id < 0) {
		print_message("# kernel has no enum skb_drop_reason_subsys (before 6.4)\n");
		assert_string_equal(drop_reason_subsys(dr, 2 << 16, buf, sizeof(buf)), "2");
		drop_reasons_free(dr);
		return;
	}
	t = btf__type_by_id(btf, id);
	for (unsigned int i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
		unsigned int v = btf_enum(t)[i].val;

		if (!v || strstr(n, "_NUM"))
			continue;
		assert_string_equal(drop_reason_subsys(dr, v << 16, buf, sizeof(buf)),
				    n + strlen("SKB_DROP_REASON_SUBSYS_"));
	}
	drop_reasons_free(dr);
}

static void test_no_enum(void **state)
{
	struct btf *btf = btf__new_empty();
	struct drop_reasons *dr;
	char buf[32];

	(void)state;
	dr = drop_reasons_load(btf, NULL, 0);
	assert_non_null(dr);
	assert_int_equal(drop_reasons_known(dr), 0);
	assert_int_equal(drop_reason_consumed(dr), -1);
	assert_string_equal(drop_reason_name(dr, 12, buf, sizeof(buf)), "12");
	drop_reasons_free(dr);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest vmlinux_tests[] = {
		cmocka_unit_test(test_netfilter_drop),	  cmocka_unit_test(test_consumed),
		cmocka_unit_test(test_unknown_is_number), cmocka_unit_test(test_load_is_cheap),
		cmocka_unit_test(test_vmlinux_subsys),
	};
	const struct CMUnitTest synthetic_tests[] = {
		cmocka_unit_test(test_synthetic_subsys),
		cmocka_unit_test(test_module_btf),
		cmocka_unit_test(test_no_enum),
		cmocka_unit_test(test_synthetic_subsys_names),
		cmocka_unit_test(test_short_name),
	};
	int fails = cmocka_run_group_tests_name("drop_reason_vmlinux", vmlinux_tests, vmlinux_setup,
						vmlinux_teardown);

	return fails +
	       cmocka_run_group_tests_name("drop_reason_synthetic", synthetic_tests, NULL, NULL);
}
