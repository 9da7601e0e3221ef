// SPDX-License-Identifier: GPL-2.0
/*
 * skbtrace kernel side: every program hands (skb, probe, reason) to one
 * shared body, handle_skb(), which filters, then fills one ring-buffer
 * record.  Programs exist per sk_buff argument position because BPF
 * context offsets must be constants.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "bpf/kernel_types.h"
#include "bpf/skbtrace.h"
#include "bpf/drop.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load; the verifier prunes what is unused. */
const volatile __u32 cfg_netns = 0;
const volatile __u32 cfg_mark = 0;
const volatile __u32 cfg_mark_mask = 0;
const volatile __u32 cfg_ifindex = 0;
const volatile __u8 cfg_filter_mark = 0;
const volatile __u8 cfg_stack = 0;
const volatile __u8 cfg_caller = 0;
const volatile __u8 cfg_pcap = 0;
const volatile __u8 cfg_tun = 0; /* enum skbt_tun_filter bits */
/* Per enum skbt_pcap_stub: the packet window its filter reads (pcap_run()). */
const volatile __u32 cfg_pcap_win[SKBT_PCAP_STUBS] = {};
const volatile __u32 cfg_pcap_pad[SKBT_PCAP_STUBS] = {};
const volatile __u32 cfg_skb_size = 0;
/* Raw tracepoint links carry the probe index as a cookie (6.10+). */
const volatile __u8 cfg_tp_cookie = 0;
/* Wake the reader only once this much is queued: a wakeup per event costs ~70%. */
const volatile __u64 cfg_wakeup_bytes = 0;
/* --filter-track-skb: follow a matched skb by address until it is freed. */
const volatile __u8 cfg_track = 0;
/*
 * Tracked skbs are forgotten at the free tracepoints (tracepoint backend)
 * rather than where the struct is freed (function backends, which see
 * functions that still run on the skb after the tracepoint).
 */
const volatile __u8 cfg_track_tp_free = 0;
/* The kernel's sk_buff keeps pkt_read()'s fields within SKBT_SKB_SPAN bytes of len. */
const volatile __u8 cfg_skb_span = 0;
/* Programs may read kernel memory in place: direct_view(). */
const volatile __u8 cfg_direct = 0;
/* -w: packet bytes each record has room for (0: no capture), and which events get one. */
const volatile __u32 cfg_cap_len = 0;
const volatile __u8 cfg_cap_at = SKBT_CAP_ALL;
/* Drop diagnosis: SKB_CONSUMED's value (a free with a reason that is no drop). */
const volatile __u32 cfg_consumed = ~0U;
/* SKB_DROP_REASON_NETFILTER_DROP's value: its drops look for their hook; 0: never. */
const volatile __u32 cfg_nf_drop = 0;
/* --drop-summary: count drops in drop_summary. */
const volatile __u8 cfg_drop_summary = 0;
/* Report drops as events (off for --drop-summary alone). */
const volatile __u8 cfg_drop_events = 1;
/* --drops-only: a free that is no drop is not reported. */
const volatile __u8 cfg_drops_only = 0;
/* Remember each skb's last namespace for the events where it has none left. */
const volatile __u8 cfg_netns_memo = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by --ringbuf-size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SKBT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1); /* resized when --output-stack is on */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/*
 * The parts of this one BPF object, by idea; each uses the settings and
 * maps above, and the ones before it.
 */
#include "bpf/skb_read.bpf.h"
#include "bpf/pcap.bpf.h"
#include "bpf/tunnel.bpf.h"
#include "bpf/drop_diag.bpf.h"
#include "bpf/capture.bpf.h"
#include "bpf/track.bpf.h"

static __always_inline int pass_filters(struct sk_buff *skb, __u32 *netns, struct sock *sk,
					bool typed)
{
	if (cfg_netns) {
		*netns = netns_of(skb, sk, typed);
		if (*netns != cfg_netns)
			return 0;
	}
	if (cfg_filter_mark && (skb_mark(skb, typed) & cfg_mark_mask) != cfg_mark)
		return 0;
	if (cfg_ifindex && skb_ifindex(skb, typed) != cfg_ifindex)
		return 0;
	return 1;
}

/*
 * Where an event is built: in a ring reservation of the largest record,
 * or, when -s is large, in this CPU's buffer, to be copied to the ring at
 * its real size (record_put): a 64 KiB reservation per record would leave
 * the ring room for a few dozen.  NULL: no room, or the buffer is taken by
 * the program this one interrupted on this CPU.
 */
