// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "load/tracer.h"
#include "probe/list.h"

static const char *unreadable_why(const struct selection *s, const struct probe *p)
{
	if (s->backend == BACKEND_FENTRY && p->nr_args > SKBT_FENTRY_MAX_ARGS)
		return "(more arguments than a BPF program can be verified against)";
	return "(sk_buff beyond what the backend reads)";
}

void list_funcs(const struct selection *s)
{
	struct tracer_cfg probe_only = {.backend = s->backend};
	char buf[128];

	printf("%-48s %-4s %-7s %s\n", "NAME", "SKB", "REASON", "PROGRAM");
	for (size_t i = 0; i < s->probes->n; i++) {
		const struct probe *p = &s->probes->v[i];
		const char *prog = prog_name_for(&probe_only, p);
		char reason[8] = "-";

		if (p->reason_arg)
			snprintf(reason, sizeof(reason), "%d", p->reason_arg);
		printf("%-48s %-4d %-7s %s%s%s%s\n", probe_display_name(p, buf, sizeof(buf)),
		       p->skb_arg, reason, prog ? prog : unreadable_why(s, p),
		       p->module ? " [" : "", p->module ? p->module : "", p->module ? "]" : "");
	}
	printf("# backend %s: %zu probes, %zu whose sk_buff the backend cannot read",
	       backend_name(s->backend), s->probes->n - s->unreadable, s->unreadable);
	if (s->probe_source)
		printf(", %zu not probeable (per %s)", s->unprobeable, s->probe_source);
	printf("\n");
}
