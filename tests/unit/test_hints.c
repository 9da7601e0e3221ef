// SPDX-License-Identifier: GPL-2.0
/* The drop hint table: every template's rendering, rule choice, netfilter hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "diag/hints.h"

static const struct netns_id ns_named = {.kind = NETNS_NAMED, .inode = 4026532001, .name = "dgb"};
static const struct netns_id ns_pid = {
	.kind = NETNS_PID, .inode = 4026532002, .pid = 42, .name = "pid:42:nginx"};
static const struct netns_id ns_self = {.kind = NETNS_SELF, .inode = 4026531840, .name = "host"};

static struct skbt_tuple udp4(void)
{
	struct skbt_tuple t = {.sport = 40000, .dport = 7790, .l3 = 4, .l4 = IPPROTO_UDP};

	inet_pton(AF_INET, "198.18.0.1", t.saddr);
	inet_pton(AF_INET, "198.18.0.2", t.daddr);
	return t;
}

static struct skbt_sock udp_sock(void)
{
	struct skbt_sock sk = {
		.sport = 7790, .family = AF_INET, .proto = IPPROTO_UDP, .state = 7, .type = 2};

	inet_pton(AF_INET, "198.18.0.2", sk.saddr);
	return sk;
}

/* A context where every placeholder is known. */
static struct drop_ctx full_ctx(const char *reason_name, const char *location,
				const struct skbt_tuple *t, const struct skbt_sock *sk)
{
	struct drop_ctx c = {
		.reason = 12,
		.reason_name = reason_name,
		.location = location,
		.ns = &ns_named,
		.ifname = "veth0",
		.tuple = t,
		.has_ports = true,
		.sk = sk,
		.nf_hook = "INPUT",
		.nf_family = "ip",
	};
	return c;
}

/* A reason name and a location that match rule r's patterns. */
static void concrete(const char *pat, char *out, size_t n)
{
	size_t k = 0;

	for (; *pat && k + 1 < n; pat++)
		if (*pat != '*')
			out[k++] = *pat;
	out[k] = 0;
}

/* What bad template composition leaves behind. */
static void assert_clean(const char *hint, const char *what)
{
	static const char *const bad[] = {"{", "}", "[", "]", "  ", " :", " ,", " ;", "( ", " )"};

	char copy[1024], *p;

	if (!hint[0])
		fail_msg("%s: empty hint", what);
	/* ss filters are written "sport = :N" */
	snprintf(copy, sizeof(copy), "%s", hint);
	while ((p = strstr(copy, "= :")))
		p[1] = '_';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(copy, bad[i]))
			fail_msg("%s: \"%s\" in: %s", what, bad[i], hint);
	if (hint[strlen(hint) - 1] == ' ')
		fail_msg("%s: trailing space: %s", what, hint);
}

/* Every template renders cleanly with everything known and with nothing known. */
static void test_every_template(void **state)
{
	size_t n;
	const struct hint_rule *r = drop_hint_rules(&n);
	struct skbt_tuple t = udp4();
	struct skbt_sock sk = udp_sock();
	char buf[1024];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct drop_ctx full = full_ctx("X", "f+0x1", &t, &sk);
		struct drop_ctx empty = {.reason = 77};
		size_t len;

		len = hint_render(r[i].text, &full, buf, sizeof(buf));
		assert_int_equal(len, strlen(buf));
		assert_clean(buf, r[i].reason);
		len = hint_render(r[i].text, &empty, buf, sizeof(buf));
		assert_int_equal(len, strlen(buf));
		assert_clean(buf, r[i].reason);
	}
}

/* No row hides behind an earlier one: each is the one its own reason picks. */
static void test_every_rule_reachable(void **state)
{
	size_t n;
	const struct hint_rule *r = drop_hint_rules(&n);
	struct skbt_tuple t = udp4();

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char reason[64], func[64], full[80], loc[80];
		struct drop_ctx c = full_ctx(full, NULL, &t, NULL);

		concrete(r[i].reason, reason, sizeof(reason));
		snprintf(full, sizeof(full), "SKB_DROP_REASON_%s", reason);
		if (r[i].func) {
			concrete(r[i].func, func, sizeof(func));
			snprintf(loc, sizeof(loc), "%s+0x10", func);
			c.location = loc;
		}
		if (drop_hint_rule(&c) != &r[i])
			fail_msg("row %zu (%s, %s) is shadowed by \"%s\"", i, r[i].reason,
				 r[i].func ? r[i].func : "-", drop_hint_rule(&c)->reason);
	}
}

