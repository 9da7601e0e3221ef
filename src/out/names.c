// SPDX-License-Identifier: GPL-2.0
/*
 * Names printed for what an event holds as numbers: kernel addresses
 * (symbols, cached per address: a trace hits the same few hundred
 * functions millions of times), tracepoint probes and drop reasons.
 */
#include <stdlib.h>
#include <string.h>

#include "diag/drop_reason.h"
#include "probe/ksyms.h"
#include "out/priv.h"

static struct sym_slot *sym_get(struct output *o, unsigned long long addr)
{
	struct out_priv *pv = o->priv;
	size_t h = (addr ^ addr >> 12 ^ addr >> 24) & (SYM_CACHE_SIZE - 1);
	struct sym_slot *s = &pv->syms[h];

	if (s->used && s->addr == addr)
		return s;
	s->addr = addr;
	s->used = true;
	s->sym = o->ks ? ksyms_lookup(o->ks, addr) : NULL;
	s->len = s->sym ? strnlen(s->sym->name, OUT_NAME_MAX) : 0;
	return s;
}

const struct ksym *frame_ksym(struct output *o, unsigned long long addr)
{
	return sym_get(o, addr)->sym;
}

/* "sym+0xoff", with " [module]" when asked and the symbol has one. */
void ap_frame(struct output *o, unsigned long long addr, bool module)
{
	struct sym_slot *s = sym_get(o, addr);
	struct obuf *b = out_buf(o);

	if (!s->sym) {
		ap_hexaddr(b, addr);
		return;
	}
	ap_mem(b, s->sym->name, s->len);
	ap_lit(b, "+0x");
	ap_hex(b, addr - s->sym->addr);
	if (module && s->sym->module) {
		ap_lit(b, " [");
		ap_name(b, s->sym->module, strnlen(s->sym->module, OUT_NAME_MAX));
		ap_c(b, ']');
	}
}

static const char *tp_name(struct output *o, unsigned long long idx)
{
	struct out_priv *pv = o->priv;
	char buf[256];

	if (!o->probes || idx >= o->probes->n)
		return NULL;
	if (idx >= pv->ntp) {
		char **v = realloc(pv->tp_names, o->probes->n * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + pv->ntp, 0, (o->probes->n - pv->ntp) * sizeof(*v));
		pv->tp_names = v;
		pv->ntp = o->probes->n;
	}
	if (!pv->tp_names[idx])
		pv->tp_names[idx] =
			strdup(probe_display_name(&o->probes->v[idx], buf, sizeof(buf)));
	return pv->tp_names[idx];
}

/* The probed function or tracepoint, without the drop reason. */
void ap_func(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	struct sym_slot *s;

	if (e->flags & SKBT_F_TRACEPOINT) {
		const char *n = tp_name(o, e->func);

		if (n) {
			ap_name(b, n, strlen(n));
		} else {
			ap_lit(b, "tracepoint#");
			ap_u64(b, e->func);
		}
		return;
	}
	s = sym_get(o, e->func);
	if (s->sym)
		ap_mem(b, s->sym->name, s->len);
	else
		ap_hexaddr(b, e->func);
}

void ap_reason(struct output *o, unsigned int reason)
{
	struct obuf *b = out_buf(o);
	char buf[16];
	const char *n = drop_reason_name(o->dr, reason, buf, sizeof(buf));

	ap_name(b, n, strlen(n));
}
