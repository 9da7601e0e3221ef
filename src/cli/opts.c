// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

enum {
	OPT_BACKEND = 256,
	OPT_FILTER_FUNC,
	OPT_FILTER_NETNS,
	OPT_FILTER_MARK,
	OPT_FILTER_IFNAME,
	OPT_FILTER_TUN_L2,
	OPT_FILTER_TUN_L3,
	OPT_LIST_FUNCS,
	OPT_ALL_KMODS,
	OPT_KMODS,
	OPT_KERNEL_BTF,
	OPT_KERNEL_DEBUGINFO,
	OPT_OUTPUT_META,
	OPT_OUTPUT_TUPLE,
	OPT_OUTPUT_CALLER,
	OPT_OUTPUT_STACK,
	OPT_OUTPUT_SKB,
	OPT_OUTPUT_JSON,
	OPT_OUTPUT_FILE,
	OPT_OUTPUT_LIMIT,
	OPT_TIMESTAMP,
	OPT_READY_FILE,
	OPT_RINGBUF_SIZE,
	OPT_STACK_MAP_SIZE,
	OPT_VERSION,
	OPT_TRACK,
	OPT_TRACK_MAX,
	OPT_GROUP,
	OPT_TRACE_TC,
	OPT_TRACE_XDP,
	OPT_CAPTURE_AT,
	OPT_COLOR,
	OPT_DROPS_ONLY,
	OPT_DROP_SUMMARY,
	OPT_DROP_SUMMARY_MAX,
	OPT_METRICS,
	OPT_METRICS_LABELS,
	OPT_METRICS_MAX_SERIES,
};

static const struct option long_opts[] = {
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"filter-func", required_argument, NULL, OPT_FILTER_FUNC},
	{"filter-netns", required_argument, NULL, OPT_FILTER_NETNS},
	{"filter-mark", required_argument, NULL, OPT_FILTER_MARK},
	{"filter-ifname", required_argument, NULL, OPT_FILTER_IFNAME},
	{"filter-tunnel-pcap-l2", required_argument, NULL, OPT_FILTER_TUN_L2},
	{"filter-tunnel-pcap-l3", required_argument, NULL, OPT_FILTER_TUN_L3},
	{"list-funcs", no_argument, NULL, OPT_LIST_FUNCS},
	{"all-kmods", no_argument, NULL, OPT_ALL_KMODS},
	{"kmods", required_argument, NULL, OPT_KMODS},
	{"kernel-btf", required_argument, NULL, OPT_KERNEL_BTF},
	{"kernel-debuginfo", required_argument, NULL, OPT_KERNEL_DEBUGINFO},
	{"output-meta", optional_argument, NULL, OPT_OUTPUT_META},
	{"output-tuple", optional_argument, NULL, OPT_OUTPUT_TUPLE},
	{"output-caller", optional_argument, NULL, OPT_OUTPUT_CALLER},
	{"output-stack", optional_argument, NULL, OPT_OUTPUT_STACK},
	{"output-skb", optional_argument, NULL, OPT_OUTPUT_SKB},
	{"output-json", optional_argument, NULL, OPT_OUTPUT_JSON},
	{"output-file", required_argument, NULL, OPT_OUTPUT_FILE},
	{"output-limit-lines", required_argument, NULL, OPT_OUTPUT_LIMIT},
	{"timestamp", required_argument, NULL, OPT_TIMESTAMP},
	{"ready-file", required_argument, NULL, OPT_READY_FILE},
	{"ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE},
	{"stack-map-size", required_argument, NULL, OPT_STACK_MAP_SIZE},
	{"filter-track-skb", no_argument, NULL, OPT_TRACK},
	{"filter-track-max", required_argument, NULL, OPT_TRACK_MAX},
	{"output-group", no_argument, NULL, OPT_GROUP},
	{"filter-trace-tc", no_argument, NULL, OPT_TRACE_TC},
	{"filter-trace-xdp", no_argument, NULL, OPT_TRACE_XDP},
	{"output-pcap", required_argument, NULL, 'w'},
	{"capture-len", required_argument, NULL, 's'},
	{"capture-at", required_argument, NULL, OPT_CAPTURE_AT},
	{"drops-only", no_argument, NULL, OPT_DROPS_ONLY},
	{"drop-summary", optional_argument, NULL, OPT_DROP_SUMMARY},
	{"drop-summary-max", required_argument, NULL, OPT_DROP_SUMMARY_MAX},
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"metrics-labels", required_argument, NULL, OPT_METRICS_LABELS},
	{"metrics-max-series", required_argument, NULL, OPT_METRICS_MAX_SERIES},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, 'h'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"color", required_argument, NULL, OPT_COLOR},
	{"relinquish-privileges", required_argument, NULL, 'Z'},
	{0},
};

