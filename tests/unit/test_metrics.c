// SPDX-License-Identifier: GPL-2.0
/*
 * --metrics: the registry (rendering, escaping, merging, the series bound,
 * counters that only go up) and the HTTP endpoint, fetched over a socket
 * and checked with Prometheus' own promtool.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "out/metrics.h"
#include "out/metrics_http.h"
#include "http_get.h"

static void add(struct metrics *m, const char *reason, const char *loc, const char *netns,
		const char *iface, unsigned long long delta, enum metrics_added want)
{
	struct metrics_drop d = {.label = {reason, loc, netns, iface}, .delta = delta};

	assert_int_equal(metrics_add_drop(m, &d), want);
}

static char *render(struct metrics *m)
{
	size_t len = 0;
	char *t = metrics_render(m, &len);

	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	return t;
}

/* The value of the sample line that starts with prefix (up to the value), or -1. */
static long long value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Runs promtool check metrics on text; returns its exit status, its output in out. */
static int promtool_check(const char *text, size_t len, char *out, size_t outlen)
{
	char path[] = "/tmp/skbt_metrics_XXXXXX", cmd[128];
	FILE *f, *p;
	size_t n;
	int fd, st;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	st = pclose(p);
	unlink(path);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_render_exact(void **state)
{
	struct metrics *m = metrics_new(METRICS_ALL_LABELS, 10);
	char *t;

	(void)state;
	add(m, "NETFILTER_DROP", "nft_do_chain+0x4b0", "blue", "veth1", 3, METRICS_IN_SERIES);
	add(m, "NO_SOCKET", "__udp4_lib_rcv+0x62e", "blue", "veth1", 5, METRICS_IN_SERIES);
	metrics_set_events(m, 42, 1);
	metrics_set_probes(m, 7, 2);
	assert_int_equal(metrics_set_build_info(m, "1.2", "auto", "6.18.0"), 0);
	/* The backend is known later than the rest. */
	assert_int_equal(metrics_set_build_info(m, NULL, "tracepoint", NULL), 0);
	t = render(m);
	assert_string_equal(
		t,
		"# HELP skbtrace_drops_total Packets the kernel dropped, counted in BPF, by drop "
		"reason, location, network namespace and interface.\n"
		"# TYPE skbtrace_drops_total counter\n"
		"skbtrace_drops_total{reason=\"NETFILTER_DROP\",location=\"nft_do_chain+0x4b0\","
		"netns=\"blue\",iface=\"veth1\"} 3\n"
		"skbtrace_drops_total{reason=\"NO_SOCKET\",location=\"__udp4_lib_rcv+0x62e\","
		"netns=\"blue\",iface=\"veth1\"} 5\n"
		"# HELP skbtrace_drops_overflow_total Drops counted but left out of "
		"skbtrace_drops_total: no room for their series (--metrics-max-series, or the BPF "
		"map's rows).\n"
		"# TYPE skbtrace_drops_overflow_total counter\n"
		"skbtrace_drops_overflow_total 0\n"
		"# HELP skbtrace_events_total Events skbtrace read from the kernel's ring buffer.\n"
		"# TYPE skbtrace_events_total counter\n"
		"skbtrace_events_total 42\n"
		"# HELP skbtrace_events_lost_total Events the kernel could not queue because the "
		"ring buffer was full.\n"
		"# TYPE skbtrace_events_lost_total counter\n"
		"skbtrace_events_lost_total 1\n"
		"# HELP skbtrace_probes Probes skbtrace attached, and those that failed.\n"
		"# TYPE skbtrace_probes gauge\n"
		"skbtrace_probes{state=\"attached\"} 7\n"
		"skbtrace_probes{state=\"failed\"} 2\n"
		"# HELP skbtrace_build_info Always 1: the skbtrace version, its tracing backend "
		"and the running kernel.\n"
		"# TYPE skbtrace_build_info gauge\n"
		"skbtrace_build_info{version=\"1.2\",backend=\"tracepoint\",kernel=\"6.18.0\"} 1\n");
	free(t);
	metrics_free(m);
}

/* Before the first drop: every family, no drop series, and valid for promtool. */
static void test_render_empty(void **state)
{
	struct metrics *m = metrics_new(METRICS_ALL_LABELS, 10);
	char *t, out[4096];

	(void)state;
	t = render(m);
	assert_non_null(strstr(t, "# TYPE skbtrace_drops_total counter\n# HELP "
				  "skbtrace_drops_overflow_total"));
	assert_int_equal(value_of(t, "skbtrace_drops_overflow_total"), 0);
	assert_non_null(
		strstr(t, "skbtrace_build_info{version=\"\",backend=\"\",kernel=\"\"} 1\n"));
	if (promtool_check(t, strlen(t), out, sizeof(out)))
		fail_msg("promtool check metrics: %s", out);
	free(t);
	metrics_free(m);
}

/* Sorted by label values whatever the order rows came in. */
static void test_render_sorted(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_REASON, 10);
	char *t;

	(void)state;
	add(m, "b", NULL, NULL, NULL, 1, METRICS_IN_SERIES);
	add(m, "a", NULL, NULL, NULL, 1, METRICS_IN_SERIES);
	add(m, "ab", NULL, NULL, NULL, 1, METRICS_IN_SERIES);
	t = render(m);
	assert_non_null(strstr(t, "{reason=\"a\"} 1\nskbtrace_drops_total{reason=\"ab\"} 1\n"
				  "skbtrace_drops_total{reason=\"b\"} 1\n"));
	free(t);
	metrics_free(m);
}

