// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing tc and XDP programs: for each, a copy of skbt_{tc,xdp}_{entry,
 * exit} (bpfprog.bpf.h) loaded against it with its id in place of the
 * marker, and attached.  The iterator over loaded programs (one read a
 * poll) lists what exists and how many references each has; a traced
 * program held by nothing but our links is released.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach_bpfprog.h"
#include "load/rewrite.h"
#include "load/tracer.h"
#include "bpf/skbtrace.h"
#include "skbtrace.skel.h"

/* The do-nothing kernel function the templates are verified against. */
#define TEMPLATE_TARGET "bpf_fentry_test1"

static const char *const tmpl_names[BPFPROG_KINDS][2] = {
	[BPFPROG_TC] = {"skbt_tc_entry", "skbt_tc_exit"},
	[BPFPROG_XDP] = {"skbt_xdp_entry", "skbt_xdp_exit"},
};

static bool kind_wanted(const struct tracer_cfg *cfg, enum bpfprog_kind k)
{
	return k == BPFPROG_TC ? cfg->trace_tc : cfg->trace_xdp;
}

int prog_tracer_select(struct tracer *t)
{
	struct bpf_object *obj = t->skel->obj;
	struct bpf_program *prog;
	bool any = false;
	int err;

	for (int k = 0; k < BPFPROG_KINDS; k++) {
		if (!kind_wanted(&t->cfg, k))
			continue;
		any = true;
		for (int x = 0; x < 2; x++) {
			prog = bpf_object__find_program_by_name(obj, tmpl_names[k][x]);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			err = bpf_program__set_attach_target(prog, 0, TEMPLATE_TARGET);
			if (err)
				return err;
		}
	}
	if (any)
		bpf_program__set_autoload(t->skel->progs.skbt_prog_iter, true);
	return 0;
}

/* One copy of a template, verified against program p (fd), attached. */
static int trace_with(struct prog_copy_tmpl *tm, struct bpfprog *p, int fd, int x)
{
	struct bpf_program *prog = tm->prog;
	size_t cnt = bpf_program__insn_cnt(prog);
	LIBBPF_OPTS(bpf_prog_load_opts, lo,
		    .expected_attach_type = bpf_program__expected_attach_type(prog),
		    .attach_prog_fd = fd, .attach_btf_id = p->func_type_id);
	struct bpf_insn *copy = rewrite_copy(bpf_program__insns(prog), cnt);
	char *log = NULL;
	int pfd;

	if (!copy)
		return -ENOMEM;
	rewrite_set_imm(copy, tm->marker, tm->nmarker, (int)p->id);
	if (getenv("SKBT_DEBUG")) {
		log = calloc(1, 1 << 20);
		lo.log_buf = log;
		lo.log_size = log ? 1 << 20 : 0;
		lo.log_level = log ? 1 : 0;
	}
	pfd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(prog), "GPL", copy, cnt, &lo);
	if (pfd < 0) {
		pfd = -errno;
		if (log)
			fprintf(stderr, "skbtrace: verifier log of %s on %s:\n%s\n",
				bpf_program__name(prog), p->name, log);
	}
	free(copy);
	free(log);
	if (pfd < 0) {
		p->why = "loading fentry/fexit on it";
		return pfd;
	}
	p->prog_fd[x] = pfd;
	p->link_fd[x] = bpf_raw_tracepoint_open(NULL, pfd);
	if (p->link_fd[x] < 0) {
		p->link_fd[x] = -1;
		p->why = "attaching to it";
		return -errno;
	}
	return 0;
}

static void release(struct bpfprog *p)
{
	for (int x = 0; x < 2; x++) {
		if (p->link_fd[x] >= 0)
			close(p->link_fd[x]);
		if (p->prog_fd[x] >= 0)
			close(p->prog_fd[x]);
		p->link_fd[x] = p->prog_fd[x] = -1;
	}
}

static void say(const struct prog_tracer *pt, const struct bpfprog *p, const char *what)
{
	if (!pt->verbose)
		return;
	fprintf(stderr, "skbtrace: %s program %s (id %u) %s", bpfprog_kind_name(p->kind), p->name,
		p->id, what);
	if (p->state == BPFPROG_FAILED)
		fprintf(stderr, ": %s failed: %s", p->why, strerror(-p->err));
	fputc('\n', stderr);
}

/* A program seen for the first time: traced, or marked failed with why. */
static void trace_new(struct prog_tracer *pt, unsigned int id, enum bpfprog_kind k)
{
	int fd = bpf_prog_get_fd_by_id(id), err = 0;
	struct bpfprog *p;

	if (fd < 0)
		return; /* gone already: nothing to trace or count */
	p = bpfprogs_add(&pt->progs, id, k);
	if (!p) {
		close(fd);
		return;
	}
	p->late = pt->started;
	err = bpfprog_read_info(p, fd);
	if (err) {
		p->why = "reading its info";
	} else if (!p->func_type_id) {
		/* fentry names its target function by BTF: none, no tracing. */
		err = -ENOTSUP;
		p->why = "finding its BTF (it was loaded without)";
	}
	for (int x = 0; x < 2 && !err; x++)
		err = trace_with(&pt->tmpl[k][x], p, fd, x);
	close(fd);
	if (err) {
		release(p);
		p->state = BPFPROG_FAILED;
		p->err = err;
		pt->failed++;
	} else {
		pt->traced++;
		pt->late += p->late;
	}
	if (p->late || err)
		say(pt, p, p->late ? "appeared" : "not traced");
}

