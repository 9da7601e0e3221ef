// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/kernel_features.h"
#include "load/tracer.h"
#include "probe/btf_discover.h"
#include "probe/kernel_syms.h"
#include "probe/select.h"
#include "probe/track_hooks.h"

#define EXIT_ENV   1
#define EXIT_USAGE 2

/*
 * The tracing machinery itself takes an sk_buff too; probing it would
 * trace our own tracepoint plumbing (and recurse), so it is never selected.
 */
static bool is_tracing_internal(const struct probe *p)
{
	return p->kind == PROBE_FUNC && ksym_is_tracing_internal(p->name);
}

/* Tracepoints match by name or by category:name. */
static int name_matches(const regex_t *re, const struct probe *p)
{
	char buf[128];

	if (!re || regexec(re, p->name, 0, NULL, 0) == 0)
		return 1;
	return p->kind == PROBE_TRACEPOINT &&
	       regexec(re, probe_display_name(p, buf, sizeof(buf)), 0, NULL, 0) == 0;
}

/*
 * The drop hook is always attached, whatever --filter-func says: the
 * free function with a reason when the backend can probe functions,
 * else (and on kernels without one) the skb:kfree_skb tracepoint.
 */
static const struct probe *drop_hook(const struct selection *s)
{
	const struct probe *tp = NULL, *r2 = NULL, *r3 = NULL;

	for (size_t i = 0; i < s->found->n; i++) {
		const struct probe *p = &s->found->v[i];

		if (ksym_is_drop_tracepoint(p))
			tp = p;
		else if (ksym_drop(p) == KSYM_DROP_R3)
			r3 = p;
		else if (ksym_drop(p) == KSYM_DROP_R2)
			r2 = p;
	}
	if (backend_on_tracepoints(s->backend))
		return tp;
	return r3 ? r3 : r2 ? r2 : tp;
}

static bool wanted_kind(const struct selection *s, const struct probe *p)
{
	if (backend_on_tracepoints(s->backend))
		return p->kind == PROBE_TRACEPOINT;
	return p->kind == PROBE_FUNC;
}

static int compile_filter(const char *filter, regex_t *re, char *err, size_t errlen)
{
	size_t len = strlen(filter) + 8;
	char *anchored = malloc(len);
	int rc;

	if (!anchored) {
		snprintf(err, errlen, "out of memory");
		return EXIT_ENV;
	}
	/* Whole-name match, as pwru's --filter-func. */
	snprintf(anchored, len, "^(%s)$", filter);
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc) {
		char msg[128];

		regerror(rc, re, msg, sizeof(msg));
		snprintf(err, errlen, "bad --filter-func '%s': %s", filter, msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* Adds the wanted probes; counts how many matched rep, the drop hook included. */
static int add_matching(struct selection *s, const regex_t *rep, const struct probe *drop,
			size_t *matched)
{
	*matched = drop && name_matches(rep, drop);
	for (size_t i = 0; i < s->found->n; i++) {
		const struct probe *p = &s->found->v[i];

		if (p == drop || !wanted_kind(s, p) || is_tracing_internal(p) ||
		    !name_matches(rep, p))
			continue;
		/* The generic programs must not see the drop functions a second time. */
		if (p->kind == PROBE_FUNC && ksym_drop(p))
			continue;
		if (!probe_list_add(s->probes, p))
			return -ENOMEM;
		(*matched)++;
	}
	if (drop && !probe_list_add(s->probes, drop))
		return -ENOMEM;
	return 0;
}

int select_probes(struct selection *s, char *err, size_t errlen)
{
	const char *what = backend_on_tracepoints(s->backend) ? "tracepoint" : "function";
	const struct probe *drop = drop_hook(s);
	regex_t re, *rep = NULL;
	size_t matched = 0;
	int rc;

	if (s->filter_func) {
		rc = compile_filter(s->filter_func, &re, err, errlen);
		if (rc)
			return rc;
		rep = &re;
	}
	if (s->drops_only && !drop) {
		snprintf(err, errlen,
			 "this kernel has no drop hook (kfree_skb tracepoint or a drop "
			 "function with a reason): nothing to report drops from");
		return EXIT_ENV;
	}
	if (s->drops_only)
		rc = probe_list_add(s->probes, drop) ? 0 : -ENOMEM;
	else
		rc = add_matching(s, rep, drop, &matched);
	if (rep)
		regfree(rep);
	if (rc) {
		snprintf(err, errlen, "out of memory");
		return EXIT_ENV;
	}
	if (!s->drops_only && !matched && s->filter_func) {
		snprintf(err, errlen, "no sk_buff %s matches --filter-func '%s'", what,
			 s->filter_func);
		return EXIT_USAGE;
	}
	if (!s->probes->n) {
		snprintf(err, errlen, "this kernel's BTF lists no sk_buff %s", what);
		return EXIT_ENV;
	}
	return 0;
}

int select_track_hooks(struct selection *s, const struct kernel_features *kf, bool warn, char *err,
		       size_t errlen)
{
	enum clone_hooks clones = CLONE_HOOKS_NONE;

	s->track_tp_free = track_free_at_tracepoints(s->found, !backend_on_tracepoints(s->backend));
	if (s->backend == BACKEND_FENTRY)
		clones = CLONE_HOOKS_FEXIT;
	else if (kf->kprobe)
		clones = CLONE_HOOKS_KPROBE;
	if (track_add_hooks(s->found, s->probes, s->track_tp_free, clones, &s->track_hooks)) {
		snprintf(err, errlen, "out of memory");
		return EXIT_ENV;
	}
	if (clones == CLONE_HOOKS_NONE && warn)
		fprintf(stderr,
			"skbtrace: --filter-track-skb: clones are not followed: kernel without "
			"kprobes%s\n",
			kf->fentry	    ? "; --backend fentry follows them"
			: kf->fentry_probed ? " or fentry"
					    : "");
	return 0;
}

int select_probeable(struct selection *s, const char *tracefs, const struct ksyms *ks, char *err,
		     size_t errlen)
{
	if (backend_on_tracepoints(s->backend))
		return 0;
	if (discover_filter_probeable(s->probes, tracefs, ks, &s->unprobeable, &s->probe_source)) {
		snprintf(err, errlen, "cannot tell which functions can be probed");
		return EXIT_ENV;
	}
	return 0;
}

void select_count_unreadable(struct selection *s)
{
	struct tracer_cfg probe_only = {.backend = s->backend};

	s->unreadable = 0;
	for (size_t i = 0; i < s->probes->n; i++)
		if (!prog_name_for(&probe_only, &s->probes->v[i]))
			s->unreadable++;
}
