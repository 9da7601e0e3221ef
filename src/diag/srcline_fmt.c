// SPDX-License-Identifier: GPL-2.0
/*
 * Writing inline chains into caller buffers: the live formatter appends
 * them to its own output buffer, `skbtrace addr2line` to its lines.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diag/srcline.h"
#include "diag/srcline_fmt.h"

struct w {
	char *buf;
	size_t len, pos;
	bool full;
};

static void put(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct w *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->pos, w->len - w->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->len - w->pos)
		w->full = true;
	else
		w->pos += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_str(struct w *w, const char *s)
{
	put(w, "\"");
	for (; *s && !w->full; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(w, "\\%c", c);
		else if (c < 0x20)
			put(w, "\\u%04x", c);
		else
			put(w, "%c", c);
	}
	put(w, "\"");
}

size_t srcline_fmt_text(char *buf, size_t len, const struct srcline_match *m, const char *indent)
{
	struct w w = {buf, len, 0, false};
	size_t i, done = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!m->nsteps)
		put(&w, "%s?? ??:0\n", indent);
	for (i = 0; i < m->nsteps && !w.full; i++) {
		const struct srcline_step *st = &m->steps[i];

		done = w.pos;
		put(&w, "%s%s%s at %s:", indent, i ? " (inlined by) " : "", st->func, st->file);
		if (st->line)
			put(&w, "%d", st->line);
		else
			put(&w, "?");
		/* The address's discriminator, on every line as binutils prints it. */
		if (m->steps[0].discriminator)
			put(&w, " (discriminator %d)", m->steps[0].discriminator);
		put(&w, "\n");
	}
	if (w.full) {
		w.pos = done;
		buf[done] = '\0';
	}
	return w.pos;
}

static void put_chain(struct w *w, const struct srcline_match *m)
{
	size_t i;

	put(w, ",\"src\":[");
	for (i = 0; i < m->nsteps; i++) {
		const struct srcline_step *st = &m->steps[i];

		put(w, "%s{\"func\":", i ? "," : "");
		put_str(w, st->func);
		put(w, ",\"file\":");
		put_str(w, st->file);
		put(w, ",\"line\":%d", st->line);
		if (st->discriminator)
			put(w, ",\"discriminator\":%d", st->discriminator);
		put(w, "}");
	}
	put(w, "]");
}

size_t srcline_fmt_json(char *buf, size_t len, const char *frame, const struct srcline_result *r)
{
	struct w w = {buf, len, 0, false};
	size_t head;

	if (!len)
		return 0;
	put(&w, "{\"sym\":");
	put_str(&w, frame);
	head = w.full ? 0 : w.pos;
	if (r && r->status == SRCLINE_OK) {
		put_chain(&w, &r->match[0]);
		if (r->nmatch > 1)
			put(&w, ",\"matches\":%zu", r->nmatch);
	} else if (r && r->status != SRCLINE_NO_FILE) {
		put(&w, ",\"error\":");
		put_str(&w, r->err);
	}
	put(&w, "}");
	if (w.full) {
		/* Without its source lines; a frame longer than the buffer goes too. */
		w.full = false;
		w.pos = head < len - 1 ? head : 0;
		if (!w.pos)
			put(&w, "{\"sym\":\"\"");
		put(&w, "}");
	}
	return w.pos;
}
