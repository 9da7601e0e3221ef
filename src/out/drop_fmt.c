// SPDX-License-Identifier: GPL-2.0
/*
 * What a drop event says besides its reason: where the kernel dropped
 * it, the netfilter hook, the socket, and the hint (diag/), as JSON
 * fields, as lines under a trace's event line, or as --drops-only's
 * tcpdrop-like line.  Only drops come here, so plain snprintf-built
 * names are affordable: a drop storm is counted by --drop-summary.
 */
#include <string.h>
#include <netinet/in.h>

#include "diag/drop_desc.h"
#include "diag/sock.h"
#include "out/net.h"
#include "out/priv.h"

#define HINT_MAX 1024

/* drops-only column widths */
#define W_DTIME	  18
#define W_DNETNS  16
#define W_DIFACE  10
#define W_DTUPLE  47
#define W_DSTATE  22
#define W_DREASON 24

static void describe(const struct output *o, const struct skbt_event *e, struct drop_desc *d)
{
	struct drop_namer fallback = {.dr = o->dr, .ks = o->ks};
	struct drop_facts f = {
		.reason = e->reason,
		.location = e->drop_location,
		.origin = e->drop_origin,
		.netns = e->netns,
		.ifname = e->ifindex ? e->ifname : NULL,
		.tuple = e->flags & SKBT_F_HAS_TUPLE ? &e->tuple : NULL,
		.has_ports = e->flags & SKBT_F_HAS_PORTS,
		.sk = e->flags & SKBT_F_HAS_SOCK ? &e->sock : NULL,
	};

	drop_describe(o->nm ? o->nm : &fallback, &f, d);
}

static bool has_detail(const struct skbt_event *e)
{
	return e->flags & SKBT_F_DROP;
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_sock(struct obuf *b, const struct skbt_sock *sk)
{
	const char *fam = family_name(sk->family), *proto = l4_name(sk->proto);
	int l3 = family_l3(sk->family);
	char state[16];

	ap_lit(b, ",\"sock\":{\"family\":");
	if (fam) {
		ap_c(b, '"');
		ap_str(b, fam);
		ap_c(b, '"');
	} else {
		ap_u64(b, sk->family);
	}
	ap_lit(b, ",\"proto\":\"");
	if (proto)
		ap_str(b, proto);
	else
		ap_u64(b, sk->proto);
	ap_lit(b, "\",\"state\":\"");
	ap_str(b, sock_state_name(sk, state, sizeof(state)));
	ap_c(b, '"');
	if (l3) {
		ap_lit(b, ",\"saddr\":\"");
		ap_addr(b, sk->saddr, l3, false);
		ap_lit(b, "\",\"sport\":");
		ap_u64(b, sk->sport);
		ap_lit(b, ",\"daddr\":\"");
		ap_addr(b, sk->daddr, l3, false);
		ap_lit(b, "\",\"dport\":");
		ap_u64(b, sk->dport);
	}
	ap_c(b, '}');
}

void json_drop(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	char hint[HINT_MAX];
	struct drop_desc d;

	if (!has_detail(e))
		return;
	describe(o, e, &d);
	drop_hint(&d.ctx, hint, sizeof(hint));
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	if (d.subsys) {
		ap_lit(b, ",\"drop_subsys\":");
		ap_json_str(b, d.subsys, 64);
	}
	if (d.location[0]) {
		ap_lit(b, ",\"drop_location\":");
		ap_json_str(b, d.location, sizeof(d.location));
	}
	if (d.hook) {
		ap_lit(b, ",\"drop_hook\":\"");
		ap_str(b, d.hook->hook);
		ap_c(b, '"');
	}
	if (e->flags & SKBT_F_HAS_SOCK)
		json_sock(b, &e->sock);
	ap_lit(b, ",\"hint\":");
	ap_json_str(b, hint, sizeof(hint));
}

/* ---- text under an event line -------------------------------------------------- */

/* "    at nft_do_chain+0x46f (INPUT hook), on tcp ESTABLISHED ..." then "    hint: ..." */
void text_drop_detail(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	char hint[HINT_MAX], sk[160];
	struct drop_desc d;

	if (!has_detail(e))
		return;
	describe(o, e, &d);
	drop_hint(&d.ctx, hint, sizeof(hint));
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	ap_lit(b, "    at ");
	ap_str(b, d.location[0] ? d.location : "an unknown site");
	if (d.hook) {
		ap_lit(b, " (");
		ap_str(b, d.hook->hook);
		ap_lit(b, " hook)");
	}
	if (e->flags & SKBT_F_HAS_SOCK) {
		sock_str(sk, sizeof(sk), &e->sock);
		ap_lit(b, ", socket ");
		ap_str(b, sk);
	}
	ap_lit(b, "\n    hint: ");
	ap_str(b, hint);
	ap_c(b, '\n');
}

/* ---- --drops-only ------------------------------------------------------------------ */

static void ap_tuple_arrow(struct obuf *b, const struct skbt_event *e)
{
	const struct skbt_tuple *t = &e->tuple;
	bool ports = e->flags & SKBT_F_HAS_PORTS;

	if (!(e->flags & SKBT_F_HAS_TUPLE)) {
		ap_c(b, '-');
		return;
	}
	ap_addr(b, t->saddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->sport);
	}
	ap_lit(b, " > ");
	ap_addr(b, t->daddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->dport);
	}
}