static __always_inline struct skbt_event *record_get(void)
{
	__u32 size = sizeof(struct skbt_event) + cfg_cap_len, zero = 0, cpu;
	struct skbt_event *e;
	__u32 *busy;

	if (cfg_skb_size)
		size += SKBT_SKB_DATA_MAX;
	if (cfg_cap_len <= SKBT_CAP_INLINE_MAX)
		return bpf_ringbuf_reserve(&events, size, 0);
	busy = bpf_map_lookup_elem(&cap_busy, &zero);
	if (!busy || *busy)
		return NULL;
	cpu = bpf_get_smp_processor_id();
	e = bpf_map_lookup_elem(&cap_records, &cpu);
	if (e)
		*busy = 1;
	return e;
}

/* Hands the event to user space; 0, or -1 when the ring had no room. */
static __always_inline int record_put(struct skbt_event *e)
{
	__u64 wake = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes
			     ? BPF_RB_FORCE_WAKEUP
			     : BPF_RB_NO_WAKEUP;
	__u32 zero = 0, *busy;
	__u64 size;
	int err;

	if (cfg_cap_len <= SKBT_CAP_INLINE_MAX) {
		bpf_ringbuf_submit(e, wake);
		return 0;
	}
	size = sizeof(*e) + (cfg_skb_size ? SKBT_SKB_DATA_MAX : 0) + e->cap_len;
	err = bpf_ringbuf_output(&events, e, size, wake);
	busy = bpf_map_lookup_elem(&cap_busy, &zero);
	if (busy)
		*busy = 0;
	return err ? -1 : 0;
}

/* The verdict of a tc or XDP program at its exit (bpfprog.bpf.h). */
static __always_inline void prog_ret_fill(void *ctx, struct skbt_event *e);

/* The event's caller and stack, when asked for: caller 0 reads the stack. */
static __always_inline void fill_frames(void *ctx, struct skbt_event *e, __u32 flags, __u64 caller)
{
	if (cfg_caller) {
		if (caller) {
			e->caller[0] = caller;
		} else {
			/* Under fentry the program's own frame comes first: skipped. */
			bpf_get_stack(ctx, e->caller, sizeof(e->caller),
				      flags & SKBT_F_FENTRY ? 1 : 0);
		}
		e->flags |= SKBT_F_HAS_CALLER;
	}
	if (cfg_stack) {
		e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
		if (e->stack_id >= 0) {
			e->flags |= SKBT_F_HAS_STACK;
		} else {
			e->flags |= SKBT_F_STACK_LOST;
			count(SKBT_CNT_STACK_LOST);
		}
	}
}

/* A program's verdict at its exit, then the event goes out. */
static __always_inline int submit(void *ctx, struct skbt_event *e, __u32 flags)
{
	if (flags & SKBT_F_PROG_RET)
		prog_ret_fill(ctx, e);
	count(record_put(e) ? SKBT_CNT_LOST : SKBT_CNT_MATCHED);
	return 0;
}

