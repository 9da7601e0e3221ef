/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes --filter-track-skb needs besides the selected ones: where
 * tracked skbs are freed, and where they are cloned (docs/design.md).
 */
#ifndef SKBT_TRACK_HOOKS_H
#define SKBT_TRACK_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/probes.h"

/*
 * Whether tracked skbs are forgotten at the free tracepoints (a backend
 * that cannot probe functions, or a kernel without kfree_skbmem) rather
 * than where a function backend sees the struct freed.
 */
bool track_free_at_tracepoints(const struct probe_list *found, bool functions);
/* How clones of tracked skbs are followed. */
enum clone_hooks {
	CLONE_HOOKS_NONE = 0, /* not at all: no kprobes, no trampolines */
	CLONE_HOOKS_KPROBE,   /* kprobe and kretprobe on each cloning function */
	CLONE_HOOKS_FEXIT,    /* one fexit program each: source argument and result */
};

/*
 * Appends to probes, from found: the free points not selected already
 * (role PROBE_ROLE_FORGET) and the cloning functions (roles per clones).
 * Adds how many to *added.  0 or -ENOMEM.
 */
int track_add_hooks(const struct probe_list *found, struct probe_list *probes, bool tp_free,
		    enum clone_hooks clones, size_t *added);

#endif
