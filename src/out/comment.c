// SPDX-License-Identifier: GPL-2.0
/*
 * One event as a short line of labelled words, for the comment of its
 * packet record in a -w file: what a Wireshark user reads beside the
 * packet.  Written into the output buffer's free room (the same name
 * caches as the text output), copied out, and the room given back.
 */
#include <string.h>

#include "diag/drop_desc.h"
#include "host/netns.h"
#include "out/priv.h"

/* Kernel strings hold any byte: the comment keeps to printable ASCII (valid UTF-8). */
static void ap_ascii(struct obuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f) {
			ap_lit(b, "\\x");
			ap_hex_w(b, c, 2);
		} else {
			ap_c(b, c);
		}
	}
}

/* "NAME(INODE)" by the drop diagnosis's cache of names, the inode alone when unnamed. */
static void comment_netns(struct output *o, unsigned int inode)
{
	struct obuf *b = out_buf(o);
	struct netns_id id;

	ap_lit(b, " netns=");
	if (!inode || !o->nm || !o->nm->nn) {
		ap_u64(b, inode);
		return;
	}
	netns_name(o->nm->nn, inode, &id);
	if (id.kind == NETNS_UNKNOWN) {
		ap_u64(b, inode);
		return;
	}
	ap_ascii(b, id.name, sizeof(id.name));
	ap_c(b, '(');
	ap_u64(b, inode);
	ap_c(b, ')');
}

static void comment_where(struct obuf *b, const struct skbt_event *e)
{
	if (e->ifindex) {
		ap_lit(b, " dev=");
		ap_ascii(b, e->ifname, SKBT_IFNAMSIZ);
		ap_c(b, '(');
		ap_u64(b, e->ifindex);
		ap_c(b, ')');
	}
	ap_lit(b, " mark=");
	ap_hexaddr(b, e->mark);
	ap_lit(b, " len=");
	ap_u64(b, e->len);
}

static void comment_who(struct obuf *b, const struct skbt_event *e)
{
	ap_lit(b, " process=[");
	ap_u64(b, e->pid);
	ap_c(b, ']');
	ap_ascii(b, e->comm, SKBT_COMMLEN);
	ap_lit(b, " cpu=");
	ap_u64(b, e->cpu);
	ap_lit(b, " skb=");
	ap_hexaddr(b, e->skb);
	if (e->track_id) {
		ap_lit(b, " id=");
		ap_u64(b, e->track_id);
		if (e->flags & SKBT_F_CLONE)
			ap_lit(b, "(clone)");
	}
}

size_t output_comment(struct output *o, const struct skbt_event *e, char *buf, size_t len,
		      size_t *func_len)
{
	struct obuf *b = out_buf(o);
	char *start;
	size_t n;

	ob_reserve(b, OUT_LINE_MAX);
	start = b->p;
	ap_func(o, e);
	*func_len = b->p - start;
	if (e->flags & SKBT_F_DROP) {
		ap_lit(b, " reason=");
		ap_reason(o, e->reason);
		ap_drop_words(o, e);
	}
	comment_netns(o, e->netns);
	comment_where(b, e);
	comment_who(b, e);
	n = b->p - start;
	if (n >= len)
		n = len ? len - 1 : 0;
	if (*func_len > n)
		*func_len = n;
	if (len) {
		memcpy(buf, start, n);
		buf[n] = '\0';
	}
	b->p = start;
	return n;
}
