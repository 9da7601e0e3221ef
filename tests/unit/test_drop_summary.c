// SPDX-License-Identifier: GPL-2.0
/* --drop-summary aggregation: per-CPU merge, per-interval deltas, order, printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "diag/drop_summary.h"

static struct skbt_drop_key key(unsigned int reason, unsigned long long loc, unsigned int netns,
				unsigned int ifindex)
{
	struct skbt_drop_key k = {
		.location = loc, .reason = reason, .netns = netns, .ifindex = ifindex};
	return k;
}

static struct skbt_drop_val val(unsigned long long count, unsigned long long ts,
				unsigned short dport)
{
	struct skbt_drop_val v = {.count = count,
				  .last_ts = ts,
				  .ifname = "veth0",
				  .flags = SKBT_F_HAS_TUPLE | SKBT_F_HAS_PORTS};

	v.example.l3 = 4;
	v.example.l4 = IPPROTO_UDP;
	v.example.sport = 40000;
	v.example.dport = dport;
	inet_pton(AF_INET, "198.18.0.1", v.example.saddr);
	inet_pton(AF_INET, "198.18.0.2", v.example.daddr);
	return v;
}

static void test_merge_cpus(void **state)
{
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_key k = key(3, 0xffffffff81000010ULL, 4026532001u, 2);
	/* the newest example wins, whatever CPU holds it */
	struct skbt_drop_val v[3] = {val(3, 100, 1), val(0, 0, 0), val(4, 200, 2)};
	struct ds_table t;

	(void)state;
	assert_non_null(s);
	assert_int_equal(drop_summary_add(s, &k, v, 3), 0);
	assert_int_equal(drop_summary_close(s, 10, 20, 0, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.total, 7);
	assert_int_equal(t.rows[0].count, 7);
	assert_int_equal(t.rows[0].example.dport, 2);
	assert_int_equal(t.rows[0].last_ts, 200);
	assert_string_equal(t.rows[0].ifname, "veth0");
	assert_int_equal(t.start, 10);
	assert_int_equal(t.end, 20);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* Each table covers its own interval; unchanged keys are left out. */
static void test_intervals(void **state)
{
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_key a = key(3, 0x10, 1, 1), b = key(12, 0x20, 1, 0);
	struct skbt_drop_val v[2];
	struct ds_table t;

	(void)state;
	v[0] = val(5, 1, 1);
	v[1] = val(5, 2, 1);
	drop_summary_add(s, &a, v, 2);
	drop_summary_close(s, 0, 1, 0, &t);
	assert_int_equal(t.total, 10);
	ds_table_free(&t);

	v[0] = val(6, 3, 1); /* +1 on CPU 0 */
	drop_summary_add(s, &a, v, 2);
	v[0] = val(40, 4, 9);
	v[1] = val(0, 0, 0);
	drop_summary_add(s, &b, v, 2);
	drop_summary_close(s, 1, 2, 0, &t);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.total, 41);
	/* largest first */
	assert_int_equal(t.rows[0].key.reason, 12);
	assert_int_equal(t.rows[0].count, 40);
	assert_int_equal(t.rows[1].key.reason, 3);
	assert_int_equal(t.rows[1].count, 1);
	ds_table_free(&t);

	/* nothing new: an empty table, not the old one again */
	drop_summary_add(s, &b, v, 2);
	drop_summary_close(s, 2, 3, 0, &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.total, 0);
	ds_table_free(&t);
	drop_summary_free(s);
}

static void test_uncounted(void **state)
{
	struct drop_summary *s = drop_summary_new();
	struct ds_table t;

	(void)state;
	drop_summary_close(s, 0, 1, 5, &t);
	assert_int_equal(t.uncounted, 5);
	ds_table_free(&t);
	drop_summary_close(s, 1, 2, 5, &t);
	assert_int_equal(t.uncounted, 0);
	ds_table_free(&t);
	drop_summary_close(s, 2, 3, 8, &t);
	assert_int_equal(t.uncounted, 3);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* Equal counts: a stable order (reason, then location) for diffable output. */
static void test_ties(void **state)
{
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_val v = val(2, 1, 1);
	struct ds_table t;

	(void)state;
	for (unsigned int r = 9; r >= 5; r--) {
		struct skbt_drop_key k = key(r, 0x100 - r, 1, 1);

		drop_summary_add(s, &k, &v, 1);
	}
	drop_summary_close(s, 0, 1, 0, &t);
	assert_int_equal(t.n, 5);
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.rows[i].key.reason, 5 + i);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* Thousands of keys: the index grows and every total stays exact. */
static void test_many_keys(void **state)
{
	struct drop_summary *s = drop_summary_new();
	unsigned long long want = 0, got = 0;
	struct ds_table t;

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (unsigned int i = 0; i < 5000; i++) {
			struct skbt_drop_key k =
				key(i % 7, 0xffffffff81000000ULL + i, i % 3, i % 5);
			struct skbt_drop_val v = val(i + 1 + round, i, 1);

			assert_int_equal(drop_summary_add(s, &k, &v, 1), 0);
		}
	}
	drop_summary_close(s, 0, 1, 0, &t);
	assert_int_equal(t.n, 5000);
	for (unsigned int i = 0; i < 5000; i++)
		want += i + 2;
	for (size_t i = 0; i < t.n; i++) {
		got += t.rows[i].count;
		if (i)
			assert_true(t.rows[i - 1].count >= t.rows[i].count);
	}
	assert_int_equal(got, want);
	assert_int_equal(t.total, want);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* A running total that went down: the key was recreated, counted from 0. */
static void test_key_recreated(void **state)
{
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_key k = key(3, 1, 1, 1);
	struct skbt_drop_val v = val(100, 1, 1);
	struct ds_table t;

	(void)state;
	drop_summary_add(s, &k, &v, 1);
	drop_summary_close(s, 0, 1, 0, &t);
	ds_table_free(&t);
	v.count = 7;
	drop_summary_add(s, &k, &v, 1);
	drop_summary_close(s, 1, 2, 0, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.rows[0].count, 7);
	ds_table_free(&t);
	drop_summary_free(s);
}

/* The kernel's own per-CPU hash map, written from here, read back. */
static void test_real_map(void **state)
{
	int ncpu = libbpf_num_possible_cpus();
	struct skbt_drop_val *v = calloc(ncpu, sizeof(*v));
	struct drop_summary *s = drop_summary_new();
	struct ds_table t;
	int fd;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "ds_test", sizeof(struct skbt_drop_key),
			    sizeof(struct skbt_drop_val), 64, NULL);
	if (fd < 0) {
		free(v);
		drop_summary_free(s);
		print_message("# cannot create a BPF map here (not root?): skipped\n");
		skip();
	}
	for (unsigned int r = 1; r <= 3; r++) {
		struct skbt_drop_key k = key(r, 0xffffffff81000000ULL + r, 77, r);

		for (int c = 0; c < ncpu; c++)
			v[c] = val(r * 10 + c, 1000 * r + c, r);
		assert_int_equal(bpf_map_update_elem(fd, &k, v, BPF_ANY), 0);
	}
	assert_int_equal(drop_summary_read_map(s, fd), 0);
	assert_int_equal(drop_summary_close(s, 0, 1, 0, &t), 0);
	assert_int_equal(t.n, 3);
	for (size_t i = 0; i < 3; i++) {
		unsigned int r = 3 - i;

		assert_int_equal(t.rows[i].key.reason, r);
		assert_int_equal(t.rows[i].count, r * 10ULL * ncpu + ncpu * (ncpu - 1) / 2);
		assert_int_equal(t.rows[i].last_ts, 1000 * r + ncpu - 1);
	}
	ds_table_free(&t);
	close(fd);
	free(v);
	drop_summary_free(s);
}