static void test_escaping(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_NETNS | 1u << METRICS_IFACE, 10);
	char *t, out[4096];

	(void)state;
	/* A quote, a backslash, a newline; a lone 0xff and a cut-off sequence; é stays. */
	add(m, NULL, NULL, "a\"b\\c\nd", "caf\xc3\xa9\xff\xe2\x82", 1, METRICS_IN_SERIES);
	metrics_set_build_info(m, "v\"1", "tracepoint", "6.18");
	t = render(m);
	assert_non_null(strstr(t,
			       "skbtrace_drops_total{netns=\"a\\\"b\\\\c\\nd\","
			       "iface=\"caf\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 1\n"));
	assert_non_null(strstr(t, "version=\"v\\\"1\""));
	assert_int_equal(promtool_check(t, strlen(t), out, sizeof(out)), 0);
	free(t);
	metrics_free(m);
}

/* Overlong forms and surrogates are not UTF-8 either. */
static void test_escaping_invalid_utf8(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_IFACE, 10);
	char *t;

	(void)state;
	add(m, NULL, NULL, NULL, "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf0\x9f\x98\x80", 1,
	    METRICS_IN_SERIES);
	t = render(m);
	assert_non_null(strstr(t, "{iface=\"\xef\xbf\xbd\xef\xbf\xbd|"
				  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
				  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
				  "\xf0\x9f\x98\x80\"} 1\n"));
	free(t);
	metrics_free(m);
}

/* Without location and iface, rows that differ only there are one series. */
static void test_label_selection_merges(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_REASON | 1u << METRICS_NETNS, 10);
	char *t;

	(void)state;
	add(m, "NETFILTER_DROP", "nft_do_chain+0x4b0", "blue", "veth1", 3, METRICS_IN_SERIES);
	add(m, "NETFILTER_DROP", "nf_hook_slow+0x91", "blue", "veth2", 4, METRICS_IN_SERIES);
	add(m, "NETFILTER_DROP", "nft_do_chain+0x4b0", "red", "veth1", 10, METRICS_IN_SERIES);
	add(m, "NO_SOCKET", "__udp4_lib_rcv+0x62e", "blue", "veth1", 1, METRICS_IN_SERIES);
	assert_int_equal(metrics_series(m), 3);
	t = render(m);
	assert_int_equal(
		value_of(t, "skbtrace_drops_total{reason=\"NETFILTER_DROP\",netns=\"blue\"}"), 7);
	assert_int_equal(
		value_of(t, "skbtrace_drops_total{reason=\"NETFILTER_DROP\",netns=\"red\"}"), 10);
	assert_int_equal(value_of(t, "skbtrace_drops_total{reason=\"NO_SOCKET\",netns=\"blue\"}"),
			 1);
	assert_null(strstr(t, "location="));
	assert_null(strstr(t, "iface="));
	free(t);
	metrics_free(m);
}

/* An empty value is a value of its own, not the next label's. */
static void test_empty_values_distinct(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_NETNS | 1u << METRICS_IFACE, 10);

	(void)state;
	add(m, NULL, NULL, "ab", "", 1, METRICS_IN_SERIES);
	add(m, NULL, NULL, "a", "b", 1, METRICS_IN_SERIES);
	add(m, NULL, NULL, "", "ab", 1, METRICS_IN_SERIES);
	assert_int_equal(metrics_series(m), 3);
	metrics_free(m);
}

