/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The metrics registry: skbtrace's counters as Prometheus series, rendered
 * in the text exposition format.  Only the event loop touches a registry;
 * out/metrics_http.h serves what it renders.
 */
#ifndef SKBT_METRICS_H
#define SKBT_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* The labels of skbtrace_drops_total, in the order they print. */
enum metrics_label {
	METRICS_REASON,
	METRICS_LOCATION,
	METRICS_NETNS,
	METRICS_IFACE,
	METRICS_NR_LABELS,
};

#define METRICS_ALL_LABELS	   ((1u << METRICS_NR_LABELS) - 1)
#define METRICS_MAX_SERIES_DEFAULT 1000
#define METRICS_MAX_SERIES_LIMIT   1000000

/* One drop-summary row: what its counter rose by since the previous feed. */
struct metrics_drop {
	const char *label[METRICS_NR_LABELS]; /* NULL prints as "" */
	unsigned long long delta;
};

enum metrics_added {
	METRICS_IN_SERIES, /* counted in its own (possibly merged) series */
	METRICS_OVERFLOW,  /* no room for a new series: counted in ..._overflow_total */
};

struct metrics;

/* labels: a mask of 1 << METRICS_*; max_series bounds skbtrace_drops_total's series. */
struct metrics *metrics_new(unsigned int labels, size_t max_series);
void metrics_free(struct metrics *m);

/*
 * "reason,netns" (any of reason, location, netns, iface) to a label mask.
 * Returns 0, or -1 with the reason in err.
 */
int metrics_parse_labels(const char *spec, unsigned int *labels, char *err, size_t errlen);
const char *metrics_label_name(enum metrics_label l);

/*
 * Adds a row's delta to the series of its kept labels (rows differing only
 * in dropped labels merge).  A drop is never lost: past max_series, or when
 * memory runs out, it goes to the overflow counter.
 */
enum metrics_added metrics_add_drop(struct metrics *m, const struct metrics_drop *d);
/* Drops counted with no labels (the BPF map had no room for their row). */
void metrics_add_overflow(struct metrics *m, unsigned long long delta);
/*
 * Totals since the start (the event loop's counts); a smaller value than
 * before is ignored, so the counters only go up.
 */
void metrics_set_events(struct metrics *m, unsigned long long events, unsigned long long lost);
void metrics_set_probes(struct metrics *m, unsigned long long attached, unsigned long long failed);
/* A NULL argument keeps what was set before.  Returns 0 or -ENOMEM. */
int metrics_set_build_info(struct metrics *m, const char *version, const char *backend,
			   const char *kernel);

size_t metrics_series(const struct metrics *m);
unsigned long long metrics_overflow(const struct metrics *m);

/*
 * The whole exposition text, NUL-terminated, in a buffer the caller frees;
 * its length in *len.  NULL when memory runs out.
 */
char *metrics_render(struct metrics *m, size_t *len);

#endif
