// SPDX-License-Identifier: GPL-2.0
/*
 * What a drop event says besides its reason: where the kernel dropped
 * it, the netfilter hook, the socket, and the hint (diag/), as JSON
 * fields, as lines under a trace's event line, or as --drops-only's
 * tcpdrop-like line.  Only drops come here, so plain snprintf-built
 * names are affordable: a drop storm is counted by --drop-summary.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "diag/drop_desc.h"
#include "diag/sock.h"
#include "out/color.h"
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

/* What makes two drops read the same: their names, location, netns, hint. */
struct drop_key {
	unsigned long long location, above[SKBT_DROP_ABOVE];
	unsigned int reason, netns;
	unsigned int flags; /* of the event: tuple, ports, socket */
	char ifname[SKBT_IFNAMSIZ];
	struct skbt_tuple tuple;
	struct skbt_sock sock;
};

/*
 * A storm drops the same packet over and over: its description and hint
 * (~3 us to build: symbol lookups, the hint table, the template) are
 * kept per key in a small direct-mapped cache.
 */
#define DROP_CACHE 64

struct drop_entry {
	bool used;
	struct drop_key k;
	struct drop_desc d; /* d.ctx is not used once the hint is rendered */
	char hint[HINT_MAX];
};

struct drop_cache {
	struct drop_entry e[DROP_CACHE];
};

static void key_of(const struct skbt_event *e, struct drop_key *k)
{
	memset(k, 0, sizeof(*k));
	k->location = e->drop_location;
	memcpy(k->above, e->drop_above, sizeof(k->above));
	k->reason = e->reason;
	k->netns = e->netns;
	k->flags = e->flags & (SKBT_F_HAS_TUPLE | SKBT_F_HAS_PORTS | SKBT_F_HAS_SOCK);
	if (e->ifindex)
		memcpy(k->ifname, e->ifname, sizeof(k->ifname));
	if (e->flags & SKBT_F_HAS_TUPLE)
		k->tuple = e->tuple;
	if (e->flags & SKBT_F_HAS_SOCK)
		k->sock = e->sock;
}

static size_t key_hash(const struct drop_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	unsigned long long h = 1469598103934665603ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h % DROP_CACHE;
}

static void describe_into(const struct output *o, const struct skbt_event *e, struct drop_entry *x)
{
	struct drop_namer fallback = {.dr = o->dr, .ks = o->ks};
	struct drop_facts f = {
		.reason = e->reason,
		.location = e->drop_location,
		.above = e->drop_above,
		.netns = e->netns,
		.ifname = e->ifindex ? e->ifname : NULL,
		.tuple = e->flags & SKBT_F_HAS_TUPLE ? &e->tuple : NULL,
		.has_ports = e->flags & SKBT_F_HAS_PORTS,
		.sk = e->flags & SKBT_F_HAS_SOCK ? &e->sock : NULL,
	};

	drop_describe(o->nm ? o->nm : &fallback, &f, &x->d);
	drop_hint(&x->d.ctx, x->hint, sizeof(x->hint));
}

/* The drop's description and hint, from the cache when the same drop was described. */
static const struct drop_entry *describe(struct output *o, const struct skbt_event *e)
{
	struct out_priv *pv = o->priv;
	struct drop_entry *x;
	struct drop_key k;

	if (!pv->drops && !(pv->drops = calloc(1, sizeof(*pv->drops))))
		return NULL;
	key_of(e, &k);
	x = &pv->drops->e[key_hash(&k)];
	if (x->used && !memcmp(&x->k, &k, sizeof(k)))
		return x;
	x->k = k;
	x->used = true;
	describe_into(o, e, x);
	return x;
}

