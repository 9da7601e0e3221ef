// SPDX-License-Identifier: GPL-2.0
/*
 * Stacks: reading the BPF stack trace map (--output-stack) and the first
 * caller kept in the event (--output-caller), both past the frames that
 * belong to the tracing machinery rather than to the traced code.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "probe/kernel_syms.h"
#include "probe/ksyms.h"
#include "out/priv.h"

/*
 * How many leading frames belong to the tracing machinery: on a raw
 * tracepoint the stack starts in our own program and bpf_trace_runN
 * (and __bpf_trace_<tp> on older kernels); the frame after the last of
 * those is the function that hit the tracepoint.
 */
static size_t tracing_frames(const struct output *o, const unsigned long long *f, size_t n)
{
	size_t skip = 0;

	for (size_t i = 0; o->ks && i < n && i < 6; i++) {
		const struct ksym *k = ksyms_lookup(o->ks, f[i]);

		if (k && ksym_is_tracing_internal(k->name))
			skip = i + 1;
	}
	return skip;
}

/*
 * A fentry program's stack starts in its trampoline (the program's own
 * frame is skipped in BPF), called from the traced function's first
 * instruction; trampolines are newer than our kallsyms snapshot, so they
 * are told by position, not name: the frames before the traced
 * function's own.  n when it is not among them.
 */
static size_t trampoline_frames(const struct output *o, const unsigned long long *f, size_t n,
				unsigned long long func)
{
	const struct ksym *fk = o->ks ? ksyms_lookup(o->ks, func) : NULL;

	for (size_t i = 0; fk && i < n && i < 6; i++)
		if (ksyms_lookup(o->ks, f[i]) == fk)
			return i;
	return n;
}

unsigned long long first_caller(const struct output *o, const struct skbt_event *e)
{
	size_t i = 0;

	if (e->flags & SKBT_F_TRACEPOINT)
		i = tracing_frames(o, e->caller, SKBT_CALLER_FRAMES);
	else if (e->flags & SKBT_F_FENTRY)
		i = trampoline_frames(o, e->caller, SKBT_CALLER_FRAMES, e->func) + 1;
	for (; i < SKBT_CALLER_FRAMES; i++)
		if (e->caller[i])
			return e->caller[i];
	return 0;
}

/*
 * The stack map is created after the formatter, so the buffer is sized
 * from the map itself on first use: a lookup writes the map's whole
 * value size, whatever we would like to print.
 */
static bool stack_buf(struct output *o)
{
	struct out_priv *pv = o->priv;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (pv->stack)
		return true;
	pv->stack_frames = STACK_FRAMES_MAX;
	if (!bpf_obj_get_info_by_fd(o->stack_map_fd, &info, &len) && info.value_size >= 8)
		pv->stack_frames = info.value_size / 8;
	pv->stack = calloc((1 + STACK_CACHE) * pv->stack_frames, sizeof(*pv->stack));
	pv->stack_cache = pv->stack ? pv->stack + pv->stack_frames : NULL;
	return pv->stack != NULL;
}

/*
 * The stack map stores an identical stack once, under one id, and we free
 * each id once read: an event that shares the id of one just printed
 * (a loop over a backlog, say) finds it gone, so recent ones are kept.
 */
static bool lookup_stack(struct output *o, int id)
{
	struct out_priv *pv = o->priv;
	size_t slot = (unsigned int)id % STACK_CACHE, bytes = pv->stack_frames * sizeof(*pv->stack);
	unsigned long long *c = pv->stack_cache + slot * pv->stack_frames;

	if (!bpf_map_lookup_elem(o->stack_map_fd, &id, pv->stack)) {
		/* ids are reused by the kernel once freed: the map never fills */
		bpf_map_delete_elem(o->stack_map_fd, &id);
		memcpy(c, pv->stack, bytes);
		pv->stack_cache_id[slot] = (long long)id + 1;
		return true;
	}
	if (pv->stack_cache_id[slot] != (long long)id + 1)
		return false;
	memcpy(pv->stack, c, bytes);
	return true;
}

/* Reads one stack; returns the frame count, 0 if gone. */
size_t fetch_stack(struct output *o, const struct skbt_event *e)
{
	struct out_priv *pv = o->priv;
	size_t n, skip = 0;

	if (o->stack_map_fd < 0 || e->stack_id < 0 || !stack_buf(o))
		return 0;
	if (!lookup_stack(o, e->stack_id))
		return 0;
	for (n = 0; n < pv->stack_frames && pv->stack[n]; n++)
		;
	if (e->flags & SKBT_F_TRACEPOINT)
		skip = tracing_frames(o, pv->stack, n);
	else if (e->flags & SKBT_F_FENTRY)
		skip = trampoline_frames(o, pv->stack, n, e->func) % (n + 1);
	memmove(pv->stack, pv->stack + skip, (n - skip) * sizeof(*pv->stack));
	return n - skip;
}