/* Fills and submits one event; the caller has checked the filters. */
static __always_inline int emit(void *ctx, struct sk_buff *skb, struct pkt *p, __u32 netns,
				__u64 func, __u32 flags, __u32 reason, __u64 caller,
				const struct skbt_track *tr, const struct drop_out *d, bool typed,
				int first)
{
	struct skbt_event *e = record_get();
	__u32 skb_size = cfg_skb_size;

	if (!e) {
		count(SKBT_CNT_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->skb = (__u64)skb;
	e->func = func;
	e->flags = flags | tr->flags;
	e->track_id = tr->id;
	e->reason = reason;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* A tracked skb skipped the filters: nobody read its netns yet. */
	e->netns = netns ? netns : netns_of(skb, d ? d->sk : NULL, typed);
	e->mark = skb_mark(skb, typed);
	e->len = p->len;
	e->proto = p->proto;
	fill_dev(e, skb);
	parse_tuple(&e->tuple, &e->flags, p);
	if (d)
		fill_drop(e, skb, d);
	fill_frames(ctx, e, flags, caller);
	if (skb_size) {
		if (skb_size > SKBT_SKB_DATA_MAX)
			skb_size = SKBT_SKB_DATA_MAX;
		if (!bpf_probe_read_kernel(e->skb_data, skb_size, skb)) {
			e->skb_data_len = skb_size;
			e->flags |= SKBT_F_HAS_SKB_DATA;
		}
	}
	if (capture_wanted(e->flags, first))
		capture(e, p, cfg_skb_size ? SKBT_SKB_DATA_MAX : 0);
	return submit(ctx, e, flags);
}

static __always_inline int matches(struct sk_buff *skb, struct pkt *p, __u32 *netns,
				   struct sock *sk, bool typed)
{
	if (!pass_filters(skb, netns, sk, typed))
		return 0;
	if (cfg_direct && cfg_pcap && !pass_pcap_direct(skb, typed))
		return 0;
	pkt_read(skb, p, typed);
	if (!cfg_direct && cfg_pcap && !pass_pcap(p))
		return 0;
	return !cfg_tun || pass_tunnel(skb, p);
}

/*
 * The probe index of a tracepoint program.  Kernels 6.10+ hand it over as
 * the link's cookie.  Elsewhere the immediate is a marker that user space
 * rewrites in each copy of the program it loads, one per tracepoint,
 * since such a program cannot tell which tracepoint it is attached to.
 */
static __always_inline __u64 probe_id(void *ctx)
{
	__u64 id;

	if (cfg_tp_cookie)
		return bpf_get_attach_cookie(ctx);
	asm volatile("%0 = %1" : "=r"(id) : "i"(SKBT_PROBE_ID_MARKER));
	return id;
}

/*
 * The id of the tc or XDP program a copy of skbt_tc_* / skbt_xdp_* is
 * attached to: user space replaces the marker in each copy.
 */
static __always_inline __u64 prog_id(void)
{
	__u64 id;

	asm volatile("%0 = %1" : "=r"(id) : "i"(SKBT_PROG_ID_MARKER));
	return id;
}

/*
 * What names the event: the probe index for tracepoints, the program id
 * in a tc/XDP program, else the function's address.  Asked only for an
 * event that is reported: most runs are filtered out, and all but the
 * program id can be helper calls.
 */
static __always_inline __u64 event_func(void *ctx, __u32 flags)
{
	if (flags & SKBT_F_PROG)
		return prog_id();
	return flags & SKBT_F_TRACEPOINT ? probe_id(ctx) : bpf_get_func_ip(ctx);
}

static __always_inline int is_drop(__u32 flags, __u32 reason)
{
	return (flags & SKBT_F_HAS_REASON) && reason != cfg_consumed;
}

/*
 * Drops are counted (--drop-summary) and reported with their site,
 * socket and netfilter hook, found once for both.
 */
static __always_inline int handle_drop(void *ctx, struct sk_buff *skb, struct pkt *p, __u32 netns,
				       __u32 flags, __u32 reason, __u64 caller,
				       const struct skbt_track *tr, const struct drop_in *in,
				       bool typed, int first)
{
	struct drop_out d = {.location = in ? in->location : 0, .sk = in ? in->sk : NULL};

	d.netns = netns ? netns : netns_of(skb, d.sk, typed);
	d.ifindex = skb_ifindex(skb, typed);
	if (cfg_nf_drop && reason == cfg_nf_drop)
		nf_above_cached(ctx, skb, &d);
	if (cfg_drop_summary)
		count_drop(skb, p, reason, &d);
	if (!cfg_drop_events)
		return 0;
	return emit(ctx, skb, p, d.netns, event_func(ctx, flags), flags | SKBT_F_DROP, reason,
		    caller, tr, &d, typed, first);
}

/*
 * --drops-only attaches the drop hook and the free points (how), never a
 * program that only traces: those need not test cfg_drops_only, and a
 * test is a load and a branch on every run, rejected or not.
 */
static __always_inline int drops_only_applies(__u32 flags, enum how how)
{
	return how != HOW_TRACE || (flags & SKBT_F_HAS_REASON);
}

static __always_inline int handle_skb(void *ctx, struct sk_buff *skb, __u32 flags, __u32 reason,
				      __u64 caller, enum how how, const struct drop_in *in,
				      bool typed)
{
	struct skbt_track tr = {};
	__u32 netns = 0;
	__u64 key = (__u64)skb;
	int drop = is_drop(flags, reason);
	struct pkt p;
	int first = 0;

	if (!skb || (drops_only_applies(flags, how) && cfg_drops_only && !drop))
		return 0;
	/* A tracked skb bypasses the filters: its headers may have changed. */
	if (cfg_track && track_lookup(skb, &tr)) {
		pkt_read(skb, &p, typed);
	} else {
		if (how == HOW_FORGET || !matches(skb, &p, &netns, in ? in->sk : NULL, typed))
			return 0;
		if (cfg_track)
			track_start(skb, &tr, how);
		first = 1;
	}
	if (cfg_track && how != HOW_TRACE)
		flags |= SKBT_F_FREED;
	if (drop)
		handle_drop(ctx, skb, &p, netns, flags, reason, caller, &tr, in, typed, first);
	else
		emit(ctx, skb, &p, netns, event_func(ctx, flags), flags, reason, caller, &tr, NULL,
		     typed, first);
	/* After the event: the last event of a packet is still reported. */
	if (cfg_track && how != HOW_TRACE)
		bpf_map_delete_elem(&tracked_skbs, &key);
	return 0;
}

#define TP_PROG(n)                                                                                 \
	SEC("skbt.raw_tp")                                                                         \
	int skbt_tp##n(struct bpf_raw_tracepoint_args *ctx)                                        \
	{                                                                                          \
		return handle_skb(ctx, (struct sk_buff *)ctx->args[n - 1], SKBT_F_TRACEPOINT, 0,   \
				  0, HOW_TRACE, NULL, false);                                      \
	}

TP_PROG(1)
TP_PROG(2)
TP_PROG(3)
TP_PROG(4)
TP_PROG(5)

/*
 * skb:kfree_skb(skb, location, reason[, rx_sk]): reason since 5.17, rx_sk
 * (the socket a received packet was dropped on) since 6.12.
 */
SEC("skbt.raw_tp")
int skbt_tp_kfree_skb(struct bpf_raw_tracepoint_args *ctx)
{
	struct drop_in in = {.location = ctx->args[1]};

	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb *)0)->rx_sk))
		in.sk = (struct sock *)ctx->args[3];
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0],
			  SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON, (__u32)ctx->args[2], 0,
			  cfg_track_tp_free ? HOW_FREE : HOW_TRACE, &in, false);
}

