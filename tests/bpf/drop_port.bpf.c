// SPDX-License-Identifier: GPL-2.0
/*
 * The tc and XDP programs test_trace_tc_xdp (tests/integration/tests.sh)
 * traces with --filter-trace-tc/-xdp: each acts on one UDP destination
 * port and lets everything else pass.  Loaded by tc (cls_bpf, direct
 * action) and ip (XDP) from this object, with its BTF: fentry needs it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_DROP_PORT	 9101
#define XDP_DROP_PORT	 9102
#define TC_REDIRECT_PORT 9103 /* to the namespace's loopback, ifindex 1 */

char LICENSE[] SEC("license") = "GPL";

/* The UDP destination port of an IPv4 frame, -1 for anything else. */
static __always_inline int udp_dport(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return -1;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end)
		return -1;
	return bpf_ntohs(udp->dest);
}

SEC("tc")
int tc_drop_udp(struct __sk_buff *skb)
{
	int port = udp_dport((void *)(long)skb->data, (void *)(long)skb->data_end);

	if (port == TC_DROP_PORT)
		return TC_ACT_SHOT;
	if (port == TC_REDIRECT_PORT)
		return bpf_redirect(1, 0);
	return TC_ACT_OK;
}

SEC("xdp")
int xdp_drop_udp(struct xdp_md *ctx)
{
	int port = udp_dport((void *)(long)ctx->data, (void *)(long)ctx->data_end);

	return port == XDP_DROP_PORT ? XDP_DROP : XDP_PASS;
}