static const char usage_text[] =
	"Usage: skbtrace [options] [pcap-filter expression]\n"
	"Follow packets (struct sk_buff) through the kernel and say why they were dropped.\n"
	"\n"
	"Selection:\n"
	"  --backend auto|kprobe-multi|kprobe|fentry|tracepoint|tp_btf   how to attach (default auto)\n"
	"  --filter-func REGEX        trace only functions/tracepoints whose whole name matches\n"
	"  --filter-netns PATH|inode:N  only skbs in this network namespace (/proc/PID/ns/net)\n"
	"  --filter-mark MARK[/MASK]  only skbs with (mark & MASK) == MARK\n"
	"  --filter-ifname NAME       only skbs on this interface (in the --filter-netns netns)\n"
	"  --filter-track-skb         keep following a matched skb (and its clones) until freed,\n"
	"                             even after NAT or encapsulation changed its headers\n"
	"  --filter-track-max N       skbs tracked at once (default 16384)\n"
	"  --filter-tunnel-pcap-l2 EXPR  only tunnelled packets (VXLAN, GENEVE) whose inner\n"
	"                             Ethernet frame matches EXPR\n"
	"  --filter-tunnel-pcap-l3 EXPR  only tunnelled packets (VXLAN, GENEVE, IPIP) whose\n"
	"                             inner IP header matches EXPR\n"
	"  --filter-trace-tc          also trace tc BPF programs (entry, and the verdict at exit)\n"
	"  --filter-trace-xdp         also trace XDP BPF programs (entry, and the verdict at exit)\n"
	"  --all-kmods | --kmods a,b  also trace functions of kernel modules (from module BTF)\n"
	"  --kernel-btf FILE          read kernel types from FILE instead of the running kernel\n"
	"  --list-funcs               print what would be traced, then exit\n"
	"Drops:\n"
	"  --drops-only               only drops, one line each (time, netns, interface,\n"
	"                             addresses, socket state, reason, location) and a hint\n"
	"  --drop-summary[=SECONDS]   count drops in the kernel by reason, location, netns and\n"
	"                             interface; a table every SECONDS (default: once, at exit)\n"
	"  --drop-summary-max N       distinct drop sites counted (default 4096)\n"
	"Metrics:\n"
	"  --metrics ADDR:PORT        serve drop counters at http://ADDR:PORT/metrics for\n"
	"                             Prometheus (127.0.0.1:9435, [::1]:9435, localhost:9435)\n"
	"  --metrics-labels LIST      labels of skbtrace_drops_total to keep, of reason,\n"
	"                             location, netns, iface (default all)\n"
	"  --metrics-max-series N     at most N drop series (default 1000)\n"
	"Output:\n"
	"  --output-meta[=false]      NETNS MARK IFACE PROTO MTU LEN columns (default on)\n"
	"  --output-tuple[=false]     the address/port tuple column (default on)\n"
	"  --output-caller            the calling function\n"
	"  --output-stack             the kernel stack of each event, with source lines when\n"
	"                             the kernel's debug info is installed\n"
	"  --kernel-debuginfo FILE|DIR  vmlinux or module .ko with DWARF, or a directory of\n"
	"                             them, for --output-stack's source lines (repeatable;\n"
	"                             default: where linux-image-$(uname -r)-dbg puts them)\n"
	"  --output-skb               struct sk_buff, field by field\n"
	"  --output-json              one JSON object per line (docs/json-schema.md)\n"
	"  --output-group             print each packet's events together once it is freed,\n"
	"                             with the time between them (implies --filter-track-skb)\n"
	"  --timestamp none|current|relative|absolute   (default none)\n"
	"  --output-file FILE         write events to FILE instead of stdout\n"
	"  --output-limit-lines N     exit after N events\n"
	"  -w, --output-pcap FILE     also write each event's packet to FILE as pcap-ng (- for\n"
	"                             stdout: then events print only to --output-file)\n"
	"  -s, --capture-len N        bytes kept per packet (default 256; 0: all it can read)\n"
	"  --capture-at all|first|drop  packets at every event (default), at each packet's\n"
	"                             first (with --filter-track-skb), or at drops only\n"
	"  --ready-file FILE          create FILE once every probe is attached\n"
	"  --ringbuf-size BYTES       event ring buffer size, a power of 2 (default 4M)\n"
	"  --stack-map-size N         stacks kept in flight with --output-stack (default 4096)\n"
	"  --color auto|always|never  colour text output (default auto: on a terminal,\n"
	"                             unless NO_COLOR is set; never in JSON)\n"
	"  -q, --quiet                no start-up line on stderr\n"
	"  -v, --verbose              also the start-up notes that need no action\n"
	"  -Z, --relinquish-privileges USER  once attached, run as USER (files written\n"
	"                             are USER's; under sudo they are the invoking user's)\n"
	"  --version, -h/--help\n"
	"\n"
	"Exit status: 0 ok, 1 the kernel or environment cannot do it, 2 bad usage.\n";

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "skbtrace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'skbtrace --help'.\n");
	return OPTS_USAGE;
}

