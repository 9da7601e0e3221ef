// SPDX-License-Identifier: GPL-2.0
/* Exact text and JSON lines for hand-built events. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "diag/drop_reason.h"
#include "probe/ksyms.h"
#include "out/output.h"

#define A_STEXT	      0xffffffff81000000ULL
#define A_IP_RCV      0xffffffff81100000ULL
#define A_IP_RCV_CORE 0xffffffff81100200ULL
#define A_KFREE	      0xffffffff81200000ULL
#define A_NETIF	      0xffffffff81300000ULL
#define A_VXLAN	      0xffffffffc0001000ULL
#define A_NOWHERE     0xffffffff90000000ULL

static const char kallsyms[] = "ffffffff81000000 T _stext\n"
			       "ffffffff81100000 T ip_rcv\n"
			       "ffffffff81100200 t ip_rcv_core\n"
			       "ffffffff81200000 T kfree_skb_reason\n"
			       "ffffffff81300000 T __netif_receive_skb_core\n"
			       "ffffffffc0001000 t vxlan_rcv\t[vxlan]\n";

/* Shared by every test: symbols, reasons and the probe table. */
static struct ksyms *ks;
static struct drop_reasons *dr;
static struct btf *reason_btf;
static struct probe_list probes;

static struct ksyms *load_kallsyms(void)
{
	char path[] = "/tmp/test_output_kallsyms.XXXXXX";
	int fd = mkstemp(path);
	struct ksyms *k;

	if (fd < 0)
		return NULL;
	if (write(fd, kallsyms, sizeof(kallsyms) - 1) != sizeof(kallsyms) - 1) {
		close(fd);
		unlink(path);
		return NULL;
	}
	close(fd);
	k = ksyms_load(path);
	unlink(path);
	return k;
}

static struct btf *reasons_btf(void)
{
	struct btf *btf = btf__new_empty();

	if (!btf || btf__add_enum(btf, "skb_drop_reason", 4) < 0)
		return NULL;
	btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0);
	btf__add_enum_value(btf, "SKB_CONSUMED", 1);
	btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2);
	btf__add_enum_value(btf, "SKB_DROP_REASON_NETFILTER_DROP", 12);
	return btf;
}

static int group_setup(void **state)
{
	struct probe tp = {.name = "kfree_skb", .category = "skb", .kind = PROBE_TRACEPOINT};
	struct probe fn = {.name = "ip_rcv", .kind = PROBE_FUNC};

	(void)state;
	/* TS_CURRENT goes through localtime */
	setenv("TZ", "UTC", 1);
	tzset();
	ks = load_kallsyms();
	reason_btf = reasons_btf();
	dr = drop_reasons_load(reason_btf, NULL, 0);
	if (!ks || !dr || !probe_list_add(&probes, &fn) || !probe_list_add(&probes, &tp))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ksyms_free(ks);
	drop_reasons_free(dr);
	btf__free(reason_btf);
	probe_list_free(&probes);
	return 0;
}

/* One formatter writing into memory. */
struct fx {
	struct output o;
	FILE *f;
	char *buf;
	size_t len;
};

static void fx_open(struct fx *x, struct output_cfg cfg)
{
	memset(x, 0, sizeof(*x));
	x->f = open_memstream(&x->buf, &x->len);
	assert_non_null(x->f);
	x->o.cfg = cfg;
	x->o.f = x->f;
	x->o.probes = &probes;
	x->o.ks = ks;
	x->o.dr = dr;
	x->o.stack_map_fd = -1;
	x->o.consumed_reason = drop_reason_consumed(dr);
	assert_int_equal(output_init(&x->o), 0);
}

/* Everything written so far. */
static const char *fx_text(struct fx *x)
{
	assert_int_equal(output_flush(&x->o), 0);
	return x->buf;
}

