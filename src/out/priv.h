/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the formatter (src/out/): the state behind output->priv and
 * what one part of it offers the others.  Not for use outside src/out/.
 */
#ifndef SKBT_OUT_PRIV_H
#define SKBT_OUT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include "bpf/skbtrace.h"
#include "out/buf.h"
#include "out/output.h"

/* PERF_MAX_STACK_DEPTH: what a BPF stack trace map holds at most. */
#define STACK_FRAMES_MAX 127
#define STACK_CACHE	 16   /* recently read stacks kept, see lookup_stack */
#define SYM_CACHE_SIZE	 2048 /* power of two */
#define SRC_TOLD_MAX	 64   /* missing module debug files said once each */
/* The fixed part of a record: skb_data starts inside sizeof's tail padding. */
#define SKBT_EVENT_MIN offsetof(struct skbt_event, skb_data)

struct sym_slot {
	unsigned long long addr;
	const struct ksym *sym; /* NULL: no symbol, printed as hex */
	unsigned int len;	/* of sym->name, clamped */
	bool used;
};

struct out_priv {
	struct obuf b;
	struct sym_slot syms[SYM_CACHE_SIZE];
	char **tp_names; /* "category:name" per probe index, built on first use */
	size_t ntp;
	long long hms_sec; /* the second hms[] spells, -1 when none */
	char hms[8];
	unsigned long long *stack;
	size_t stack_frames;
	/* Stacks read lately, by id: see fetch_stack. */
	unsigned long long *stack_cache;
	long long stack_cache_id[STACK_CACHE]; /* id + 1, 0: empty */
	struct btf_dump *dump;
	char *dump_buf;
	size_t dump_len, dump_cap;
	bool dump_oom;
	long long delta_ns;		    /* --output-group: since the packet's previous event */
	struct drop_cache *drops;	    /* drop_fmt.c: described drops, built on first use */
	const char *src_told[SRC_TOLD_MAX]; /* srcline errors already on stderr */
	size_t nsrc_told;
};

static inline struct obuf *out_buf(const struct output *o)
{
	return &((struct out_priv *)o->priv)->b;
}

static inline bool is_drop(const struct output *o, const struct skbt_event *e)
{
	return (e->flags & SKBT_F_HAS_REASON) && (long long)e->reason != o->consumed_reason;
}

static inline long long rel_ts(const struct output *o, unsigned long long ts)
{
	return (long long)(ts - o->first_ts);
}

/* names.c: symbols (cached per address), probe names, drop reasons */
void ap_frame(struct output *o, unsigned long long addr, bool module);
void ap_func(struct output *o, const struct skbt_event *e);
void ap_reason(struct output *o, unsigned int reason);
/* The kallsyms symbol of a frame (cached), or NULL. */
const struct ksym *frame_ksym(struct output *o, unsigned long long addr);

/* frame_src.c: source lines of stack frames, when o->src is set */
void ap_frame_src_text(struct output *o, unsigned long long addr);
void ap_stack_src_json(struct output *o, const unsigned long long *frames, size_t n);
void ap_drop_src_json(struct output *o, unsigned long long addr);

/* prog_fmt.c: events of traced tc/XDP programs (SKBT_F_PROG) */
void ap_prog_func(struct output *o, const struct skbt_event *e);
void text_prog(struct output *o, const struct skbt_event *e);
void json_prog(struct output *o, const struct skbt_event *e);

/* stack.c: the stack map and the caller, past the tracing frames */
unsigned long long first_caller(const struct output *o, const struct skbt_event *e);
size_t fetch_stack(struct output *o, const struct skbt_event *e);

/* skb_dump.c: --output-skb */
int skb_dump_init(struct output *o, struct out_priv *pv);
const char *dump_skb(struct output *o, const struct skbt_event *e, size_t size, bool compact);

/* text.c and json.c: one event, without the JSON line's newline */
void text_event(struct output *o, const struct skbt_event *e, size_t size);
void json_event(struct output *o, const struct skbt_event *e, size_t size);
/* text.c: kernel bytes made printable; HH:MM:SS.nnnnnnnnn of an event's time */
void ap_text_bytes(struct obuf *b, const char *s, size_t max);
void ap_wall(struct output *o, unsigned long long ts);
/* json.c: a quoted, escaped JSON string of at most max bytes of s */
void ap_json_str(struct obuf *b, const char *s, size_t max);

/* drop_fmt.c: what a drop event says besides its reason (issue 10) */
void json_drop(struct output *o, const struct skbt_event *e);
void text_drop_detail(struct output *o, const struct skbt_event *e);
/* --drops-only: one tcpdrop-like line and a hint line per drop, under its header */
void drop_line(struct output *o, const struct skbt_event *e);
void drop_line_header(struct output *o);
/* -w: " at=SITE hook=HOOK" of a drop event, for its record's comment */
void ap_drop_words(struct output *o, const struct skbt_event *e);
void drop_fmt_free(struct out_priv *pv);

#endif
