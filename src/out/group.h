/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --output-group: events are held per packet (track id) and handed out
 * together, in time order, once every skb of the packet (clones
 * included) was freed.  Memory is bounded: past the caps the oldest
 * packet is handed out early and counted.
 */
#ifndef SKBT_GROUP_H
#define SKBT_GROUP_H

#include <stddef.h>
#include "bpf/skbtrace.h"

/* Why a packet's events are handed out. */
enum group_end {
	GROUP_FREED = 0, /* its last skb was freed */
	GROUP_EVICTED,	 /* over a cap: the oldest packet goes out early */
	GROUP_AT_EXIT,	 /* still in flight when tracing stopped */
	GROUP_UNTRACKED, /* an event without id (tracking map full): alone */
};

/* One buffered ring-buffer record. */
struct group_ev {
	size_t size;
	struct skbt_event e; /* followed by the rest of the record */
};

struct group_pkt {
	unsigned long long id;
	struct group_ev **ev; /* in time order when handed out */
	size_t n, cap;
	unsigned long long *live; /* skb addresses seen and not yet freed */
	size_t nlive, live_cap;
	size_t nskbs; /* distinct skbs seen */
	struct group_pkt *older, *newer, *hnext;
};

typedef void (*group_out_fn)(void *ctx, const struct group_pkt *p, enum group_end why);

struct grouper;

/* 0 for a cap means the default (4096 packets, 65536 events). */
struct grouper *group_new(size_t max_packets, size_t max_events, group_out_fn out, void *ctx);
/* Buffers a copy of the record; may hand out this or older packets. 0 or -ENOMEM. */
int group_add(struct grouper *g, const struct skbt_event *e, size_t size);
/* Hands out every packet still held (GROUP_AT_EXIT), oldest first. */
void group_flush_all(struct grouper *g);
/* Packets handed out early because a cap was reached. */
unsigned long long group_evicted(const struct grouper *g);
size_t group_held_packets(const struct grouper *g);
size_t group_held_events(const struct grouper *g);
void group_free(struct grouper *g);

#endif