/* The reason's value in this kernel, by name. */
static unsigned int reason_value(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (unsigned int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), name))
			return btf_enum(t)[i].val;
	fail_msg("no %s in this kernel", name);
	return 0;
}

static char *print_one(const struct ds_print *tmpl, const struct ds_table *t, bool json)
{
	struct ds_print p = *tmpl;
	char *out = NULL;
	size_t len = 0;

	p.f = open_memstream(&out, &len);
	p.json = json;
	assert_int_equal(drop_summary_print(&p, t), 0);
	fclose(p.f);
	return out;
}

static void test_print(void **state)
{
	struct btf *btf = btf__load_vmlinux_btf();
	struct drop_reasons *dr;
	struct drop_namer nm = {};
	struct ds_print p = {.nm = &nm, .map_max = 4096};
	struct drop_summary *s = drop_summary_new();
	struct skbt_drop_key k;
	struct skbt_drop_val v = val(7, 5, 7790);
	struct ds_table t;
	char *out;

	(void)state;
	if (!btf)
		skip();
	dr = drop_reasons_load(btf, NULL, 0);
	nm.dr = dr;
	k = key(reason_value(btf, "SKB_DROP_REASON_NO_SOCKET"), 0xffffffff81000010ULL, 4026532001u,
		3);
	drop_summary_add(s, &k, &v, 1);
	drop_summary_close(s, 5, 1000000005, 2, &t);

	out = print_one(&p, &t, false);
	assert_string_equal(
		out,
		"drop summary 5-1000000005 (1.000s): 7 drops, 2 uncounted\n"
		"WARNING: 2 drops were not counted: the summary map's 4096 rows are all taken "
		"(--drop-summary-max)\n"
		"COUNT  REASON     LOCATION            NETNS             IFACE  EXAMPLE\n"
		"    7  NO_SOCKET  0xffffffff81000010  inode:4026532001  veth0  "
		"198.18.0.1:40000->198.18.0.2:7790(udp)\n"
		"       hint: no socket for udp 198.18.0.2:7790 in netns inode:4026532001: `nsenter "
		"-t <a pid in netns inode:4026532001> -n ss -anp sport = :7790`\n");
	free(out);

	out = print_one(&p, &t, true);
	assert_string_equal(
		out,
		"{\"drop_summary\":{\"start\":5,\"end\":1000000005,\"total\":7,\"uncounted\":2,"
		"\"drops\":[{\"reason\":\"SKB_DROP_REASON_NO_SOCKET\",\"location\":"
		"\"0xffffffff81000010\",\"netns\":4026532001,\"netns_name\":\"inode:4026532001\","
		"\"ifindex\":3,\"iface\":\"veth0\",\"count\":7,\"example\":{\"saddr\":"
		"\"198.18.0.1\",\"daddr\":\"198.18.0.2\",\"sport\":40000,\"dport\":7790,"
		"\"l4\":\"udp\"},\"hint\":\"no socket for udp 198.18.0.2:7790 in netns "
		"inode:4026532001: `nsenter -t <a pid in netns inode:4026532001> -n ss -anp "
		"sport = :7790`\"}]}}\n");
	free(out);
	ds_table_free(&t);
	drop_summary_free(s);
	drop_reasons_free(dr);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_cpus), cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_uncounted),  cmocka_unit_test(test_ties),
		cmocka_unit_test(test_many_keys),  cmocka_unit_test(test_key_recreated),
		cmocka_unit_test(test_real_map),   cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests_name("drop_summary", tests, NULL, NULL);
}
