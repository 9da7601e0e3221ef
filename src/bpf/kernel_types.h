/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types skbtrace's BPF side reads, declared by hand.
 *
 * preserve_access_index makes every field access a CO-RE relocation, so
 * libbpf fixes offsets against the running kernel's BTF at load time and
 * the build never depends on the build machine's kernel (see
 * docs/design.md).  Only the fields we read are listed; order and
 * nesting do not matter to CO-RE, names and types do.
 */
#ifndef SKBT_KERNEL_TYPES_H
#define SKBT_KERNEL_TYPES_H

#include <linux/types.h>

#define SKBT_CORE __attribute__((preserve_access_index))

struct ns_common {
	unsigned int inum;
} SKBT_CORE;

struct net {
	struct ns_common ns;
} SKBT_CORE;

typedef struct {
	struct net *net;
} SKBT_CORE possible_net_t;

struct net_device {
	char name[16];
	int ifindex;
	unsigned int mtu;
	possible_net_t nd_net;
} SKBT_CORE;

/* Read as 16 bytes: CO-RE checks a struct's kind, not its members. */
struct in6_addr___skbt {
	__u8 b[16];
};

struct sock_common {
	possible_net_t skc_net;
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr___skbt skc_v6_daddr;
	struct in6_addr___skbt skc_v6_rcv_saddr;
} SKBT_CORE;

/* Bitfields before 5.6: read with BPF_CORE_READ_BITFIELD_PROBED. */
struct sock {
	struct sock_common __sk_common;
	__u16 sk_type;
	__u16 sk_protocol;
} SKBT_CORE;

/* The skb:kfree_skb tracepoint's record: rx_sk exists since 6.12. */
struct trace_event_raw_kfree_skb {
	void *rx_sk;
} SKBT_CORE;

/* Only the function pointer's value is compared: a hook-telling fact. */
struct dst_entry {
	void *input;
} SKBT_CORE;

struct sk_buff {
	struct net_device *dev;
	unsigned long _skb_refdst; /* struct dst_entry *, low bit: not refcounted */
	struct sock *sk;
	unsigned int len;
	__u32 mark;
	__be16 protocol;
	__u16 transport_header;
	__u16 network_header;
	__u16 mac_header;
	__u16 inner_network_header;
	__u16 inner_mac_header;
	__u8 encapsulation : 1; /* a bitfield: read with BPF_CORE_READ_BITFIELD_PROBED */
	__u32 tail;		/* an offset from head on 64-bit kernels */
	unsigned char *head;
	unsigned char *data;
} SKBT_CORE;

#endif
