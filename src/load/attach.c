// SPDX-License-Identifier: GPL-2.0
/*
 * tracer_attach(): every probe attached by its backend, kprobe-multi sets
 * first, then the rest one by one on a pool of threads; and detaching.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/pool.h"
#include "load/tracer.h"

void attach_mark(struct tracer *t, size_t i, int err)
{
	struct probe *p = &t->probes->v[i];

	p->attached = !err;
	p->attach_err = err;
}

int attach_keep_link(struct tracer *t, size_t i, int link)
{
	if (link >= 0)
		t->fds[2 * i + 1] = link;
	attach_mark(t, i, link < 0 ? link : 0);
	return link < 0 ? link : 0;
}

/* What the attach threads share: the probes attached one by one, and how. */
struct single_run {
	struct tracer *t;
	size_t *list;
	size_t n;
	struct kprobe_names kn;
};

/* Probes that are not kprobe-multi ones, under any backend: drops, tracepoints. */
static int attach_single(void *ctx, size_t k)
{
	struct single_run *r = ctx;
	size_t i = r->list[k];
	struct probe *p = &r->t->probes->v[i];

	if (p->kind == PROBE_TRACEPOINT)
		return attach_tp(r->t, i);
	if (bpf_program__type(prog_of(r->t, p)) == BPF_PROG_TYPE_TRACING)
		return attach_fentry(r->t, i);
	return attach_kprobe(r->t, &r->kn, i);
}

static int alloc_results(struct tracer *t)
{
	t->links = calloc(t->probes->n + 1, sizeof(*t->links));
	t->fds = malloc((2 * t->probes->n + 1) * sizeof(*t->fds));
	if (!t->links || !t->fds)
		return -ENOMEM;
	t->nlinks = t->probes->n;
	t->nfds = 2 * t->probes->n;
	for (size_t i = 0; i < t->nfds; i++)
		t->fds[i] = -1;
	return 0;
}

/* Probes no program reads are marked -ERANGE; the others not in a multi set go in r->list. */
static void list_single(struct tracer *t, struct single_run *r)
{
	for (size_t i = 0; i < t->probes->n; i++) {
		struct bpf_program *prog = prog_of(t, &t->probes->v[i]);

		if (!prog) {
			attach_mark(t, i, -ERANGE);
			continue;
		}
		if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI)
			r->list[r->n++] = i;
	}
}

static void count_results(struct tracer *t)
{
	for (size_t i = 0; i < t->probes->n; i++) {
		struct probe *p = &t->probes->v[i];

		if (p->attached)
			t->attached++;
		else if (p->attach_err == -ERANGE)
			t->unreadable++;
		else
			t->failed++;
	}
}

int tracer_attach(struct tracer *t, char *err, size_t errlen)
{
	double t0 = load_now_ms();
	struct single_run r = {.t = t};

	r.list = calloc(t->probes->n + 1, sizeof(*r.list));
	if (alloc_results(t) || !r.list) {
		free(r.list);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	list_single(t, &r);
	kprobe_names_init(&r.kn, t, r.list, r.n);
	if (t->cfg.backend == BACKEND_KPROBE_MULTI)
		attach_kprobe_multi_all(t);
	pool_run(r.n, attach_single, &r, 0, t->cfg.show_progress ? "attaching" : NULL);
	free(r.list);
	kprobe_names_free(&r.kn);
	count_results(t);
	t->attach_ms = load_now_ms() - t0;
	return 0;
}

static int detach_one(void *ctx, size_t i)
{
	struct tracer *t = ctx;

	bpf_link__destroy(t->links[i]);
	t->links[i] = NULL;
	if (t->fds[2 * i + 1] >= 0)
		close(t->fds[2 * i + 1]);
	t->fds[2 * i + 1] = -1;
	return 0;
}

/*
 * Each kprobe removal waits for an RCU grace period; many threads let
 * some of those waits overlap (the threads sleep rather than compute, so
 * more than CPUs).  A trampoline's removal (fentry) waits for RCU tasks
 * under a kernel-wide lock, ~135 ms each on 6.1 emulated: threads do not
 * shorten that (docs/benchmarks.md section 8).
 */
void tracer_detach(struct tracer *t)
{
	if (!t->links || !t->fds)
		return;
	pool_run(t->nlinks, detach_one, t, t->nlinks > 1 ? POOL_MAX_WORKERS : 1, NULL);
}
