/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --drop-summary map's key and value, shared by the BPF side and
 * user space.
 * Includes nothing but skbtrace.h, so both sides use it as is.
 */
#ifndef SKBT_DROP_H
#define SKBT_DROP_H

#include "bpf/skbtrace.h"

/*
 * Key of the drop-summary map: one row per distinct drop site.  origin
 * tells apart drops the location alone does not: for netfilter drops it
 * is the return address into the function that ran the hook
 * (ip_local_deliver -> INPUT), else 0.
 */
struct skbt_drop_key {
	unsigned long long location; /* kernel address of the drop site */
	unsigned long long origin;
	unsigned int reason;
	unsigned int netns;
	unsigned int ifindex;
	unsigned int pad;
};

/* Per-CPU value of the drop-summary map. */
struct skbt_drop_val {
	unsigned long long count;
	unsigned long long last_ts; /* bpf_ktime_get_ns() of the example */
	char ifname[16];
	unsigned short flags; /* SKBT_F_HAS_TUPLE / SKBT_F_HAS_PORTS of the example */
	unsigned short pad[3];
	/* the last dropped packet's tuple (refreshed at most once a millisecond) */
	struct skbt_tuple example;
};

#endif /* SKBT_DROP_H */
