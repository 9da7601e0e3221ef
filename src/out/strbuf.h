/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growing NUL-terminated string: the metrics exposition text and the
 * members addr2line --json adds to an event.  After a failed allocation
 * it stays as it was and oom is set; the caller checks oom once at the end.
 */
#ifndef SKBT_OUT_STRBUF_H
#define SKBT_OUT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for need more bytes and the NUL; false (and oom) when there is none. */
bool strbuf_grow(struct strbuf *b, size_t need);

static inline void strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom || (b->len + n + 1 > b->cap && !strbuf_grow(b, n)))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}

#endif