/* tcpdrop's "STATE (FLAGS)": the socket's state, the TCP flags or the protocol. */
static void ap_state_flags(struct obuf *b, const struct skbt_event *e)
{
	char state[16];

	if (e->flags & SKBT_F_HAS_SOCK)
		ap_str(b, sock_state_name(&e->sock, state, sizeof(state)));
	else
		ap_c(b, '-');
	ap_lit(b, " (");
	if (!(e->flags & SKBT_F_HAS_TUPLE))
		ap_c(b, '-');
	else if (e->tuple.l4 == IPPROTO_TCP)
		ap_tcp_flags(b, e->tuple.tcp_flags);
	else
		ap_l4(b, e->tuple.l4);
	ap_c(b, ')');
}

void drop_line(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	char hint[HINT_MAX], *col;
	struct drop_desc d;

	describe(o, e, &d);
	drop_hint(&d.ctx, hint, sizeof(hint));
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	col = b->p;
	ap_wall(o, e->ts);
	b->p -= 3; /* microseconds, as tcpdrop */
	ap_pad(b, col, W_DTIME - 3);
	col = b->p;
	ap_name(b, d.ns.name, strlen(d.ns.name));
	ap_pad(b, col, W_DNETNS);
	col = b->p;
	if (e->ifindex && e->ifname[0])
		ap_text_bytes(b, e->ifname, SKBT_IFNAMSIZ);
	else
		ap_c(b, '-');
	ap_pad(b, col, W_DIFACE);
	col = b->p;
	ap_tuple_arrow(b, e);
	ap_pad(b, col, W_DTUPLE);
	col = b->p;
	ap_state_flags(b, e);
	ap_pad(b, col, W_DSTATE);
	col = b->p;
	ap_str(b, d.reason_short);
	ap_pad(b, col, W_DREASON);
	ap_str(b, d.location[0] ? d.location : "-");
	ap_lit(b, "\n    hint: ");
	ap_str(b, hint);
	ap_c(b, '\n');
}

void drop_line_header(struct output *o)
{
	static const char *const names[] = {
		"TIME", "NETNS", "IFACE", "SADDR:SPORT > DADDR:DPORT", "STATE (FLAGS)", "REASON"};
	static const int widths[] = {W_DTIME - 3, W_DNETNS, W_DIFACE,
				     W_DTUPLE,	  W_DSTATE, W_DREASON};
	struct obuf *b = out_buf(o);

	ob_reserve(b, OUT_LINE_MAX);
	for (int i = 0; i < 6; i++) {
		char *col = b->p;

		ap_str(b, names[i]);
		ap_pad(b, col, widths[i]);
	}
	ap_lit(b, "LOCATION\n");
}
