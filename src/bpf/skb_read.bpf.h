/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading an sk_buff: its namespace, mark and device, the packet's headers
 * (one probe read of the skb's span, or in place), and the flow tuple.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_SKB_READ_BPF_H
#define SKBT_SKB_READ_BPF_H

/*
 * The namespace each skb was last seen in: skb_netns()'s fallback.  The
 * struct's address outlives the packet (the slab hands it out again), so
 * the data buffer's address must match too.
 */
struct netns_memo_val {
	__u64 head;
	__u32 netns;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1); /* resized when cfg_netns_memo is on */
	__type(key, __u64);
	__type(value, struct netns_memo_val);
} netns_memo SEC(".maps");

#define ETH_HLEN	 14
#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define ETH_P_8021Q	 0x8100
#define ETH_P_8021AD	 0x88A8
#define ETH_P_TEB	 0x6558 /* GENEVE: an Ethernet frame follows */
#define IPPROTO_IPIP	 4
#define IPPROTO_IPV6	 41
#define IPPROTO_TCP	 6
#define IPPROTO_UDP	 17
#define IPPROTO_SCTP	 132
#define NEXTHDR_HOP	 0
#define NEXTHDR_ROUTING	 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH	 51
#define NEXTHDR_DEST	 60
#define IPV6_EXT_MAX	 6
#define VXLAN_PORT	 4789
#define VXLAN_LINUX_PORT 8472 /* Linux's default before IANA's, flannel's */
#define GENEVE_PORT	 6081
#define AF_UNIX		 1
#define AF_INET		 2
#define AF_INET6	 10
#define SOCK_STREAM	 1
#define TCP_TIME_WAIT	 6
#define TCP_NEW_SYN_RECV 12

/*
 * A read-only view of kernel memory that the program loads from directly:
 * each load becomes one instruction the kernel guards with an exception
 * entry (a bad address reads as 0) instead of a bpf_probe_read_kernel()
 * call and a copy.  It is the kfunc bpf_rdonly_cast(p, 0); the call is
 * written with a marker that user space turns into the kfunc call on
 * kernels that have it (cfg_direct), because libbpf 1.1 cannot leave an
 * unresolved kfunc in a program.  Elsewhere cfg_direct is 0 and the
 * verifier drops the call as dead code.
 */