static void test_max_series_overflow(void **state)
{
	struct metrics *m = metrics_new(METRICS_ALL_LABELS, 2);
	char *t;

	(void)state;
	add(m, "A", "f+0x1", "ns", "eth0", 5, METRICS_IN_SERIES);
	add(m, "B", "f+0x1", "ns", "eth0", 6, METRICS_IN_SERIES);
	add(m, "C", "f+0x1", "ns", "eth0", 7, METRICS_OVERFLOW);
	add(m, "D", "f+0x1", "ns", "eth0", 8, METRICS_OVERFLOW);
	/* A series that exists keeps counting once the bound is reached. */
	add(m, "A", "f+0x1", "ns", "eth0", 1, METRICS_IN_SERIES);
	assert_int_equal(metrics_series(m), 2);
	assert_int_equal(metrics_overflow(m), 15);
	/* Drops the BPF map had no row for land there too. */
	metrics_add_overflow(m, 4);
	t = render(m);
	assert_int_equal(value_of(t, "skbtrace_drops_overflow_total"), 19);
	assert_int_equal(value_of(t, "skbtrace_drops_total{reason=\"A\",location=\"f+0x1\","
				     "netns=\"ns\",iface=\"eth0\"}"),
			 6);
	assert_null(strstr(t, "reason=\"C\""));
	free(t);
	metrics_free(m);
}

/* Many series: the table grows and every count stays with its series. */
static void test_many_series(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_IFACE, 5000);
	char name[32], *t;

	(void)state;
	for (int round = 1; round <= 2; round++)
		for (int i = 0; i < 5000; i++) {
			snprintf(name, sizeof(name), "if%d", i);
			add(m, NULL, NULL, NULL, name, i, METRICS_IN_SERIES);
		}
	add(m, NULL, NULL, NULL, "one-too-many", 9, METRICS_OVERFLOW);
	assert_int_equal(metrics_series(m), 5000);
	t = render(m);
	for (int i = 0; i < 5000; i += 499) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "skbtrace_drops_total{iface=\"if%d\"}", i);
		assert_int_equal(value_of(t, prefix), 2LL * i);
	}
	free(t);
	metrics_free(m);
}

static void test_counters_monotonic(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_REASON, 10);
	long long prev = 0;

	(void)state;
	metrics_set_events(m, 100, 5);
	/* A smaller total (a counter source read out of order) does not take them back. */
	metrics_set_events(m, 90, 2);
	for (int i = 0; i < 5; i++) {
		char *t;

		add(m, "X", NULL, NULL, NULL, i, METRICS_IN_SERIES);
		t = render(m);
		assert_true(value_of(t, "skbtrace_drops_total{reason=\"X\"}") >= prev);
		prev = value_of(t, "skbtrace_drops_total{reason=\"X\"}");
		assert_int_equal(value_of(t, "skbtrace_events_total"), 100);
		assert_int_equal(value_of(t, "skbtrace_events_lost_total"), 5);
		free(t);
	}
	assert_int_equal(prev, 0 + 1 + 2 + 3 + 4);
	metrics_free(m);
}

static void test_parse_labels(void **state)
{
	unsigned int l;
	char err[256];

	(void)state;
	assert_int_equal(metrics_parse_labels("reason,netns", &l, err, sizeof(err)), 0);
	assert_int_equal(l, 1u << METRICS_REASON | 1u << METRICS_NETNS);
	assert_int_equal(metrics_parse_labels("iface,location,netns,reason", &l, err, sizeof(err)),
			 0);
	assert_int_equal(l, METRICS_ALL_LABELS);
	assert_int_equal(metrics_parse_labels("reason,ifname", &l, err, sizeof(err)), -1);
	assert_string_equal(err, "--metrics-labels 'reason,ifname': 'ifname' is not one of "
				 "reason, location, netns, iface");
	assert_int_equal(metrics_parse_labels("", &l, err, sizeof(err)), -1);
	assert_int_equal(metrics_parse_labels("reason,", &l, err, sizeof(err)), -1);
	assert_int_equal(metrics_parse_labels(",reason", &l, err, sizeof(err)), -1);
}

static void test_parse_addr(void **state)
{
	static const char *const good[] = {"127.0.0.1:9435", "0.0.0.0:1", "[::1]:9435",
					   "[::]:65535", "localhost:0"};
	static const char *const bad[] = {
		"127.0.0.1",	"9435",		":9435",	   "::1:9435",
		"[::1]9435",	"[::1]",	"127.0.0.1:",	   "127.0.0.1:65536",
		"127.0.0.1:9x", "127.0.0.1:-1", "host.example:80", "[127.0.0.1]:80",
		"256.0.0.1:80", "[]:80",	"localhost:123456"};
	struct metrics_addr a;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(metrics_addr_parse(good[i], &a, err, sizeof(err)), 0);
	assert_int_equal(metrics_addr_parse("[::1]:9435", &a, err, sizeof(err)), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port), 9435);
	assert_int_equal(metrics_addr_parse("localhost:80", &a, err, sizeof(err)), 0);
	assert_int_equal(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (metrics_addr_parse(bad[i], &a, err, sizeof(err)) != -1)
			fail_msg("'%s' parsed", bad[i]);
		assert_non_null(strstr(err, bad[i]));
	}
	metrics_addr_parse("host.example:80", &a, err, sizeof(err));
	assert_string_equal(err, "--metrics 'host.example:80': 'host.example' is not an IPv4 "
				 "address, [IPv6] address or localhost (names are not resolved)");
}

