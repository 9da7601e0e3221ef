/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seeded generator of Ethernet frames for the differential tests:
 * well-formed IPv4 (with options, fragments), IPv6 (extension header
 * chains, some longer than the filter's window), ARP, VLAN/QinQ, MPLS,
 * PPPoE, Geneve with an inner frame, carrying TCP/UDP/ICMP/ICMPv6/SCTP/
 * IGMP; plus random bytes, byte flips and truncation.  Addresses, ports
 * and types come from small sets so that filters match often.
 * Header-only: the unit test, the fuzzer and the bench include it.
 */
#ifndef SKBTRACE_PKTGEN_H
#define SKBTRACE_PKTGEN_H

#include <stdint.h>
#include <string.h>

#define PG_MAXPKT 512

struct pg_rng {
	uint64_t s;
};

struct pg_pkt {
	uint32_t caplen; /* bytes in data */
	uint32_t len;	 /* wire length, >= caplen */
	uint8_t data[PG_MAXPKT];
};

/* splitmix64: tiny, seedable, good enough for test data. */
static inline uint64_t pg_next(struct pg_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t pg_below(struct pg_rng *r, uint32_t n)
{
	return n ? (uint32_t)(pg_next(r) % n) : 0;
}

static inline int pg_pct(struct pg_rng *r, unsigned int pct)
{
	return pg_below(r, 100) < pct;
}

#define PG_PICK(r, arr) ((arr)[pg_below(r, sizeof(arr) / sizeof((arr)[0]))])

struct pg_buf {
	uint8_t *p;
	size_t n, cap;
};

static inline void pg_put(struct pg_buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap)
		n = b->cap - b->n;
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void pg_u8(struct pg_buf *b, uint8_t v)
{
	pg_put(b, &v, 1);
}

static inline void pg_u16(struct pg_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	pg_put(b, x, 2);
}

static inline void pg_u32(struct pg_buf *b, uint32_t v)
{
	pg_u16(b, (uint16_t)(v >> 16));
	pg_u16(b, (uint16_t)v);
}

static inline void pg_rand(struct pg_rng *r, struct pg_buf *b, size_t n)
{
	while (n--)
		pg_u8(b, (uint8_t)pg_next(r));
}

/* Patch a big-endian u16 at an earlier offset. */
static inline void pg_set16(struct pg_buf *b, size_t at, uint16_t v)
{
	if (at + 2 <= b->n) {
		b->p[at] = (uint8_t)(v >> 8);
		b->p[at + 1] = (uint8_t)v;
	}
}

static const uint8_t pg_macs[][6] = {
	{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}, {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb},
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01},
	{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
};

static const uint32_t pg_ip4[] = {
	0x0a010101, /* 10.1.1.1 */
	0x0a010102, /* 10.1.1.2 */
	0x0a020005, /* 10.2.0.5 */
	0xc0a80101, /* 192.168.1.1 */
	0xc0a801c8, /* 192.168.1.200 */
	0xac100001, /* 172.16.0.1 */
	0x7f000001, /* 127.0.0.1 */
	0xe0000001, /* 224.0.0.1 */
	0xffffffff, /* 255.255.255.255 */
	0x08080808, /* 8.8.8.8 */
};

static const uint8_t pg_ip6[][16] = {
	{[15] = 1},				  /* ::1 */
	{0xfe, 0x80, [15] = 1},			  /* fe80::1 */
	{0x20, 0x01, 0x0d, 0xb8, [15] = 1},	  /* 2001:db8::1 */
	{0x20, 0x01, 0x0d, 0xb8, [15] = 2},	  /* 2001:db8::2 */
	{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 5}, /* 2001:db8:1::5 */
	{0xff, 0x02, [15] = 1},			  /* ff02::1 */
	{0xff, 0x02, [11] = 1, 0xff, 0, 0, 1},	  /* ff02::1:ff00:1 */
};

static const uint16_t pg_ports[] = {22,	   53,	  80, 443, 8080, 1024, 5000,
				    12345, 65535, 67, 68,  123,	 161,  514};

static inline uint16_t pg_port(struct pg_rng *r)
{
	return pg_pct(r, 85) ? PG_PICK(r, pg_ports) : (uint16_t)pg_next(r);
}

static inline void pg_mac(struct pg_rng *r, struct pg_buf *b)
{
	if (pg_pct(r, 90)) {
		pg_put(b, PG_PICK(r, pg_macs), 6);
		return;
	}
	pg_rand(r, b, 6);
}

static inline void pg_addr4(struct pg_rng *r, struct pg_buf *b)
{
	pg_u32(b, pg_pct(r, 90) ? PG_PICK(r, pg_ip4) : (uint32_t)pg_next(r));
}

static inline void pg_addr6(struct pg_rng *r, struct pg_buf *b)
{
	if (pg_pct(r, 90)) {
		pg_put(b, PG_PICK(r, pg_ip6), 16);
		return;
	}
	pg_rand(r, b, 16);
}

static inline void pg_payload(struct pg_rng *r, struct pg_buf *b)
{
	unsigned int n = pg_pct(r, 60)	 ? pg_below(r, 33)
			 : pg_pct(r, 75) ? 33 + pg_below(r, 170)
					 : 200 + pg_below(r, 200);

	pg_rand(r, b, n);
}

static inline void pg_tcp(struct pg_rng *r, struct pg_buf *b)
{
	static const uint8_t flags[] = {0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01, 0x29, 0xc2};
	unsigned int doff = pg_pct(r, 70) ? 5 : 6 + pg_below(r, 10);

	pg_u16(b, pg_port(r));
	pg_u16(b, pg_port(r));
	pg_u32(b, (uint32_t)pg_next(r));
	pg_u32(b, (uint32_t)pg_next(r));
	pg_u8(b, (uint8_t)(doff << 4));
	pg_u8(b, pg_pct(r, 90) ? PG_PICK(r, flags) : (uint8_t)pg_next(r));
	pg_u16(b, (uint16_t)pg_next(r));
	pg_u32(b, (uint32_t)pg_next(r)); /* csum, urg */
	pg_rand(r, b, (doff - 5) * 4);
	pg_payload(r, b);
}

static inline void pg_udp_plain(struct pg_rng *r, struct pg_buf *b, uint16_t sport, uint16_t dport)
{
	pg_u16(b, sport);
	pg_u16(b, dport);
	pg_u16(b, 8);
	pg_u16(b, (uint16_t)pg_next(r));
}

static void pg_ether_body(struct pg_rng *r, struct pg_buf *b, int depth);

/* Geneve (UDP 6081) with options and an inner Ethernet frame. */
static inline void pg_geneve(struct pg_rng *r, struct pg_buf *b, int depth)
{
	unsigned int optlen = pg_pct(r, 60) ? 0 : 1 + pg_below(r, 4);

	pg_u8(b, (uint8_t)optlen);
	pg_u8(b, 0);
	static const uint32_t vnis[] = {0, 100, 512};

	pg_u16(b, pg_pct(r, 80) ? 0x6558 : 0x0800);
	pg_u32(b, PG_PICK(r, vnis) << 8);
	pg_rand(r, b, optlen * 4);
	pg_mac(r, b);
	pg_mac(r, b);
	pg_ether_body(r, b, depth + 1);
}

static inline void pg_udp(struct pg_rng *r, struct pg_buf *b, int depth)
{
	size_t at = b->n;
	uint16_t dport = pg_pct(r, 15) && depth == 0 ? 6081 : pg_port(r);

	pg_udp_plain(r, b, pg_port(r), dport);
	if (dport == 6081)
		pg_geneve(r, b, depth);
	else
		pg_payload(r, b);
	pg_set16(b, at + 4, (uint16_t)(b->n - at));
}

static inline void pg_l4(struct pg_rng *r, struct pg_buf *b, uint8_t proto, int depth)
{
	static const uint8_t icmp_types[] = {0, 3, 5, 8, 11, 13, 14, 17};
	static const uint8_t icmp6_types[] = {1, 2, 3, 128, 129, 133, 134, 135, 136, 143};

	switch (proto) {
	case 6:
		pg_tcp(r, b);
		break;
	case 17:
		pg_udp(r, b, depth);
		break;
	case 1:
		pg_u8(b, pg_pct(r, 90) ? PG_PICK(r, icmp_types) : (uint8_t)pg_next(r));
		pg_u8(b, (uint8_t)pg_below(r, 4));
		pg_rand(r, b, 6);
		pg_payload(r, b);
		break;
	case 58:
		pg_u8(b, pg_pct(r, 90) ? PG_PICK(r, icmp6_types) : (uint8_t)pg_next(r));
		pg_u8(b, (uint8_t)pg_below(r, 2));
		pg_rand(r, b, 6);
		pg_payload(r, b);
		break;
	case 132:
		pg_u16(b, pg_port(r));
		pg_u16(b, pg_port(r));
		pg_rand(r, b, 8);
		pg_payload(r, b);
		break;
	default:
		pg_payload(r, b);
	}
}

static inline uint8_t pg_proto(struct pg_rng *r)
{
	static const uint8_t p[] = {6,	6, 6, 6, 6,   6,   17, 17, 17, 17,
				    17, 1, 1, 1, 132, 132, 2,  47, 50, 59};

	return pg_pct(r, 95) ? PG_PICK(r, p) : (uint8_t)pg_next(r);
}

static inline void pg_ipv4(struct pg_rng *r, struct pg_buf *b, int depth)
{
	static const uint8_t ttls[] = {1, 64, 128, 255};
	unsigned int ihl = pg_pct(r, 80) ? 5 : 6 + pg_below(r, 10);
	size_t at = b->n;
	uint8_t proto = pg_proto(r);
	uint16_t frag = 0;

	if (pg_pct(r, 40))
		frag |= 0x4000; /* DF */
	if (pg_pct(r, 10))
		frag |= 0x2000; /* MF */
	if (pg_pct(r, 10))
		frag |= (uint16_t)(1 + pg_below(r, 0x1fff));
	pg_u8(b, (uint8_t)(0x40 | ihl));
	pg_u8(b, pg_pct(r, 70) ? 0 : (uint8_t)pg_next(r));
	pg_u16(b, 0); /* total length, patched */
	pg_u16(b, (uint16_t)pg_next(r));
	pg_u16(b, frag);
	pg_u8(b, PG_PICK(r, ttls));
	pg_u8(b, proto);
	pg_u16(b, (uint16_t)pg_next(r));
	pg_addr4(r, b);
	pg_addr4(r, b);
	for (unsigned int i = 20; i < ihl * 4; i++)
		pg_u8(b, pg_pct(r, 50) ? 1 : (uint8_t)pg_next(r));
	pg_l4(r, b, proto, depth);
	pg_set16(b, at + 2, (uint16_t)(b->n - at));
}

static inline void pg_ipv6(struct pg_rng *r, struct pg_buf *b, int depth)
{
	static const uint8_t ext[] = {0, 43, 44, 60, 51};
	unsigned int next_at, n_ext = pg_pct(r, 55) ? 0 : 1 + pg_below(r, 5);
	size_t at = b->n;
	uint8_t last = pg_proto(r);

	if (last == 1)
		last = 58;
	pg_u32(b, 0x60000000u | (uint32_t)pg_below(r, 0x100000));
	pg_u16(b, 0); /* payload length, patched */
	next_at = (unsigned int)b->n;
	pg_u8(b, 0);
	pg_u8(b, pg_pct(r, 50) ? 64 : 255);
	pg_addr6(r, b);
	pg_addr6(r, b);
	for (unsigned int i = 0; i < n_ext; i++) {
		uint8_t h = PG_PICK(r, ext);
		unsigned int len8;

		if (next_at < b->n)
			b->p[next_at] = h;
		next_at = (unsigned int)b->n;
		pg_u8(b, 0);
		if (h == 44) { /* fragment header: fixed 8 bytes */
			pg_u8(b, 0);
			pg_u16(b, pg_pct(r, 70) ? 0 : (uint16_t)pg_next(r));
			pg_u32(b, (uint32_t)pg_next(r));
		} else if (h == 51) { /* AH: length in 4-byte units - 2 */
			len8 = 1 + pg_below(r, 4);
			pg_u8(b, (uint8_t)(len8 * 2 - 2 + 2));
			pg_rand(r, b, len8 * 8 + 8 - 2);
		} else { /* length in 8-byte units, excluding the first 8 */
			len8 = pg_pct(r, 70)   ? 0
			       : pg_pct(r, 70) ? pg_below(r, 4)
					       : 8 + pg_below(r, 20);
			pg_u8(b, (uint8_t)len8);
			pg_rand(r, b, 6 + len8 * 8);
		}
	}
	if (next_at < b->n)
		b->p[next_at] = last;
	pg_l4(r, b, last, depth);
	pg_set16(b, at + 4, (uint16_t)(b->n - at - 40));
}

static inline void pg_arp(struct pg_rng *r, struct pg_buf *b)
{
	pg_u16(b, 1);
	pg_u16(b, 0x0800);
	pg_u8(b, 6);
	pg_u8(b, 4);
	pg_u16(b, (uint16_t)(1 + pg_below(r, 4)));
	pg_mac(r, b);
	pg_addr4(r, b);
	pg_mac(r, b);
	pg_addr4(r, b);
}

/* Ethertype and what follows it. */
static void pg_ether_body(struct pg_rng *r, struct pg_buf *b, int depth)
{
	unsigned int tags = pg_pct(r, 75) ? 0 : pg_pct(r, 70) ? 1 : 2;
	static const uint16_t vids[] = {1, 10, 100, 200, 4095};
	unsigned int what = pg_below(r, 100);

	for (unsigned int t = 0; t < tags; t++) {
		pg_u16(b, t == 0 && tags == 2 ? 0x88a8 : 0x8100);
		pg_u16(b, (uint16_t)((pg_below(r, 8) << 13) |
				     (pg_pct(r, 90) ? PG_PICK(r, vids) : pg_below(r, 4096))));
	}
	if (what < 45) {
		pg_u16(b, 0x0800);
		pg_ipv4(r, b, depth);
	} else if (what < 75) {
		pg_u16(b, 0x86dd);
		pg_ipv6(r, b, depth);
	} else if (what < 85) {
		pg_u16(b, pg_pct(r, 90) ? 0x0806 : 0x8035);
		pg_arp(r, b);
	} else if (what < 89) { /* MPLS label stack over IPv4 */
		unsigned int labels = 1 + pg_below(r, 3);

		pg_u16(b, 0x8847);
		for (unsigned int l = 0; l < labels; l++)
			pg_u32(b, ((pg_pct(r, 50) ? 100u : pg_below(r, 1u << 20)) << 12) |
					  (l + 1 == labels ? 0x100u : 0u) | 64u);
		pg_ipv4(r, b, depth);
	} else if (what < 92) { /* PPPoE session carrying IPv4 or IPv6 */
		int v6 = pg_pct(r, 40);

		pg_u16(b, 0x8864);
		pg_u16(b, 0x1100);
		pg_u16(b, (uint16_t)pg_below(r, 4));
		pg_u16(b, 0);
		pg_u16(b, v6 ? 0x0057 : 0x0021);
		if (v6)
			pg_ipv6(r, b, depth);
		else
			pg_ipv4(r, b, depth);
	} else if (what < 96) { /* 802.3 length field + LLC (STP, SNAP, ISO) */
		static const uint8_t saps[] = {0x42, 0xaa, 0xfe, 0xe0};
		uint8_t sap = PG_PICK(r, saps);

		pg_u16(b, (uint16_t)(40 + pg_below(r, 1400)));
		pg_u8(b, sap);
		pg_u8(b, pg_pct(r, 80) ? sap : (uint8_t)pg_next(r));
		pg_u8(b, 3);
		pg_payload(r, b);
	} else {
		static const uint16_t types[] = {0x88cc, 0x8863, 0x88e5};

		pg_u16(b, pg_pct(r, 50) ? PG_PICK(r, types) : (uint16_t)pg_next(r));
		pg_payload(r, b);
	}
}

/* One frame in p; caplen <= len, both may be 0. */
static inline void pg_packet(struct pg_rng *r, struct pg_pkt *p)
{
	struct pg_buf b = {.p = p->data, .cap = PG_MAXPKT};

	memset(p, 0, sizeof(*p));
	if (pg_pct(r, 5)) { /* noise */
		pg_rand(r, &b, pg_below(r, 150));
	} else {
		pg_mac(r, &b);
		pg_mac(r, &b);
		pg_ether_body(r, &b, 0);
	}
	if (pg_pct(r, 4)) { /* flip a few bytes */
		for (unsigned int i = 0, n = 1 + pg_below(r, 3); i < n && b.n; i++)
			b.p[pg_below(r, (uint32_t)b.n)] ^= (uint8_t)(1 + pg_below(r, 255));
	}
	p->len = (uint32_t)b.n;
	p->caplen = (uint32_t)b.n;
	if (pg_pct(r, 25)) /* truncated capture */
		p->caplen = pg_pct(r, 50) ? pg_below(r, p->len + 1)
			    : p->len > 20 ? p->len - pg_below(r, 21)
					  : p->len;
	if (pg_pct(r, 5)) /* wire longer than what was built */
		p->len += pg_below(r, 1500);
}

#endif /* SKBTRACE_PKTGEN_H */