static __always_inline void *direct_view(const void *p)
{
	void *v;

	asm volatile("r1 = %[p]\n\t"
		     "r2 = 0\n\t"
		     "call %[m]\n\t"
		     "%[v] = r0"
		     : [v] "=r"(v)
		     : [p] "r"(p), [m] "i"(SKBT_DIRECT_MARKER)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
	return v;
}

/*
 * ptr, to be read in place: a NULL or stale pointer reads as zeros, so a
 * chain of them needs no checks between the links.  Only where
 * skb_in_place(typed).
 *
 * typed: the program is a BTF-typed tracepoint one (tp_btf), a constant
 * per program.  Its sk_buff, and every struct reached from it, is a typed
 * pointer the verifier lets it load from directly on any kernel that has
 * tp_btf, without direct_view(); the packet is not (skb->head is a plain
 * number to the verifier), so its bytes are read in place only with
 * cfg_direct.  Not a setting: the clone hooks of a tp_btf run are kprobe
 * or fexit programs, whose skb is a number.
 */
#define IN_PLACE(ptr, typed) ((typed) ? (ptr) : (typeof(ptr))direct_view(ptr))

/* The sk_buff and the structs it points to are read in place, not probed. */
static __always_inline int skb_in_place(bool typed)
{
	return cfg_direct || typed;
}

/*
 * The device's namespace, else the socket's, from the skb's state now.  Once UDP queues an skb to
 * a socket it reuses skb->dev's storage (dev_scratch): reading through
 * that non-pointer fails (a probe read) or reads as 0 (in place), and the
 * socket answers instead.
 */
static __always_inline __u32 skb_netns_now(struct sk_buff *skb, bool typed)
{
	struct net_device *dev;
	struct sock *sk;
	__u32 inum = 0;

	if (skb_in_place(typed)) {
		/* The typed pointers may be NULL: the verifier wants them checked. */
		dev = IN_PLACE(skb, typed)->dev;
		if (dev)
			inum = IN_PLACE(IN_PLACE(dev, typed)->nd_net.net, typed)->ns.inum;
		sk = IN_PLACE(skb, typed)->sk;
		if (!inum && sk)
			inum = IN_PLACE(IN_PLACE(sk, typed)->__sk_common.skc_net.net, typed)
				       ->ns.inum;
		return inum;
	}
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		inum = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (!inum)
		inum = BPF_CORE_READ(skb, sk, __sk_common.skc_net.net, ns.inum);
	return inum;
}

/*
 * The skb's namespace: its state's, else (cfg_netns_memo) the one it was
 * last seen in.  A UDP skb queued to a socket keeps neither device nor
 * socket, so its last events (the copy to the reader, the free) have no
 * namespace of their own.  Every sighting refreshes the memo, so a packet
 * that moved to another namespace is not kept in the one it left.
 */
static __always_inline __u32 skb_netns(struct sk_buff *skb, bool typed)
{
	__u32 inum = skb_netns_now(skb, typed);
	struct netns_memo_val *m, v = {};
	__u64 key = (__u64)skb;

	if (!cfg_netns_memo)
		return inum;
	v.head = skb_in_place(typed) ? (__u64)IN_PLACE(skb, typed)->head
				     : (__u64)BPF_CORE_READ(skb, head);
	m = bpf_map_lookup_elem(&netns_memo, &key);
	if (!inum)
		return m && m->head == v.head ? m->netns : 0;
	if (m) {
		if (m->netns != inum || m->head != v.head) {
			m->netns = inum;
			m->head = v.head;
		}
	} else if (!cfg_netns || inum == cfg_netns) {
		/* a packet only ever seen elsewhere needs no memo to be told apart */
		v.netns = inum;
		bpf_map_update_elem(&netns_memo, &key, &v, BPF_ANY);
	}
	return inum;
}

/*
 * A drop's namespace: the skb's, else the socket it was dropped on (a
 * listener's drops come with neither device nor socket on the skb).
 */
static __always_inline __u32 netns_of(struct sk_buff *skb, struct sock *sk, bool typed)
{
	__u32 inum = skb_netns(skb, typed);

	if (inum || !sk)
		return inum;
	/* tp_btf's rx_sk is typed like its skb */
	if (skb_in_place(typed))
		return IN_PLACE(IN_PLACE(sk, typed)->__sk_common.skc_net.net, typed)->ns.inum;
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline __u32 skb_mark(struct sk_buff *skb, bool typed)
{
	return skb_in_place(typed) ? IN_PLACE(skb, typed)->mark : BPF_CORE_READ(skb, mark);
}

static __always_inline int skb_ifindex(struct sk_buff *skb, bool typed)
{
	struct net_device *dev;

	if (!skb_in_place(typed))
		return BPF_CORE_READ(skb, dev, ifindex);
	dev = IN_PLACE(skb, typed)->dev;
	return dev ? IN_PLACE(dev, typed)->ifindex : 0;
}

/* Where the packet's headers are, read once per event. */
struct pkt {
	unsigned char *head;
	unsigned char *data;
	__u32 len;
	__u32 tail;
	__u16 mac;
	__u16 nh;
	__u16 proto; /* host order */
};

/* The fields from s: a copy of the skb's span, or the skb read in place. */
static __always_inline void pkt_pick(const struct sk_buff *s, struct pkt *p)
{
	p->head = s->head;
	p->data = s->data;
	p->len = s->len;
	p->tail = s->tail;
	p->mac = s->mac_header;
	p->nh = s->network_header;
	p->proto = bpf_ntohs(s->protocol);
}

/*
 * Every field pkt_read() needs lies in the ~100 bytes of sk_buff from len
 * to data (5.x and 6.x kernels): one probe read of that span instead of
 * seven halves the cost of an event the filters reject (docs/benchmarks.md).
 * User space checks the running kernel's layout (cfg_skb_span); the span
 * is then looked at through a pointer placed where the skb would be, so
 * each field is one load at its CO-RE relocated offset, with no checks
 * left to run for every event.
 */
static __always_inline int pkt_read_span(struct sk_buff *skb, struct pkt *p)
{
	__u8 b[SKBT_SKB_SPAN];
	__s64 back = 0;
	struct sk_buff *s;
	__u32 size =
		bpf_core_field_offset(skb->data) + sizeof(void *) - bpf_core_field_offset(skb->len);

	if (!cfg_skb_span ||
	    bpf_probe_read_kernel(b, size, (void *)skb + bpf_core_field_offset(skb->len)))
		return 0;
	/*
	 * The verifier refuses "stack pointer -= x", and 6.1's does not follow
	 * a negation: "back = 0; back -= x; fp += back", each step opaque to
	 * the compiler so it cannot fold them back into a subtraction.
	 */
	asm volatile("" : "+r"(back));
	back -= bpf_core_field_offset(skb->len);
	asm volatile("" : "+r"(back));
	s = (void *)b + back;
	pkt_pick(s, p);
	return 1;
}

static __always_inline void pkt_read_direct(struct sk_buff *skb, struct pkt *p, bool typed)
{
	pkt_pick(IN_PLACE(skb, typed), p);
}

static __always_inline void pkt_read(struct sk_buff *skb, struct pkt *p, bool typed)
{
	if (skb_in_place(typed)) {
		pkt_read_direct(skb, p, typed);
		return;
	}
	if (pkt_read_span(skb, p))
		return;
	p->head = BPF_CORE_READ(skb, head);
	p->data = BPF_CORE_READ(skb, data);
	p->len = BPF_CORE_READ(skb, len);
	p->tail = BPF_CORE_READ(skb, tail);
	p->mac = BPF_CORE_READ(skb, mac_header);
	p->nh = BPF_CORE_READ(skb, network_header);
	p->proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
}

static __always_inline int hdr_set(__u16 off)
{
	return off != (__u16)~0U && off != 0;
}

/*
 * The view a filter gets of the packet from offset start (from head):
 * caplen stops at the end of the linear data; len is what tcpdump calls
 * the wire length of that view.  0 when start is past the linear data.
 */
static __always_inline int pkt_view(const struct pkt *p, __u32 start, __u32 *caplen, __u32 *len)
{
	long lead;

	if (p->tail <= start)
		return 0;
	*caplen = p->tail - start;
	lead = (long)(p->data - (p->head + start));
	*len = (__u32)((long)p->len + lead);
	return 1;
}

static __always_inline void parse_ports(struct skbt_tuple *t, __u32 *flags, unsigned char *l4,
					__u8 proto)
{
	__u8 th[14];

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP)
		return;
	if (bpf_probe_read_kernel(th, proto == IPPROTO_TCP ? 14 : 4, l4))
		return;
	t->sport = (th[0] << 8) | th[1];
	t->dport = (th[2] << 8) | th[3];
	if (proto == IPPROTO_TCP)
		t->tcp_flags = th[13];
	*flags |= SKBT_F_HAS_PORTS;
}

static __always_inline void parse_ipv4(struct skbt_tuple *t, __u32 *flags, unsigned char *nh)
{
	__u8 ip[20];

	if (bpf_probe_read_kernel(ip, sizeof(ip), nh) || (ip[0] >> 4) != 4)
		return;
	__builtin_memcpy(t->saddr, &ip[12], 4);
	__builtin_memcpy(t->daddr, &ip[16], 4);
	t->l3 = 4;
	t->l4 = ip[9];
	*flags |= SKBT_F_HAS_TUPLE;
	/* Later fragments carry no L4 header. */
	if (((ip[6] & 0x1f) | ip[7]) == 0)
		parse_ports(t, flags, nh + (ip[0] & 0xf) * 4, ip[9]);
}

static __always_inline void parse_ipv6(struct skbt_tuple *t, __u32 *flags, unsigned char *nh)
{
	__u8 ip[40], ext[4];
	unsigned char *p = nh + 40;
	__u8 next;

	if (bpf_probe_read_kernel(ip, sizeof(ip), nh) || (ip[0] >> 4) != 6)
		return;
	__builtin_memcpy(t->saddr, &ip[8], 16);
	__builtin_memcpy(t->daddr, &ip[24], 16);
	t->l3 = 6;
	*flags |= SKBT_F_HAS_TUPLE;
	next = ip[6];
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_FRAGMENT &&
		    next != NEXTHDR_AUTH && next != NEXTHDR_DEST)
			break;
		if (bpf_probe_read_kernel(ext, sizeof(ext), p))
			return;
		if (next == NEXTHDR_FRAGMENT) {
			next = ext[0];
			/* Only the first fragment holds the L4 header. */
			if (((ext[2] << 8) | (ext[3] & 0xf8)) != 0) {
				t->l4 = next;
				return;
			}
			p += 8;
			continue;
		}
		p += next == NEXTHDR_AUTH ? (ext[1] + 2) * 4 : (ext[1] + 1) * 8;
		next = ext[0];
	}
	t->l4 = next;
	parse_ports(t, flags, p, next);
}

static __always_inline void parse_tuple(struct skbt_tuple *t, __u32 *flags, const struct pkt *p)
{
	unsigned char *nh;
	__u16 proto = p->proto;

	if (!hdr_set(p->nh))
		return;
	nh = p->head + p->nh;
	/* A tag left in the packet: the network header points at it. */
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		__be16 inner;

		if (bpf_probe_read_kernel(&inner, sizeof(inner), nh + 2))
			return;
		proto = bpf_ntohs(inner);
		nh += 4;
	}
	if (proto == ETH_P_IP)
		parse_ipv4(t, flags, nh);
	else if (proto == ETH_P_IPV6)
		parse_ipv6(t, flags, nh);
}

static __always_inline void fill_dev(struct skbt_event *e, struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	if (!dev)
		return;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->mtu = BPF_CORE_READ(dev, mtu);
	bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), &dev->name);
}

#endif /* SKBT_SKB_READ_BPF_H */
