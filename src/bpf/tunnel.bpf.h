/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunnel filters: the inner headers of VXLAN, GENEVE and IP-in-IP packets.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_TUNNEL_BPF_H
#define SKBT_TUNNEL_BPF_H

/* Offsets from skb->head of a tunnel's inner headers; 0: none. */
struct inner {
	__u32 mac; /* inner Ethernet header */
	__u32 nh;  /* inner IPv4/IPv6 header */
};

/*
 * After encapsulation (transmit side) the skb records where the inner
 * headers are; they are stale unless encapsulation is set.  Until the
 * outer IP header is pushed the network header is the inner one (equal),
 * after that it lies before; one past it would be a stale record.
 * The inner MAC header counts only with room for Ethernet before the
 * inner network header (an IPIP device's is equal to it).
 */
static __always_inline int tun_recorded(struct sk_buff *skb, const struct pkt *p, struct inner *in)
{
	__u16 imh, inh;

	if (!BPF_CORE_READ_BITFIELD_PROBED(skb, encapsulation))
		return 0;
	inh = BPF_CORE_READ(skb, inner_network_header);
	if (!hdr_set(inh) || inh < p->nh)
		return 0;
	imh = BPF_CORE_READ(skb, inner_mac_header);
	in->nh = inh;
	if (hdr_set(imh) && (__u32)imh + ETH_HLEN <= inh)
		in->mac = imh;
	return 1;
}

/*
 * Before decapsulation (receive side) the inner headers are found by
 * parsing the outer ones: IPv4 or IPv6 (no extension headers, no
 * fragments) carrying IPIP, IPv6-in-IP, or UDP to the VXLAN or GENEVE
 * port.  Every read stays inside the linear data.
 */
static __always_inline int tun_parse(const struct pkt *p, struct inner *in)
{
	__u8 b[40];
	__u32 l4, off;
	__u16 type;
	__u8 proto;

	if (!hdr_set(p->nh))
		return 0;
	off = p->nh;
	if (p->proto == ETH_P_IP) {
		if (off + 20 > p->tail || bpf_probe_read_kernel(b, 20, p->head + off) ||
		    (b[0] >> 4) != 4 || ((b[6] & 0x3f) | b[7]))
			return 0;
		l4 = off + (b[0] & 0xf) * 4;
		proto = b[9];
	} else if (p->proto == ETH_P_IPV6) {
		if (off + 40 > p->tail || bpf_probe_read_kernel(b, 40, p->head + off) ||
		    (b[0] >> 4) != 6)
			return 0;
		l4 = off + 40;
		proto = b[6];
	} else {
		return 0;
	}
	if (proto == IPPROTO_IPIP || proto == IPPROTO_IPV6) {
		in->nh = l4;
		return 1;
	}
	/* UDP header and the first 8 bytes of the tunnel header. */
	if (proto != IPPROTO_UDP || l4 + 16 > p->tail || bpf_probe_read_kernel(b, 16, p->head + l4))
		return 0;
	type = (b[2] << 8) | b[3];
	if (type == VXLAN_PORT || type == VXLAN_LINUX_PORT) {
		if (!(b[8] & 0x08)) /* the VNI-valid flag */
			return 0;
		in->mac = l4 + 16;
	} else if (type == GENEVE_PORT && (b[8] >> 6) == 0) {
		off = l4 + 16 + (b[8] & 0x3f) * 4;
		type = (b[10] << 8) | b[11];
		if (type == ETH_P_IP || type == ETH_P_IPV6) {
			in->nh = off;
			return 1;
		}
		if (type != ETH_P_TEB)
			return 0;
		in->mac = off;
	} else {
		return 0;
	}
	/* An inner Ethernet frame: the IP header follows an untagged one. */
	if (in->mac + ETH_HLEN > p->tail || bpf_probe_read_kernel(b, 2, p->head + in->mac + 12))
		return 1;
	type = (b[0] << 8) | b[1];
	if (type == ETH_P_IP || type == ETH_P_IPV6)
		in->nh = in->mac + ETH_HLEN;
	return 1;
}

/*
 * The tunnel filters on the inner headers; a packet without the inner
 * header a filter needs does not pass it.
 */
static __always_inline int pass_tunnel(struct sk_buff *skb, const struct pkt *p)
{
	struct inner in = {};
	__u32 caplen, len;

	if (!tun_recorded(skb, p, &in) && !tun_parse(p, &in))
		return 0;
	if (cfg_tun & SKBT_TUN_L2) {
		if (!in.mac || !pkt_view(p, in.mac, &caplen, &len) ||
		    !pcap_run(SKBT_PCAP_TUN_L2, p->head + in.mac, caplen, len))
			return 0;
	}
	if (cfg_tun & SKBT_TUN_L3) {
		if (!in.nh || !pkt_view(p, in.nh, &caplen, &len) ||
		    !pcap_run(SKBT_PCAP_TUN_L3, p->head + in.nh, caplen, len))
			return 0;
	}
	return 1;
}

#endif /* SKBT_TUNNEL_BPF_H */
