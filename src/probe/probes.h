/* SPDX-License-Identifier: GPL-2.0 */
/* The table of probe targets: kernel functions and tracepoints that see an skb. */
#ifndef SKBT_PROBES_H
#define SKBT_PROBES_H

#include <stdbool.h>
#include <stddef.h>

enum probe_kind {
	PROBE_FUNC = 0,
	PROBE_TRACEPOINT = 1,
};

/* Why a probe is attached: to trace, or as a hook of --filter-track-skb. */
enum probe_role {
	PROBE_ROLE_TRACE = 0,
	PROBE_ROLE_FORGET,	/* a free tracepoint not selected: tracked skbs only */
	PROBE_ROLE_CLONE_ENTRY, /* kprobe on a cloning function */
	PROBE_ROLE_CLONE_RET,	/* kretprobe on the same */
	PROBE_ROLE_CLONE_EXIT,	/* fexit on a cloning function (fentry backend) */
};

struct probe {
	char *name;	/* function or tracepoint name, as BTF spells it */
	char *category; /* tracepoint category ("skb"), NULL for functions */
	char *module;	/* owning module, NULL for vmlinux */
	enum probe_kind kind;
	unsigned int btf_id; /* FUNC id, or the btf_trace_<name> typedef id */
	int skb_arg;	     /* 1-based position of the struct sk_buff * argument */
	int reason_arg;	     /* 1-based position of an enum skb_drop_reason, 0 if none */
	int nr_args;
	unsigned long long addr; /* kernel address from kallsyms, 0 if unknown */
	int attach_err;		 /* 0, or the negative errno attaching it gave */
	bool attached;
	enum probe_role role;
};

struct probe_list {
	struct probe *v;
	size_t n, cap;
};

/* Appends a copy of p (strings are duplicated); returns the new entry or NULL. */
struct probe *probe_list_add(struct probe_list *l, const struct probe *p);
void probe_list_free(struct probe_list *l);
/* "category:name" for tracepoints, the plain name for functions. */
const char *probe_display_name(const struct probe *p, char *buf, size_t len);

#endif
