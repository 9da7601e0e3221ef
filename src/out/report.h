/* SPDX-License-Identifier: GPL-2.0 */
/* skbtrace's own lines on stderr: what started, what was lost, the exit summary. */
#ifndef SKBT_REPORT_H
#define SKBT_REPORT_H

#include <stddef.h>

struct kernel_features;
struct output;
struct selection;
struct tracer;

/* The start-up line (backend, probes, why not a better backend), then what failed. */
void report_started(const struct selection *s, const struct kernel_features *kf,
		    const struct tracer *tr, double ready_ms);
/* Events the ring buffer had no room for since reported; returns lost, now reported. */
unsigned long long report_lost(struct output *out, unsigned long long lost,
			       unsigned long long reported);
/* What --filter-track-skb could not do. */
void report_tracking(unsigned long long map_full, unsigned long long clones_lost,
		     unsigned long long evicted);

/*
 * -w's line: records written to path, and why it stopped early if it did
 * (err: the write error, negative errno, or 0).
 */
void report_capture(const char *path, unsigned long long records, int err);

/* Drops --drop-summary could not count: its map's rows were all taken. */
void report_drop_summary_full(unsigned long long uncounted, unsigned int rows);

struct summary {
	unsigned long long events, lost, stack_lost, missed;
	size_t attached, failed;
	double ran_s;
	int status; /* the exit status, shown when not 0 */
};

/* The exit line: exact event and loss counts. */
void report_summary(const struct summary *s);

#endif
