/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --filter-track-skb: a matched skb followed by address, and its clones.
 * Part of skbtrace.bpf.c, included once from it: it uses that file's
 * cfg_* settings and maps.
 */
#ifndef SKBT_TRACK_BPF_H
#define SKBT_TRACK_BPF_H

/* Tracked skbs by address; an entry lives from the first match to the free. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by --filter-track-max */
	__type(key, __u64);
	__type(value, struct skbt_track);
} tracked_skbs SEC(".maps");

/* A tracked parent between the entry and the return of a cloning function. */
struct clone_slot {
	struct skbt_track parent;
	__u64 func; /* the cloning function, names the clone's first event */
};

/*
 * Keyed by the stack pointer at the cloning function's entry: unique per
 * active call on every CPU, so an interrupt that clones on the same task
 * cannot take the slot of the call it interrupted (a pid key would).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized when tracking */
	__type(key, __u64);
	__type(value, struct clone_slot);
} clone_parents SEC(".maps");

/* The last packet id handed out; ids start at 1, 0 is "not tracked". */
__u64 track_last_id = 0;

/* What a program does with the skb besides reporting it. */
enum how {
	HOW_TRACE = 0, /* report it; start tracking it when it matches */
	HOW_FREE,      /* it is being freed: report it if it matches, forget it */
	HOW_FORGET,    /* it is being freed: report it only if tracked, forget it */
};

static __always_inline int track_lookup(struct sk_buff *skb, struct skbt_track *tr)
{
	__u64 key = (__u64)skb;
	struct skbt_track *v = bpf_map_lookup_elem(&tracked_skbs, &key);

	if (!v)
		return 0;
	*tr = *v;
	return 1;
}

/* A full map leaves the skb untracked, id 0: counted, never silent. */
static __always_inline void track_insert(struct sk_buff *skb, struct skbt_track *tr)
{
	__u64 key = (__u64)skb;

	if (bpf_map_update_elem(&tracked_skbs, &key, tr, BPF_ANY)) {
		count(SKBT_CNT_TRACK_FULL);
		tr->id = 0;
	}
}

/* A new packet: an id, and a map entry unless it is being freed anyway. */
static __always_inline void track_start(struct sk_buff *skb, struct skbt_track *tr, enum how how)
{
	tr->id = __sync_fetch_and_add(&track_last_id, 1) + 1;
	if (how == HOW_TRACE)
		track_insert(skb, tr);
}

#endif /* SKBT_TRACK_BPF_H */
