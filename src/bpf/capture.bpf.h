/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet capture (-w): the packet's bytes after its event record.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_CAPTURE_BPF_H
#define SKBT_CAPTURE_BPF_H

/*
 * -s above SKBT_CAP_INLINE_MAX: one record buffer per CPU (a per-CPU array
 * value cannot be this large), resized to the CPU count by user space, and
 * whether a program of ours is using this CPU's (cap_busy).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct skbt_event) + SKBT_SKB_DATA_MAX + SKBT_CAPTURE_MAX + 1);
} cap_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cap_busy SEC(".maps");

/*
 * -w: a bounded copy of the linear data, from the MAC header when the skb
 * has one before its network header (the same rule the pcap filter
 * follows), else from the network header, else from data.  Paged data is
 * out of reach of a probe read: a GSO packet shows its headers, and its
 * true length in cap_orig_len.
 */
static __always_inline void capture(struct skbt_event *e, const struct pkt *p, __u32 off)
{
	__u32 start, caplen = 0, len = p->len;
	__u64 n;

	if (hdr_set(p->mac) && hdr_set(p->nh) && p->nh > p->mac) {
		start = p->mac;
		e->cap_l2 = 1;
	} else if (hdr_set(p->nh)) {
		start = p->nh;
	} else {
		start = p->data - p->head;
	}
	e->flags |= SKBT_F_CAPTURE;
	e->cap_off = off;
	if (!pkt_view(p, start, &caplen, &len)) {
		e->cap_orig_len = p->len;
		return;
	}
	e->cap_orig_len = len;
	n = caplen < cfg_cap_len ? caplen : cfg_cap_len;
	/* Keeps the bound the verifier checks against the record's size. */
	asm volatile("" : "+r"(n));
	if (n > cfg_cap_len)
		return;
	if (!bpf_probe_read_kernel(e->skb_data + off, n, p->head + start))
		e->cap_len = n;
}

/* Whether this event carries a packet record (--capture-at). */
static __always_inline int capture_wanted(__u32 flags, int first)
{
	if (!cfg_cap_len)
		return 0;
	if (cfg_cap_at == SKBT_CAP_FIRST)
		return first;
	if (cfg_cap_at == SKBT_CAP_DROP)
		return !!(flags & SKBT_F_DROP);
	return 1;
}

#endif /* SKBT_CAPTURE_BPF_H */