static const char *fx_one(struct fx *x, const struct skbt_event *e)
{
	assert_int_equal(output_event(&x->o, e, sizeof(*e)), 0);
	return fx_text(x);
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

static void fx_close(struct fx *x)
{
	output_free(&x->o);
	fclose(x->f);
	free(x->buf);
}

/* Formats e alone with cfg and compares the whole output. */
static void expect(struct output_cfg cfg, const struct skbt_event *e, const char *want)
{
	struct fx x;

	fx_open(&x, cfg);
	assert_string_equal(fx_one(&x, e), want);
	fx_close(&x);
}

static struct skbt_event base_event(void)
{
	struct skbt_event e = {
		.ts = 5000000123ULL,
		.skb = 0xffff888012345600ULL,
		.func = A_IP_RCV,
		.cpu = 1,
		.pid = 1234,
		.comm = "nc",
		.netns = 4026531840u,
		.mark = 0x10,
		.ifindex = 2,
		.ifname = "eth0",
		.len = 84,
		.mtu = 1500,
		.proto = 0x0800,
		.stack_id = -1,
	};
	return e;
}

static struct skbt_event udp4_event(void)
{
	struct skbt_event e = base_event();
	struct skbt_tuple t = {
		.saddr = {10, 0, 0, 1},
		.daddr = {10, 0, 0, 2},
		.sport = 5353,
		.dport = 9999,
		.l3 = 4,
		.l4 = 17,
	};

	e.tuple = t;
	e.flags = SKBT_F_HAS_TUPLE | SKBT_F_HAS_PORTS;
	return e;
}

static struct skbt_event tcp6_event(void)
{
	struct skbt_event e = base_event();
	struct skbt_tuple t = {
		.saddr = {0xfd, 0, [15] = 1},
		.daddr = {0xfd, 0, [15] = 2},
		.sport = 80,
		.dport = 1234,
		.l3 = 6,
		.l4 = 6,
		.tcp_flags = 0x12, /* SYN|ACK */
	};

	e.tuple = t;
	e.proto = 0x86dd;
	e.flags = SKBT_F_HAS_TUPLE | SKBT_F_HAS_PORTS;
	return e;
}

static const struct output_cfg cfg_tuple = {.tuple = true};
static const struct output_cfg cfg_json = {.json = true};

static void test_udp4_text(void **state)
{
	struct skbt_event e = udp4_event();
	struct output_cfg all = {.meta = true, .tuple = true};

	(void)state;
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "10.0.0.1:5353->10.0.0.2:9999(udp)                ip_rcv\n");
	expect(all, &e,
	       "0xffff888012345600 1   [1234] nc            4026531840       0x10       2(eth0)          "
	       "0x0800 1500  84    10.0.0.1:5353->10.0.0.2:9999(udp)                ip_rcv\n");
	/* no columns asked for: the short pwru line */
	expect((struct output_cfg){0}, &e, "0xffff888012345600 1   [1234] nc            ip_rcv\n");
}

static void test_udp4_json(void **state)
{
	struct skbt_event e = udp4_event();

	(void)state;
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,\"mtu\":1500,"
	       "\"tuple\":{\"saddr\":\"10.0.0.1\",\"daddr\":\"10.0.0.2\",\"sport\":5353,"
	       "\"dport\":9999,\"l4\":\"udp\"}}\n");
}

static void test_tcp6(void **state)
{
	struct skbt_event e = tcp6_event();

	(void)state;
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "[fd00::1]:80->[fd00::2]:1234(tcp:SYN|ACK)        ip_rcv\n");
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":34525,\"len\":84,\"mtu\":1500,"
	       "\"tuple\":{\"saddr\":\"fd00::1\",\"daddr\":\"fd00::2\",\"sport\":80,"
	       "\"dport\":1234,\"l4\":\"tcp\",\"tcp_flags\":\"SYN|ACK\"}}\n");
	/* every flag, in header bit order */
	e.tuple.tcp_flags = 0xff;
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "[fd00::1]:80->[fd00::2]:1234(tcp:FIN|SYN|RST|PSH|ACK|URG|ECE|CWR) ip_rcv\n");
	/* no flags: the protocol alone */
	e.tuple.tcp_flags = 0;
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "[fd00::1]:80->[fd00::2]:1234(tcp)                ip_rcv\n");
}

static void test_icmp_no_ports(void **state)
{
	struct skbt_event e = tcp6_event();

	(void)state;
	e.flags = SKBT_F_HAS_TUPLE;
	e.tuple.l4 = 58;
	e.tuple.tcp_flags = 0x12; /* ignored: not TCP */
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "fd00::1->fd00::2(icmpv6)                         ip_rcv\n");
	e.tuple.l4 = 47;
	expect(cfg_tuple, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "fd00::1->fd00::2(47)                             ip_rcv\n");
}

