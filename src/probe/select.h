/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which of the discovered probes are attached: --filter-func, the drop
 * hook that is always there, the hooks of --filter-track-skb, and what
 * the backend can probe and read.
 */
#ifndef SKBT_SELECT_H
#define SKBT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include "load/backend.h"
#include "probe/probes.h"

struct kernel_features;
struct ksyms;

struct selection {
	enum backend backend;		/* resolved */
	const char *filter_func;	/* --filter-func, or NULL */
	bool drops_only;		/* the drop hook alone (--drops-only, --drop-summary) */
	const struct probe_list *found; /* everything discovery saw */
	struct probe_list *probes;	/* what will be attached */
	size_t track_hooks;		/* probes attached only for --filter-track-skb */
	bool track_tp_free;		/* tracked skbs are forgotten at the free tracepoints */
	size_t unprobeable, unreadable; /* left out: not probeable, sk_buff not readable */
	const char *probe_source;	/* what said which functions are probeable */
};

/*
 * Each returns 0, or an exit status (1: the kernel cannot, 2: bad usage)
 * with the message in err.
 */
/* The drop hook and the probes --filter-func matches (all by default; none with drops_only). */
int select_probes(struct selection *s, char *err, size_t errlen);
/* The free and clone hooks of --filter-track-skb; warns once when clones cannot be followed. */
int select_track_hooks(struct selection *s, const struct kernel_features *kf, bool warn, char *err,
		       size_t errlen);
/* Drops the functions the kernel cannot probe (function backends). */
int select_probeable(struct selection *s, const char *tracefs, const struct ksyms *ks, char *err,
		     size_t errlen);
/* Counts the probes whose sk_buff no program of the backend reads. */
void select_count_unreadable(struct selection *s);

#endif
