// SPDX-License-Identifier: GPL-2.0
/* Text output: pwru-style columns under a header line, one event a line. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "diag/drop_desc.h"
#include "out/color.h"
#include "out/net.h"
#include "out/priv.h"

/* Text column widths; the header goes through the same padding. */
#define W_TIME	  18
#define W_SKB	  18
#define W_CPU	  3
#define W_PROCESS 20
#define W_NETNS	  16
#define W_MARK	  10
#define W_IFACE	  16
#define W_PROTO	  6
#define W_MTU	  5
#define W_LEN	  5
#define W_TUPLE	  48
#define W_FUNC	  40
#define W_ID	  12
#define W_DELTA	  13

/* ---- strings from the kernel ------------------------------------------ */

/* comm and ifname hold any byte; control bytes would break the line. */
void ap_text_bytes(struct obuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f) {
			ap_lit(b, "\\x");
			ap_hex_w(b, c, 2);
		} else {
			ap_c(b, c);
		}
	}
}

/* ---- time ------------------------------------------------------------ */

void ap_wall(struct output *o, unsigned long long ts)
{
	struct out_priv *pv = o->priv;
	unsigned long long wall = ts + o->mono_to_real_ns;
	long long sec = wall / 1000000000ULL;

	/* localtime_r takes a lock and reads the zone: once a second is plenty */
	if (sec != pv->hms_sec) {
		time_t t = sec;
		struct tm tm;
		struct obuf tmp = {.p = pv->hms};

		localtime_r(&t, &tm);
		ap_u64_w(&tmp, tm.tm_hour, 2);
		ap_c(&tmp, ':');
		ap_u64_w(&tmp, tm.tm_min, 2);
		ap_c(&tmp, ':');
		ap_u64_w(&tmp, tm.tm_sec, 2);
		pv->hms_sec = sec;
	}
	ap_mem(&pv->b, pv->hms, 8);
	ap_c(&pv->b, '.');
	ap_u64_w(&pv->b, wall % 1000000000ULL, 9);
}

static void ap_time_text(struct output *o, unsigned long long ts)
{
	struct obuf *b = out_buf(o);

	switch (o->cfg.ts) {
	case TS_CURRENT:
		ap_wall(o, ts);
		break;
	case TS_RELATIVE:
		ap_i64(b, rel_ts(o, ts));
		break;
	default:
		ap_u64(b, ts);
	}
}

/* ---- text ------------------------------------------------------------- */

static void text_process(struct obuf *b, const struct skbt_event *e)
{
	ap_c(b, '[');
	ap_u64(b, e->pid);
	ap_lit(b, "] ");
	ap_text_bytes(b, e->comm, SKBT_COMMLEN);
}

static void text_iface(struct obuf *b, const struct skbt_event *e)
{
	ap_u64(b, e->ifindex);
	if (!e->ifindex || !e->ifname[0])
		return;
	ap_c(b, '(');
	ap_text_bytes(b, e->ifname, SKBT_IFNAMSIZ);
	ap_c(b, ')');
}

/*
 * The namespace by name (/run/netns, pid:PID:COMM, host), as the drop
 * lines name it; the inode where nothing names it, and in JSON.
 */
static void text_netns(const struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	struct netns_id id;

	if (!o->nm || !o->nm->nn) {
		ap_u64(b, e->netns);
		return;
	}
	netns_name(o->nm->nn, e->netns, &id);
	ap_text_bytes(b, id.name, sizeof(id.name));
}

static void text_meta(const struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	char *col = b->p;

	text_netns(o, e);
	ap_pad(b, col, W_NETNS);
	col = b->p;
	ap_hexaddr(b, e->mark);
	ap_pad(b, col, W_MARK);
	col = b->p;
	text_iface(b, e);
	ap_pad(b, col, W_IFACE);
	col = b->p;
	ap_lit(b, "0x");
	ap_hex_w(b, e->proto, 4);
	ap_pad(b, col, W_PROTO);
	col = b->p;
	ap_u64(b, e->mtu);
	ap_pad(b, col, W_MTU);
	col = b->p;
	ap_u64(b, e->len);
	ap_pad(b, col, W_LEN);
}

/* 10.0.0.1:53->10.0.0.2:9999(udp), [fd00::1]:80->[fd00::2]:1234(tcp:SYN|ACK) */
static void text_tuple(struct obuf *b, const struct skbt_event *e)
{
	const struct skbt_tuple *t = &e->tuple;
	bool ports = e->flags & SKBT_F_HAS_PORTS;

	if (!(e->flags & SKBT_F_HAS_TUPLE)) {
		ap_c(b, '-');
		return;
	}
	ap_flow_ends(b, t, ports, "->");
	ap_c(b, '(');
	ap_l4(b, t->l4);
	if (t->l4 == 6 && t->tcp_flags) {
		ap_c(b, ':');
		ap_tcp_flags(b, t->tcp_flags);
	}
	ap_c(b, ')');
}

static void text_stack(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	size_t n;

	if (e->flags & SKBT_F_STACK_LOST) {
		ob_reserve(b, 64);
		ap_lit(b, "    (stack lost: stack map full)\n");
	}
	if (!(e->flags & SKBT_F_HAS_STACK))
		return;
	n = fetch_stack(o, e);
	for (size_t i = 0; i < n; i++) {
		ob_reserve(b, 2 * OUT_NAME_MAX + 64);
		ap_lit(b, "    ");
		ap_frame(o, ((struct out_priv *)o->priv)->stack[i], true);
		ap_c(b, '\n');
		ap_frame_src_text(o, ((struct out_priv *)o->priv)->stack[i]);
	}
}

