// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "probe/kernel_syms.h"
#include "probe/track_hooks.h"

/* Appends a copy of p in role r. */
static int add_role(struct probe_list *probes, const struct probe *p, enum probe_role r,
		    size_t *added)
{
	struct probe *n = probe_list_add(probes, p);

	if (!n)
		return -ENOMEM;
	n->role = r;
	(*added)++;
	return 0;
}

static bool selected(const struct probe_list *probes, const struct probe *p)
{
	for (size_t i = 0; i < probes->n; i++)
		if (probes->v[i].kind == p->kind && !strcmp(probes->v[i].name, p->name))
			return true;
	return false;
}

/* Where an skb's struct is freed, for function backends. */
static bool free_func(const struct probe *p)
{
	return p->kind == PROBE_FUNC && ksym_has(p, KSYM_FREE);
}

static bool free_tracepoint(const struct probe *p)
{
	return p->kind == PROBE_TRACEPOINT && ksym_has(p, KSYM_FREE);
}

/*
 * Function backends forget tracked skbs where the struct is freed, after
 * every function that still runs on it; the tracepoint backend at the
 * free tracepoints, the last it can see.
 */
bool track_free_at_tracepoints(const struct probe_list *found, bool functions)
{
	if (!functions)
		return true;
	for (size_t i = 0; i < found->n; i++)
		if (!strcmp(found->v[i].name, KSYM_SKB_FREE) && free_func(&found->v[i]))
			return false;
	return true;
}

int track_add_hooks(const struct probe_list *found, struct probe_list *probes, bool tp_free,
		    enum clone_hooks clones, size_t *added)
{
	for (size_t i = 0; i < found->n; i++) {
		const struct probe *p = &found->v[i];
		bool free_point = tp_free ? free_tracepoint(p) : free_func(p);
		int err = 0;

		/* A free point --filter-func left out still forgets (and reports) tracked skbs. */
		if (free_point && !selected(probes, p))
			err = add_role(probes, p, PROBE_ROLE_FORGET, added);
		if (err || !ksym_has(p, KSYM_CLONE))
			;
		else if (clones == CLONE_HOOKS_KPROBE)
			err = add_role(probes, p, PROBE_ROLE_CLONE_ENTRY, added)
				      ?: add_role(probes, p, PROBE_ROLE_CLONE_RET, added);
		else if (clones == CLONE_HOOKS_FEXIT)
			err = add_role(probes, p, PROBE_ROLE_CLONE_EXIT, added);
		if (err)
			return err;
	}
	return 0;
}
