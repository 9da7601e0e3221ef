/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel can attach, probed once at start-up. */
#ifndef SKBT_FEATURES_H
#define SKBT_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* ENOTSUPP is kernel-internal (524) but leaks out of some attach paths. */
#define SKBT_ENOTSUPP 524

struct kernel_features {
	bool kprobe;	      /* kprobe PMU or kprobe_events: CONFIG_KPROBES */
	bool kprobe_multi;    /* BPF_TRACE_KPROBE_MULTI links: CONFIG_FPROBE, 5.18+ */
	bool raw_tp_cookie;   /* raw tracepoint links with a cookie: 6.10+ */
	bool fentry;	      /* BPF trampolines: fentry/fexit programs load and attach */
	bool fentry_probed;   /* fentry was tried (only when it could be chosen) */
	bool tp_btf;	      /* BTF-typed tracepoint programs load and attach: 5.5+ */
	int rdonly_cast_id;   /* BTF id of kfunc bpf_rdonly_cast when it casts to void */
	char kprobe_why[160]; /* why not, when false */
	char kprobe_multi_why[160];
	char fentry_why[160];
	char tp_btf_why[160];
	char tp_choice[200]; /* why auto took tracepoint or tp_btf; "" if not auto */
};

struct btf;

void features_probe(struct kernel_features *f, const char *tracefs);
/*
 * Loads and attaches a do-nothing fentry program to a function of btf
 * (vmlinux).  Separate because a trampoline's removal waits for RCU
 * tasks: only done when fentry could be the backend.
 */
void features_probe_fentry(struct kernel_features *f, const struct btf *btf);
/* Loads and attaches a do-nothing tp_btf program to skb:kfree_skb. */
void features_probe_tp_btf(struct kernel_features *f, const struct btf *btf);
/* Sets rdonly_cast_id when programs may read kernel memory in place. */
void features_probe_direct(struct kernel_features *f, const struct btf *btf);
/* Attaches prog_fd to tracepoint name with cookie; a link fd or -errno. */
int raw_tp_open_cookie(const char *name, int prog_fd, unsigned long long cookie);

#endif
