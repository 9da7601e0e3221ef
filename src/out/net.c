// SPDX-License-Identifier: GPL-2.0
/* Addresses, protocols and TCP flags, without inet_ntop's cost. */
#include "out/net.h"
#include "bpf/skbtrace.h"

static void ap_ipv4(struct obuf *b, const unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			ap_c(b, '.');
		ap_u64(b, a[i]);
	}
}

/* The longest run of two or more zero groups (RFC 5952: first on a tie). */
static void zero_run(const unsigned short *w, int *start, int *len)
{
	int cur = -1;

	*start = -1;
	*len = 1;
	for (int i = 0; i <= 8; i++) {
		if (i < 8 && !w[i]) {
			if (cur < 0)
				cur = i;
			continue;
		}
		if (cur >= 0 && i - cur > *len) {
			*start = cur;
			*len = i - cur;
		}
		cur = -1;
	}
}

/* RFC 5952 text form, as inet_ntop gives it, without its cost. */
static void ap_ipv6(struct obuf *b, const unsigned char *a)
{
	unsigned short w[8];
	int start, len;

	for (int i = 0; i < 8; i++)
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
	if (!w[0] && !w[1] && !w[2] && !w[3] && !w[4] && w[5] == 0xffff) {
		ap_lit(b, "::ffff:");
		ap_ipv4(b, a + 12);
		return;
	}
	zero_run(w, &start, &len);
	for (int i = 0; i < 8; i++) {
		if (i == start) {
			ap_lit(b, "::");
			i += len - 1;
			continue;
		}
		if (i && i != start + len)
			ap_c(b, ':');
		ap_hex(b, w[i]);
	}
}

void ap_addr(struct obuf *b, const unsigned char *a, int l3, bool bracket)
{
	if (l3 == 4) {
		ap_ipv4(b, a);
	} else if (l3 == 6) {
		if (bracket)
			ap_c(b, '[');
		ap_ipv6(b, a);
		if (bracket)
			ap_c(b, ']');
	} else {
		ap_c(b, '?');
	}
}

void ap_l4(struct obuf *b, int l4)
{
	switch (l4) {
	case 1:
		ap_lit(b, "icmp");
		break;
	case 6:
		ap_lit(b, "tcp");
		break;
	case 17:
		ap_lit(b, "udp");
		break;
	case 58:
		ap_lit(b, "icmpv6");
		break;
	case 132:
		ap_lit(b, "sctp");
		break;
	default:
		ap_u64(b, l4);
	}
}

void ap_tcp_flags(struct obuf *b, unsigned int flags)
{
	static const char names[8][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
	bool first = true;

	for (int i = 0; i < 8; i++) {
		if (!(flags & 1u << i))
			continue;
		if (!first)
			ap_c(b, '|');
		ap_mem(b, names[i], 3);
		first = false;
	}
}

void ap_flow_ends(struct obuf *b, const struct skbt_tuple *t, bool ports, const char *sep)
{
	ap_addr(b, t->saddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->sport);
	}
	ap_str(b, sep);
	ap_addr(b, t->daddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->dport);
	}
}