void drop_fmt_free(struct out_priv *pv)
{
	free(pv->drops);
	pv->drops = NULL;
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
	const struct drop_entry *x;

	if (!has_detail(e) || !(x = describe(o, e)))
		return;
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	if (x->d.subsys) {
		ap_lit(b, ",\"drop_subsys\":");
		ap_json_str(b, x->d.subsys, 64);
	}
	if (x->d.location[0]) {
		ap_lit(b, ",\"drop_location\":");
		ap_json_str(b, x->d.location, sizeof(x->d.location));
	}
	ap_drop_src_json(o, e->drop_location);
	ob_reserve(b, 2 * HINT_MAX + 512);
	if (x->d.hook) {
		ap_lit(b, ",\"drop_hook\":\"");
		ap_str(b, x->d.hook->hook);
		ap_c(b, '"');
	}
	if (e->flags & SKBT_F_HAS_SOCK)
		json_sock(b, &e->sock);
	ap_lit(b, ",\"hint\":");
	ap_json_str(b, x->hint, sizeof(x->hint));
}

/* ---- text under an event line -------------------------------------------------- */

/* "    hint: ...", highlighted on a terminal: what to do next. */
static void ap_hint_line(const struct output *o, const char *hint)
{
	struct obuf *b = out_buf(o);

	ob_reserve(b, 2 * HINT_MAX + 64);
	ap_lit(b, "    ");
	ap_color(b, o->cfg.color, COLOR_HINT);
	ap_lit(b, "hint: ");
	ap_str(b, hint);
	ap_color(b, o->cfg.color, COLOR_RESET);
	ap_c(b, '\n');
}

/* "    at nft_do_chain+0x46f (INPUT hook), on tcp ESTABLISHED ..." then "    hint: ..." */
void text_drop_detail(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	const struct drop_entry *x;
	char sk[160];

	if (!has_detail(e) || !(x = describe(o, e)))
		return;
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	ap_lit(b, "    at ");
	ap_str(b, x->d.location[0] ? x->d.location : "an unknown site");
	if (x->d.hook) {
		ap_lit(b, " (");
		ap_str(b, x->d.hook->hook);
		ap_lit(b, " hook)");
	}
	if (e->flags & SKBT_F_HAS_SOCK) {
		sock_str(sk, sizeof(sk), &e->sock);
		ap_lit(b, ", socket ");
		ap_str(b, sk);
	}
	ap_c(b, '\n');
	ap_frame_src_text(o, e->drop_location);
	ap_hint_line(o, x->hint);
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
	ap_flow_ends(b, t, ports, " > ");
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
	const struct drop_entry *x = describe(o, e);
	char *col;

	if (!x)
		return;
	ob_reserve(b, 2 * HINT_MAX + DROP_LOCATION_MAX + 512);
	col = b->p;
	ap_wall(o, e->ts);
	b->p -= 3; /* microseconds, as tcpdrop */
	ap_pad(b, col, W_DTIME - 3);
	col = b->p;
	ap_name(b, x->d.ns.name, strlen(x->d.ns.name));
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
	/* in a drop's red; the padding counts only what shows */
	ap_color(b, o->cfg.color, COLOR_DROP);
	col = b->p;
	ap_str(b, x->d.reason_short);
	if (o->cfg.color) {
		ap_lit(b, COLOR_RESET);
		col += sizeof(COLOR_RESET) - 1;
	}
	ap_pad(b, col, W_DREASON);
	ap_str(b, x->d.location[0] ? x->d.location : "-");
	ap_c(b, '\n');
	ap_frame_src_text(o, e->drop_location);
	ap_hint_line(o, x->hint);
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

/* ---- -w record comments ------------------------------------------------------------ */

/*
 * " at=nft_do_chain+0x46f hook=INPUT": where a drop event's packet died,
 * within the caller's OUT_LINE_MAX (a reservation here could flush the
 * comment being built into the text output).
 */
void ap_drop_words(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	const struct drop_entry *x;

	if (!has_detail(e) || !(x = describe(o, e)))
		return;
	if (x->d.location[0]) {
		ap_lit(b, " at=");
		ap_str(b, x->d.location);
	}
	if (x->d.hook) {
		ap_lit(b, " hook=");
		ap_str(b, x->d.hook->hook);
	}
}
