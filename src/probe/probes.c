// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probes.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct probe *probe_list_add(struct probe_list *l, const struct probe *p)
{
	struct probe *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct probe *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	*e = *p;
	e->name = dup_or_null(p->name);
	e->category = dup_or_null(p->category);
	e->module = dup_or_null(p->module);
	if (!e->name || (p->category && !e->category) || (p->module && !e->module)) {
		free(e->name);
		free(e->category);
		free(e->module);
		return NULL;
	}
	l->n++;
	return e;
}

void probe_list_free(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].category);
		free(l->v[i].module);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *probe_display_name(const struct probe *p, char *buf, size_t len)
{
	if (p->kind != PROBE_TRACEPOINT)
		return p->name;
	snprintf(buf, len, "%s:%s", p->category ? p->category : "tp", p->name);
	return buf;
}
