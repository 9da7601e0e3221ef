// SPDX-License-Identifier: GPL-2.0
/* JSON lines: one object per event (docs/json-schema.md). */
#include <string.h>

#include "out/net.h"
#include "out/priv.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], need, cp, min;

	if (c >= 0xc2 && c <= 0xdf)
		need = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n <= need)
		return 0;
	for (unsigned int i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

static void ap_json_ctl(struct obuf *b, unsigned char c)
{
	switch (c) {
	case '\n':
		ap_lit(b, "\\n");
		break;
	case '\t':
		ap_lit(b, "\\t");
		break;
	case '\r':
		ap_lit(b, "\\r");
		break;
	default:
		/* also bytes that are not UTF-8, read as Latin-1 */
		ap_lit(b, "\\u00");
		ap_hex_w(b, c, 2);
	}
}

/*
 * A quoted JSON string of at most max bytes of s (stopping at NUL).
 * Checks its room per character, so it also serves long dumps.
 */
void ap_json_str(struct obuf *b, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;

	ap_c(b, '"');
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];
		int n;

		ob_reserve(b, 16);
		if (c >= 0x20 && c < 0x80) {
			if (c == '"' || c == '\\')
				ap_c(b, '\\');
			ap_c(b, c);
		} else if (c >= 0x80 && (n = utf8_len(s + i, max - i)) > 0) {
			ap_mem(b, (const char *)s + i, n);
			i += n - 1;
		} else {
			ap_json_ctl(b, c);
		}
	}
	ap_c(b, '"');
}

static unsigned long long json_time(const struct output *o, unsigned long long ts)
{
	if (o->cfg.ts == TS_CURRENT)
		return ts + o->mono_to_real_ns;
	return ts;
}

static void json_tuple(struct obuf *b, const struct skbt_event *e)
{
	const struct skbt_tuple *t = &e->tuple;

	ap_lit(b, ",\"tuple\":{\"saddr\":\"");
	ap_addr(b, t->saddr, t->l3, false);
	ap_lit(b, "\",\"daddr\":\"");
	ap_addr(b, t->daddr, t->l3, false);
	ap_lit(b, "\",\"sport\":");
	ap_u64(b, e->flags & SKBT_F_HAS_PORTS ? t->sport : 0);
	ap_lit(b, ",\"dport\":");
	ap_u64(b, e->flags & SKBT_F_HAS_PORTS ? t->dport : 0);
	ap_lit(b, ",\"l4\":\"");
	ap_l4(b, t->l4);
	ap_c(b, '"');
	if (t->l4 == 6) {
		ap_lit(b, ",\"tcp_flags\":\"");
		ap_tcp_flags(b, t->tcp_flags);
		ap_c(b, '"');
	}
	ap_c(b, '}');
}

static void json_head(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);

	ap_lit(b, "{\"time\":");
	if (o->cfg.ts == TS_RELATIVE)
		ap_i64(b, rel_ts(o, e->ts));
	else
		ap_u64(b, json_time(o, e->ts));
	ap_lit(b, ",\"skb\":\"0x");
	ap_hex_w(b, e->skb, 16);
	ap_c(b, '"');
	if (o->cfg.track) {
		ap_lit(b, ",\"id\":");
		ap_u64(b, e->track_id);
		if (e->flags & SKBT_F_CLONE)
			ap_lit(b, ",\"clone\":true");
	}
	ap_lit(b, ",\"cpu\":");
	ap_u64(b, e->cpu);
	ap_lit(b, ",\"pid\":");
	ap_u64(b, e->pid);
	ap_lit(b, ",\"process\":");
	ap_json_str(b, e->comm, SKBT_COMMLEN);
	ap_lit(b, ",\"func\":\"");
	/* symbol and probe names are identifiers: nothing to escape */
	ap_func(o, e);
	ap_c(b, '"');
}

static void json_meta(struct obuf *b, const struct skbt_event *e)
{
	ap_lit(b, ",\"netns\":");
	ap_u64(b, e->netns);
	ap_lit(b, ",\"mark\":");
	ap_u64(b, e->mark);
	ap_lit(b, ",\"ifindex\":");
	ap_u64(b, e->ifindex);
	ap_lit(b, ",\"iface\":");
	ap_json_str(b, e->ifindex ? e->ifname : "", SKBT_IFNAMSIZ);
	ap_lit(b, ",\"proto\":");
	ap_u64(b, e->proto);
	ap_lit(b, ",\"len\":");
	ap_u64(b, e->len);
	ap_lit(b, ",\"mtu\":");
	ap_u64(b, e->mtu);
}

static void json_stack(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = out_buf(o);
	size_t n;

	if (e->flags & SKBT_F_STACK_LOST)
		ap_lit(b, ",\"stack_lost\":true");
	if (!(e->flags & SKBT_F_HAS_STACK))
		return;
	n = fetch_stack(o, e);
	ap_lit(b, ",\"stack\":[");
	for (size_t i = 0; i < n; i++) {
		ob_reserve(b, 2 * OUT_NAME_MAX + 64);
		if (i)
			ap_c(b, ',');
		ap_c(b, '"');
		ap_frame(o, ((struct out_priv *)o->priv)->stack[i], true);
		ap_c(b, '"');
	}
	ap_c(b, ']');
	ap_stack_src_json(o, ((struct out_priv *)o->priv)->stack, n);
}

void json_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = out_buf(o);

	json_head(o, e);
	json_meta(b, e);
	if (e->flags & SKBT_F_HAS_TUPLE)
		json_tuple(b, e);
	if (is_drop(o, e)) {
		ap_lit(b, ",\"drop_reason\":\"");
		ap_reason(o, e->reason);
		ap_c(b, '"');
		json_drop(o, e);
	}
	if (o->cfg.caller && (e->flags & SKBT_F_HAS_CALLER) && first_caller(o, e)) {
		ap_lit(b, ",\"caller\":\"");
		ap_frame(o, first_caller(o, e), false);
		ap_c(b, '"');
	}
	if (o->cfg.stack)
		json_stack(o, e);
	if (o->cfg.skb) {
		const char *d = dump_skb(o, e, size, true);

		if (d) {
			ap_lit(b, ",\"skb_dump\":");
			ap_json_str(b, d, (size_t)-1);
		}
	}
	ob_reserve(b, 32);
	if (o->cfg.group) {
		ap_lit(b, ",\"delta_ns\":");
		ap_i64(b, ((struct out_priv *)o->priv)->delta_ns);
	}
	ap_c(b, '}');
}
