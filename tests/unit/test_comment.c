// SPDX-License-Identifier: GPL-2.0
/*
 * -w: the comment of a packet record.  A drop event's comment carries the
 * drop diagnosis's own words: the reason, the site from kallsyms, the
 * netfilter hook from the frames above it, and the namespace by the name
 * the netns cache gives; an event that is no drop (no SKBT_F_DROP, even
 * with a reason) carries none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/btf.h>

#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "host/netns.h"
#include "out/output.h"
#include "probe/ksyms.h"
#include "probe/probes.h"

#define A_NFT	  0xffffffff81500000ULL
#define A_DELIVER 0xffffffff81600000ULL
#define UNNAMED	  4000000001U /* no namespace has it */

struct fx {
	char dir[64];
	unsigned int blue; /* inode of dir/run/blue: the namespace "blue" */
	struct ksyms *ks;
	struct btf *btf;
	struct drop_reasons *dr;
	struct netns_names *nn;
	struct drop_namer nm;
	struct probe_list probes;
	struct output o;
};

static int put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* dir/run/blue names its inode "blue"; dir/proc is empty: no process names one. */
static int names(struct fx *x)
{
	char run[96], proc[96], blue[128];
	struct stat st;

	snprintf(run, sizeof(run), "%s/run", x->dir);
	snprintf(proc, sizeof(proc), "%s/proc", x->dir);
	snprintf(blue, sizeof(blue), "%s/blue", run);
	if (mkdir(run, 0755) || mkdir(proc, 0755) || put(blue, "") || stat(blue, &st))
		return -1;
	x->blue = st.st_ino;
	x->nn = netns_names_new(run, proc);
	return x->nn ? 0 : -1;
}

static int tables(struct fx *x)
{
	struct probe tp = {.name = "kfree_skb", .category = "skb", .kind = PROBE_TRACEPOINT};
	char p[128];

	snprintf(p, sizeof(p), "%s/kallsyms", x->dir);
	if (put(p, "ffffffff81000000 T _stext\n"
		   "ffffffff81500000 T nft_do_chain\n"
		   "ffffffff81600000 T ip_local_deliver\n"
		   "ffffffff81700000 T after\n"))
		return -1;
	x->ks = ksyms_load(p);
	x->btf = btf__new_empty();
	if (!x->ks || !x->btf || btf__add_enum(x->btf, "skb_drop_reason", 4) < 0)
		return -1;
	btf__add_enum_value(x->btf, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(x->btf, "SKB_CONSUMED", 1);
	btf__add_enum_value(x->btf, "SKB_DROP_REASON_NETFILTER_DROP", 12);
	x->dr = drop_reasons_load(x->btf, NULL, 0);
	return x->dr && probe_list_add(&x->probes, &tp) ? 0 : -1;
}

static int setup(void **state)
{
	static struct fx x;

	snprintf(x.dir, sizeof(x.dir), "/tmp/skbt_comment_XXXXXX");
	if (!mkdtemp(x.dir) || names(&x) || tables(&x))
		return -1;
	x.nm = (struct drop_namer){.dr = x.dr, .ks = x.ks, .nn = x.nn};
	x.o = (struct output){.probes = &x.probes,
			      .ks = x.ks,
			      .dr = x.dr,
			      .nm = &x.nm,
			      .stack_map_fd = -1,
			      .consumed_reason = 1};
	x.o.f = fopen("/dev/null", "w");
	if (!x.o.f || output_init(&x.o))
		return -1;
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char cmd[128];

	output_free(&x->o);
	fclose(x->o.f);
	netns_names_free(x->nn);
	drop_reasons_free(x->dr);
	btf__free(x->btf);
	ksyms_free(x->ks);
	probe_list_free(&x->probes);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
	return system(cmd) ? -1 : 0;
}

/* An nftables drop in INPUT on veth-b, in namespace netns. */
static struct skbt_event nft_drop(unsigned int netns)
{
	struct skbt_event e = {
		.skb = 0xffff888012345600ULL,
		.func = 0, /* the first probe: skb:kfree_skb */
		.cpu = 1,
		.pid = 42,
		.comm = "nc",
		.netns = netns,
		.ifindex = 5,
		.ifname = "veth-b",
		.len = 84,
		.flags = SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON | SKBT_F_DROP,
		.reason = 12,
		.drop_location = A_NFT + 0x46f,
		/* nft_do_chain <- ... <- ip_local_deliver: the INPUT hook */
		.drop_above = {A_NFT + 0x900, A_DELIVER + 0x5a},
		.track_id = 7,
	};

	return e;
}

static const char *comment(struct fx *x, const struct skbt_event *e, size_t *func_len)
{
	static char buf[1024];

	output_comment(&x->o, e, buf, sizeof(buf), func_len);
	return buf;
}

static void test_drop(void **state)
{
	struct fx *x = *state;
	struct skbt_event e = nft_drop(x->blue);
	char want[512];
	size_t fl;

	snprintf(want, sizeof(want),
		 "skb:kfree_skb reason=SKB_DROP_REASON_NETFILTER_DROP at=nft_do_chain+0x46f "
		 "hook=INPUT netns=blue(%u) dev=veth-b(5) mark=0x0 len=84 process=[42]nc cpu=1 "
		 "skb=0xffff888012345600 id=7",
		 x->blue);
	assert_string_equal(comment(x, &e, &fl), want);
	assert_int_equal(fl, strlen("skb:kfree_skb"));
}

/* No hook among the frames above (a drop outside netfilter), no site, no name. */
static void test_drop_without_site(void **state)
{
	struct fx *x = *state;
	struct skbt_event e = nft_drop(UNNAMED);
	size_t fl;

	memset(e.drop_above, 0, sizeof(e.drop_above));
	e.drop_location = 0;
	assert_string_equal(comment(x, &e, &fl),
			    "skb:kfree_skb reason=SKB_DROP_REASON_NETFILTER_DROP netns=4000000001 "
			    "dev=veth-b(5) mark=0x0 len=84 process=[42]nc cpu=1 "
			    "skb=0xffff888012345600 id=7");
}

/* A free with a reason but no SKBT_F_DROP (SKB_CONSUMED) is no drop: no drop words. */
static void test_not_a_drop(void **state)
{
	struct fx *x = *state;
	struct skbt_event e = nft_drop(x->blue);
	char want[512];
	size_t fl;

	e.flags &= ~SKBT_F_DROP;
	e.reason = 1;
	e.ifindex = 0;
	snprintf(want, sizeof(want),
		 "skb:kfree_skb netns=blue(%u) mark=0x0 len=84 process=[42]nc cpu=1 "
		 "skb=0xffff888012345600 id=7",
		 x->blue);
	assert_string_equal(comment(x, &e, &fl), want);
}

/* The comment is cut to the buffer, never past it, and func_len with it. */
static void test_short_buffer(void **state)
{
	struct fx *x = *state;
	struct skbt_event e = nft_drop(x->blue);
	char buf[8];
	size_t fl;

	assert_int_equal(output_comment(&x->o, &e, buf, sizeof(buf), &fl), 7);
	assert_string_equal(buf, "skb:kfr");
	assert_int_equal(fl, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_without_site),
		cmocka_unit_test(test_not_a_drop),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