/* skb:consume_skb(skb[, location]) when tracking: the skb's last event. */
SEC("skbt.raw_tp")
int skbt_tp_consume_skb(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FREE,
			  NULL, false);
}

/*
 * The free tracepoints when --filter-func did not select them: tracked
 * skbs are still reported and forgotten there, nothing else.  No reason:
 * the drop itself was reported by the drop hook.
 */
SEC("skbt.raw_tp")
int skbt_tp_forget(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FORGET,
			  NULL, false);
}

/*
 * tp_btf backend: the same, with typed arguments (typed).  Each program
 * is verified against one tracepoint's prototype, so user space loads a
 * copy per tracepoint, with its probe index and its btf_trace_<name> id.
 */
#define TB_PROG(n)                                                                                 \
	SEC("skbt.tp_btf")                                                                         \
	int skbt_tb##n(__u64 *ctx)                                                                 \
	{                                                                                          \
		return handle_skb(ctx, (struct sk_buff *)ctx[n - 1], SKBT_F_TRACEPOINT, 0, 0,      \
				  HOW_TRACE, NULL, true);                                          \
	}

TB_PROG(1)
TB_PROG(2)
TB_PROG(3)
TB_PROG(4)
TB_PROG(5)

/* skbt_tp_kfree_skb's arguments, typed: rx_sk is read in place. */
SEC("skbt.tp_btf")
int skbt_tb_kfree_skb(__u64 *ctx)
{
	struct drop_in in = {.location = ctx[1]};

	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb *)0)->rx_sk))
		in.sk = (struct sock *)ctx[3];
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON,
			  (__u32)ctx[2], 0, cfg_track_tp_free ? HOW_FREE : HOW_TRACE, &in, true);
}

SEC("skbt.tp_btf")
int skbt_tb_consume_skb(__u64 *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FREE, NULL,
			  true);
}

SEC("skbt.tp_btf")
int skbt_tb_forget(__u64 *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FORGET, NULL,
			  true);
}

static __always_inline __u64 kp_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 1:
		return PT_REGS_PARM1(regs);
	case 2:
		return PT_REGS_PARM2(regs);
	case 3:
		return PT_REGS_PARM3(regs);
	case 4:
		return PT_REGS_PARM4(regs);
	default:
		return PT_REGS_PARM5(regs);
	}
}

static __always_inline __u64 kp_caller(struct pt_regs *regs)
{
	__u64 ret = 0;

	/* At function entry the return address is on top of the stack. */
	if (cfg_caller)
		bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
}

