// SPDX-License-Identifier: GPL-2.0
/*
 * -w: skbtrace's packet records (SKBT_F_CAPTURE events) as pcap-ng blocks.
 * Each (netns, ifindex, link type) gets an interface named IFNAME@NETNS;
 * the link type is the one the bytes have: Ethernet when the capture
 * starts at a MAC header, raw IPv4 or IPv6 when it starts at the network
 * header.  Nothing is invented: an L3 record that is not IP keeps its
 * length but no bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "host/netns.h"
#include "out/capture.h"

/* The fixed part of a record: skb_data starts inside sizeof's tail padding. */
#define EVENT_MIN offsetof(struct skbt_event, skb_data)

/* Directions by function, cached: the name rules run once per hook. */
#define DIR_CACHE 256 /* a power of two */

struct dir_slot {
	unsigned long long key; /* e->func, tracepoints with bit 63 flipped */
	enum pcapng_dir dir;
	bool used;
};

struct capture {
	struct pcapng_writer *w;
	struct netns_names *nn; /* names interfaces' namespaces; may be NULL */
	struct dir_slot dirs[DIR_CACHE];
	unsigned int snaplen;
	unsigned long long mono_to_real_ns;
	unsigned long long lost_seen, lost_pending;
};

/*
 * Hooks whose packets go one way.  Exact tracepoint names first (icmp_send
 * holds the received packet it answers), then parts of function names.
 */
static const struct {
	const char *pat;
	bool exact;
	enum pcapng_dir dir;
} dir_rules[] = {
	{"icmp:icmp_send", true, PCAPNG_DIR_IN},
	{"tcp:tcp_send_reset", true, PCAPNG_DIR_UNKNOWN}, /* the reset, or what it answers */
	{"net:net_dev_queue", true, PCAPNG_DIR_OUT},
	{"qdisc:", false, PCAPNG_DIR_OUT},
	{"tcp:tcp_retransmit_skb", true, PCAPNG_DIR_OUT},
	{"net:netif_", false, PCAPNG_DIR_IN},
	{"net:napi_gro_", false, PCAPNG_DIR_IN},
	{"skb:skb_copy_datagram_iovec", true, PCAPNG_DIR_IN},
	{"sock:sock_rcvqueue_full", true, PCAPNG_DIR_IN},
	{"udp:udp_fail_queue_rcv_skb", true, PCAPNG_DIR_IN},
	{"xmit", false, PCAPNG_DIR_OUT},
	{"_output", false, PCAPNG_DIR_OUT},
	{"_send", false, PCAPNG_DIR_OUT},
	{"_rcv", false, PCAPNG_DIR_IN},
	{"receive", false, PCAPNG_DIR_IN},
	{"_deliver", false, PCAPNG_DIR_IN},
	{"_input", false, PCAPNG_DIR_IN},
};

enum pcapng_dir capture_direction(const char *name)
{
	for (size_t i = 0; i < sizeof(dir_rules) / sizeof(dir_rules[0]); i++) {
		if (dir_rules[i].exact ? !strcmp(name, dir_rules[i].pat)
				       : strstr(name, dir_rules[i].pat) != NULL)
			return dir_rules[i].dir;
	}
	return PCAPNG_DIR_UNKNOWN;
}

struct capture *capture_open(const char *path, unsigned int snaplen,
			     unsigned long long mono_to_real_ns, const char *appl,
			     struct netns_names *nn, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));
	struct pcapng_section s = {.userappl = appl};
	char os[sizeof(((struct utsname *)0)->release) + 8];
	struct utsname u;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!uname(&u)) {
		snprintf(os, sizeof(os), "Linux %s", u.release);
		s.os = os;
		s.hardware = u.machine;
	}
	c->snaplen = snaplen;
	c->nn = nn;
	c->mono_to_real_ns = mono_to_real_ns;
	c->w = pcapng_open_path(path, &s);
	if (!c->w) {
		snprintf(err, errlen, "cannot write -w '%s': %s", path, strerror(errno));
		free(c);
		return NULL;
	}
	return c;
}

static enum pcapng_linktype link_of(const struct skbt_event *e, const unsigned char *data,
				    unsigned int *len)
{
	if (e->cap_l2)
		return PCAPNG_LINK_ETHERNET;
	if (*len && data[0] >> 4 == 4)
		return PCAPNG_LINK_IPV4;
	if (*len && data[0] >> 4 == 6)
		return PCAPNG_LINK_IPV6;
	*len = 0;
	return PCAPNG_LINK_RAW;
}

