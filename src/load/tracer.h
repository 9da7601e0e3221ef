/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracer: the BPF object opened, configured for the selected probes,
 * loaded, attached and taken down again.  Nothing outside src/load/ sees
 * the skeleton: the maps are reached through the accessors below.
 */
#ifndef SKBT_TRACER_H
#define SKBT_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include "load/backend.h"
#include "probe/probes.h"
#include "bpf/skbtrace.h"
#include "load/modbtf.h"
#include "load/progs.h"

struct skbtrace_bpf;
struct bpf_link;
struct bpf_insn;
struct bpf_program;

struct tracer_cfg {
	enum backend backend; /* resolved: never BACKEND_AUTO */
	unsigned int netns, ifindex, mark, mark_mask;
	bool filter_mark, stack, caller;
	unsigned int skb_size; /* bytes of struct sk_buff per event, 0: none */
	unsigned long ringbuf_size;
	unsigned int stack_map_size;
	bool show_progress; /* N/M on stderr while attaching (a terminal) */
	bool pcap;	    /* a packet filter is spliced in by insn_hook */
	unsigned int tun;   /* tunnel filters spliced in: enum skbt_tun_filter */
	/* Per enum skbt_pcap_stub: window bytes the caller copies, and where mod 8. */
	unsigned int pcap_win[SKBT_PCAP_STUBS], pcap_pad[SKBT_PCAP_STUBS];
	bool tp_cookie;	    /* raw tracepoint links carry the probe index: no copies */
	bool track;	    /* --filter-track-skb */
	bool track_tp_free; /* tracked skbs are forgotten at the free tracepoints */
	unsigned int track_max;
	bool skb_span; /* discover_skb_span_fits(): pkt_read() reads one span */
	int direct_id; /* kfunc bpf_rdonly_cast for direct_view(); 0: probe reads */
	/* --filter-trace-tc/-xdp: load/attach_bpfprog.c */
	bool trace_tc, trace_xdp;
	/* Drop diagnosis. */
	long long consumed;	       /* SKB_CONSUMED's value (a free, not a drop), -1: none */
	long long nf_drop;	       /* SKB_DROP_REASON_NETFILTER_DROP's value, -1: none */
	bool drops_only;	       /* --drops-only: nothing but drops is reported */
	bool drop_events;	       /* drops are reported as events */
	unsigned int drop_summary_max; /* rows of the --drop-summary map, 0: no summary */
	bool netns_memo;	       /* events without a netns get the skb's last one */
	unsigned int cap_len;	       /* -w: packet bytes per record, 0: no capture */
	unsigned int cap_at;	       /* enum skbt_capture_at */
};

struct bpf_prog_load_opts;

/*
 * Called on each program's final instructions right before it is loaded
 * (after libbpf's relocations); may replace them (*out, malloc'd) and
 * adjust opts (BTF func/line info).  The packet filter splices itself in
 * here.  Returns 0 or a negative errno.
 */
typedef int (*insn_hook_fn)(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
			    const struct bpf_insn *insns, size_t cnt, struct bpf_insn **out,
			    size_t *out_cnt, void *ctx);

/* Our program sections, registered with libbpf for the tracer's lifetime. */
#define SKBT_SECTIONS 6

struct tracer {
	struct skbtrace_bpf *skel;
	struct probe_list *probes; /* what to attach; attach results written back */
	struct tracer_cfg cfg;
	insn_hook_fn insn_hook;
	void *insn_hook_ctx;
	int handlers[SKBT_SECTIONS]; /* libbpf handler ids, 0: not registered */
	struct prog_templates tmpl;
	struct mod_btfs mods;
	struct bpf_link **links;
	size_t nlinks;
	int *fds; /* program copies and raw tracepoint links we own */
	size_t nfds;
	size_t attached, failed, unreadable;
	double load_ms, attach_ms;
};

/* Opens, configures and loads the BPF object for t->probes. */
int tracer_load(struct tracer *t, char *err, size_t errlen);
/* Attaches every probe; failures are counted per probe, not fatal. */
int tracer_attach(struct tracer *t, char *err, size_t errlen);
/* Detaches every probe (programs stay loaded); safe to call twice. */
void tracer_detach(struct tracer *t);
void tracer_destroy(struct tracer *t);
/* Whether the BPF object was opened (so the accessors below mean something). */
bool tracer_loaded(const struct tracer *t);
/*
 * Probe hits the kernel did not run our programs for, because one of
 * them was already running on that CPU (an interrupt in the middle of
 * one): events nobody could report, summed over every program.
 */
unsigned long long tracer_missed(const struct tracer *t);
/* A counter of the per-CPU counters map, summed over CPUs; 0 if unreadable. */
unsigned long long tracer_counter(const struct tracer *t, enum skbt_counter idx);
/* The event ring buffer and the stack trace map, as fds. */
int tracer_events_fd(const struct tracer *t);
int tracer_stacks_fd(const struct tracer *t);
/* The --drop-summary map (per-CPU hash, drop.h), as an fd; -1 without a summary. */
int tracer_drop_summary_fd(const struct tracer *t);
/* Cloning calls whose return was never seen (a missed kretprobe) left their slot behind. */
unsigned long long tracer_clone_slots_left(const struct tracer *t);

/* Largest sk_buff argument position the kprobe and fentry programs read. */
#define SKBT_KPROBE_MAX_ARG 5
#define SKBT_TP_MAX_ARG	    5
/* Arguments an x86-64 trampoline took before 6.5 (in registers only). */
#define SKBT_TRAMPOLINE_REG_ARGS 6
/* A BPF program cannot be verified against a function with more (MAX_BPF_FUNC_ARGS). */
#define SKBT_FENTRY_MAX_ARGS 12
/* skbs whose last namespace is remembered (an LRU: the oldest are forgotten). */
#define SKBT_NETNS_MEMO 8192
/* Cloning calls in flight at once whose source is tracked. */
#define SKBT_CLONE_SLOTS 1024

#endif