static __always_inline int kp_handle(struct pt_regs *regs, int n)
{
	return handle_skb(regs, (struct sk_buff *)kp_arg(regs, n), 0, 0, kp_caller(regs), HOW_TRACE,
			  NULL, false);
}

#define KP_PROG(n)                                                                                 \
	SEC("skbt.kprobe")                                                                         \
	int skbt_kp##n(struct pt_regs *regs)                                                       \
	{                                                                                          \
		return kp_handle(regs, n);                                                         \
	}                                                                                          \
	SEC("skbt.kprobe_multi")                                                                   \
	int skbt_kpm##n(struct pt_regs *regs)                                                      \
	{                                                                                          \
		return kp_handle(regs, n);                                                         \
	}

KP_PROG(1)
KP_PROG(2)
KP_PROG(3)
KP_PROG(4)
KP_PROG(5)

/* At a function's entry the return address into its caller tops the stack. */
static __always_inline __u64 kp_ret_addr(struct pt_regs *regs)
{
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
}

/* kfree_skb_reason(skb, reason), kernels 5.17 to 6.10: the caller is the drop site. */
SEC("skbt.kprobe")
int skbt_kp_drop_r2(struct pt_regs *regs)
{
	struct drop_in in = {.location = kp_ret_addr(regs)};

	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), SKBT_F_HAS_REASON,
			  (__u32)PT_REGS_PARM2(regs), cfg_caller ? in.location : 0, HOW_TRACE, &in,
			  false);
}

/* sk_skb_reason_drop(sk, skb, reason), kernels 6.11 and later. */
SEC("skbt.kprobe")
int skbt_kp_drop_r3(struct pt_regs *regs)
{
	struct drop_in in = {.location = kp_ret_addr(regs),
			     .sk = (struct sock *)PT_REGS_PARM1(regs)};

	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM2(regs), SKBT_F_HAS_REASON,
			  (__u32)PT_REGS_PARM3(regs), cfg_caller ? in.location : 0, HOW_TRACE, &in,
			  false);
}

/*
 * Function backends with tracking: where an skb's struct goes back to the
 * allocator (kfree_skbmem, napi_skb_cache_put, kfree_skb_partial).
 * skbt_kp_free serves a selected function, skbt_kp_forget one that
 * --filter-func left out: it reports tracked skbs only.
 */
SEC("skbt.kprobe")
int skbt_kp_free(struct pt_regs *regs)
{
	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), 0, 0, kp_caller(regs),
			  HOW_FREE, NULL, false);
}

SEC("skbt.kprobe")
int skbt_kp_forget(struct pt_regs *regs)
{
	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), 0, 0, kp_caller(regs),
			  HOW_FORGET, NULL, false);
}

/*
 * Entry of skb_clone(), skb_copy(), __pskb_copy_fclone(), skb_copy_expand()
 * (the source skb is argument 1): a tracked source is kept for the return.
 * sp at entry points at the return address; the return sees sp + 8.
 */
SEC("skbt.kprobe")
int skbt_clone_entry(struct pt_regs *regs)
{
	struct clone_slot s = {.func = bpf_get_func_ip(regs)};
	__u64 key = PT_REGS_SP(regs);

	if (!cfg_track)
		return 0;
	/*
	 * A slot already here is stale (its return was missed), and the next
	 * return at this stack depth would take it: drop it, count it.
	 */
	if (!bpf_map_delete_elem(&clone_parents, &key))
		count(SKBT_CNT_CLONE_LOST);
	if (!track_lookup((struct sk_buff *)PT_REGS_PARM1(regs), &s.parent))
		return 0;
	if (bpf_map_update_elem(&clone_parents, &key, &s, BPF_ANY))
		count(SKBT_CNT_CLONE_LOST);
	return 0;
}

/* Return of a cloning function: the new skb joins its source's packet. */
SEC("skbt.kprobe")
int skbt_clone_ret(struct pt_regs *regs)
{
	struct sk_buff *child = (struct sk_buff *)PT_REGS_RC(regs);
	__u64 key = PT_REGS_SP(regs) - 8;
	struct clone_slot *v, s;
	struct pkt p;

	if (!cfg_track)
		return 0;
	v = bpf_map_lookup_elem(&clone_parents, &key);
	if (!v)
		return 0;
	s = *v;
	bpf_map_delete_elem(&clone_parents, &key);
	/* NULL: the allocation failed, there is no clone. */
	if (!child)
		return 0;
	s.parent.flags |= SKBT_F_CLONE;
	track_insert(child, &s.parent);
	pkt_read(child, &p, false);
	return emit(regs, child, &p, 0, s.func, 0, 0, 0, &s.parent, NULL, false, 0);
}

