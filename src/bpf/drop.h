/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --drop-summary map's key and value, shared by the BPF side and
 * user space.
 * Includes nothing but skbtrace.h, so both sides use it as is.
 */
#ifndef SKBT_DROP_H
#define SKBT_DROP_H

#include "bpf/skbtrace.h"

/* Key of the drop-summary map: one row per drop site, namespace and interface. */
struct skbt_drop_key {
	unsigned long long location; /* kernel address of the drop site */
	unsigned int reason;
	unsigned int netns;
	unsigned int ifindex;
	unsigned int pad;
};

/* Per-CPU value of the drop-summary map. */
struct skbt_drop_val {
	unsigned long long count;
	/* the example: the last dropped packet, refreshed at most once a millisecond */
	unsigned long long last_ts; /* bpf_ktime_get_ns() of the example */
	/* netfilter drops: the example's return addresses above the site (skbt_event.drop_above) */
	unsigned long long above[SKBT_DROP_ABOVE];
	char ifname[16];
	unsigned int flags; /* SKBT_F_HAS_TUPLE / SKBT_F_HAS_PORTS of the example */
	unsigned int pad;
	struct skbt_tuple example;
};

#endif /* SKBT_DROP_H */
