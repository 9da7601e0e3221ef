/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options. */
#ifndef SKBT_OPTS_H
#define SKBT_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#ifndef SKBTRACE_VERSION
#define SKBTRACE_VERSION "0.1.0"
#endif

/* --timestamp */
enum opts_ts {
	OPTS_TS_NONE = 0,
	OPTS_TS_CURRENT,  /* wall-clock time of the event */
	OPTS_TS_RELATIVE, /* since the first event */
	OPTS_TS_ABSOLUTE, /* the kernel's monotonic clock */
};

/* The --output-* switches, as given. */
struct opts_out {
	bool json;
	bool meta; /* NETNS MARK IFACE PROTO MTU LEN columns */
	bool tuple;
	bool caller;
	bool stack;
	bool skb;
	enum opts_ts ts;
};

/* --capture-at: which events carry a packet record in the -w file. */
enum opts_capture_at {
	OPTS_CAP_ALL = 0,
	OPTS_CAP_FIRST, /* each packet's first event (needs --filter-track-skb) */
	OPTS_CAP_DROP,	/* drops only */
};

/* Default -s: the headers of a TCP packet in VXLAN over IPv6, with room to spare. */
#define OPTS_CAPTURE_LEN_DEFAULT 256
/* -s 0: as much as one record holds (SKBT_CAPTURE_MAX). */
#define OPTS_CAPTURE_LEN_MAX 65535

/* --color: auto colours text on a terminal only, and not with NO_COLOR set */
enum opts_color {
	OPTS_COLOR_AUTO = 0,
	OPTS_COLOR_ALWAYS,
	OPTS_COLOR_NEVER,
};

#define OPTS_DEBUGINFO_MAX 16

struct opts {
	const char *backend;	  /* one of OPTS_BACKENDS; "auto" by default */
	const char *filter_func;  /* POSIX extended regex, matched against whole names */
	const char *filter_netns; /* "/proc/PID/ns/net" or "inode:N" */
	const char *filter_ifname;
	bool filter_mark_set;
	unsigned int mark, mark_mask;
	bool list_funcs;
	bool all_kmods;
	const char *kmods;
	const char *kernel_btf;
	/* --kernel-debuginfo FILE|DIR, for source lines in stacks; none: default places */
	const char *kernel_debuginfo[OPTS_DEBUGINFO_MAX];
	size_t n_kernel_debuginfo;
	struct opts_out out;
	const char *output_file;
	unsigned long long limit_lines; /* 0: no limit */
	const char *ready_file;
	unsigned long ringbuf_size;
	unsigned int stack_map_size;
	char *pcap_expr;	/* positional words joined, or NULL */
	bool track;		/* --filter-track-skb (also implied by --output-group) */
	unsigned int track_max; /* entries of the tracking map */
	bool track_max_set;
	bool group;		 /* --output-group */
	const char *tun_l2_expr; /* --filter-tunnel-pcap-l2, or NULL */
	const char *tun_l3_expr; /* --filter-tunnel-pcap-l3, or NULL */
	bool trace_tc;		 /* --filter-trace-tc */
	bool trace_xdp;		 /* --filter-trace-xdp */
	bool drops_only;	 /* --drops-only: drop events only, tcpdrop-like lines */
	bool drop_summary;	 /* --drop-summary: drops counted in BPF, printed as tables */
	unsigned int drop_summary_secs; /* a table every N seconds; 0: once, at exit */
	unsigned int drop_summary_max;	/* rows of the BPF map */
	bool drop_summary_max_set;
	const char *metrics;	    /* --metrics ADDR:PORT, or NULL */
	const char *metrics_labels; /* --metrics-labels, checked when the exporter starts */
	size_t metrics_max_series;  /* 0: the default */
	bool metrics_max_series_set;
	enum opts_color color;
	const char *user; /* -Z: drop to this user once attached */
	bool quiet;
	const char *pcap_file;	  /* -w / --output-pcap; "-": standard output */
	unsigned int capture_len; /* -s, 0 already turned into OPTS_CAPTURE_LEN_MAX */
	bool capture_len_set;
	enum opts_capture_at capture_at;
	bool capture_at_set;
	bool verbose; /* -v: start-up notes the user need not act on */
};

enum opts_result {
	OPTS_OK = 0,
	OPTS_EXIT_OK, /* --help or --version printed */
	OPTS_USAGE,   /* error printed; exit 2 */
};

/* Parses argv into o (which it initialises); prints errors to stderr. */
enum opts_result opts_parse(struct opts *o, int argc, char **argv);
void opts_free(struct opts *o);
/*
 * Whether text goes out coloured: --color, whether the output is a
 * terminal, and the NO_COLOR and TERM variables (either may be NULL).
 */
bool opts_want_color(const struct opts *o, bool tty, const char *no_color, const char *term);

/* The words --backend takes; the loader names its backends the same (load/backend.h). */
#define OPTS_BACKENDS "auto", "kprobe-multi", "kprobe", "fentry", "tracepoint", "tp_btf"

#endif
