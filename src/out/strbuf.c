// SPDX-License-Identifier: GPL-2.0
/* The growing string's slow path: doubling, from 4 KiB. */
#include <stdlib.h>

#include "out/strbuf.h"

bool strbuf_grow(struct strbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	while (b->len + need + 1 > cap)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}