static int parse_bool(const char *arg, bool *out)
{
	if (!arg || !strcmp(arg, "true") || !strcmp(arg, "1") || !strcmp(arg, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(arg, "false") || !strcmp(arg, "0") || !strcmp(arg, "no")) {
		*out = false;
		return 0;
	}
	return -1;
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int parse_mark(struct opts *o, const char *arg)
{
	unsigned long long mark, mask = 0xffffffffULL;
	char buf[64], *slash;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_ull(slash + 1, &mask) || mask > 0xffffffffULL)
			return -1;
	}
	if (parse_ull(buf, &mark) || mark > 0xffffffffULL)
		return -1;
	o->mark = mark & mask;
	o->mark_mask = mask;
	o->filter_mark_set = true;
	return 0;
}

static int parse_backend(const char *arg, const char **b)
{
	static const char *const all[] = {OPTS_BACKENDS};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(arg, all[i])) {
			*b = all[i];
			return 0;
		}
	}
	return -1;
}

static int parse_ts(const char *arg, enum opts_ts *ts)
{
	static const char *const names[] = {"none", "current", "relative", "absolute"};

	for (int i = 0; i < 4; i++) {
		if (!strcmp(arg, names[i])) {
			*ts = (enum opts_ts)i;
			return 0;
		}
	}
	return -1;
}

static int parse_color(const char *arg, enum opts_color *c)
{
	static const char *const names[] = {"auto", "always", "never"};

	for (int i = 0; i < 3; i++) {
		if (!strcmp(arg, names[i])) {
			*c = (enum opts_color)i;
			return 0;
		}
	}
	return -1;
}

static int set_toggle(int c, const char *arg, struct opts_out *out)
{
	bool *t;

	switch (c) {
	case OPT_OUTPUT_META:
		t = &out->meta;
		break;
	case OPT_OUTPUT_TUPLE:
		t = &out->tuple;
		break;
	case OPT_OUTPUT_CALLER:
		t = &out->caller;
		break;
	case OPT_OUTPUT_STACK:
		t = &out->stack;
		break;
	case OPT_OUTPUT_SKB:
		t = &out->skb;
		break;
	default:
		t = &out->json;
		break;
	}
	return parse_bool(arg, t);
}

