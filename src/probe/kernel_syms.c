// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "probe/kernel_syms.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct kernel_sym {
	const char *name;
	enum probe_kind kind;
	unsigned int roles; /* enum ksym_role bits */
	int skb_arg, reason_arg;
	enum ksym_drop drop;
} syms[] = {
	{KSYM_DROP_TRACEPOINT, PROBE_TRACEPOINT, KSYM_DROP | KSYM_FREE, 1, 3, KSYM_DROP_TP},
	{"consume_skb", PROBE_TRACEPOINT, KSYM_FREE | KSYM_CONSUME, 1, 0, KSYM_DROP_NONE},
	{"sk_skb_reason_drop", PROBE_FUNC, KSYM_DROP, 2, 3, KSYM_DROP_R3},
	{"kfree_skb_reason", PROBE_FUNC, KSYM_DROP, 1, 2, KSYM_DROP_R2},
	/* The struct goes back to the allocator here. */
	{KSYM_SKB_FREE, PROBE_FUNC, KSYM_FREE, 1, 0, KSYM_DROP_NONE},
	{"napi_skb_cache_put", PROBE_FUNC, KSYM_FREE, 1, 0, KSYM_DROP_NONE},
	{"kfree_skb_partial", PROBE_FUNC, KSYM_FREE, 1, 0, KSYM_DROP_NONE},
	{"skb_clone", PROBE_FUNC, KSYM_CLONE, 1, 0, KSYM_DROP_NONE},
	{"skb_copy", PROBE_FUNC, KSYM_CLONE, 1, 0, KSYM_DROP_NONE},
	{"__pskb_copy_fclone", PROBE_FUNC, KSYM_CLONE, 1, 0, KSYM_DROP_NONE},
	{"skb_copy_expand", PROBE_FUNC, KSYM_CLONE, 1, 0, KSYM_DROP_NONE},
};

static const char *const tracing_prefixes[] = {
	"bpf_trace_run", "__bpf_trace_",	   "__traceiter_",     "__probestub_",
	"perf_trace_",	 "trace_event_raw_event_", "trace_raw_output_"};

static const struct kernel_sym *find(const struct probe *p)
{
	for (size_t i = 0; i < ARRAY_LEN(syms); i++)
		if (syms[i].kind == p->kind && !strcmp(syms[i].name, p->name))
			return &syms[i];
	return NULL;
}

bool ksym_has(const struct probe *p, enum ksym_role role)
{
	const struct kernel_sym *s = find(p);

	if (!s || !(s->roles & role) || p->skb_arg != s->skb_arg)
		return false;
	if (role == KSYM_DROP && p->reason_arg != s->reason_arg)
		return false;
	return p->kind != PROBE_FUNC || !p->module;
}

enum ksym_drop ksym_drop(const struct probe *p)
{
	return ksym_has(p, KSYM_DROP) ? find(p)->drop : KSYM_DROP_NONE;
}

bool ksym_is_drop_tracepoint(const struct probe *p)
{
	return p->kind == PROBE_TRACEPOINT && !strcmp(p->name, KSYM_DROP_TRACEPOINT);
}

bool ksym_is_tracing_internal(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(tracing_prefixes); i++)
		if (!strncmp(name, tracing_prefixes[i], strlen(tracing_prefixes[i])))
			return true;
	return false;
}
