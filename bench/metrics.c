// SPDX-License-Identifier: GPL-2.0
/*
 * --metrics: what a scrape costs at 10, 100 and 1,000 series.  For each
 * size: the bytes of one scrape, the event loop's side (render the text and
 * publish it), and a whole scrape over a loopback TCP connection as
 * Prometheus makes it (connect, request, read to the close).
 * Usage: metrics [SCRAPES]   (default 2000 per size)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/metrics.h"
#include "out/metrics_http.h"
#include "clock.h"
#include "../tests/unit/http_get.h"

static const char *const reasons[] = {
	"NETFILTER_DROP", "NO_SOCKET",	   "TCP_CSUM",	 "PKT_TOO_SMALL", "OTHERHOST",
	"IP_NOPROTO",	  "SOCKET_FILTER", "TC_INGRESS", "QDISC_DROP",	  "TCP_OLD_DATA",
};
static const char *const funcs[] = {"nft_do_chain", "__udp4_lib_rcv",	"tcp_v4_rcv",
				    "ip_rcv_core",  "__dev_queue_xmit", "sk_filter_trim_cap"};

/* n distinct rows whose labels look like the summary's, each seen a few times. */
static void fill(struct metrics *m, int n)
{
	char loc[64], netns[32], iface[32];

	for (int i = 0; i < n; i++) {
		struct metrics_drop d = {.delta = 1000003ull * (i + 1)};

		snprintf(loc, sizeof(loc), "%s+0x%x", funcs[i % 6], 0x40 + 8 * (i / 60));
		snprintf(netns, sizeof(netns), "pod-%04d", i / 10);
		snprintf(iface, sizeof(iface), "veth%08x", i * 2654435761u);
		d.label[METRICS_REASON] = reasons[i % 10];
		d.label[METRICS_LOCATION] = loc;
		d.label[METRICS_NETNS] = netns;
		d.label[METRICS_IFACE] = iface;
		if (metrics_add_drop(m, &d) != METRICS_IN_SERIES) {
			fprintf(stderr, "bench: row %d did not get a series\n", i);
			exit(1);
		}
	}
	metrics_set_events(m, 123456789, 42);
	metrics_set_probes(m, 1482, 3);
	metrics_set_build_info(m, "bench", "kprobe-multi", "6.18.0");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Publishing: what the event loop pays each time it refreshes the scrape. */
static double publish_us(struct metrics *m, struct metrics_server *s, int rounds, size_t *bytes)
{
	double t0 = bench_now_s();

	for (int i = 0; i < rounds; i++) {
		char *t = metrics_render(m, bytes);

		if (!t || metrics_server_publish(s, t, *bytes)) {
			fprintf(stderr, "bench: render or publish failed\n");
			exit(1);
		}
	}
	return (bench_now_s() - t0) * 1e6 / rounds;
}

static void scrape_us(unsigned short port, int rounds, size_t want, double *med, double *p99)
{
	double *t = calloc(rounds, sizeof(*t));

	for (int i = 0; i < rounds; i++) {
		struct http_reply r;
		double t0 = bench_now_s();

		if (http_get(port, "GET", "/metrics", &r) || r.status != 200 ||
		    r.body_len != want) {
			fprintf(stderr, "bench: scrape %d failed\n", i);
			exit(1);
		}
		t[i] = (bench_now_s() - t0) * 1e6;
		http_reply_free(&r);
	}
	qsort(t, rounds, sizeof(*t), cmp_double);
	*med = t[rounds / 2];
	*p99 = t[rounds * 99 / 100];
	free(t);
}

int main(int argc, char **argv)
{
	static const int sizes[] = {10, 100, 1000};
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	char err[256];

	if (rounds < 10)
		rounds = 10;
	printf("%-8s %10s %14s %18s %18s\n", "series", "bytes", "publish_us", "scrape_median_us",
	       "scrape_p99_us");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct metrics *m = metrics_new(METRICS_ALL_LABELS, METRICS_MAX_SERIES_DEFAULT);
		struct metrics_server *s = metrics_server_start("127.0.0.1:0", err, sizeof(err));
		double pub, med, p99;
		size_t bytes = 0;

		if (!m || !s) {
			fprintf(stderr, "bench: %s\n", s ? "out of memory" : err);
			return 1;
		}
		fill(m, sizes[k]);
		pub = publish_us(m, s, rounds, &bytes);
		scrape_us(metrics_server_port(s), rounds, bytes, &med, &p99);
		printf("%-8d %10zu %14.1f %18.1f %18.1f\n", sizes[k], bytes, pub, med, p99);
		metrics_server_stop(s);
		metrics_free(m);
	}
	return 0;
}
