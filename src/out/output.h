/* SPDX-License-Identifier: GPL-2.0 */
/* Event formatting: text columns and JSON lines. */
#ifndef SKBT_OUTPUT_H
#define SKBT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include "bpf/skbtrace.h"
#include "probe/probes.h"
#include "out/group.h"

struct btf;
struct ksyms;
struct drop_reasons;
struct bpfprogs;
struct drop_namer;
struct srcline;

enum ts_mode {
	TS_NONE = 0,
	TS_CURRENT,  /* wall-clock time of the event */
	TS_RELATIVE, /* ns since the first event */
	TS_ABSOLUTE, /* the raw bpf_ktime_get_ns() value */
};

struct output_cfg {
	bool json;
	bool meta; /* NETNS MARK IFACE PROTO MTU LEN columns */
	bool tuple;
	bool caller;
	bool stack;
	bool skb;	 /* struct sk_buff dumped from BTF */
	bool track;	 /* --filter-track-skb: the packet id (and clone mark) */
	bool group;	 /* --output-group: events come through output_group() */
	bool drops_only; /* --drops-only: one tcpdrop-like line per drop */
	enum ts_mode ts;
	bool color; /* text only: SGR colours (out/color.h); the caller decided it is wanted */
};

struct output {
	struct output_cfg cfg;
	FILE *f;
	const struct probe_list *probes; /* names tracepoint events (SKBT_F_TRACEPOINT) */
	const struct ksyms *ks;		 /* names function events, callers, stacks; may be NULL */
	const struct bpfprogs *progs; /* names tc/XDP program events (SKBT_F_PROG); may be NULL */
	const struct drop_reasons *dr;
	const struct drop_namer *nm;	    /* names drops (location, netns, hint); may be NULL */
	const struct btf *btf;		    /* for --output-skb */
	int skb_type_id;		    /* BTF id of struct sk_buff, for --output-skb */
	int stack_map_fd;		    /* stack trace map, or -1 */
	struct srcline *src;		    /* source lines of stack frames, or NULL */
	long long consumed_reason;	    /* SKB_CONSUMED, or -1 */
	unsigned long long mono_to_real_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start */
	unsigned long long first_ts;
	unsigned long long events;
	void *priv; /* formatter state (buffers, btf_dump) */
};

/* Prepares the formatter; o->cfg, f and the lookup tables are set by the caller. */
int output_init(struct output *o);
/* The column header line for text output (nothing for JSON). */
void output_header(struct output *o);
/* Formats one ring-buffer record of size bytes. Returns 0 or negative errno. */
int output_event(struct output *o, const struct skbt_event *e, size_t size);
/* Formats one packet's events (--output-group): a header, then each with its delta. */
int output_group(struct output *o, const struct group_pkt *p, enum group_end why);
/*
 * e as one line of labelled words (function, drop reason, netns, device,
 * mark, process...) in buf, for a -w record's comment; the function's
 * name is its first func_len bytes.  Returns the length written.
 */
size_t output_comment(struct output *o, const struct skbt_event *e, char *buf, size_t len,
		      size_t *func_len);
int output_flush(struct output *o);
void output_free(struct output *o);

#endif