static void test_tracepoint(void **state)
{
	struct skbt_event e = udp4_event();

	(void)state;
	e.flags |= SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON;
	e.func = 1; /* skb:kfree_skb in the probe table */
	e.reason = 12;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "skb:kfree_skb(SKB_DROP_REASON_NETFILTER_DROP)\n");
	e.flags &= ~SKBT_F_HAS_REASON;
	e.func = 7; /* not in the table */
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            tracepoint#7\n");
}

static void test_drop_reason(void **state)
{
	struct skbt_event e = udp4_event();

	(void)state;
	e.func = A_KFREE;
	e.flags |= SKBT_F_HAS_REASON;
	e.reason = 12;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            "
	       "kfree_skb_reason(SKB_DROP_REASON_NETFILTER_DROP)\n");
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"kfree_skb_reason\",\"netns\":4026531840,"
	       "\"mark\":16,\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,"
	       "\"mtu\":1500,\"tuple\":{\"saddr\":\"10.0.0.1\",\"daddr\":\"10.0.0.2\","
	       "\"sport\":5353,\"dport\":9999,\"l4\":\"udp\"},"
	       "\"drop_reason\":\"SKB_DROP_REASON_NETFILTER_DROP\"}\n");
	/* a reason this kernel does not name */
	e.reason = 999;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            kfree_skb_reason(999)\n");
}

static void test_consumed(void **state)
{
	struct skbt_event e = base_event();

	(void)state;
	e.func = A_KFREE;
	e.flags = SKBT_F_HAS_REASON;
	e.reason = 1; /* SKB_CONSUMED */
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            kfree_skb_reason\n");
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"kfree_skb_reason\",\"netns\":4026531840,"
	       "\"mark\":16,\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,"
	       "\"mtu\":1500}\n");
}

static void test_no_tuple_no_dev(void **state)
{
	struct skbt_event e = base_event();
	struct output_cfg all = {.meta = true, .tuple = true};

	(void)state;
	e.ifindex = 0;
	e.ifname[0] = '\0';
	e.mtu = 0;
	e.proto = 0x0806;
	expect(all, &e,
	       "0xffff888012345600 1   [1234] nc            4026531840       0x10       0                "
	       "0x0806 0     84    -                                                ip_rcv\n");
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":0,\"iface\":\"\",\"proto\":2054,\"len\":84,\"mtu\":0}\n");
}

static void test_odd_comm(void **state)
{
	struct skbt_event e = base_event();
	/* quote, backslash, newline, tab, 0x01, a lone 0xff, then "é" in UTF-8 */
	static const char comm[] = "a\"b\\c\n\t\x01\xff\xc3\xa9z";

	(void)state;
	memset(e.comm, 0, sizeof(e.comm));
	memcpy(e.comm, comm, sizeof(comm) - 1);
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"a\\\"b\\\\c\\n\\t\\u0001\\u00ff\xc3\xa9z\",\"func\":\"ip_rcv\","
	       "\"netns\":4026531840,\"mark\":16,\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,"
	       "\"len\":84,\"mtu\":1500}\n");
	/* text keeps one line per event */
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] a\"b\\c\\x0a\\x09\\x01\xff\xc3\xa9z ip_rcv\n");
	/* all 16 bytes used, no NUL: the copy stops at the field's end */
	memset(e.comm, 'x', sizeof(e.comm));
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] xxxxxxxxxxxxxxxx ip_rcv\n");
	/* a truncated UTF-8 sequence at the end is not valid */
	memset(e.comm, 0, sizeof(e.comm));
	memcpy(e.comm, "ab\xc3", 3);
	expect(cfg_json, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"ab\\u00c3\",\"func\":\"ip_rcv\","
	       "\"netns\":4026531840,\"mark\":16,\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,"
	       "\"len\":84,\"mtu\":1500}\n");
}

