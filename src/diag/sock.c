// SPDX-License-Identifier: GPL-2.0
/*
 * Text for the socket a packet was dropped on and for the packet's own
 * addresses, shared by hints, --drops-only lines and the drop summary.
 * Not on the per-event hot path: these run once per printed drop.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "diag/sock.h"

#define SK_TYPE_DGRAM 2 /* SOCK_DGRAM as the kernel numbers it */
#define SK_TCP_CLOSE  7

/* Indexed by the kernel's TCP state numbers (include/net/tcp_states.h). */
static const char *const tcp_states[] = {
	[1] = "ESTABLISHED",	 [2] = "SYN_SENT",  [3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",	 [6] = "TIME_WAIT", [7] = "CLOSE",    [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",	 [10] = "LISTEN",   [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

static int is_datagram(const struct skbt_sock *sk)
{
	return sk->type == SK_TYPE_DGRAM || sk->proto == IPPROTO_UDP ||
	       sk->proto == IPPROTO_UDPLITE || sk->proto == IPPROTO_ICMP ||
	       sk->proto == IPPROTO_ICMPV6;
}

const char *sock_state_name(const struct skbt_sock *sk, char *buf, size_t len)
{
	/* a datagram socket only ever says "connected" (1) or not (7) */
	if (is_datagram(sk) && sk->state == SK_TCP_CLOSE)
		return "UNCONN";
	if (sk->state < sizeof(tcp_states) / sizeof(tcp_states[0]) && tcp_states[sk->state])
		return tcp_states[sk->state];
	snprintf(buf, len, "STATE#%u", sk->state);
	return buf;
}

const char *l4_name(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_IGMP:
		return "igmp";
	case IPPROTO_IPIP:
		return "ipip";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_IPV6:
		return "ipv6";
	case IPPROTO_GRE:
		return "gre";
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	default:
		return NULL;
	}
}

const char *family_name(unsigned int family)
{
	switch (family) {
	case AF_UNIX:
		return "unix";
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_PACKET:
		return "packet";
	case AF_NETLINK:
		return "netlink";
	default:
		return NULL;
	}
}

int family_l3(unsigned int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 6 : 0;
}

size_t addr_str(char *buf, size_t len, const unsigned char *a, int l3)
{
	char tmp[INET6_ADDRSTRLEN];

	if (l3 != 4 && l3 != 6)
		return snprintf(buf, len, "?");
	inet_ntop(l3 == 4 ? AF_INET : AF_INET6, a, tmp, sizeof(tmp));
	return snprintf(buf, len, "%s", tmp);
}

size_t addr_port_str(char *buf, size_t len, const unsigned char *a, int l3, unsigned int port)
{
	char tmp[INET6_ADDRSTRLEN];

	addr_str(tmp, sizeof(tmp), a, l3);
	if (l3 == 6)
		return snprintf(buf, len, "[%s]:%u", tmp, port);
	return snprintf(buf, len, "%s:%u", tmp, port);
}

size_t sock_str(char *buf, size_t len, const struct skbt_sock *sk)
{
	char state[16], local[SOCK_ADDR_PORT_MAX], peer[SOCK_ADDR_PORT_MAX], num[16];
	const char *proto = l4_name(sk->proto), *fam = family_name(sk->family);
	int l3 = family_l3(sk->family);
	const char *st = sock_state_name(sk, state, sizeof(state));

	if (!proto && !sk->proto && fam) {
		proto = fam;
	} else if (!proto) {
		snprintf(num, sizeof(num), "%s/%u", fam ? fam : "family", sk->proto);
		proto = num;
	}
	if (!l3)
		return snprintf(buf, len, "%s %s", proto, st);
	addr_port_str(local, sizeof(local), sk->saddr, l3, sk->sport);
	if (!sk->dport)
		return snprintf(buf, len, "%s %s %s", proto, st, local);
	addr_port_str(peer, sizeof(peer), sk->daddr, l3, sk->dport);
	return snprintf(buf, len, "%s %s %s peer %s", proto, st, local, peer);
}

size_t tcp_flags_str(char *buf, size_t len, unsigned int flags)
{
	static const char names[8][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
	size_t k = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			k += snprintf(buf + k, k < len ? len - k : 0, "%s%s", k ? "|" : "",
				      names[i]);
	return k;
}

size_t tuple_str(char *buf, size_t len, const struct skbt_tuple *t, bool ports)
{
	char s[SOCK_ADDR_PORT_MAX], d[SOCK_ADDR_PORT_MAX], proto[16], flags[40] = "";
	const char *p = l4_name(t->l4);

	if (ports) {
		addr_port_str(s, sizeof(s), t->saddr, t->l3, t->sport);
		addr_port_str(d, sizeof(d), t->daddr, t->l3, t->dport);
	} else {
		addr_str(s, sizeof(s), t->saddr, t->l3);
		addr_str(d, sizeof(d), t->daddr, t->l3);
	}
	if (!p) {
		snprintf(proto, sizeof(proto), "%u", t->l4);
		p = proto;
	}
	if (t->l4 == IPPROTO_TCP && t->tcp_flags) {
		flags[0] = ':';
		tcp_flags_str(flags + 1, sizeof(flags) - 1, t->tcp_flags);
	}
	return snprintf(buf, len, "%s->%s(%s%s)", s, d, p, flags);
}