static int parse_size(const char *arg, unsigned long *out)
{
	unsigned long long v;
	char buf[32];
	size_t n = strlen(arg);
	unsigned int shift = 0;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	switch (buf[n - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	}
	if (shift)
		buf[n - 1] = '\0';
	if (parse_ull(buf, &v) || v == 0 || v > (1ULL << (32 - shift)))
		return -1;
	*out = (unsigned long)(v << shift);
	return 0;
}

static int join_positional(struct opts *o, int argc, char **argv)
{
	size_t len = 0;

	if (optind >= argc)
		return 0;
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	o->pcap_expr = calloc(1, len);
	if (!o->pcap_expr)
		return -1;
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(o->pcap_expr, " ");
		strcat(o->pcap_expr, argv[i]);
	}
	return 0;
}

static enum opts_result parse_capture(struct opts *o, int c, const char *arg)
{
	static const char *const at[] = {"all", "first", "drop"};
	unsigned long long v;

	switch (c) {
	case 'w':
		if (!*arg)
			return usage_err("%s: want a file name, or - for stdout", "-w");
		o->pcap_file = arg;
		return OPTS_OK;
	case 's':
		if (parse_ull(arg, &v) || v > OPTS_CAPTURE_LEN_MAX)
			return usage_err("bad -s/--capture-len '%s': want 0 (all) to 65535", arg);
		o->capture_len = v ? v : OPTS_CAPTURE_LEN_MAX;
		o->capture_len_set = true;
		return OPTS_OK;
	case OPT_CAPTURE_AT:
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			if (!strcmp(arg, at[i])) {
				o->capture_at = (enum opts_capture_at)i;
				o->capture_at_set = true;
				return OPTS_OK;
			}
		}
		return usage_err("bad --capture-at '%s' (all, first, drop)", arg);
	default:
		return OPTS_USAGE;
	}
}

static enum opts_result check_capture(const struct opts *o)
{
	if (!o->pcap_file && (o->capture_len_set || o->capture_at_set))
		return usage_err("%s needs -w FILE",
				 o->capture_len_set ? "-s/--capture-len" : "--capture-at");
	if (o->capture_at == OPTS_CAP_FIRST && !o->track && !o->group)
		return usage_err("%s needs --filter-track-skb (a packet's first event)",
				 "--capture-at first");
	if (o->pcap_file && o->output_file && !strcmp(o->pcap_file, o->output_file) &&
	    strcmp(o->pcap_file, "-"))
		return usage_err("-w '%s' is also --output-file", o->pcap_file);
	if (o->pcap_file && (o->drop_summary || o->metrics) && !o->drops_only)
		return usage_err("-w needs events: %s alone sends none (add --drops-only)",
				 o->drop_summary ? "--drop-summary" : "--metrics");
	return OPTS_OK;
}

static const char *drop_mode(const struct opts *o)
{
	if (o->drops_only)
		return "--drops-only";
	if (o->drop_summary)
		return "--drop-summary";
	return o->metrics ? "--metrics" : NULL;
}

/* The drop modes trace the drop hook alone: what needs other probes does not mix. */
static enum opts_result check_drop_modes(const struct opts *o)
{
	const char *mode = drop_mode(o);

	if (o->drop_summary_max_set && !o->drop_summary && !o->metrics)
		return usage_err("%s needs --drop-summary or --metrics", "--drop-summary-max");
	if ((o->metrics_labels || o->metrics_max_series_set) && !o->metrics)
		return usage_err("%s need --metrics", "--metrics-labels and --metrics-max-series");
	if (!mode)
		return OPTS_OK;
	if (o->filter_func)
		return usage_err(
			"%s traces the drop hook only: --filter-func has nothing to choose", mode);
	if (o->track || o->group)
		return usage_err("%s does not follow packets: drop --filter-track-skb and "
				 "--output-group",
				 mode);
	if (o->out.skb)
		return usage_err("%s: --output-skb is for the event lines of a trace", mode);
	if (o->trace_tc || o->trace_xdp)
		return usage_err("%s: --filter-trace-tc and --filter-trace-xdp are for a trace",
				 mode);
	return OPTS_OK;
}

static enum opts_result check_combinations(struct opts *o)
{
	enum opts_result r = check_capture(o);

