/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop diagnosis: the drop's site, netfilter hook and socket, and the
 * --drop-summary counts kept in BPF.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_DROP_DIAG_BPF_H
#define SKBT_DROP_DIAG_BPF_H

/* --drop-summary: drops counted per site; only ever added to (drop_summary.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* resized by --drop-summary-max */
	__type(key, struct skbt_drop_key);
	__type(value, struct skbt_drop_val);
} drop_summary SEC(".maps");

/*
 * Frames walked for a netfilter drop's hook: ours, the tracing glue, the
 * drop function, nft_do_chain(), nft_do_chain_<family>(), nf_hook_slow()
 * and the hook's caller take 8.
 */
#define DROP_FRAMES 10

/* Room for the stack a drop's hook is looked for in: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[DROP_FRAMES]);
} drop_frames SEC(".maps");

/*
 * A new summary row is built here, not on the stack: with the span copy
 * and a pcap filter's scratch, 6.1's verifier finds the drop program's
 * combined stack over 512 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skbt_drop_val);
} drop_row SEC(".maps");

/*
 * The hook search's results.  A walk costs ~2 us; what tells the hooks
 * apart on the skb is in the key: no route yet (PREROUTING), the route's
 * input function (ip_local_deliver: INPUT, ip_forward: FORWARD), the
 * device (none before OUTPUT's routing picks one; the output device in
 * POSTROUTING).  Entries are walked again once a second.
 */
struct nf_above_key {
	__u64 location;
	__u64 dst_input;
	__u32 netns;
	__u32 ifindex;
};

struct nf_above_val {
	__u64 above[SKBT_DROP_ABOVE];
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct nf_above_key);
	__type(value, struct nf_above_val);
} nf_above_cache SEC(".maps");

#define NF_ABOVE_TTL_NS 1000000000ULL

/* What a drop hook knows besides the skb and its reason. */
struct drop_in {
	__u64 location;	 /* the kernel's drop site */
	struct sock *sk; /* the socket it was dropped on; NULL: skb->sk */
};

/* ... and what the event and the summary get: the above, the hook's caller, where. */
struct drop_out {
	__u64 location;
	__u64 above[SKBT_DROP_ABOVE];
	struct sock *sk;
	__u32 netns;
	__u32 ifindex;
};

/*
 * Which netfilter hook dropped the packet: it ran from the function that
 * called nf_hook_slow() (ip_local_deliver: INPUT ...), a few frames above
 * the drop site on the stack.  The site is itself a return address, so
 * it is found among the frames without knowing any symbol; the frames
 * above it go to user space, which names them.
 */
static __always_inline void nf_above(void *ctx, __u64 location, __u64 *above)
{
	__u32 zero = 0;
	__u64 *f = bpf_map_lookup_elem(&drop_frames, &zero);
	long n;

	if (!f || !location)
		return;
	n = bpf_get_stack(ctx, f, DROP_FRAMES * sizeof(__u64), 0);
#pragma unroll
	for (int i = 0; i < DROP_FRAMES - SKBT_DROP_ABOVE; i++) {
		if ((i + 1) * (long)sizeof(__u64) > n)
			break;
		if (f[i] != location)
			continue;
#pragma unroll
		for (int j = 0; j < SKBT_DROP_ABOVE; j++)
			if ((i + 2 + j) * (long)sizeof(__u64) <= n)
				above[j] = f[i + 1 + j];
		return;
	}
}

/* nf_above(), through the nf_above_cache cache. */
static __always_inline void nf_above_cached(void *ctx, struct sk_buff *skb, struct drop_out *d)
{
	unsigned long refdst = BPF_CORE_READ(skb, _skb_refdst);
	struct nf_above_key k = {.location = d->location, .netns = d->netns, .ifindex = d->ifindex};
	struct nf_above_val *v, nv = {};
	__u64 now = bpf_ktime_get_ns();

	if (refdst)
		k.dst_input = (__u64)BPF_CORE_READ((struct dst_entry *)(refdst & ~1UL), input);
	v = bpf_map_lookup_elem(&nf_above_cache, &k);
	if (v && now - v->ts < NF_ABOVE_TTL_NS) {
		__builtin_memcpy(d->above, v->above, sizeof(d->above));
		return;
	}
	nf_above(ctx, d->location, nv.above);
	nv.ts = now;
	bpf_map_update_elem(&nf_above_cache, &k, &nv, BPF_ANY);
	__builtin_memcpy(d->above, nv.above, sizeof(d->above));
}

