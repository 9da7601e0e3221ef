/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options. */
#ifndef SKBT_OPTS_H
#define SKBT_OPTS_H

#include <stdbool.h>

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
	bool quiet;
};

enum opts_result {
	OPTS_OK = 0,
	OPTS_EXIT_OK, /* --help or --version printed */
	OPTS_USAGE,   /* error printed; exit 2 */
};

/* Parses argv into o (which it initialises); prints errors to stderr. */
enum opts_result opts_parse(struct opts *o, int argc, char **argv);
void opts_free(struct opts *o);

/* The words --backend takes; the loader names its backends the same (load/backend.h). */
#define OPTS_BACKENDS "auto", "kprobe-multi", "kprobe", "fentry", "tracepoint"

#endif
