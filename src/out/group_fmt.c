// SPDX-License-Identifier: GPL-2.0
/*
 * --output-group: a packet's events under one header line (text) or in
 * one object (JSON), each with the time since the packet's previous one.
 */
#include <errno.h>

#include "out/color.h"
#include "out/priv.h"

static const char *const group_end_names[] = {
	[GROUP_FREED] = "freed",
	[GROUP_EVICTED] = "evicted",
	[GROUP_AT_EXIT] = "in_flight",
	[GROUP_UNTRACKED] = "untracked",
};

static unsigned long long group_span(const struct group_pkt *p)
{
	return p->n ? p->ev[p->n - 1]->e.ts - p->ev[0]->e.ts : 0;
}

/* --- packet 5: 9 events on 2 skbs in 12.345us (freed) */
static void text_group_head(struct obuf *b, const struct group_pkt *p, enum group_end why,
			    bool color)
{
	ap_color(b, color, COLOR_HEAD);
	ap_lit(b, "--- packet ");
	ap_u64(b, p->id);
	ap_lit(b, ": ");
	ap_u64(b, p->n);
	ap_str(b, p->n == 1 ? " event on " : " events on ");
	ap_u64(b, p->nskbs);
	ap_str(b, p->nskbs == 1 ? " skb in " : " skbs in ");
	ap_us(b, group_span(p));
	ap_lit(b, " (");
	ap_str(b, group_end_names[why]);
	ap_c(b, ')');
	ap_color(b, color, COLOR_RESET);
	ap_c(b, '\n');
}

/* {"id":5,"end":"freed","skbs":2,"duration_ns":12345,"events":[{...},...]} */
static void json_group_head(struct obuf *b, const struct group_pkt *p, enum group_end why)
{
	ap_lit(b, "{\"id\":");
	ap_u64(b, p->id);
	ap_lit(b, ",\"end\":\"");
	ap_str(b, group_end_names[why]);
	ap_lit(b, "\",\"skbs\":");
	ap_u64(b, p->nskbs);
	ap_lit(b, ",\"duration_ns\":");
	ap_u64(b, group_span(p));
	ap_lit(b, ",\"events\":[");
}

int output_group(struct output *o, const struct group_pkt *p, enum group_end why)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return -EINVAL;
	ob_reserve(&pv->b, OUT_LINE_MAX);
	if (o->cfg.json)
		json_group_head(&pv->b, p, why);
	else
		text_group_head(&pv->b, p, why, o->cfg.color);
	for (size_t i = 0; i < p->n; i++) {
		const struct group_ev *v = p->ev[i];

		pv->delta_ns = i ? (long long)(v->e.ts - p->ev[i - 1]->e.ts) : 0;
		if (!o->first_ts)
			o->first_ts = v->e.ts;
		ob_reserve(&pv->b, OUT_LINE_MAX);
		if (o->cfg.json) {
			if (i)
				ap_c(&pv->b, ',');
			json_event(o, &v->e, v->size);
		} else {
			text_event(o, &v->e, v->size);
		}
		o->events++;
	}
	if (o->cfg.json)
		ap_lit(&pv->b, "]}\n");
	if (pv->b.p - pv->b.base >= OUT_FLUSH_AT)
		ob_flush(&pv->b);
	return pv->b.err;
}