/* The socket a packet was dropped on: family, protocol, state, addresses. */
static __always_inline void fill_sock(struct skbt_event *e, struct sock *sk)
{
	struct skbt_sock *s = &e->sock;
	unsigned short fam;

	if (!sk)
		return;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX)
		return;
	s->family = fam;
	s->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	s->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	s->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* the addresses by size: BPF_CORE_READ_INTO would read sizeof(char) */
	if (fam == AF_INET) {
		bpf_core_read(s->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(s->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (fam == AF_INET6) {
		bpf_core_read(s->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(s->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	/* request and time-wait socks end after sock_common: TCP by definition */
	if (s->state == TCP_TIME_WAIT || s->state == TCP_NEW_SYN_RECV) {
		s->proto = IPPROTO_TCP;
		s->type = SOCK_STREAM;
	} else {
		s->proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
		s->type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	}
	e->flags |= SKBT_F_HAS_SOCK;
}

static __always_inline void fill_drop(struct skbt_event *e, struct sk_buff *skb,
				      const struct drop_out *d)
{
	e->drop_location = d->location;
	__builtin_memcpy(e->drop_above, d->above, sizeof(e->drop_above));
	fill_sock(e, d->sk ? d->sk : BPF_CORE_READ(skb, sk));
}

/* A row's example: the last dropped packet, at most once a millisecond. */
#define EXAMPLE_EVERY_NS 1000000

static __always_inline void drop_example(struct skbt_drop_val *v, struct sk_buff *skb,
					 const struct pkt *p, const struct skbt_drop_key *k,
					 const struct drop_out *d, __u64 now)
{
	v->last_ts = now;
	v->flags = 0;
	__builtin_memset(&v->example, 0, sizeof(v->example));
	parse_tuple(&v->example, &v->flags, p);
	__builtin_memcpy(v->above, d->above, sizeof(v->above));
	v->ifname[0] = 0;
	if (k->ifindex)
		bpf_probe_read_kernel_str(v->ifname, sizeof(v->ifname),
					  BPF_CORE_READ(skb, dev)->name);
}

/*
 * --drop-summary: one more drop at this site.  Per-CPU values need no
 * atomics; a full map leaves the drop uncounted, and counted as such.
 * Only a row's first drop and one a millisecond pay for the example.
 */
static __always_inline void count_drop(struct sk_buff *skb, const struct pkt *p, __u32 reason,
				       const struct drop_out *d)
{
	struct skbt_drop_key k = {
		.location = d->location,
		.reason = reason,
		.netns = d->netns,
		.ifindex = d->ifindex,
	};
	struct skbt_drop_val *v = bpf_map_lookup_elem(&drop_summary, &k);
	__u64 now = bpf_ktime_get_ns();

	if (!v) {
		__u32 zero = 0;
		struct skbt_drop_val *nv = bpf_map_lookup_elem(&drop_row, &zero);

		if (!nv) {
			count(SKBT_CNT_DROP_UNCOUNTED);
			return;
		}
		nv->count = 1;
		drop_example(nv, skb, p, &k, d, now);
		if (!bpf_map_update_elem(&drop_summary, &k, nv, BPF_NOEXIST))
			return;
		/* another CPU added the key first, with a zero count for this one */
		v = bpf_map_lookup_elem(&drop_summary, &k);
		if (!v) {
			count(SKBT_CNT_DROP_UNCOUNTED);
			return;
		}
	}
	v->count++;
	if (now - v->last_ts >= EXAMPLE_EVERY_NS)
		drop_example(v, skb, p, &k, d, now);
}

#endif /* SKBT_DROP_DIAG_BPF_H */
