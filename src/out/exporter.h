/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --metrics as a whole: the drop-summary map read into the metrics
 * registry (out/metrics.h) on the event loop's clock, and published to
 * the HTTP endpoint (out/metrics_http.h).
 */
#ifndef SKBT_EXPORTER_H
#define SKBT_EXPORTER_H

#include <stddef.h>

struct drop_namer;
struct drop_summary;
struct metrics;
struct metrics_server;

struct exporter_cfg {
	const char *addr;   /* --metrics ADDR:PORT */
	const char *labels; /* --metrics-labels, NULL: all four */
	size_t max_series;  /* --metrics-max-series, 0: METRICS_MAX_SERIES_DEFAULT */
	const char *version, *backend, *kernel;
};

struct exporter {
	struct metrics *reg;
	struct metrics_server *srv;
	struct drop_summary *sum; /* its own running totals of the drop-summary map */
	int map_fd;
	const struct drop_namer *nm;
	unsigned long long start_ns; /* the current interval's start */
};

/*
 * Checks the labels and binds the address: call it before anything is
 * attached, so that a bad address or a taken port is one usage error.
 * Returns 0, or -1 with the reason in err.
 */
int exporter_start(struct exporter *x, const struct exporter_cfg *c, char *err, size_t errlen);
/* "127.0.0.1:9435", as bound. */
const char *exporter_addr(const struct exporter *x);
/*
 * Tracing runs: where the drop counts are (the drop-summary map), what
 * names them, and how many probes; publishes the first snapshot, so that
 * scrapes stop answering 503.  Returns 0 or -ENOMEM.
 */
int exporter_attach(struct exporter *x, int map_fd, const struct drop_namer *nm,
		    const char *backend, size_t attached, size_t failed);
/*
 * Adds the drops counted since the last tick, and the event loop's totals
 * (uncounted_total: the BPF side's running count of drops the full map
 * could not store), then publishes.  Returns 0 or -errno.
 */
int exporter_tick(struct exporter *x, unsigned long long uncounted_total, unsigned long long events,
		  unsigned long long lost);
void exporter_stop(struct exporter *x);

#endif