static void test_ts_current(void **state)
{
	struct skbt_event e = base_event();
	struct output_cfg text = {.ts = TS_CURRENT}, json = {.json = true, .ts = TS_CURRENT};
	struct fx x;

	(void)state;
	/* 1700000000 is 2023-11-14 22:13:20 UTC */
	fx_open(&x, text);
	x.o.mono_to_real_ns = 1700000000ULL * 1000000000ULL - 5000000000ULL;
	assert_string_equal(fx_one(&x, &e), "22:13:20.000000123 0xffff888012345600 1   "
					    "[1234] nc            ip_rcv\n");
	/* the cached second must not leak into the next one */
	e.ts += 1999999000ULL;
	output_event(&x.o, &e, sizeof(e));
	assert_string_equal(
		fx_text(&x) + strlen("22:13:20.000000123 0xffff888012345600 1   "
				     "[1234] nc            ip_rcv\n"),
		"22:13:21.999999123 0xffff888012345600 1   [1234] nc            ip_rcv\n");
	fx_close(&x);
	e.ts = 5000000123ULL;
	fx_open(&x, json);
	x.o.mono_to_real_ns = 1700000000ULL * 1000000000ULL - 5000000000ULL;
	assert_prefix(fx_one(&x, &e), "{\"time\":1700000000000000123,\"skb\":");
	fx_close(&x);
}

static void test_ts_relative(void **state)
{
	struct skbt_event e = base_event();
	struct fx x;
	const char *out;

	(void)state;
	fx_open(&x, (struct output_cfg){.ts = TS_RELATIVE});
	output_event(&x.o, &e, sizeof(e));
	e.ts += 1500;
	output_event(&x.o, &e, sizeof(e));
	/* ring buffers from two CPUs interleave: a slightly older event */
	e.ts -= 2000;
	output_event(&x.o, &e, sizeof(e));
	out = fx_text(&x);
	assert_string_equal(
		out, "0                  0xffff888012345600 1   [1234] nc            ip_rcv\n"
		     "1500               0xffff888012345600 1   [1234] nc            ip_rcv\n"
		     "-500               0xffff888012345600 1   [1234] nc            ip_rcv\n");
	fx_close(&x);
	e.ts = 5000000123ULL;
	fx_open(&x, (struct output_cfg){.json = true, .ts = TS_RELATIVE});
	output_event(&x.o, &e, sizeof(e));
	e.ts += 42;
	output_event(&x.o, &e, sizeof(e));
	out = fx_text(&x);
	assert_prefix(out, "{\"time\":0,\"skb\"");
	assert_non_null(strstr(out, "\n{\"time\":42,\"skb\""));
	fx_close(&x);
}

static void test_ts_absolute(void **state)
{
	struct skbt_event e = base_event();

	(void)state;
	expect((struct output_cfg){.ts = TS_ABSOLUTE}, &e,
	       "5000000123         0xffff888012345600 1   [1234] nc            ip_rcv\n");
	expect((struct output_cfg){.json = true, .ts = TS_ABSOLUTE}, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,\"mtu\":1500}\n");
}

static void test_header(void **state)
{
	struct fx x;

	(void)state;
	fx_open(&x,
		(struct output_cfg){.meta = true, .tuple = true, .caller = true, .ts = TS_CURRENT});
	output_header(&x.o);
	assert_string_equal(
		fx_text(&x),
		"TIME               SKB                CPU PROCESS              NETNS            "
		"MARK       IFACE            PROTO  MTU   LEN   TUPLE                     "
		"                       FUNC                                     CALLER\n");
	fx_close(&x);
	fx_open(&x, cfg_json);
	output_header(&x.o);
	assert_string_equal(fx_text(&x), "");
	fx_close(&x);
}

static void test_symbols(void **state)
{
	struct skbt_event e = base_event();
	struct output_cfg caller = {.caller = true};

	(void)state;
	e.flags = SKBT_F_HAS_CALLER;
	e.caller[0] = 0;
	e.caller[1] = A_IP_RCV_CORE + 0x1a;
	expect(caller, &e,
	       "0xffff888012345600 1   [1234] nc            ip_rcv                                   "
	       "ip_rcv_core+0x1a\n");
	expect((struct output_cfg){.json = true, .caller = true}, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,\"mtu\":1500,"
	       "\"caller\":\"ip_rcv_core+0x1a\"}\n");
	/* a probed address inside a function still names just the function */
	e.func = A_IP_RCV + 4;
	e.flags = 0;
	expect(caller, &e,
	       "0xffff888012345600 1   [1234] nc            ip_rcv                                   "
	       "-\n");
	e.func = A_NOWHERE;
	expect((struct output_cfg){0}, &e,
	       "0xffff888012345600 1   [1234] nc            0xffffffff90000000\n");
}