	if (r != OPTS_OK)
		return r;
	if (o->all_kmods && o->kmods)
		return usage_err("%s: give --all-kmods or --kmods, not both", "modules");
	/* Programs that load later are attached by the running tracer: root is kept. */
	if (o->user && (o->trace_tc || o->trace_xdp))
		return usage_err(
			"-Z drops the privileges %s needs to follow programs that load and "
			"unload while it runs",
			o->trace_tc ? "--filter-trace-tc" : "--filter-trace-xdp");
	if (check_drop_modes(o) != OPTS_OK)
		return OPTS_USAGE;
	if (o->track_max_set && !o->track && !o->group)
		return usage_err("%s needs --filter-track-skb", "--filter-track-max");
	if (o->n_kernel_debuginfo && !o->out.stack)
		return usage_err("%s gives source lines to stacks: it needs --output-stack",
				 "--kernel-debuginfo");
	/* A packet needs an id to be grouped. */
	if (o->group)
		o->track = true;
	return OPTS_OK;
}

/* The address and the labels are checked when the exporter starts (out/exporter.h). */
static enum opts_result parse_metrics_opt(struct opts *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case OPT_METRICS:
		o->metrics = arg;
		break;
	case OPT_METRICS_LABELS:
		o->metrics_labels = arg;
		break;
	case OPT_METRICS_MAX_SERIES:
		/* METRICS_MAX_SERIES_LIMIT of out/metrics.h */
		if (parse_ull(arg, &v) || v == 0 || v > 1000000)
			return usage_err("bad --metrics-max-series '%s': want 1 to 1000000", arg);
		o->metrics_max_series = v;
		o->metrics_max_series_set = true;
		break;
	default:
		return OPTS_USAGE;
	}
	return OPTS_OK;
}

