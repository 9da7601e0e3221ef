/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pcap filter: the stubs user space writes the translated filter into,
 * and the calls that hand them the packet.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_PCAP_BPF_H
#define SKBT_PCAP_BPF_H

/*
 * The copy of a packet's first bytes a pcap filter reads: on the stack it
 * put the drop program's frame, plus the filter's, over 6.1's 512 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[(SKBT_PCAP_WINDOW + 8) / 8]);
} pcap_window SEC(".maps");

/*
 * The pcap-filter hook.  User space replaces the body of these stubs with
 * the translated filter before load (see src/filter/splice.c); without a filter
 * cfg_pcap is 0 and the calls are pruned.  Arguments: packet start (MAC
 * header for l2, network header for l3), readable linear bytes, skb->len,
 * and the copy of the packet's first bytes the filter reads (pcap_run()).
 * Every argument is used so that the compiler passes each one.  The stub
 * opens with SKBT_PCAP_STUB_ROOM `goto +0`s: a filter that fits is
 * written over the stub instead of being called from it, which saves a
 * call and its return (~6 ns a run where returns go through a return
 * thunk, docs/benchmarks.md section 15).
 */
#define PCAP_STUB(name, marker)                                                                    \
	static __noinline int name(void *data, __u32 caplen, __u32 len, const void *win)           \
	{                                                                                          \
		__u64 m;                                                                           \
                                                                                                   \
		/* The arguments pass through it, so nothing is computed before. */                \
		asm volatile(".rept %4\n\tgoto +0\n\t.endr"                                        \
			     : "+r"(data), "+r"(caplen), "+r"(len), "+r"(win)                      \
			     : "i"(SKBT_PCAP_STUB_ROOM));                                          \
		asm volatile("%0 = %1" : "=r"(m) : "i"(marker));                                   \
		return data != 0 && win != 0 && caplen <= len && m;                                \
	}

PCAP_STUB(skbt_pcap_l2, SKBT_PCAP_L2_MARKER)
PCAP_STUB(skbt_pcap_l3, SKBT_PCAP_L3_MARKER)
/* The same for --filter-tunnel-pcap-l2/-l3, called on the inner headers. */
PCAP_STUB(skbt_pcap_tun_l2, SKBT_PCAP_TUN_L2_MARKER)
PCAP_STUB(skbt_pcap_tun_l3, SKBT_PCAP_TUN_L3_MARKER)

/* Calls the stub of which: the translated filter spliced in its place. */
static __always_inline int pcap_call(enum skbt_pcap_stub which, unsigned char *data, __u32 caplen,
				     __u32 len, const void *win)
{
	switch (which) {
	case SKBT_PCAP_L2:
		return skbt_pcap_l2(data, caplen, len, win);
	case SKBT_PCAP_L3:
		return skbt_pcap_l3(data, caplen, len, win);
	case SKBT_PCAP_TUN_L2:
		return skbt_pcap_tun_l2(data, caplen, len, win);
	default:
		return skbt_pcap_tun_l3(data, caplen, len, win);
	}
}

/*
 * Runs one translated filter on the view [data, data + caplen).  The
 * filter's loads read a copy of the packet's first bytes (the window it
 * asked for, cfg_pcap_win) made here, with one probe read, rather than in
 * the filter: the copy costs the filter 7-12 instructions of its own
 * (issue 3 counts the filter's instructions against the classic ones).
 * pad puts the copy where the filter's loads are aligned.  A failed read
 * rejects the packet, as the filter would.  Where the kernel allows it
 * (cfg_direct) there is no copy: the filter reads the packet in place.
 */
static __always_inline int pcap_run(enum skbt_pcap_stub which, unsigned char *data, __u32 caplen,
				    __u32 len)
{
	__u32 zero = 0;
	__u64 *buf;
	void *win;
	__u64 n, cap = caplen;

	if (cfg_direct)
		return pcap_call(which, data, caplen, len, direct_view(data));
	buf = bpf_map_lookup_elem(&pcap_window, &zero);
	if (!buf)
		return 0;
	win = (void *)buf + cfg_pcap_pad[which];
	n = cfg_pcap_win[which];
	/*
	 * The compiler may otherwise pass the helper a caplen register whose
	 * upper half it never cleared, and compare a cleared copy: the
	 * verifier then sees an unbounded size.
	 */
	asm volatile("" : "+r"(cap));
	if (n) {
		if (n > cap)
			n = cap;
		if (bpf_probe_read_kernel(win, n, data))
			return 0;
	}
	return pcap_call(which, data, caplen, len, win);
}

/*
 * Calls the translated filter on the MAC header when the skb has one
 * before its network header, else on the network header.
 */
static __always_inline int pass_pcap(const struct pkt *p)
{
	__u32 start, caplen, len;

	if (hdr_set(p->mac) && hdr_set(p->nh) && p->nh > p->mac)
		start = p->mac;
	else if (hdr_set(p->nh))
		start = p->nh;
	else
		return 0;
	if (!pkt_view(p, start, &caplen, &len))
		return 0;
	if (start == p->mac)
		return pcap_run(SKBT_PCAP_L2, p->head + start, caplen, len);
	return pcap_run(SKBT_PCAP_L3, p->head + start, caplen, len);
}

/*
 * The filter's verdict alone when the skb is read in place: nothing of it
 * is kept for the event, so nothing is saved across the filter's call,
 * and a packet that passes is read again in full.  Most runs end here.
 */
static __always_inline int pass_pcap_direct(struct sk_buff *skb, bool typed)
{
	struct pkt p;

	pkt_read_direct(skb, &p, typed);
	return pass_pcap(&p);
}

#endif /* SKBT_PCAP_BPF_H */