static void test_no_ksyms(void **state)
{
	struct skbt_event e = base_event();
	struct fx x;

	(void)state;
	fx_open(&x, (struct output_cfg){0});
	x.o.ks = NULL;
	assert_string_equal(fx_one(&x, &e),
			    "0xffff888012345600 1   [1234] nc            0xffffffff81100000\n");
	fx_close(&x);
}

static int stack_map(void)
{
	return bpf_map_create(BPF_MAP_TYPE_HASH, "test_stacks", sizeof(int), 127 * 8, 8, NULL);
}

static void test_stack(void **state)
{
	unsigned long long frames[127] = {A_KFREE + 0x1f, A_VXLAN + 0x44, A_NETIF + 0xabc,
					  A_NOWHERE};
	struct skbt_event e = base_event();
	int fd = stack_map(), id = 3;
	struct fx x;

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(bpf_map_update_elem(fd, &id, frames, BPF_ANY), 0);
	e.flags = SKBT_F_HAS_STACK;
	e.stack_id = id;
	fx_open(&x, (struct output_cfg){.stack = true});
	x.o.stack_map_fd = fd;
	assert_string_equal(fx_one(&x, &e), "0xffff888012345600 1   [1234] nc            ip_rcv\n"
					    "    kfree_skb_reason+0x1f\n"
					    "    vxlan_rcv+0x44 [vxlan]\n"
					    "    __netif_receive_skb_core+0xabc\n"
					    "    0xffffffff90000000\n");
	fx_close(&x);
	/* read once, then freed for the kernel to reuse */
	assert_int_not_equal(bpf_map_lookup_elem(fd, &id, frames), 0);

	assert_int_equal(bpf_map_update_elem(fd, &id, frames, BPF_ANY), 0);
	fx_open(&x, (struct output_cfg){.json = true, .stack = true});
	x.o.stack_map_fd = fd;
	assert_non_null(strstr(fx_one(&x, &e),
			       ",\"stack\":[\"kfree_skb_reason+0x1f\",\"vxlan_rcv+0x44 [vxlan]\","
			       "\"__netif_receive_skb_core+0xabc\",\"0xffffffff90000000\"]}\n"));
	fx_close(&x);
	close(fd);
}

static void test_stack_lost(void **state)
{
	struct skbt_event e = base_event();

	(void)state;
	e.flags = SKBT_F_STACK_LOST;
	expect((struct output_cfg){.stack = true}, &e,
	       "0xffff888012345600 1   [1234] nc            ip_rcv\n"
	       "    (stack lost: stack map full)\n");
	expect((struct output_cfg){.json = true, .stack = true}, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
	       "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
	       "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,\"mtu\":1500,"
	       "\"stack_lost\":true}\n");
}

/* A two-field struct sk_buff is enough to see the dump wired through. */
static struct btf *skb_btf(int *skb_id)
{
	struct btf *btf = btf__new_empty();
	int u32_id;

	assert_non_null(btf);
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	*skb_id = btf__add_struct(btf, "sk_buff", 8);
	assert_true(u32_id > 0 && *skb_id > 0);
	assert_int_equal(btf__add_field(btf, "len", u32_id, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, "mark", u32_id, 32, 0), 0);
	return btf;
}

static void run_skb_dump(struct output_cfg cfg, unsigned int len, unsigned int mark,
			 unsigned short data_len, const char *want)
{
	const unsigned int data[2] = {len, mark};
	/* as the ring buffer has it: the bytes start at skb_data, not sizeof */
	union {
		struct skbt_event e;
		unsigned char raw[sizeof(struct skbt_event) + sizeof(data)];
	} rec = {.e = base_event()};
	int skb_id;
	struct btf *btf = skb_btf(&skb_id);
	struct fx x;

	memcpy(rec.e.skb_data, data, sizeof(data));
	rec.e.flags = SKBT_F_HAS_SKB_DATA;
	rec.e.skb_data_len = data_len;
	memset(&x, 0, sizeof(x));
	x.f = open_memstream(&x.buf, &x.len);
	x.o = (struct output){.cfg = cfg,
			      .f = x.f,
			      .ks = ks,
			      .dr = dr,
			      .btf = btf,
			      .skb_type_id = skb_id,
			      .stack_map_fd = -1,
			      .consumed_reason = 1};
	assert_int_equal(output_init(&x.o), 0);
	assert_int_equal(output_event(&x.o, &rec.e, offsetof(struct skbt_event, skb_data) + 8), 0);
	assert_string_equal(fx_text(&x), want);
	fx_close(&x);
	btf__free(btf);
}