/* The enum's value names, to check the table's literal names against. */
static bool kernel_has(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	const struct btf_type *t = btf__type_by_id(btf, id);
	char full[96];

	snprintf(full, sizeof(full), "SKB_DROP_REASON_%s", name);
	for (unsigned int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_enum(t)[i].name_off), full))
			return true;
	return false;
}

/* A typo in a reason name would silently never match: names are checked. */
static void test_names_exist(void **state)
{
	size_t n, literal = 0;
	const struct hint_rule *r = drop_hint_rules(&n);
	struct btf *btf = btf__load_vmlinux_btf();

	(void)state;
	if (!btf || btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM) < 0) {
		btf__free(btf);
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(r[i].reason, "*?["))
			continue;
		literal++;
		if (!kernel_has(btf, r[i].reason))
			fail_msg("%s is not a reason of this kernel", r[i].reason);
	}
	print_message("# %zu rows, %zu name one reason each\n", n, literal);
	/* the floor: the 40 reasons users meet most */
	assert_true(literal >= 40);
	btf__free(btf);
}

static void expect(const struct drop_ctx *c, const char *want)
{
	char buf[1024];

	drop_hint(c, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_netfilter(void **state)
{
	struct skbt_tuple t = udp4();
	struct drop_ctx c =
		full_ctx("SKB_DROP_REASON_NETFILTER_DROP", "nft_do_chain+0x46f", &t, NULL);

	(void)state;
	expect(&c, "an nftables rule dropped it in the INPUT hook in netns dgb: "
		   "`ip netns exec dgb nft list ruleset` (iptables-nft rules are listed there "
		   "too, or: `ip netns exec dgb iptables -nvL INPUT`)");
	c.nf_hook = "OUTPUT";
	c.ns = &ns_self;
	expect(&c, "an nftables rule dropped it in the OUTPUT hook: `nft list ruleset` "
		   "(iptables-nft rules are listed there too, or: `iptables -nvL OUTPUT`)");
	/* PREROUTING is not in the filter table: the -save form lists every table */
	c.nf_hook = "PREROUTING";
	c.nf_family = "ip6";
	c.location = "nf_hook_slow+0x2a0";
	expect(&c, "a netfilter hook dropped it in the PREROUTING hook: `nft list ruleset` and "
		   "`ip6tables-save -c`");
	/* legacy iptables drops in nf_hook_slow(): both tools are named */
	c.nf_hook = "FORWARD";
	c.nf_family = "ip";
	c.ns = &ns_pid;
	expect(&c, "a netfilter hook dropped it in the FORWARD hook in netns pid:42:nginx: "
		   "`nsenter -t 42 -n nft list ruleset` and `nsenter -t 42 -n iptables -nvL "
		   "FORWARD`");
	c.nf_family = "bridge";
	c.nf_hook = "INPUT";
	expect(&c, "a netfilter hook dropped it in the INPUT hook in netns pid:42:nginx: "
		   "`nsenter -t 42 -n nft list ruleset` and `nsenter -t 42 -n ebtables -L INPUT "
		   "--Lc`");
	/* hook not found: the hint still names both tools */
	c.nf_hook = c.nf_family = NULL;
	c.location = "nf_hook_slow+0x90";
	expect(&c, "a netfilter hook dropped it in netns pid:42:nginx: `nsenter -t 42 -n nft "
		   "list ruleset` and `nsenter -t 42 -n iptables-save -c`");
}

static void test_no_socket(void **state)
{
	struct skbt_tuple t = udp4();
	struct drop_ctx c = full_ctx("SKB_DROP_REASON_NO_SOCKET", "__udp4_lib_rcv+0x9ab", &t, NULL);

	(void)state;
	expect(&c, "nothing listens on udp 198.18.0.2:7790 in netns dgb: `ip netns exec dgb ss "
		   "-uanp sport = :7790`, counted in `ip netns exec dgb nstat -az UdpNoPorts`");
	t.l3 = 6;
	t.l4 = IPPROTO_UDP;
	inet_pton(AF_INET6, "fd00::2", t.daddr);
	c.ns = &ns_self;
	expect(&c, "nothing listens on udp [fd00::2]:7790: `ss -uanp sport = :7790`, counted in "
		   "`nstat -az Udp6NoPorts`");
	t = udp4();
	t.l4 = IPPROTO_TCP;
	t.dport = 80;
	c.location = "tcp_v4_rcv+0x120";
	expect(&c, "no TCP socket for 198.18.0.2:80 (nothing listens, or the connection is gone; "
		   "the kernel answers with a RST): `ss -tanp sport = :80`");
	/* no tuple (e.g. a summary row without an example): still a sentence */
	c.tuple = NULL;
	c.location = "__udp4_lib_rcv+0x9ab";
	expect(&c, "nothing listens on udp this port: `ss -uanp`, counted in `nstat -az "
		   "UdpNoPorts`");
}

static void test_socket_buffers(void **state)
{
	struct skbt_tuple t = udp4();
	struct skbt_sock sk = udp_sock();
	struct drop_ctx c = full_ctx("SKB_DROP_REASON_SOCKET_RCVBUFF",
				     "__udp_enqueue_schedule_skb+0x5c", &t, &sk);

	(void)state;
	expect(&c, "the receive buffer of udp UNCONN 198.18.0.2:7790 is full, its reader is too "
		   "slow in netns dgb: raise SO_RCVBUF (capped by net.core.rmem_max) or read "
		   "faster; `ip netns exec dgb ss -uanm sport = :7790` (skmem rb), "
		   "`ip netns exec dgb nstat -az UdpRcvbufErrors`");
	c.reason_name = "SKB_DROP_REASON_PROTO_MEM";
	expect(&c, "udp's memory for all sockets in netns dgb is exhausted: sysctl "
		   "net.ipv4.udp_mem (in pages), `ip netns exec dgb cat /proc/net/sockstat`");
	c.reason_name = "SKB_DROP_REASON_SOCKET_BACKLOG";
	sk.proto = IPPROTO_TCP;
	sk.type = 1;
	sk.state = 1;
	sk.dport = 40000;
	inet_pton(AF_INET, "198.18.0.1", sk.daddr);
	expect(&c, "the backlog of tcp ESTABLISHED 198.18.0.2:7790 peer 198.18.0.1:40000 is full "
		   "(packets came faster than its owner released it; limit rcvbuf + sndbuf) in "
		   "netns dgb: raise SO_RCVBUF / net.core.rmem_max; `ip netns exec dgb nstat -az "
		   "TcpExtTCPBacklogDrop`");
}

static void test_tc_and_routes(void **state)
{
	struct skbt_tuple t = udp4();
	struct drop_ctx c = full_ctx("SKB_DROP_REASON_TC_INGRESS", "tcf_classify+0x10", &t, NULL);

	(void)state;
	expect(&c, "a tc ingress filter on veth0 dropped it (TC_ACT_SHOT, e.g. a BPF program in "
		   "direct-action mode) in netns dgb: `ip netns exec dgb tc filter show dev veth0 "
		   "ingress`");
	c.ifname = NULL;
	expect(&c, "a tc ingress filter dropped it (TC_ACT_SHOT, e.g. a BPF program in "
		   "direct-action mode) in netns dgb: `ip netns exec dgb tc filter show dev DEV "
		   "ingress`");
	c.ifname = "veth0";
	c.reason_name = "SKB_DROP_REASON_IP_RPFILTER";
	expect(&c, "reverse-path filter: the route back to 198.18.0.1 does not leave through veth0 "
		   "in netns dgb: `ip netns exec dgb ip route get 198.18.0.1`, `ip netns exec dgb "
		   "sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.veth0.rp_filter` (the larger "
		   "applies; 2 = loose)");
	c.reason_name = "SKB_DROP_REASON_IP_INADDRERRORS";
	expect(&c, "no valid route for 198.18.0.2 on veth0 (an unreachable, prohibit or blackhole "
		   "route, or an address refused on input) in netns dgb: `ip netns exec dgb ip "
		   "route get 198.18.0.2 from 198.18.0.1 iif veth0`");
	c.ifname = NULL;
	expect(&c, "no valid route for 198.18.0.2 (an unreachable, prohibit or blackhole route, or "
		   "an address refused on input) in netns dgb: `ip netns exec dgb ip route get "
		   "198.18.0.2`");
}

static void test_tcp(void **state)
{
	struct skbt_tuple t = udp4();
	struct skbt_sock sk = udp_sock();
	struct drop_ctx c = full_ctx("SKB_DROP_REASON_TCP_LISTEN_OVERFLOW",
				     "tcp_v4_syn_recv_sock+0x1", &t, &sk);

	(void)state;
	t.l4 = IPPROTO_TCP;
	t.tcp_flags = 0x02;
	sk.proto = IPPROTO_TCP;
	sk.type = 1;
	sk.state = 10;
	c.ns = &ns_self;
	expect(&c, "the accept queue of the listener on port 7790 is full: the application does "
		   "not accept() fast enough; raise listen()'s backlog and net.core.somaxconn; "
		   "`ss -ltn sport = :7790` (Recv-Q vs Send-Q), `nstat -az TcpExtListenOverflows`");
	c.reason_name = "SKB_DROP_REASON_TCP_FLAGS";
	t.tcp_flags = 0x12;
	expect(&c, "TCP flags SYN|ACK not valid in the state of tcp LISTEN 198.18.0.2:7790 (from "
		   "198.18.0.1:40000)");
	c.reason_name = "SKB_DROP_REASON_TCP_RFC7323_PAWS";
	c.sk = NULL;
	expect(&c, "PAWS: the TCP timestamp from 198.18.0.1:40000 is older than the last one seen "
		   "(TCP_RFC7323_PAWS; NAT mixing hosts behind one address, or a reused "
		   "connection): `nstat -az TcpExtPAWSEstab TcpExtPAWSActive`");
}

static void test_unknown_reasons(void **state)
{
	struct drop_ctx c = {.reason = 999, .location = "frob_rcv+0x1a"};

	(void)state;
	expect(&c, "999 at frob_rcv+0x1a: no hint for this reason yet; the kernel describes it "
		   "in include/net/dropreason*.h");
	c.reason_name = "SKB_DROP_REASON_BRAND_NEW";
	c.ns = &ns_named;
	c.ifname = "eth1";
	expect(&c, "BRAND_NEW at frob_rcv+0x1a in netns dgb on eth1: no hint for this reason yet; "
		   "the kernel describes it in include/net/dropreason*.h");
	c.location = NULL;
	c.reason_name = "OVS_DROP_LAST_ACTION";
	expect(&c, "Open vSwitch dropped it (OVS_DROP_LAST_ACTION): `ovs-appctl dpctl/dump-flows`, "
		   "`ovs-appctl coverage/show`");
	c.reason_name = "SKB_DROP_REASON_NOT_SPECIFIED";
	c.location = "skb_release_data+0x1";
	expect(&c, "the kernel gave no reason; the drop site skb_release_data+0x1 is the clue "
		   "(--output-stack shows the path to it)");
}

/* A short buffer: cut and terminated, and the full length reported. */
static void test_truncation(void **state)
{
	struct drop_ctx c = {.reason = 999, .location = "frob_rcv+0x1a"};
	char small[10], big[512];
	size_t full = drop_hint(&c, big, sizeof(big));

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(drop_hint(&c, small, sizeof(small)), full);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, big, sizeof(small) - 1);
}

static void test_unknown_placeholder_is_visible(void **state)
{
	struct drop_ctx c = {.reason = 1};
	char buf[128];

	(void)state;
	hint_render("a {dev} b [{dev}] c [{nosuch}|x]", &c, buf, sizeof(buf));
	assert_string_equal(buf, "a {dev?} b  c x");
}

static void test_nf_hooks(void **state)
{
	const struct nf_hook_site *s;

	(void)state;
	s = nf_hook_by_func("ip_local_deliver");
	assert_non_null(s);
	assert_string_equal(s->hook, "INPUT");
	assert_string_equal(s->family, "ip");
	assert_string_equal(nf_hook_by_func("__ip_local_out")->hook, "OUTPUT");
	assert_string_equal(nf_hook_by_func("ip_rcv.cold")->hook, "PREROUTING");
	assert_string_equal(nf_hook_by_func("ip6_output")->family, "ip6");
	assert_string_equal(nf_hook_by_func("ip_forward")->hook, "FORWARD");
	assert_string_equal(nf_hook_by_func("ip_output")->hook, "POSTROUTING");
	assert_null(nf_hook_by_func("ip_rcv_finish"));
	assert_null(nf_hook_by_func("ip_"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_template),
		cmocka_unit_test(test_every_rule_reachable),
		cmocka_unit_test(test_names_exist),
		cmocka_unit_test(test_netfilter),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_socket_buffers),
		cmocka_unit_test(test_tc_and_routes),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_unknown_reasons),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_unknown_placeholder_is_visible),
		cmocka_unit_test(test_nf_hooks),
	};

	return cmocka_run_group_tests_name("hints", tests, NULL, NULL);
}