static void text_skb(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = out_buf(o);
	const char *d = dump_skb(o, e, size, false);
	size_t len;

	if (!d)
		return;
	len = strlen(d);
	ob_reserve(b, len + 1);
	if ((size_t)(b->end - b->p) < len + 1) {
		ob_flush(b);
		if (fwrite(d, 1, len, b->f) != len && !b->err)
			b->err = -EIO;
	} else {
		ap_mem(b, d, len);
	}
	ap_c(b, '\n');
}

/* +1.234us: the time since the packet's previous event (never negative: sorted). */
static void ap_delta(struct obuf *b, long long ns)
{
	ap_c(b, '+');
	ap_us(b, ns < 0 ? 0 : ns);
}

/*
 * The packet id, in the packet's own colour; a clone or copy of the
 * packet's skb says so.  The escape goes before the column's start and
 * the reset after its padding, so that widths count only what shows.
 */
static void text_id(struct obuf *b, const struct skbt_event *e, bool color)
{
	char *col;

	if (color && e->track_id)
		ap_color_id(b, e->track_id);
	col = b->p;
	if (e->track_id)
		ap_u64(b, e->track_id);
	else
		ap_c(b, '-');
	if (e->flags & SKBT_F_CLONE)
		ap_lit(b, "(clone)");
	ap_pad(b, col, W_ID);
	ap_color(b, color && e->track_id, COLOR_RESET);
}

/* FUNC, with the drop reason in red when the skb died there. */
static void text_func(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	bool drop = is_drop(o, e);

	ap_color(b, drop && o->cfg.color, COLOR_DROP);
	ap_func(o, e);
	if (e->flags & SKBT_F_PROG)
		text_prog(o, e);
	if (drop) {
		ap_c(b, '(');
		ap_reason(o, e->reason);
		ap_c(b, ')');
	}
	ap_color(b, drop && o->cfg.color, COLOR_RESET);
}

void text_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = out_buf(o);
	char *col;

	if (o->cfg.group) {
		col = b->p;
		ap_delta(b, ((struct out_priv *)o->priv)->delta_ns);
		ap_pad(b, col, W_DELTA);
	}
	if (o->cfg.ts != TS_NONE) {
		col = b->p;
		ap_time_text(o, e->ts);
		ap_pad(b, col, W_TIME);
	}
	ap_lit(b, "0x");
	ap_hex_w(b, e->skb, 16);
	ap_c(b, ' ');
	if (o->cfg.track)
		text_id(b, e, o->cfg.color);
	col = b->p;
	ap_u64(b, e->cpu);
	ap_pad(b, col, W_CPU);
	col = b->p;
	text_process(b, e);
	ap_pad(b, col, W_PROCESS);
	if (o->cfg.meta)
		text_meta(o, e);
	if (o->cfg.tuple) {
		col = b->p;
		text_tuple(b, e);
		ap_pad(b, col, W_TUPLE);
	}
	col = b->p;
	text_func(o, e);
	if (o->cfg.caller) {
		unsigned long long c = first_caller(o, e);

		/* The colour codes take no room on the screen. */
		if (o->cfg.color && is_drop(o, e))
			col += sizeof(COLOR_DROP COLOR_RESET) - 1;
		ap_pad(b, col, W_FUNC);
		if (c && (e->flags & SKBT_F_HAS_CALLER))
			ap_frame(o, c, false);
		else
			ap_c(b, '-');
	}
	ap_c(b, '\n');
	if (is_drop(o, e))
		text_drop_detail(o, e);
	if (o->cfg.stack)
		text_stack(o, e);
	if (o->cfg.skb)
		text_skb(o, e, size);
}

void output_header(struct output *o)
{
	struct obuf *b;
	char *col;

	if (!o->priv || o->cfg.json)
		return;
	if (o->cfg.drops_only) {
		drop_line_header(o);
		return;
	}
	b = out_buf(o);
	ob_reserve(b, OUT_LINE_MAX);
	if (o->cfg.ts != TS_NONE) {
		col = b->p;
		ap_lit(b, "TIME");
		ap_pad(b, col, W_TIME);
	}
	if (o->cfg.group) {
		col = b->p;
		ap_lit(b, "DELTA");
		ap_pad(b, col, W_DELTA);
	}
	col = b->p;
	ap_lit(b, "SKB");
	ap_pad(b, col, W_SKB);
	if (o->cfg.track) {
		col = b->p;
		ap_lit(b, "ID");
		ap_pad(b, col, W_ID);
	}
	col = b->p;
	ap_lit(b, "CPU");
	ap_pad(b, col, W_CPU);
	col = b->p;
	ap_lit(b, "PROCESS");
	ap_pad(b, col, W_PROCESS);
	if (o->cfg.meta) {
		static const char *const names[] = {"NETNS", "MARK", "IFACE",
						    "PROTO", "MTU",  "LEN"};
		static const int widths[] = {W_NETNS, W_MARK, W_IFACE, W_PROTO, W_MTU, W_LEN};

		for (int i = 0; i < 6; i++) {
			col = b->p;
			ap_mem(b, names[i], strlen(names[i]));
			ap_pad(b, col, widths[i]);
		}
	}
	if (o->cfg.tuple) {
		col = b->p;
		ap_lit(b, "TUPLE");
		ap_pad(b, col, W_TUPLE);
	}
	col = b->p;
	ap_lit(b, "FUNC");
	if (o->cfg.caller) {
		ap_pad(b, col, W_FUNC);
		ap_lit(b, "CALLER");
	}
	ap_c(b, '\n');
}
