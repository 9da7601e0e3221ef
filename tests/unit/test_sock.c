// SPDX-License-Identifier: GPL-2.0
/* Socket states, protocol names and address text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <cmocka.h>

#include "diag/sock.h"

static void test_states(void **state)
{
	struct skbt_sock sk = {.family = AF_INET, .proto = IPPROTO_TCP, .type = SOCK_STREAM};
	char buf[16];

	(void)state;
	/* the kernel's numbering is glibc's enum in netinet/tcp.h */
	sk.state = TCP_ESTABLISHED;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "ESTABLISHED");
	sk.state = TCP_TIME_WAIT;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "TIME_WAIT");
	sk.state = TCP_LISTEN;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "LISTEN");
	sk.state = TCP_CLOSE;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "CLOSE");
	sk.state = TCP_CLOSING;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "CLOSING");
	sk.state = 12;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "NEW_SYN_RECV");
	sk.state = 99;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "STATE#99");
	/* datagram sockets: connected or not */
	sk.proto = IPPROTO_UDP;
	sk.type = SOCK_DGRAM;
	sk.state = TCP_CLOSE;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "UNCONN");
	sk.state = TCP_ESTABLISHED;
	assert_string_equal(sock_state_name(&sk, buf, sizeof(buf)), "ESTABLISHED");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(l4_name(IPPROTO_TCP), "tcp");
	assert_string_equal(l4_name(IPPROTO_ICMPV6), "icmpv6");
	assert_null(l4_name(253));
	assert_string_equal(family_name(AF_INET6), "inet6");
	assert_null(family_name(250));
	assert_int_equal(family_l3(AF_INET), 4);
	assert_int_equal(family_l3(AF_UNIX), 0);
}

static void test_addresses(void **state)
{
	unsigned char a[16] = {}, b[16] = {};
	char buf[SOCK_ADDR_PORT_MAX];

	(void)state;
	inet_pton(AF_INET, "198.18.0.2", a);
	inet_pton(AF_INET6, "fd00::2", b);
	addr_str(buf, sizeof(buf), a, 4);
	assert_string_equal(buf, "198.18.0.2");
	addr_port_str(buf, sizeof(buf), a, 4, 7790);
	assert_string_equal(buf, "198.18.0.2:7790");
	addr_port_str(buf, sizeof(buf), b, 6, 443);
	assert_string_equal(buf, "[fd00::2]:443");
	addr_str(buf, sizeof(buf), b, 0);
	assert_string_equal(buf, "?");
	/* the longest: a full IPv6 address and port fit */
	memset(b, 0xff, sizeof(b));
	assert_true(addr_port_str(buf, sizeof(buf), b, 6, 65535) < sizeof(buf));
}

static void test_sock_lines(void **state)
{
	struct skbt_sock sk = {.sport = 22,
			       .dport = 40112,
			       .family = AF_INET,
			       .proto = IPPROTO_TCP,
			       .state = TCP_ESTABLISHED,
			       .type = SOCK_STREAM};
	char buf[160];

	(void)state;
	inet_pton(AF_INET, "198.18.0.2", sk.saddr);
	inet_pton(AF_INET, "198.18.0.1", sk.daddr);
	sock_str(buf, sizeof(buf), &sk);
	assert_string_equal(buf, "tcp ESTABLISHED 198.18.0.2:22 peer 198.18.0.1:40112");
	sk.state = TCP_LISTEN;
	sk.dport = 0;
	memset(sk.saddr, 0, sizeof(sk.saddr));
	sk.family = AF_INET6;
	sock_str(buf, sizeof(buf), &sk);
	assert_string_equal(buf, "tcp LISTEN [::]:22");
	sk.family = AF_UNIX;
	sk.proto = 0;
	sk.state = TCP_ESTABLISHED;
	sock_str(buf, sizeof(buf), &sk);
	assert_string_equal(buf, "unix ESTABLISHED");
	sk.family = AF_INET;
	sk.proto = 200;
	sock_str(buf, sizeof(buf), &sk);
	assert_string_equal(buf, "inet/200 ESTABLISHED 0.0.0.0:22");
}

static void test_tuples(void **state)
{
	struct skbt_tuple t = {.sport = 40000, .dport = 80, .l3 = 4, .l4 = IPPROTO_TCP};
	char buf[SOCK_TUPLE_MAX];

	(void)state;
	inet_pton(AF_INET, "198.18.0.1", t.saddr);
	inet_pton(AF_INET, "198.18.0.2", t.daddr);
	tuple_str(buf, sizeof(buf), &t, true);
	assert_string_equal(buf, "198.18.0.1:40000->198.18.0.2:80(tcp)");
	t.tcp_flags = 0x12;
	tuple_str(buf, sizeof(buf), &t, true);
	assert_string_equal(buf, "198.18.0.1:40000->198.18.0.2:80(tcp:SYN|ACK)");
	t.l3 = 6;
	t.l4 = 58;
	inet_pton(AF_INET6, "fd00::1", t.saddr);
	inet_pton(AF_INET6, "fd00::2", t.daddr);
	tuple_str(buf, sizeof(buf), &t, false);
	assert_string_equal(buf, "fd00::1->fd00::2(icmpv6)");
	t.l4 = 253;
	tuple_str(buf, sizeof(buf), &t, false);
	assert_string_equal(buf, "fd00::1->fd00::2(253)");
	tcp_flags_str(buf, sizeof(buf), 0xff);
	assert_string_equal(buf, "FIN|SYN|RST|PSH|ACK|URG|ECE|CWR");
	/* the longest tuple fits */
	memset(t.saddr, 0xff, 16);
	memset(t.daddr, 0xff, 16);
	t.l4 = IPPROTO_TCP;
	t.tcp_flags = 0xff;
	assert_true(tuple_str(buf, sizeof(buf), &t, true) < sizeof(buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),	  cmocka_unit_test(test_names),
		cmocka_unit_test(test_addresses), cmocka_unit_test(test_sock_lines),
		cmocka_unit_test(test_tuples),
	};

	return cmocka_run_group_tests_name("sock", tests, NULL, NULL);
}