/* Served over a real socket: 503 before the first snapshot, then what was published. */
static void test_serve(void **state)
{
	struct metrics *m = metrics_new(METRICS_ALL_LABELS, 10);
	struct metrics_server *s;
	struct http_reply r;
	char err[256], out[4096];
	size_t len;
	char *t;

	(void)state;
	s = metrics_server_start("127.0.0.1:0", err, sizeof(err));
	assert_non_null(s);
	assert_true(metrics_server_port(s) > 0);
	assert_int_equal(strncmp(metrics_server_addr(s), "127.0.0.1:", 10), 0);
	assert_int_equal(http_get(metrics_server_port(s), "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 503);
	http_reply_free(&r);

	add(m, "NETFILTER_DROP", "nft_do_chain+0x4b0", "blue", "veth\"1", 3, METRICS_IN_SERIES);
	metrics_set_build_info(m, "test", "tracepoint", "6.18");
	t = metrics_render(m, &len);
	assert_int_equal(metrics_server_publish(s, t, len), 0);
	assert_int_equal(http_get(metrics_server_port(s), "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.raw, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_int_equal(r.body_len, len);
	t = metrics_render(m, &len);
	assert_memory_equal(r.body, t, len);
	free(t);
	if (promtool_check(r.body, r.body_len, out, sizeof(out)))
		fail_msg("promtool check metrics: %s", out);
	http_reply_free(&r);

	assert_int_equal(http_get(metrics_server_port(s), "HEAD", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	http_reply_free(&r);
	assert_int_equal(http_get(metrics_server_port(s), "GET", "/other", &r), 0);
	assert_int_equal(r.status, 404);
	http_reply_free(&r);
	assert_int_equal(http_get(metrics_server_port(s), "POST", "/metrics", &r), 0);
	assert_int_equal(r.status, 405);
	http_reply_free(&r);
	metrics_server_stop(s);
	metrics_free(m);
}

/* An IPv6 address in brackets is bound and served as such. */
static void test_serve_ipv6(void **state)
{
	struct metrics_server *s;
	struct metrics_addr a;
	struct http_reply r;
	char err[256], spec[64];

	(void)state;
	s = metrics_server_start("[::1]:0", err, sizeof(err));
	assert_non_null(s);
	snprintf(spec, sizeof(spec), "[::1]:%u", metrics_server_port(s));
	assert_string_equal(metrics_server_addr(s), spec);
	assert_int_equal(metrics_addr_parse(spec, &a, err, sizeof(err)), 0);
	assert_int_equal(http_request((struct sockaddr *)&a.ss, a.len, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 503);
	http_reply_free(&r);
	metrics_server_stop(s);
}

/* A later snapshot replaces the earlier; counters read from it only went up. */
static void test_serve_latest(void **state)
{
	struct metrics *m = metrics_new(1u << METRICS_REASON, 10);
	struct metrics_server *s;
	struct http_reply r;
	long long prev = -1;
	char err[256];

	(void)state;
	s = metrics_server_start("localhost:0", err, sizeof(err));
	assert_non_null(s);
	for (int i = 1; i <= 3; i++) {
		size_t len;
		char *t;

		add(m, "X", NULL, NULL, NULL, 10, METRICS_IN_SERIES);
		t = metrics_render(m, &len);
		assert_int_equal(metrics_server_publish(s, t, len), 0);
		assert_int_equal(http_get(metrics_server_port(s), "GET", "/metrics", &r), 0);
		assert_int_equal(value_of(r.body, "skbtrace_drops_total{reason=\"X\"}"), 10 * i);
		assert_true(value_of(r.body, "skbtrace_drops_total{reason=\"X\"}") > prev);
		prev = value_of(r.body, "skbtrace_drops_total{reason=\"X\"}");
		http_reply_free(&r);
	}
	metrics_server_stop(s);
	metrics_free(m);
}

struct publisher {
	struct metrics_server *s;
	struct metrics *m;
	int rounds; /* 0: until stop */
	int stop;
	int errors;
};

/* No cmocka assertion here: they may only fail on the test's own thread. */
static void *publish_loop(void *arg)
{
	struct publisher *p = arg;
	struct metrics_drop d = {.label = {"X"}, .delta = 1};

	for (int i = 0; p->rounds ? i < p->rounds : !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
	     i++) {
		size_t len;
		char *t;

		if (metrics_add_drop(p->m, &d) != METRICS_IN_SERIES)
			p->errors++;
		t = metrics_render(p->m, &len);
		if (!t || metrics_server_publish(p->s, t, len))
			p->errors++;
	}
	return NULL;
}

/*
 * Scrapes while the event loop's side keeps publishing: every answer is one
 * whole snapshot (a freed or torn one would show under ASan or here), and
 * the counter never goes back.
 */
/* One scrape during publishing: "" when it is whole and not below prev, else why not. */
static const char *scrape_whole(unsigned short port, long long *prev, char *why, size_t len)
{
	struct http_reply r;
	long long v;

	if (http_get(port, "GET", "/metrics", &r)) {
		snprintf(why, len, "connection failed: %s", strerror(errno));
		return why;
	}
	v = r.status == 200 ? value_of(r.body, "skbtrace_drops_total{reason=\"X\"}") : -1;
	if (r.status != 200)
		snprintf(why, len, "status %d: %.80s", r.status, r.raw);
	else if (v < *prev)
		snprintf(why, len, "counter went back: %lld after %lld", v, *prev);
	else if (r.body_len <= 5 || strcmp(r.body + r.body_len - 5, "\"} 1\n"))
		snprintf(why, len, "torn answer of %zu bytes", r.body_len);
	else
		why[0] = '\0';
	*prev = v;
	http_reply_free(&r);
	return why;
}

/*
 * Scrapes while the event loop's side keeps publishing: every answer is one
 * whole snapshot (a freed or torn one would show under ASan or here), and
 * the counter never goes back.  At least 300 scrapes, and on until two
 * snapshots were seen (a loaded machine may start the publisher late).
 */
static void test_scrape_during_publish(void **state)
{
	struct publisher p = {.m = metrics_new(1u << METRICS_REASON, 10)};
	long long prev = 0, first = -1;
	char err[256], why[256] = "";
	pthread_t th;
	int i;

	(void)state;
	p.s = metrics_server_start("127.0.0.1:0", err, sizeof(err));
	assert_non_null(p.s);
	publish_loop(&(struct publisher){.s = p.s, .m = p.m, .rounds = 1});
	assert_int_equal(pthread_create(&th, NULL, publish_loop, &p), 0);
	for (i = 0; (i < 300 || prev == first) && i < 20000; i++) {
		if (*scrape_whole(metrics_server_port(p.s), &prev, why, sizeof(why)))
			break;
		if (first < 0)
			first = prev;
	}
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	if (why[0])
		fail_msg("scrape %d: %s", i, why);
	assert_int_equal(p.errors, 0);
	/* The scrapes did overlap the publishing. */
	assert_true(prev > first);
	metrics_server_stop(p.s);
	metrics_free(p.m);
}

/* A taken port is one error before anything else happens; the first server keeps serving. */
static void test_port_taken(void **state)
{
	struct metrics_server *s, *s2;
	char err[256], spec[64], want[128];
	struct http_reply r;

	(void)state;
	s = metrics_server_start("127.0.0.1:0", err, sizeof(err));
	assert_non_null(s);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", metrics_server_port(s));
	s2 = metrics_server_start(spec, err, sizeof(err));
	assert_null(s2);
	snprintf(want, sizeof(want), "--metrics '%s': cannot listen: %s", spec,
		 strerror(EADDRINUSE));
	assert_string_equal(err, want);
	assert_int_equal(http_get(metrics_server_port(s), "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 503);
	http_reply_free(&r);
	metrics_server_stop(s);
	/* Stopping closed the listening socket: the port can be bound again. */
	s = metrics_server_start(spec, err, sizeof(err));
	assert_non_null(s);
	metrics_server_stop(s);
	assert_null(metrics_server_start("10.255.255.254:0", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot listen: Cannot assign requested address"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_render_sorted),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_escaping_invalid_utf8),
		cmocka_unit_test(test_label_selection_merges),
		cmocka_unit_test(test_empty_values_distinct),
		cmocka_unit_test(test_max_series_overflow),
		cmocka_unit_test(test_many_series),
		cmocka_unit_test(test_counters_monotonic),
		cmocka_unit_test(test_parse_labels),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_serve_ipv6),
		cmocka_unit_test(test_serve_latest),
		cmocka_unit_test(test_scrape_during_publish),
		cmocka_unit_test(test_port_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