static void test_skb_dump(void **state)
{
	(void)state;
	run_skb_dump((struct output_cfg){.skb = true}, 84, 0x10, 8,
		     "0xffff888012345600 1   [1234] nc            ip_rcv\n"
		     "    (struct sk_buff){\n"
		     "        .len = (unsigned int)84,\n"
		     "        .mark = (unsigned int)16,\n"
		     "    }\n");
	run_skb_dump((struct output_cfg){.json = true, .skb = true}, 84, 0x10, 8,
		     "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":1,\"pid\":1234,"
		     "\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,\"mark\":16,"
		     "\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,\"mtu\":1500,"
		     "\"skb_dump\":\"(struct sk_buff){.len = (unsigned int)84,.mark = (unsigned "
		     "int)16,}\"}\n");
	/* a zero first member must not hide the rest (libbpf's zero check) */
	run_skb_dump((struct output_cfg){.skb = true}, 0, 0x10, 8,
		     "0xffff888012345600 1   [1234] nc            ip_rcv\n"
		     "    (struct sk_buff){\n"
		     "        .len = (unsigned int)0,\n"
		     "        .mark = (unsigned int)16,\n"
		     "    }\n");
	/* fewer bytes than the struct: what fits, then a note */
	run_skb_dump((struct output_cfg){.skb = true}, 84, 0x10, 4,
		     "0xffff888012345600 1   [1234] nc            ip_rcv\n"
		     "    (struct sk_buff){\n"
		     "        .len = (unsigned int)84,\n"
		     "    (truncated)\n");
}

static void test_short_record(void **state)
{
	struct skbt_event e = base_event();
	struct fx x;

	(void)state;
	fx_open(&x, (struct output_cfg){0});
	assert_int_equal(output_event(&x.o, &e, offsetof(struct skbt_event, skb_data) - 1),
			 -EINVAL);
	assert_string_equal(fx_text(&x), "");
	fx_close(&x);
}

/* Our IPv6 text must match inet_ntop's (RFC 5952) form. */
static void test_ipv6_forms(void **state)
{
	static const char *const addrs[] = {"::",
					    "::1",
					    "fe80::1:2",
					    "1:0:0:2::3",
					    "1::2:0:0:3",
					    "2001:db8::",
					    "1:2:3:4:5:6:7:8",
					    "::ffff:10.1.2.3",
					    "1:0:2:0:3:0:4:0",
					    "ff02::1:ff00:1"};
	struct skbt_event e = tcp6_event();

	(void)state;
	e.flags = SKBT_F_HAS_TUPLE;
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		char want[128], back[INET6_ADDRSTRLEN];
		struct fx x;

		assert_int_equal(inet_pton(AF_INET6, addrs[i], e.tuple.saddr), 1);
		assert_non_null(inet_ntop(AF_INET6, e.tuple.saddr, back, sizeof(back)));
		snprintf(want, sizeof(want), "%s->fd00::2(tcp:SYN|ACK)", back);
		fx_open(&x, cfg_tuple);
		assert_non_null(strstr(fx_one(&x, &e), want));
		fx_close(&x);
	}
}

/* Thousands of events cross the 64 KiB flush point intact. */
static void test_many_events(void **state)
{
	struct skbt_event e = tcp6_event();
	struct fx x;
	const char *out, *last;
	size_t lines = 0;

	(void)state;
	fx_open(&x, (struct output_cfg){.json = true});
	for (unsigned int i = 0; i < 5000; i++) {
		e.cpu = i;
		assert_int_equal(output_event(&x.o, &e, sizeof(e)), 0);
	}
	assert_true(x.o.events == 5000);
	out = fx_text(&x);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 5000);
	last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	assert_prefix(last, "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"cpu\":4999,");
	fx_close(&x);
}

