// SPDX-License-Identifier: GPL-2.0
/*
 * Event formatting: the formatter's life (init, flush, free) and the
 * dispatch of one event to text.c or json.c.  The parts of the
 * formatter, each in its own file of src/out/:
 *   buf.c       the output buffer and its appenders (a printf replacement)
 *   net.c       addresses, protocols, TCP flags
 *   names.c     kernel symbols (cached), probe names, drop reasons
 *   stack.c     the stack map and the caller, past the tracing frames
 *   skb_dump.c  --output-skb: struct sk_buff from BTF
 *   text.c      text columns and their header
 *   json.c      JSON lines
 *   group_fmt.c --output-group: a packet's events together
 *   drop_fmt.c  a drop's site, hook, socket and hint; --drops-only lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>

#include "out/priv.h"

int output_init(struct output *o)
{
	struct out_priv *pv = calloc(1, sizeof(*pv));
	int err = -ENOMEM;

	if (!pv)
		return -ENOMEM;
	o->priv = pv;
	pv->hms_sec = -1;
	pv->b.base = malloc(OUT_BUF_SIZE);
	if (!pv->b.base)
		goto fail;
	pv->b.p = pv->b.base;
	pv->b.end = pv->b.base + OUT_BUF_SIZE;
	pv->b.f = o->f;
	err = skb_dump_init(o, pv);
	if (err)
		goto fail;
	return 0;
fail:
	output_free(o);
	return err;
}

int output_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return -EINVAL;
	if (size < SKBT_EVENT_MIN)
		return -EINVAL;
	if (!o->first_ts)
		o->first_ts = e->ts;
	ob_reserve(&pv->b, OUT_LINE_MAX);
	if (o->cfg.json) {
		json_event(o, e, size);
		ap_c(&pv->b, '\n');
	} else if (o->cfg.drops_only) {
		drop_line(o, e);
	} else {
		text_event(o, e, size);
	}
	o->events++;
	if (pv->b.p - pv->b.base >= OUT_FLUSH_AT)
		ob_flush(&pv->b);
	return pv->b.err;
}

int output_flush(struct output *o)
{
	struct out_priv *pv = o->priv;
	int err;

	if (!pv)
		return 0;
	err = ob_flush(&pv->b);
	if (fflush(o->f) && !err)
		err = pv->b.err = -errno;
	return err;
}

void output_free(struct output *o)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return;
	if (pv->b.base)
		output_flush(o);
	for (size_t i = 0; i < pv->ntp; i++)
		free(pv->tp_names[i]);
	free(pv->tp_names);
	drop_fmt_free(pv);
	btf_dump__free(pv->dump);
	free(pv->dump_buf);
	free(pv->stack);
	free(pv->b.base);
	free(pv);
	o->priv = NULL;
}
