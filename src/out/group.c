// SPDX-License-Identifier: GPL-2.0
/*
 * Per-packet grouping for --output-group.  Packets are found by id in a
 * chained hash table and kept on an age list (oldest first) so the cap
 * can evict the oldest one.  A packet is complete when the set of its
 * live skbs becomes empty: an skb joins at its first event and leaves
 * at an event flagged SKBT_F_FREED.  The BPF side reports a clone at its
 * creation, before its source can be freed, so the set does not run
 * empty while a clone lives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out/group.h"

#define DEFAULT_MAX_PACKETS 4096
#define DEFAULT_MAX_EVENTS  65536

struct grouper {
	struct group_pkt **buckets;
	size_t nbuckets; /* power of two */
	struct group_pkt *oldest, *newest;
	size_t packets, events;
	size_t max_packets, max_events;
	unsigned long long evicted;
	group_out_fn out;
	void *ctx;
};

static size_t bucket_of(const struct grouper *g, unsigned long long id)
{
	return (id * 0x9e3779b97f4a7c15ULL >> 32) & (g->nbuckets - 1);
}

struct grouper *group_new(size_t max_packets, size_t max_events, group_out_fn out, void *ctx)
{
	struct grouper *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->max_packets = max_packets ? max_packets : DEFAULT_MAX_PACKETS;
	g->max_events = max_events ? max_events : DEFAULT_MAX_EVENTS;
	g->nbuckets = 64;
	while (g->nbuckets < g->max_packets)
		g->nbuckets *= 2;
	g->buckets = calloc(g->nbuckets, sizeof(*g->buckets));
	if (!g->buckets) {
		free(g);
		return NULL;
	}
	g->out = out;
	g->ctx = ctx;
	return g;
}

static struct group_pkt *find(const struct grouper *g, unsigned long long id)
{
	struct group_pkt *p = g->buckets[bucket_of(g, id)];

	while (p && p->id != id)
		p = p->hnext;
	return p;
}

static void unlink_pkt(struct grouper *g, struct group_pkt *p)
{
	struct group_pkt **pp = &g->buckets[bucket_of(g, p->id)];

	while (*pp != p)
		pp = &(*pp)->hnext;
	*pp = p->hnext;
	if (p->older)
		p->older->newer = p->newer;
	else
		g->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		g->newest = p->older;
	g->packets--;
	g->events -= p->n;
}

static void free_pkt(struct group_pkt *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->ev[i]);
	free(p->ev);
	free(p->live);
	free(p);
}

/* Insertion sort by time: events of one packet arrive nearly in order. */
static void sort_by_time(struct group_pkt *p)
{
	for (size_t i = 1; i < p->n; i++) {
		struct group_ev *v = p->ev[i];
		size_t j = i;

		while (j > 0 && p->ev[j - 1]->e.ts > v->e.ts) {
			p->ev[j] = p->ev[j - 1];
			j--;
		}
		p->ev[j] = v;
	}
}

static void hand_out(struct grouper *g, struct group_pkt *p, enum group_end why)
{
	unlink_pkt(g, p);
	sort_by_time(p);
	g->out(g->ctx, p, why);
	free_pkt(p);
}

static struct group_pkt *new_pkt(struct grouper *g, unsigned long long id)
{
	struct group_pkt *p = calloc(1, sizeof(*p));
	size_t b = bucket_of(g, id);

	if (!p)
		return NULL;
	p->id = id;
	p->hnext = g->buckets[b];
	g->buckets[b] = p;
	p->older = g->newest;
	if (g->newest)
		g->newest->newer = p;
	else
		g->oldest = p;
	g->newest = p;
	g->packets++;
	return p;
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*v, c * elem);
	if (!n)
		return -ENOMEM;
	*v = n;
	*cap = c;
	return 0;
}

/* Joins skb to the live set on its first event; returns 1 if the set is now empty. */
static int update_live(struct group_pkt *p, const struct skbt_event *e)
{
	size_t i;

	for (i = 0; i < p->nlive && p->live[i] != e->skb; i++)
		;
	if (e->flags & SKBT_F_FREED) {
		if (i < p->nlive)
			p->live[i] = p->live[--p->nlive];
		return p->nlive == 0;
	}
	if (i == p->nlive) {
		if (grow((void **)&p->live, &p->live_cap, p->nlive + 1, sizeof(*p->live)))
			return -ENOMEM;
		p->live[p->nlive++] = e->skb;
		p->nskbs++;
	}
	return 0;
}

static struct group_ev *copy_ev(const struct skbt_event *e, size_t size)
{
	struct group_ev *v = malloc(offsetof(struct group_ev, e) + size);

	if (!v)
		return NULL;
	v->size = size;
	memcpy(&v->e, e, size);
	return v;
}

/* An event without id is its own packet: handed out at once. */
static int add_untracked(struct grouper *g, const struct skbt_event *e, size_t size)
{
	struct group_ev *v = copy_ev(e, size);
	struct group_pkt p = {.ev = &v, .n = 1, .nskbs = 1};

	if (!v)
		return -ENOMEM;
	g->out(g->ctx, &p, GROUP_UNTRACKED);
	free(v);
	return 0;
}

int group_add(struct grouper *g, const struct skbt_event *e, size_t size)
{
	struct group_pkt *p;
	struct group_ev *v;
	int done;

	if (!e->track_id)
		return add_untracked(g, e, size);
	p = find(g, e->track_id);
	if (!p) {
		if (g->packets >= g->max_packets && g->oldest) {
			hand_out(g, g->oldest, GROUP_EVICTED);
			g->evicted++;
		}
		p = new_pkt(g, e->track_id);
		if (!p)
			return -ENOMEM;
	}
	v = copy_ev(e, size);
	if (!v || grow((void **)&p->ev, &p->cap, p->n + 1, sizeof(*p->ev))) {
		free(v);
		return -ENOMEM;
	}
	p->ev[p->n++] = v;
	g->events++;
	done = update_live(p, e);
	if (done < 0)
		return done;
	if (done) {
		hand_out(g, p, GROUP_FREED);
		return 0;
	}
	while (g->events > g->max_events && g->oldest) {
		hand_out(g, g->oldest, GROUP_EVICTED);
		g->evicted++;
	}
	return 0;
}

void group_flush_all(struct grouper *g)
{
	while (g && g->oldest)
		hand_out(g, g->oldest, GROUP_AT_EXIT);
}

unsigned long long group_evicted(const struct grouper *g)
{
	return g ? g->evicted : 0;
}

size_t group_held_packets(const struct grouper *g)
{
	return g ? g->packets : 0;
}

size_t group_held_events(const struct grouper *g)
{
	return g ? g->events : 0;
}

void group_free(struct grouper *g)
{
	if (!g)
		return;
	while (g->oldest) {
		struct group_pkt *p = g->oldest;

		unlink_pkt(g, p);
		free_pkt(p);
	}
	free(g->buckets);
	free(g);
}
