/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes --filter-track-skb needs besides the selected ones: where
 * tracked skbs are freed, and where they are cloned (docs/design.md).
 */
#ifndef SKBT_TRACK_HOOKS_H
#define SKBT_TRACK_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include "opts.h"
#include "probes.h"

/*
 * Whether tracked skbs are forgotten at the free tracepoints (the
 * tracepoint backend, or a kernel without kfree_skbmem) rather than
 * where a function backend sees the struct freed.
 */
bool track_free_at_tracepoints(const struct probe_list *found, enum backend backend);
/*
 * Appends to probes, from found: the free points not selected already
 * (role PROBE_ROLE_FORGET) and, with kprobes, the cloning functions
 * (entry and return).  Adds how many to *added.  0 or -ENOMEM.
 */
int track_add_hooks(const struct probe_list *found, struct probe_list *probes, bool tp_free,
		    bool kprobes, size_t *added);

#endif
