/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --drop-summary, user-space side: drops counted in BPF per (reason,
 * location, netns, ifindex) in a per-CPU hash map are merged across
 * CPUs, turned into per-interval tables and printed.
 */
#ifndef SKBT_DROP_SUMMARY_H
#define SKBT_DROP_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "bpf/drop.h"

struct drop_namer;

/* One row of an interval's table. */
struct ds_row {
	struct skbt_drop_key key;
	unsigned long long count;		   /* drops in this interval */
	unsigned long long last_ts;		   /* when the example was taken */
	unsigned long long above[SKBT_DROP_ABOVE]; /* the example's frames above the site */
	char ifname[16];
	unsigned int flags; /* SKBT_F_HAS_TUPLE / SKBT_F_HAS_PORTS of the example */
	struct skbt_tuple example;
};

struct ds_table {
	unsigned long long start, end; /* bpf_ktime_get_ns() clock */
	unsigned long long total;      /* sum of the rows' counts */
	unsigned long long uncounted;  /* drops the full map could not count */
	struct ds_row *rows;	       /* sorted by count, largest first */
	size_t n;
};

struct drop_summary;

struct drop_summary *drop_summary_new(void);
void drop_summary_free(struct drop_summary *s);
/*
 * Sets one key's running totals from its per-CPU values (ncpu of them,
 * as the map returns them): counts are summed, the newest example kept.
 */
int drop_summary_add(struct drop_summary *s, const struct skbt_drop_key *k,
		     const struct skbt_drop_val *percpu, int ncpu);
/* Reads every key of the per-CPU hash map fd into s. Returns 0 or -errno. */
int drop_summary_read_map(struct drop_summary *s, int fd);
/*
 * Ends the interval [start, end]: out gets what was added since the
 * previous close (keys that did not change are left out), and
 * uncounted_total (the BPF side's running count of drops it could not
 * store) becomes this interval's uncounted.  out is freed with
 * ds_table_free().  Returns 0 or -ENOMEM.
 */
int drop_summary_close(struct drop_summary *s, unsigned long long start, unsigned long long end,
		       unsigned long long uncounted_total, struct ds_table *out);
void ds_table_free(struct ds_table *t);

/* How a table is printed. */
struct ds_print {
	FILE *f;
	bool json;
	const struct drop_namer *nm;
	unsigned long long mono_to_real_ns; /* CLOCK_REALTIME - the BPF clock */
	bool json_realtime;		    /* JSON times in Unix ns (--timestamp current) */
	unsigned int map_max;		    /* the map's rows, named when it is full */
	bool color;			    /* text: SGR colours (out/color.h), already decided */
};

/* Text: a heading, one line per row and its hint; JSON: one object. */
int drop_summary_print(const struct ds_print *p, const struct ds_table *t);

#endif