static void test_track_id(void **state)
{
	struct skbt_event e = base_event();

	(void)state;
	e.track_id = 42;
	expect((struct output_cfg){.track = true}, &e,
	       "0xffff888012345600 42           1   [1234] nc            ip_rcv\n");
	e.flags |= SKBT_F_CLONE;
	expect((struct output_cfg){.track = true}, &e,
	       "0xffff888012345600 42(clone)    1   [1234] nc            ip_rcv\n");
	expect((struct output_cfg){.track = true, .json = true}, &e,
	       "{\"time\":5000000123,\"skb\":\"0xffff888012345600\",\"id\":42,\"clone\":true,"
	       "\"cpu\":1,\"pid\":1234,\"process\":\"nc\",\"func\":\"ip_rcv\",\"netns\":4026531840,"
	       "\"mark\":16,\"ifindex\":2,\"iface\":\"eth0\",\"proto\":2048,\"len\":84,"
	       "\"mtu\":1500}\n");
	/* the full map left it untracked */
	e.track_id = 0;
	e.flags = 0;
	expect((struct output_cfg){.track = true}, &e,
	       "0xffff888012345600 -            1   [1234] nc            ip_rcv\n");
	/* without tracking: no id anywhere */
	e.track_id = 7;
	expect((struct output_cfg){0}, &e, "0xffff888012345600 1   [1234] nc            ip_rcv\n");
}

/* Two events of one packet: a header, then each with the time since the previous one. */
static void test_group(void **state)
{
	struct group_ev *v[2];
	struct group_pkt p = {.id = 3, .ev = v, .n = 2, .nskbs = 1};
	struct output_cfg text = {.track = true, .group = true};
	struct fx x;

	(void)state;
	for (int i = 0; i < 2; i++) {
		v[i] = calloc(1, sizeof(*v[i]));
		v[i]->size = sizeof(struct skbt_event);
		v[i]->e = base_event();
		v[i]->e.track_id = 3;
		v[i]->e.ts += i * 1234567;
	}
	fx_open(&x, text);
	assert_int_equal(output_group(&x.o, &p, GROUP_FREED), 0);
	assert_string_equal(
		fx_text(&x),
		"--- packet 3: 2 events on 1 skb in 1234.567us (freed)\n"
		"+0.000us      0xffff888012345600 3            1   [1234] nc            ip_rcv\n"
		"+1234.567us   0xffff888012345600 3            1   [1234] nc            ip_rcv\n");
	fx_close(&x);
	text.json = true;
	fx_open(&x, text);
	assert_int_equal(output_group(&x.o, &p, GROUP_AT_EXIT), 0);
	assert_prefix(fx_text(&x), "{\"id\":3,\"end\":\"in_flight\",\"skbs\":1,"
				   "\"duration_ns\":1234567,\"events\":[{\"time\":5000000123,");
	assert_non_null(strstr(x.buf, "\"mtu\":1500,\"delta_ns\":0},{\"time\":5001234690,"));
	assert_non_null(strstr(x.buf, "\"delta_ns\":1234567}]}\n"));
	assert_int_equal(strchr(x.buf, '\n') - x.buf + 1, (long)strlen(x.buf));
	fx_close(&x);
	free(v[0]);
	free(v[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_track_id),     cmocka_unit_test(test_group),
		cmocka_unit_test(test_udp4_text),    cmocka_unit_test(test_udp4_json),
		cmocka_unit_test(test_tcp6),	     cmocka_unit_test(test_icmp_no_ports),
		cmocka_unit_test(test_tracepoint),   cmocka_unit_test(test_drop_reason),
		cmocka_unit_test(test_consumed),     cmocka_unit_test(test_no_tuple_no_dev),
		cmocka_unit_test(test_odd_comm),     cmocka_unit_test(test_ts_current),
		cmocka_unit_test(test_ts_relative),  cmocka_unit_test(test_ts_absolute),
		cmocka_unit_test(test_header),	     cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_no_ksyms),     cmocka_unit_test(test_stack),
		cmocka_unit_test(test_stack_lost),   cmocka_unit_test(test_skb_dump),
		cmocka_unit_test(test_short_record), cmocka_unit_test(test_ipv6_forms),
		cmocka_unit_test(test_many_events),
	};

	return cmocka_run_group_tests_name("output", tests, group_setup, group_teardown);
}
