// SPDX-License-Identifier: GPL-2.0
/*
 * Source lines of stack frames (--output-stack with the kernel's debug
 * info).  A frame is looked up by its kallsyms name and offset, not its
 * address, which KASLR and module loading move; every frame is a return
 * address (the stack is unwound from inside the tracing program), so the
 * call before it is what is named.  The debug file opens at the first
 * frame, in the event loop; lookups are cached, so a stack seen before
 * costs a hash lookup per frame.
 */
#include <stdio.h>
#include <string.h>

#include "diag/srcline.h"
#include "diag/srcline_fmt.h"
#include "probe/ksyms.h"
#include "out/priv.h"

#define SRC_INDENT "        "

/* A missing debug file is told once on stderr, not at every frame. */
static void tell_once(struct output *o, const char *err)
{
	struct out_priv *pv = o->priv;
	size_t i;

	for (i = 0; i < pv->nsrc_told; i++)
		if (pv->src_told[i] == err)
			return;
	if (pv->nsrc_told < SRC_TOLD_MAX)
		pv->src_told[pv->nsrc_told++] = err;
	fprintf(stderr, "skbtrace: no source lines for some frames: %s\n", err);
}

/* frame's text as in "stack" (ap_frame), and its lookup; NULL when it has no symbol. */
static const struct srcline_result *frame_lookup(struct output *o, unsigned long long addr,
						 char *frame, size_t len)
{
	const struct ksym *k = frame_ksym(o, addr);
	struct srcline_query q = {.return_addr = true};
	const struct srcline_result *r;

	if (!k) {
		snprintf(frame, len, "0x%llx", addr);
		return NULL;
	}
	snprintf(frame, len, "%.*s+0x%llx%s%.*s%s", OUT_NAME_MAX, k->name, addr - k->addr,
		 k->module ? " [" : "", OUT_NAME_MAX, k->module ? k->module : "",
		 k->module ? "]" : "");
	q.module = k->module;
	q.sym = k->name;
	q.off = addr - k->addr;
	r = srcline_lookup(o->src, &q);
	if (r->status == SRCLINE_NO_FILE)
		tell_once(o, r->err);
	return r;
}

void ap_frame_src_text(struct output *o, unsigned long long addr)
{
	char frame[2 * OUT_NAME_MAX + 32], buf[SRCLINE_TEXT_MAX];
	const struct srcline_result *r;
	struct obuf *b = out_buf(o);
	size_t i, n;

	if (!o->src || !(r = frame_lookup(o, addr, frame, sizeof(frame))))
		return;
	if (r->status != SRCLINE_OK) {
		if (r->status != SRCLINE_NO_FILE) {
			n = (size_t)snprintf(buf, sizeof(buf), SRC_INDENT "(no source line: %s)\n",
					     r->err);
			n = n < sizeof(buf) ? n : sizeof(buf) - 1;
			ob_reserve(b, n);
			ap_mem(b, buf, n);
		}
		return;
	}
	for (i = 0; i < r->nmatch; i++) {
		/* Static functions can share a name: each is shown, as faddr2line does. */
		if (i) {
			ob_reserve(b, 64);
			ap_lit(b, SRC_INDENT "(or, another function of that name)\n");
		}
		n = srcline_fmt_text(buf, sizeof(buf), &r->match[i], SRC_INDENT);
		ob_reserve(b, n);
		ap_mem(b, buf, n);
	}
}

void ap_stack_src_json(struct output *o, const unsigned long long *frames, size_t n)
{
	char frame[2 * OUT_NAME_MAX + 32], buf[SRCLINE_TEXT_MAX + 2 * OUT_NAME_MAX + 64];
	struct obuf *b = out_buf(o);
	size_t i, len;

	if (!o->src)
		return;
	ob_reserve(b, 16);
	ap_lit(b, ",\"stack_src\":[");
	for (i = 0; i < n; i++) {
		const struct srcline_result *r = frame_lookup(o, frames[i], frame, sizeof(frame));

		len = srcline_fmt_json(buf, sizeof(buf), frame, r);
		ob_reserve(b, len + 2);
		if (i)
			ap_c(b, ',');
		ap_mem(b, buf, len);
	}
	ob_reserve(b, 2);
	ap_c(b, ']');
}

/*
 * The drop site's source lines, as "drop_location_src" - the member
 * skbtrace addr2line --json adds to a recorded trace.  The site is a
 * return address too (the kfree_skb tracepoint's location argument).
 * Unlike a stack, which keeps one entry per frame, a site without a symbol
 * gets no member.
 */
void ap_drop_src_json(struct output *o, unsigned long long addr)
{
	char frame[2 * OUT_NAME_MAX + 32], buf[SRCLINE_TEXT_MAX + 2 * OUT_NAME_MAX + 64];
	const struct srcline_result *r;
	struct obuf *b = out_buf(o);
	size_t len;

	/* No symbol, nothing to look up: the member stays out. */
	if (!o->src || !(r = frame_lookup(o, addr, frame, sizeof(frame))))
		return;
	len = srcline_fmt_json(buf, sizeof(buf), frame, r);
	ob_reserve(b, len + 24);
	ap_lit(b, ",\"drop_location_src\":");
	ap_mem(b, buf, len);
}
