// SPDX-License-Identifier: GPL-2.0
/*
 * Events of traced tc and XDP programs (--filter-trace-tc/-xdp): the
 * program named from the table load/attach_bpfprog.c keeps, and at its
 * exit the verdict, with a redirect's target.
 */
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "probe/bpfprogs.h"
#include "out/priv.h"

static enum bpfprog_kind event_kind(const struct skbt_event *e)
{
	return e->flags & SKBT_F_XDP ? BPFPROG_XDP : BPFPROG_TC;
}

/* "tc:NAME"; a program skbtrace has no record of is "tc:prog#ID". */
void ap_prog_func(struct output *o, const struct skbt_event *e)
{
	const struct bpfprog *p = bpfprogs_find(o->progs, (unsigned int)e->func);
	struct obuf *b = out_buf(o);

	ap_str(b, bpfprog_kind_name(event_kind(e)));
	ap_c(b, ':');
	if (p && p->name[0]) {
		ap_name(b, p->name, strnlen(p->name, BPFPROG_NAME_MAX));
		return;
	}
	ap_lit(b, "prog#");
	ap_u64(b, e->func);
}

static void ap_tag(struct obuf *b, const struct bpfprog *p)
{
	for (int i = 0; i < 8; i++)
		ap_hex_w(b, p ? p->tag[i] : 0, 2);
}

static void ap_verdict(struct obuf *b, const struct skbt_event *e)
{
	const char *n = bpfprog_verdict_name(event_kind(e), e->verdict);

	if (n)
		ap_str(b, n);
	else
		ap_i64(b, e->verdict);
}

static bool is_redirect(const struct skbt_event *e)
{
	return (e->flags & SKBT_F_PROG_RET) &&
	       e->verdict == (event_kind(e) == BPFPROG_XDP ? XDP_REDIRECT : TC_ACT_REDIRECT);
}

/* After the name in text: " [id N tag T]", at the exit " -> VERDICT [to ...]". */
void text_prog(struct output *o, const struct skbt_event *e)
{
	const struct bpfprog *p = bpfprogs_find(o->progs, (unsigned int)e->func);
	struct obuf *b = out_buf(o);

	ap_lit(b, "[id ");
	ap_u64(b, e->func);
	ap_lit(b, " tag ");
	ap_tag(b, p);
	ap_c(b, ']');
	if (!(e->flags & SKBT_F_PROG_RET))
		return;
	ap_lit(b, " -> ");
	ap_verdict(b, e);
	if (!is_redirect(e))
		return;
	if (e->redirect_map) {
		ap_lit(b, " via map ");
		ap_u64(b, e->redirect_map);
		ap_lit(b, " key ");
	} else {
		ap_str(b, e->redirect_flags & BPF_F_INGRESS ? " to ingress of ifindex "
							    : " to ifindex ");
	}
	ap_u64(b, e->redirect);
}

/* JSON: "bpf_prog":{...}, and at the exit "verdict" and any "redirect". */
void json_prog(struct output *o, const struct skbt_event *e)
{
	const struct bpfprog *p = bpfprogs_find(o->progs, (unsigned int)e->func);
	struct obuf *b = out_buf(o);

	ap_lit(b, ",\"bpf_prog\":{\"type\":\"");
	ap_str(b, bpfprog_kind_name(event_kind(e)));
	ap_lit(b, "\",\"id\":");
	ap_u64(b, e->func);
	/* The kernel allows letters, digits, '_' and '.' in names: nothing to escape. */
	ap_lit(b, ",\"name\":\"");
	if (p)
		ap_name(b, p->name, strnlen(p->name, BPFPROG_NAME_MAX));
	ap_lit(b, "\",\"tag\":\"");
	ap_tag(b, p);
	ap_lit(b, "\"}");
	if (!(e->flags & SKBT_F_PROG_RET))
		return;
	ap_lit(b, ",\"verdict\":\"");
	ap_verdict(b, e);
	ap_lit(b, "\",\"verdict_code\":");
	ap_i64(b, e->verdict);
	if (!is_redirect(e))
		return;
	ap_lit(b, ",\"redirect\":{\"");
	ap_str(b, e->redirect_map ? "map_id\":" : "ifindex\":");
	if (e->redirect_map) {
		ap_u64(b, e->redirect_map);
		ap_lit(b, ",\"key\":");
	}
	ap_u64(b, e->redirect);
	ap_lit(b, ",\"ingress\":");
	ap_str(b, !e->redirect_map && (e->redirect_flags & BPF_F_INGRESS) ? "true" : "false");
	ap_c(b, '}');
}