/*
 * The namespace's name from the drop diagnosis's cache ("ip netns" name,
 * "host", "pid:PID:COMM"), else its inode number.  Once per interface block.
 */
static void netns_label(struct capture *c, unsigned int inode, char *buf, size_t len)
{
	struct netns_id id;

	snprintf(buf, len, "%u", inode);
	if (!c->nn || !inode)
		return;
	netns_name(c->nn, inode, &id);
	if (id.kind != NETNS_UNKNOWN)
		snprintf(buf, len, "%s", id.name);
}

/* The interface of e's device and namespace; its block is written the first time. */
static long iface_of(struct capture *c, const struct skbt_event *e, enum pcapng_linktype lt)
{
	char ns[64], name[SKBT_IFNAMSIZ + 72], descr[160];
	struct pcapng_iface i = {e->netns, e->ifindex, lt, name, descr, c->snaplen};
	unsigned int id;

	if (pcapng_iface_known(c->w, e->netns, e->ifindex, lt, &id))
		return id;
	netns_label(c, e->netns, ns, sizeof(ns));
	snprintf(name, sizeof(name), "%.*s@%s", SKBT_IFNAMSIZ,
		 e->ifindex && e->ifname[0] ? e->ifname : "nodev", ns);
	snprintf(descr, sizeof(descr),
		 "ifindex %u in network namespace %u, data from the %s header", e->ifindex,
		 e->netns, lt == PCAPNG_LINK_ETHERNET ? "MAC" : "network");
	return pcapng_iface_id(c->w, &i);
}

static enum pcapng_dir dir_of(struct capture *c, const struct skbt_event *e, const char *func,
			      size_t func_len)
{
	unsigned long long key = e->func ^ (e->flags & SKBT_F_TRACEPOINT ? 1ULL << 63 : 0);
	struct dir_slot *s = &c->dirs[(key ^ key >> 12) & (DIR_CACHE - 1)];
	char name[256];

	if (s->used && s->key == key)
		return s->dir;
	if (func_len >= sizeof(name))
		func_len = sizeof(name) - 1;
	memcpy(name, func, func_len);
	name[func_len] = '\0';
	*s = (struct dir_slot){key, capture_direction(name), true};
	return s->dir;
}

int capture_event(struct capture *c, const struct skbt_event *e, size_t size, const char *comment,
		  size_t comment_len, size_t func_len)
{
	struct pcapng_packet p = {.comment = comment, .comment_len = comment_len};
	unsigned int len = e->cap_len;
	const unsigned char *data;
	long id;

	if (size < EVENT_MIN || !(e->flags & SKBT_F_CAPTURE))
		return -EINVAL;
	/* Never past the record, whatever it claims. */
	if (e->cap_off > size - EVENT_MIN)
		len = 0;
	else if (len > size - EVENT_MIN - e->cap_off)
		len = size - EVENT_MIN - e->cap_off;
	data = e->skb_data + (len ? e->cap_off : 0);
	id = iface_of(c, e, link_of(e, data, &len));
	if (id < 0)
		return (int)id;
	p.iface = id;
	p.dir = comment ? dir_of(c, e, comment, func_len) : PCAPNG_DIR_UNKNOWN;
	p.ts_ns = e->ts + c->mono_to_real_ns;
	p.data = data;
	p.cap_len = len;
	p.orig_len = e->cap_orig_len > len ? e->cap_orig_len : len;
	p.packet_id = e->track_id;
	if (c->lost_pending) {
		p.has_drops = true;
		p.drops = c->lost_pending;
	}
	id = pcapng_packet(c->w, &p);
	if (!id)
		c->lost_pending = 0;
	return (int)id;
}

void capture_lost(struct capture *c, unsigned long long lost)
{
	if (lost > c->lost_seen) {
		c->lost_pending += lost - c->lost_seen;
		c->lost_seen = lost;
	}
}

int capture_flush(struct capture *c)
{
	return pcapng_flush(c->w);
}

int capture_error(const struct capture *c)
{
	return pcapng_error(c->w);
}

unsigned long long capture_records(const struct capture *c)
{
	return pcapng_packets(c->w);
}

int capture_close(struct capture *c)
{
	int err;

	if (!c)
		return 0;
	err = pcapng_close(c->w);
	free(c);
	return err;
}