/*
 * fentry backend.  A fentry program is verified against one function, so
 * user space loads a copy per function; bpf_get_func_arg reads the
 * argument as a plain value (the verifier inlines it) so that handle_skb
 * works unchanged, with probe reads, as under a kprobe.
 */
static __always_inline __u64 fe_arg(void *ctx, __u32 n)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, n - 1, &v);
	return v;
}

static __always_inline int fe_handle(void *ctx, __u32 n, __u32 flags, enum how how)
{
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, n), SKBT_F_FENTRY | flags, 0, 0, how,
			  NULL, false);
}

/*
 * The drop site under fentry: the stack holds the trampoline, then the
 * return address into the traced function's first instructions (where
 * it called the trampoline), then the one into its caller.
 */
static __always_inline __u64 fe_location(void *ctx)
{
	__u64 ip = bpf_get_func_ip(ctx), *f;
	__u32 zero = 0;
	long n;

	f = bpf_map_lookup_elem(&drop_frames, &zero);
	if (!f)
		return 0;
	n = bpf_get_stack(ctx, f, 6 * sizeof(__u64), 0);
#pragma unroll
	for (int i = 0; i < 5; i++) {
		if ((i + 2) * (long)sizeof(__u64) > n)
			break;
		if (f[i] - ip < 32)
			return f[i + 1];
	}
	return 0;
}

/* kfree_skb_reason / sk_skb_reason_drop under fentry; sk_arg 0: no socket argument. */
static __always_inline int fe_drop(void *ctx, __u32 skb_arg, __u32 reason_arg, __u32 sk_arg)
{
	struct drop_in in = {.location = fe_location(ctx)};

	if (sk_arg)
		in.sk = (struct sock *)fe_arg(ctx, sk_arg);
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, skb_arg),
			  SKBT_F_FENTRY | SKBT_F_HAS_REASON, (__u32)fe_arg(ctx, reason_arg), 0,
			  HOW_TRACE, &in, false);
}

#define FE_PROG(n)                                                                                 \
	SEC("skbt.fentry")                                                                         \
	int skbt_fe##n(void *ctx)                                                                  \
	{                                                                                          \
		return fe_handle(ctx, n, 0, HOW_TRACE);                                            \
	}

FE_PROG(1)
FE_PROG(2)
FE_PROG(3)
FE_PROG(4)
FE_PROG(5)

SEC("skbt.fentry")
int skbt_fe_drop_r2(void *ctx)
{
	return fe_drop(ctx, 1, 2, 0);
}

SEC("skbt.fentry")
int skbt_fe_drop_r3(void *ctx)
{
	return fe_drop(ctx, 2, 3, 1);
}

/* The free points of --filter-track-skb, as skbt_kp_free and skbt_kp_forget. */
SEC("skbt.fentry")
int skbt_fe_free(void *ctx)
{
	return fe_handle(ctx, 1, 0, HOW_FREE);
}

SEC("skbt.fentry")
int skbt_fe_forget(void *ctx)
{
	return fe_handle(ctx, 1, 0, HOW_FORGET);
}

/*
 * fexit of a cloning function: the source is still argument 1 and the
 * result is at hand, so one program does what a kprobe/kretprobe pair
 * and its slot map do.
 */
SEC("skbt.fexit")
int skbt_fx_clone(void *ctx)
{
	struct skbt_track tr;
	__u64 child = 0;
	struct pkt p;

	if (!cfg_track)
		return 0;
	bpf_get_func_ret(ctx, &child);
	/* 0: the allocation failed, there is no clone. */
	if (!child || !track_lookup((struct sk_buff *)fe_arg(ctx, 1), &tr))
		return 0;
	tr.flags |= SKBT_F_CLONE;
	track_insert((struct sk_buff *)child, &tr);
	pkt_read((struct sk_buff *)child, &p, false);
	return emit(ctx, (struct sk_buff *)child, &p, 0, bpf_get_func_ip(ctx), SKBT_F_FENTRY, 0, 0,
		    &tr, NULL, false, 0);
}

/* --filter-trace-tc / --filter-trace-xdp. */
#include "bpf/bpfprog.bpf.h"
