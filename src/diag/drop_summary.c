// SPDX-License-Identifier: GPL-2.0
/*
 * --drop-summary aggregation.  The BPF side only ever adds to a per-CPU
 * hash map (no entry is deleted, so no increment can be lost between a
 * read and a delete); each interval is the difference between two reads
 * of the running totals, kept here per key.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "diag/drop_summary.h"

_Static_assert(sizeof(struct skbt_drop_val) % 8 == 0,
	       "per-CPU values are laid out at 8-byte strides");

struct ds_entry {
	struct skbt_drop_key key;
	unsigned long long cur, prev; /* running totals at the last read / close */
	struct ds_row ex;	      /* example fields only (count unused) */
};

struct drop_summary {
	struct ds_entry *e;
	size_t n, cap;
	unsigned int *slot; /* open addressing: entry index + 1, 0 empty */
	size_t nslots;	    /* power of two, >= 2 * cap */
	unsigned long long uncounted_prev;
	struct skbt_drop_val *vals; /* one map value for every possible CPU */
	int ncpu;
};

struct drop_summary *drop_summary_new(void)
{
	return calloc(1, sizeof(struct drop_summary));
}

void drop_summary_free(struct drop_summary *s)
{
	if (!s)
		return;
	free(s->e);
	free(s->slot);
	free(s->vals);
	free(s);
}

static size_t key_hash(const struct skbt_drop_key *k)
{
	unsigned long long h = k->location * 0x9e3779b97f4a7c15ULL;

	h ^= ((unsigned long long)k->reason << 32 | k->netns) * 0x165667b19e3779f9ULL;
	h ^= (unsigned long long)k->ifindex * 0x27d4eb2f165667c5ULL;
	return h ^ h >> 29;
}

static bool key_eq(const struct skbt_drop_key *a, const struct skbt_drop_key *b)
{
	return a->location == b->location && a->reason == b->reason && a->netns == b->netns &&
	       a->ifindex == b->ifindex;
}

static unsigned int *find_slot(const struct drop_summary *s, const struct skbt_drop_key *k)
{
	size_t mask = s->nslots - 1, i = key_hash(k) & mask;

	for (;; i = (i + 1) & mask)
		if (!s->slot[i] || key_eq(&s->e[s->slot[i] - 1].key, k))
			return &s->slot[i];
}

static int grow(struct drop_summary *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64, nslots = cap * 2;
	struct ds_entry *e = realloc(s->e, cap * sizeof(*e));
	unsigned int *slot;

	if (!e)
		return -ENOMEM;
	s->e = e;
	slot = calloc(nslots, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(s->slot);
	s->slot = slot;
	s->nslots = nslots;
	s->cap = cap;
	for (size_t i = 0; i < s->n; i++)
		*find_slot(s, &s->e[i].key) = i + 1;
	return 0;
}

static struct ds_entry *entry_of(struct drop_summary *s, const struct skbt_drop_key *k)
{
	unsigned int *slot;
	struct ds_entry *e;

	if (s->n == s->cap && grow(s))
		return NULL;
	slot = find_slot(s, k);
	if (*slot)
		return &s->e[*slot - 1];
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	*slot = ++s->n;
	return e;
}

int drop_summary_add(struct drop_summary *s, const struct skbt_drop_key *k,
		     const struct skbt_drop_val *percpu, int ncpu)
{
	struct ds_entry *e = entry_of(s, k);
	const struct skbt_drop_val *best = NULL;
	unsigned long long sum = 0;

	if (!e)
		return -ENOMEM;
	for (int c = 0; c < ncpu; c++) {
		sum += percpu[c].count;
		if (percpu[c].count && (!best || percpu[c].last_ts > best->last_ts))
			best = &percpu[c];
	}
	/* a key the BPF side recreated starts over: its old total is gone */
	if (sum < e->cur)
		e->prev = 0;
	e->cur = sum;
	if (best && best->last_ts >= e->ex.last_ts) {
		e->ex.last_ts = best->last_ts;
		memcpy(e->ex.above, best->above, sizeof(e->ex.above));
		memcpy(e->ex.ifname, best->ifname, sizeof(e->ex.ifname));
		e->ex.flags = best->flags;
		e->ex.example = best->example;
	}
	return 0;
}

int drop_summary_read_map(struct drop_summary *s, int fd)
{
	struct skbt_drop_key key, next;
	void *prev = NULL;
	int err;

	if (!s->vals) {
		s->ncpu = libbpf_num_possible_cpus();
		if (s->ncpu <= 0)
			return s->ncpu ? s->ncpu : -EINVAL;
		s->vals = calloc(s->ncpu, sizeof(*s->vals));
		if (!s->vals)
			return -ENOMEM;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* a key deleted meanwhile is skipped, not an error */
		if (bpf_map_lookup_elem(fd, &key, s->vals))
			continue;
		err = drop_summary_add(s, &key, s->vals, s->ncpu);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int by_count(const void *a, const void *b)
{
	const struct ds_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->key.reason != y->key.reason)
		return x->key.reason < y->key.reason ? -1 : 1;
	if (x->key.location != y->key.location)
		return x->key.location < y->key.location ? -1 : 1;
	if (x->key.netns != y->key.netns)
		return x->key.netns < y->key.netns ? -1 : 1;
	return x->key.ifindex < y->key.ifindex ? -1 : x->key.ifindex > y->key.ifindex;
}

int drop_summary_close(struct drop_summary *s, unsigned long long start, unsigned long long end,
		       unsigned long long uncounted_total, struct ds_table *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->start = start;
	out->end = end;
	out->uncounted = uncounted_total - s->uncounted_prev;
	s->uncounted_prev = uncounted_total;
	out->rows = calloc(s->n ? s->n : 1, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		struct ds_entry *e = &s->e[i];
		struct ds_row *r = &out->rows[n];

		if (e->cur == e->prev)
			continue;
		*r = e->ex;
		r->key = e->key;
		r->count = e->cur - e->prev;
		e->prev = e->cur;
		out->total += r->count;
		n++;
	}
	out->n = n;
	qsort(out->rows, n, sizeof(*out->rows), by_count);
	return 0;
}

void ds_table_free(struct ds_table *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}
