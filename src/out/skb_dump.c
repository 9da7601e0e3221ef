// SPDX-License-Identifier: GPL-2.0
/*
 * --output-skb: the event's copy of struct sk_buff, printed member by
 * member by libbpf's btf_dump into a growing string.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>

#include "out/priv.h"

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	struct out_priv *pv = ctx;
	va_list copy;
	int n;

	if (pv->dump_oom)
		return;
	va_copy(copy, args);
	n = vsnprintf(pv->dump_buf + pv->dump_len, pv->dump_cap - pv->dump_len, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= pv->dump_cap - pv->dump_len) {
		size_t cap = (pv->dump_len + n + 1) * 2;
		char *p = realloc(pv->dump_buf, cap);

		if (!p) {
			pv->dump_oom = true;
			return;
		}
		pv->dump_buf = p;
		pv->dump_cap = cap;
		vsnprintf(p + pv->dump_len, cap - pv->dump_len, fmt, args);
	}
	pv->dump_len += n;
}

static void dump_str(struct out_priv *pv, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	dump_printf(pv, fmt, args);
	va_end(args);
}

/* The event's struct sk_buff bytes as btf_dump prints them, or NULL. */
const char *dump_skb(struct output *o, const struct skbt_event *e, size_t size, bool compact)
{
	struct out_priv *pv = o->priv;
	size_t len = size - SKBT_EVENT_MIN;
	/*
	 * emit_zeroes: without it libbpf (1.1.2 here, and releases until
	 * the fix) drops a whole struct or union whose first member is zero,
	 * its zero check comparing with ENODATA instead of -ENODATA:
	 * sk_buff's leading union (next, prev, dev) vanished whenever next
	 * was NULL.
	 */
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = compact, .indent_str = "    ",
		    .indent_level = compact ? 0 : 1, .emit_zeroes = true);
	int err;

	if (!pv->dump || !(e->flags & SKBT_F_HAS_SKB_DATA))
		return NULL;
	if (e->skb_data_len < len)
		len = e->skb_data_len;
	pv->dump_len = 0;
	pv->dump_oom = false;
	if (pv->dump_buf)
		pv->dump_buf[0] = '\0';
	err = btf_dump__dump_type_data(pv->dump, o->skb_type_id, e->skb_data, len, &opts);
	/* the copy was shorter than the struct: say so where it stops */
	if (err == -E2BIG)
		dump_str(pv, "%s", compact ? " (truncated)" : "    (truncated)");
	else if (err < 0)
		return NULL;
	return pv->dump_oom || !pv->dump_buf ? NULL : pv->dump_buf;
}

int skb_dump_init(struct output *o, struct out_priv *pv)
{
	if (!o->cfg.skb || !o->btf || o->skb_type_id <= 0)
		return 0;
	pv->dump = btf_dump__new(o->btf, dump_printf, pv, NULL);
	return pv->dump ? 0 : -errno;
}
