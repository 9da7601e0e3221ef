// SPDX-License-Identifier: GPL-2.0
/* Option parsing: defaults, each flag, and the usage errors (exit 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli/opts.h"
#include "load/backend.h"

#define PARSE(o, ...)                                                                              \
	({                                                                                         \
		char *argv[] = {"skbtrace", __VA_ARGS__, NULL};                                    \
		opts_parse(o, sizeof(argv) / sizeof(argv[0]) - 1, argv);                           \
	})

static void test_defaults(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_string_equal(o.backend, "auto");
	assert_true(o.out.meta);
	assert_true(o.out.tuple);
	assert_false(o.out.json);
	assert_int_equal(o.out.ts, OPTS_TS_NONE);
	assert_int_equal(o.ringbuf_size, 4UL << 20);
	assert_null(o.pcap_expr);
	opts_free(&o);
}

static void test_flags(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--backend", "kprobe-multi", "--filter-func", "ip_.*",
			       "--filter-mark", "0x42/0xff", "--output-json", "--output-meta=false",
			       "--timestamp", "relative", "--output-limit-lines", "7",
			       "--ringbuf-size", "64K", "--kmods", "veth,bridge"),
			 OPTS_OK);
	assert_string_equal(o.backend, "kprobe-multi");
	assert_string_equal(o.filter_func, "ip_.*");
	assert_true(o.filter_mark_set);
	assert_int_equal(o.mark, 0x42);
	assert_int_equal(o.mark_mask, 0xff);
	assert_true(o.out.json);
	assert_false(o.out.meta);
	assert_int_equal(o.out.ts, OPTS_TS_RELATIVE);
	assert_int_equal(o.limit_lines, 7);
	assert_int_equal(o.ringbuf_size, 64 << 10);
	assert_string_equal(o.kmods, "veth,bridge");
	opts_free(&o);
}

static void test_mark_masked_on_parse(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--filter-mark", "0x1234/0xff00"), OPTS_OK);
	assert_int_equal(o.mark, 0x1200);
	opts_free(&o);
}

static void test_positional_words_form_one_expression(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--output-json", "dst", "host", "10.1.1.1", "and", "tcp"),
			 OPTS_OK);
	assert_string_equal(o.pcap_expr, "dst host 10.1.1.1 and tcp");
	opts_free(&o);
}

static void test_tunnel_filters_apart_from_positional(void **state)
{
	struct opts o;

	(void)state;
	assert_null((PARSE(&o, "-q"), o.tun_l2_expr));
	assert_null(o.tun_l3_expr);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "--filter-tunnel-pcap-l3", "udp dst port 53",
			       "--filter-tunnel-pcap-l2", "ether host 02:00:00:00:00:01", "udp",
			       "port", "4789"),
			 OPTS_OK);
	assert_string_equal(o.tun_l3_expr, "udp dst port 53");
	assert_string_equal(o.tun_l2_expr, "ether host 02:00:00:00:00:01");
	assert_string_equal(o.pcap_expr, "udp port 4789");
	opts_free(&o);
	assert_int_equal(PARSE(&o, "--filter-tunnel-pcap-l3"), OPTS_USAGE);
	opts_free(&o);
}

static void test_usage_errors(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--backend", "fentryx"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-mark", "zz"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-mark", "1/0x1ffffffff"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--timestamp", "later"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--output-limit-lines", "0"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--output-limit-lines", "-3"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-size", "5000"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-size", "1K"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--output-json=maybe"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-ifname", "a-name-longer-than-15"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--no-such-option"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--all-kmods", "--kmods", "veth"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--backend"), OPTS_USAGE);
}

static void test_drop_modes(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_false(o.drops_only);
	assert_false(o.drop_summary);
	assert_int_equal(o.drop_summary_max, 4096);
	assert_int_equal(PARSE(&o, "--drops-only", "--filter-netns", "inode:5", "udp"), OPTS_OK);
	assert_true(o.drops_only);
	assert_string_equal(o.pcap_expr, "udp");
	opts_free(&o);
	/* once at exit, or every N seconds */
	assert_int_equal(PARSE(&o, "--drop-summary"), OPTS_OK);
	assert_true(o.drop_summary);
	assert_int_equal(o.drop_summary_secs, 0);
	assert_int_equal(PARSE(&o, "--drop-summary=5", "--drop-summary-max", "100"), OPTS_OK);
	assert_int_equal(o.drop_summary_secs, 5);
	assert_int_equal(o.drop_summary_max, 100);
	assert_int_equal(PARSE(&o, "--drop-summary=0"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drop-summary=x"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drop-summary", "--drop-summary-max", "0"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drop-summary-max", "10"), OPTS_USAGE);
	/* the drop hook alone: nothing that needs other probes */
	assert_int_equal(PARSE(&o, "--drops-only", "--filter-func", "ip_rcv"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drop-summary", "--filter-track-skb"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drops-only", "--output-group"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drops-only", "--output-skb"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drops-only", "--filter-trace-tc"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--drop-summary", "--filter-trace-xdp"), OPTS_USAGE);
	/* programs that load later are attached by the running tracer: root is kept */
	assert_int_equal(PARSE(&o, "-Z", "nobody", "--filter-trace-xdp"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-trace-tc", "--filter-trace-xdp"), OPTS_OK);
}

static void test_metrics(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_null(o.metrics);
	assert_int_equal(o.metrics_max_series, 0);
	assert_int_equal(PARSE(&o, "--metrics", "127.0.0.1:9435", "--metrics-labels",
			       "reason,netns", "--metrics-max-series", "50", "--drop-summary-max",
			       "64"),
			 OPTS_OK);
	assert_string_equal(o.metrics, "127.0.0.1:9435");
	assert_string_equal(o.metrics_labels, "reason,netns");
	assert_int_equal(o.metrics_max_series, 50);
	assert_int_equal(o.drop_summary_max, 64);
	/* beside drop events and tables */
	assert_int_equal(PARSE(&o, "--metrics", "[::1]:1", "--drops-only", "--drop-summary=2"),
			 OPTS_OK);
	assert_int_equal(PARSE(&o, "--metrics", "[::1]:1", "--metrics-max-series", "0"),
			 OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--metrics", "[::1]:1", "--metrics-max-series", "1000001"),
			 OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--metrics-labels", "reason"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--metrics-max-series", "5"), OPTS_USAGE);
	/* the drop hook alone, as the other drop modes */
	assert_int_equal(PARSE(&o, "--metrics", "[::1]:1", "--filter-func", "ip_rcv"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--metrics", "[::1]:1", "--output-group"), OPTS_USAGE);
}

static void test_tracking(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_false(o.track);
	assert_false(o.group);
	assert_int_equal(o.track_max, 16384);
	assert_int_equal(PARSE(&o, "--filter-track-skb", "--filter-track-max", "1000"), OPTS_OK);
	assert_true(o.track);
	assert_int_equal(o.track_max, 1000);
	/* grouping needs packet ids: it turns tracking on */
	assert_int_equal(PARSE(&o, "--output-group"), OPTS_OK);
	assert_true(o.group);
	assert_true(o.track);
	assert_int_equal(PARSE(&o, "--filter-track-max", "10"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-track-skb", "--filter-track-max", "0"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-track-skb", "--filter-track-max", "x"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--filter-track-skb", "--filter-track-max", "16777217"),
			 OPTS_USAGE);
}

static void test_capture(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_null(o.pcap_file);
	assert_int_equal(o.capture_len, 256);
	assert_int_equal(o.capture_at, OPTS_CAP_ALL);
	assert_int_equal(PARSE(&o, "-w", "-", "-s", "96", "--capture-at", "drop"), OPTS_OK);
	assert_string_equal(o.pcap_file, "-");
	assert_int_equal(o.capture_len, 96);
	assert_int_equal(o.capture_at, OPTS_CAP_DROP);
	/* 0: as much as a record holds */
	assert_int_equal(PARSE(&o, "--output-pcap", "x.pcapng", "--capture-len", "0"), OPTS_OK);
	assert_string_equal(o.pcap_file, "x.pcapng");
	assert_int_equal(o.capture_len, 65535);
	assert_int_equal(PARSE(&o, "-w", "x", "--capture-at", "first", "--filter-track-skb"),
			 OPTS_OK);
	assert_int_equal(o.capture_at, OPTS_CAP_FIRST);
	assert_int_equal(PARSE(&o, "-w", "x", "--capture-at", "first", "--output-group"), OPTS_OK);

	assert_int_equal(PARSE(&o, "-w", "x", "--capture-at", "first"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "x", "--capture-at", "last"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-s", "100"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "--capture-at", "drop"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "x", "-s", "65536"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "x", "-s", "-1"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", ""), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "same", "--output-file", "same"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w"), OPTS_USAGE);
	/* the drop modes: counts alone send no event to capture; with --drops-only they do */
	assert_int_equal(PARSE(&o, "--drop-summary"), OPTS_OK);
	assert_int_equal(PARSE(&o, "--metrics", "127.0.0.1:0"), OPTS_OK);
	assert_int_equal(PARSE(&o, "-w", "x", "--drop-summary"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "x", "--metrics", "127.0.0.1:0"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-w", "x", "--drop-summary", "--drops-only"), OPTS_OK);
	assert_int_equal(PARSE(&o, "-w", "x", "--drops-only", "--capture-at", "drop"), OPTS_OK);
	assert_int_equal(PARSE(&o, "-w", "x", "--drops-only", "--capture-at", "first"), OPTS_USAGE);
}

static void test_help_and_version_exit_ok(void **state)
{
	struct opts o;
	FILE *saved = stdout;

	(void)state;
	stdout = fopen("/dev/null", "w");
	assert_int_equal(PARSE(&o, "--version"), OPTS_EXIT_OK);
	assert_int_equal(PARSE(&o, "-h"), OPTS_EXIT_OK);
	fclose(stdout);
	stdout = saved;
}

static void test_terminal_and_privileges(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-q"), OPTS_OK);
	assert_int_equal(o.color, OPTS_COLOR_AUTO);
	assert_false(o.verbose);
	assert_null(o.user);
	assert_int_equal(PARSE(&o, "--color", "always", "-v", "-Z", "nobody"), OPTS_OK);
	assert_int_equal(o.color, OPTS_COLOR_ALWAYS);
	assert_true(o.verbose);
	assert_string_equal(o.user, "nobody");
	assert_int_equal(PARSE(&o, "--color=never", "--verbose", "--relinquish-privileges=tcpdump"),
			 OPTS_OK);
	assert_int_equal(o.color, OPTS_COLOR_NEVER);
	assert_string_equal(o.user, "tcpdump");
	assert_int_equal(PARSE(&o, "--color", "sometimes"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-Z"), OPTS_USAGE);
	assert_int_equal(PARSE(&o, "-Z", ""), OPTS_USAGE);
}

/* main.c turns the word opts_parse took into the loader's backend: both must know it. */
static void test_backend_words(void **state)
{
	static const char *const words[] = {OPTS_BACKENDS};
	enum backend b;

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		assert_int_equal(backend_parse(words[i], &b), 0);
		assert_string_equal(backend_name(b), words[i]);
	}
	assert_int_equal(backend_parse("fentryx", &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_words),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_mark_masked_on_parse),
		cmocka_unit_test(test_positional_words_form_one_expression),
		cmocka_unit_test(test_tunnel_filters_apart_from_positional),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_tracking),
		cmocka_unit_test(test_drop_modes),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_help_and_version_exit_ok),
		cmocka_unit_test(test_terminal_and_privileges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