static enum opts_result parse_one(struct opts *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case OPT_BACKEND:
		if (parse_backend(arg, &o->backend))
			return usage_err(
				"unknown backend '%s' (auto, kprobe-multi, kprobe, fentry, tracepoint)",
				arg);
		break;
	case OPT_FILTER_FUNC:
		o->filter_func = arg;
		break;
	case OPT_FILTER_NETNS:
		o->filter_netns = arg;
		break;
	case OPT_FILTER_MARK:
		if (parse_mark(o, arg))
			return usage_err(
				"bad --filter-mark '%s': want MARK or MARK/MASK, 32-bit numbers",
				arg);
		break;
	case OPT_FILTER_IFNAME:
		if (!*arg || strlen(arg) >= 16)
			return usage_err("bad --filter-ifname '%s': 1 to 15 characters", arg);
		o->filter_ifname = arg;
		break;
	case OPT_FILTER_TUN_L2:
		o->tun_l2_expr = arg;
		break;
	case OPT_FILTER_TUN_L3:
		o->tun_l3_expr = arg;
		break;
	case OPT_LIST_FUNCS:
		o->list_funcs = true;
		break;
	case OPT_ALL_KMODS:
		o->all_kmods = true;
		break;
	case OPT_KMODS:
		o->kmods = arg;
		break;
	case OPT_KERNEL_BTF:
		o->kernel_btf = arg;
		break;
	case OPT_KERNEL_DEBUGINFO:
		if (o->n_kernel_debuginfo == OPTS_DEBUGINFO_MAX)
			return usage_err("--kernel-debuginfo: at most 16 of them (%s)", arg);
		o->kernel_debuginfo[o->n_kernel_debuginfo++] = arg;
		break;
	case OPT_OUTPUT_META:
	case OPT_OUTPUT_TUPLE:
	case OPT_OUTPUT_CALLER:
	case OPT_OUTPUT_STACK:
	case OPT_OUTPUT_SKB:
	case OPT_OUTPUT_JSON:
		if (set_toggle(c, arg, &o->out))
			return usage_err("bad value '%s': want true or false", arg);
		break;
	case OPT_OUTPUT_FILE:
		o->output_file = arg;
		break;
	case OPT_OUTPUT_LIMIT:
		if (parse_ull(arg, &v) || v == 0)
			return usage_err("bad --output-limit-lines '%s': want a positive number",
					 arg);
		o->limit_lines = v;
		break;
	case OPT_TIMESTAMP:
		if (parse_ts(arg, &o->out.ts))
			return usage_err("bad --timestamp '%s' (none, current, relative, absolute)",
					 arg);
		break;
	case OPT_READY_FILE:
		o->ready_file = arg;
		break;
	case OPT_RINGBUF_SIZE:
		if (parse_size(arg, &o->ringbuf_size) || o->ringbuf_size < 4096 ||
		    (o->ringbuf_size & (o->ringbuf_size - 1)))
			return usage_err(
				"bad --ringbuf-size '%s': want a power of 2 of at least 4096 bytes, e.g. 4M",
				arg);
		break;
	case OPT_STACK_MAP_SIZE:
		if (parse_ull(arg, &v) || v == 0 || v > (1 << 20))
			return usage_err("bad --stack-map-size '%s': want 1 to 1048576", arg);
		o->stack_map_size = v;
		break;
	case OPT_TRACK:
		o->track = true;
		break;
	case OPT_TRACE_TC:
		o->trace_tc = true;
		break;
	case OPT_TRACE_XDP:
		o->trace_xdp = true;
		break;
	case OPT_TRACK_MAX:
		if (parse_ull(arg, &v) || v == 0 || v > (1 << 24))
			return usage_err("bad --filter-track-max '%s': want 1 to 16777216", arg);
		o->track_max = v;
		o->track_max_set = true;
		break;
	case OPT_GROUP:
		o->group = true;
		break;
	case OPT_COLOR:
		if (parse_color(arg, &o->color))
			return usage_err("bad --color '%s' (auto, always, never)", arg);
		break;
	case OPT_DROPS_ONLY:
		o->drops_only = true;
		break;
	case OPT_DROP_SUMMARY:
		o->drop_summary = true;
		if (arg && (parse_ull(arg, &v) || v == 0 || v > 86400))
			return usage_err("bad --drop-summary '%s': want seconds, 1 to 86400", arg);
		o->drop_summary_secs = arg ? v : 0;
		break;
	case OPT_DROP_SUMMARY_MAX:
		if (parse_ull(arg, &v) || v == 0 || v > (1 << 20))
			return usage_err("bad --drop-summary-max '%s': want 1 to 1048576", arg);
		o->drop_summary_max = v;
		o->drop_summary_max_set = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'w':
	case 's':
	case OPT_CAPTURE_AT:
		return parse_capture(o, c, arg);
	case 'v':
		o->verbose = true;
		break;
	case 'Z':
		if (!*arg)
			return usage_err("%s: -Z needs a user name", "relinquish-privileges");
		o->user = arg;
		break;
	default:
		return parse_metrics_opt(o, c, arg);
	}
	return OPTS_OK;
}

enum opts_result opts_parse(struct opts *o, int argc, char **argv)
{
	enum opts_result r;
	int c;

	memset(o, 0, sizeof(*o));
	o->backend = "auto";
	o->out.meta = true;
	o->out.tuple = true;
	o->ringbuf_size = 4UL << 20;
	o->stack_map_size = 4096;
	o->track_max = 16384;
	o->capture_len = OPTS_CAPTURE_LEN_DEFAULT;
	o->drop_summary_max = 4096;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hqvZ:w:s:", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return OPTS_EXIT_OK;
		}
		if (c == OPT_VERSION) {
			printf("skbtrace %s\n", SKBTRACE_VERSION);
			return OPTS_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return usage_err("unknown or incomplete option '%s'", argv[optind - 1]);
		r = parse_one(o, c, optarg);
		if (r != OPTS_OK)
			return r;
	}
	if (join_positional(o, argc, argv))
		return usage_err("%s", "out of memory");
	return check_combinations(o);
}

void opts_free(struct opts *o)
{
	free(o->pcap_expr);
	o->pcap_expr = NULL;
}

/* "auto": a terminal only, not when NO_COLOR is set (no-color.org) or TERM is dumb. */
bool opts_want_color(const struct opts *o, bool tty, const char *no_color, const char *term)
{
	if (o->out.json || o->color == OPTS_COLOR_NEVER)
		return false;
	if (o->color == OPTS_COLOR_ALWAYS)
		return true;
	return tty && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}