/* The iterator's records: every loaded program. NULL on failure. */
static struct skbt_prog_ref *read_refs(struct prog_tracer *pt, size_t *n)
{
	int fd = bpf_iter_create(bpf_link__fd(pt->iter));
	struct skbt_prog_ref *v = NULL, *nv;
	size_t cap = 0, got = 0;
	ssize_t r;

	if (fd < 0)
		return NULL;
	for (;;) {
		if (got == cap) {
			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		/* Records are written whole: a read returns a multiple of their size. */
		r = read(fd, v + got, (cap - got) * sizeof(*v));
		if (r <= 0)
			break;
		got += r / sizeof(*v);
	}
	close(fd);
	*n = got;
	return v;
}

/* References on p that are ours: one per link, and the iterator's while it looks. */
static long long our_refs(const struct bpfprog *p)
{
	return (p->link_fd[0] >= 0) + (p->link_fd[1] >= 0) + 1;
}

static void scan(struct prog_tracer *pt)
{
	struct skbt_prog_ref *v;
	enum bpfprog_kind k;
	struct bpfprog *p;
	size_t n = 0;

	v = read_refs(pt, &n);
	for (size_t i = 0; v && i < n; i++) {
		if (!bpfprog_kind_of(v[i].type, &k) || !pt->kinds[k])
			continue;
		p = bpfprogs_find(&pt->progs, v[i].id);
		if (!p) {
			trace_new(pt, v[i].id, k);
		} else if (p->state == BPFPROG_TRACED && v[i].refcnt <= our_refs(p)) {
			release(p);
			p->state = BPFPROG_RELEASED;
			pt->released++;
			say(pt, p, "unloaded: released");
		}
	}
	free(v);
}

static int find_markers(struct prog_copy_tmpl *tm, struct bpf_program *prog)
{
	tm->prog = prog;
	tm->nmarker = rewrite_find_imm(bpf_program__insns(prog), bpf_program__insn_cnt(prog),
				       (int)SKBT_PROG_ID_MARKER, tm->marker,
				       sizeof(tm->marker) / sizeof(tm->marker[0]));
	return tm->nmarker ? 0 : -ENOENT;
}

int prog_tracer_start(struct prog_tracer *pt, struct tracer *t, char *err, size_t errlen)
{
	struct bpf_object *obj = t->skel->obj;
	int rc;

	for (int k = 0; k < BPFPROG_KINDS; k++) {
		pt->kinds[k] = kind_wanted(&t->cfg, k);
		for (int x = 0; pt->kinds[k] && x < 2; x++) {
			rc = find_markers(&pt->tmpl[k][x],
					  bpf_object__find_program_by_name(obj, tmpl_names[k][x]));
			if (rc) {
				snprintf(err, errlen, "%s: no program id marker in its code",
					 tmpl_names[k][x]);
				return rc;
			}
		}
	}
	pt->iter = bpf_program__attach_iter(t->skel->progs.skbt_prog_iter, NULL);
	if (!pt->iter) {
		rc = -errno;
		snprintf(err, errlen, "cannot iterate over BPF programs (iter/bpf_prog): %s",
			 strerror(errno));
		return rc;
	}
	scan(pt);
	pt->started = true;
	return 0;
}

void prog_tracer_poll(struct prog_tracer *pt)
{
	if (pt->iter)
		scan(pt);
}

void prog_tracer_stop(struct prog_tracer *pt)
{
	for (size_t i = 0; i < pt->progs.n; i++)
		release(&pt->progs.v[i]);
}

void prog_tracer_report(const struct prog_tracer *pt, bool at_exit)
{
	const char *what = pt->kinds[BPFPROG_TC] && pt->kinds[BPFPROG_XDP]
				   ? "tc and XDP"
				   : (pt->kinds[BPFPROG_XDP] ? "XDP" : "tc");

	if (!pt->iter)
		return;
	if (!at_exit) {
		fprintf(stderr,
			"skbtrace: %s programs: %zu traced, %zu not traceable; checked for new and "
			"unloaded ones every second\n",
			what, pt->traced, pt->failed);
		return;
	}
	fprintf(stderr,
		"skbtrace: %s programs: %zu traced (%zu appeared while running), %zu released "
		"(unloaded by their owner), %zu not traceable\n",
		what, pt->traced, pt->late, pt->released, pt->failed);
}

void prog_tracer_free(struct prog_tracer *pt)
{
	prog_tracer_stop(pt);
	bpf_link__destroy(pt->iter);
	pt->iter = NULL;
	bpfprogs_free(&pt->progs);
}
