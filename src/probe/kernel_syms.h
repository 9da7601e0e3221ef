/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel symbols skbtrace gives a role: where skbs are dropped (with
 * where the reason argument is), freed and cloned; and the prefixes of
 * the tracing machinery's own functions.  One table, kernel_syms.c.
 */
#ifndef SKBT_KERNEL_SYMS_H
#define SKBT_KERNEL_SYMS_H

#include <stdbool.h>
#include "probe/probes.h"

/* skb:kfree_skb(skb, location, reason): on every kernel skbtrace runs on. */
#define KSYM_DROP_TRACEPOINT "kfree_skb"
/* Where a function backend sees an skb's struct freed. */
#define KSYM_SKB_FREE "kfree_skbmem"

enum ksym_role {
	KSYM_DROP = 1,	  /* frees an skb with a drop reason */
	KSYM_FREE = 2,	  /* the last point an skb is seen: tracked skbs are forgotten */
	KSYM_CONSUME = 4, /* frees an skb that was used, not dropped */
	KSYM_CLONE = 8,	  /* returns a clone or copy of its skb argument */
};

/* How a drop symbol passes its reason, as the drop programs read it. */
enum ksym_drop {
	KSYM_DROP_NONE = 0,
	KSYM_DROP_TP, /* tracepoint kfree_skb(skb, location, reason) */
	KSYM_DROP_R2, /* kfree_skb_reason(skb, reason), 5.17 to 6.10 */
	KSYM_DROP_R3, /* sk_skb_reason_drop(sk, skb, reason), 6.11+ */
};

/*
 * Whether p is a symbol of the table with role, with the sk_buff (and for
 * KSYM_DROP the reason) where the table says; functions of vmlinux only.
 */
bool ksym_has(const struct probe *p, enum ksym_role role);
/* The drop layout of p, or KSYM_DROP_NONE. */
enum ksym_drop ksym_drop(const struct probe *p);
/* The skb:kfree_skb tracepoint by name, whatever its arguments. */
bool ksym_is_drop_tracepoint(const struct probe *p);
/*
 * A function of the tracing machinery itself (bpf_trace_runN,
 * __bpf_trace_<tp>, __traceiter_<tp>, perf_trace_<tp>...): probing one
 * would trace our own plumbing, and in a stack they precede the function
 * that hit the tracepoint.
 */
bool ksym_is_tracing_internal(const char *name);

#endif
