// SPDX-License-Identifier: GPL-2.0
/*
 * --metrics.  The exporter keeps its own drop_summary over the BPF map
 * (the map is only ever added to, so a second reader takes nothing from
 * --drop-summary's tables) and closes an interval at every tick: each
 * row's increase goes to the registry under the names the summary
 * prints, and the rendered text is published for the HTTP thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diag/drop_desc.h"
#include "diag/drop_summary.h"
#include "out/exporter.h"
#include "out/metrics.h"
#include "out/metrics_http.h"

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int exporter_start(struct exporter *x, const struct exporter_cfg *c, char *err, size_t errlen)
{
	unsigned int labels = METRICS_ALL_LABELS;

	memset(x, 0, sizeof(*x));
	x->map_fd = -1;
	if (c->labels && metrics_parse_labels(c->labels, &labels, err, errlen))
		return -1;
	x->reg = metrics_new(labels, c->max_series ? c->max_series : METRICS_MAX_SERIES_DEFAULT);
	if (!x->reg || metrics_set_build_info(x->reg, c->version, c->backend, c->kernel)) {
		snprintf(err, errlen, "--metrics: out of memory");
		goto fail;
	}
	x->srv = metrics_server_start(c->addr, err, errlen);
	if (!x->srv)
		goto fail;
	return 0;
fail:
	metrics_free(x->reg);
	x->reg = NULL;
	return -1;
}

const char *exporter_addr(const struct exporter *x)
{
	return x->srv ? metrics_server_addr(x->srv) : "";
}

static int publish(struct exporter *x)
{
	size_t len;
	char *text = metrics_render(x->reg, &len);

	if (!text)
		return -ENOMEM;
	return metrics_server_publish(x->srv, text, len);
}

int exporter_attach(struct exporter *x, int map_fd, const struct drop_namer *nm,
		    const char *backend, size_t attached, size_t failed)
{
	if (!x->srv)
		return 0;
	x->map_fd = map_fd;
	x->nm = nm;
	x->sum = drop_summary_new();
	if (!x->sum)
		return -ENOMEM;
	x->start_ns = mono_ns();
	metrics_set_probes(x->reg, attached, failed);
	/* the backend is known only now that it was chosen */
	if (metrics_set_build_info(x->reg, NULL, backend, NULL))
		return -ENOMEM;
	return publish(x);
}

/* A row under the names --drop-summary prints; "" where the kernel gave none. */
static void add_row(struct exporter *x, const struct ds_row *r)
{
	struct drop_facts f = {
		.reason = r->key.reason,
		.location = r->key.location,
		.above = r->above,
		.netns = r->key.netns,
	};
	struct metrics_drop m = {.delta = r->count};
	char iface[24] = "";
	struct drop_desc d;

	drop_describe(x->nm, &f, &d);
	if (r->key.ifindex && r->ifname[0])
		snprintf(iface, sizeof(iface), "%.16s", r->ifname);
	else if (r->key.ifindex)
		snprintf(iface, sizeof(iface), "if%u", r->key.ifindex);
	m.label[METRICS_REASON] = d.reason_short;
	m.label[METRICS_LOCATION] = d.location;
	m.label[METRICS_NETNS] = d.ns.name;
	m.label[METRICS_IFACE] = iface;
	metrics_add_drop(x->reg, &m);
}

int exporter_tick(struct exporter *x, unsigned long long uncounted_total, unsigned long long events,
		  unsigned long long lost)
{
	unsigned long long now = mono_ns();
	struct ds_table t;
	int err;

	if (!x->sum)
		return 0;
	err = drop_summary_read_map(x->sum, x->map_fd);
	if (!err)
		err = drop_summary_close(x->sum, x->start_ns, now, uncounted_total, &t);
	if (err)
		return err;
	x->start_ns = now;
	for (size_t i = 0; i < t.n; i++)
		add_row(x, &t.rows[i]);
	metrics_add_overflow(x->reg, t.uncounted);
	ds_table_free(&t);
	metrics_set_events(x->reg, events, lost);
	return publish(x);
}

void exporter_stop(struct exporter *x)
{
	metrics_server_stop(x->srv);
	metrics_free(x->reg);
	drop_summary_free(x->sum);
	memset(x, 0, sizeof(*x));
}
