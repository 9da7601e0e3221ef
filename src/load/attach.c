// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/kernel_features.h"
#include "bpf/skbtrace.h"
#include "skbtrace.skel.h"

#define MAX_WORKERS 32

/*
 * A program that several probes share through copies of its final code:
 * a raw tracepoint one (each copy with its probe index) or a fentry/fexit
 * one (each copy verified against its own function).
 */
struct tp_template {
	struct bpf_program *prog;
	long first;	  /* probe index the loaded template itself serves */
	size_t marker[4]; /* raw_tp: where the probe index sits in the final code */
	size_t nmarker;
};

/*
 * libbpf's prepare-load callback has no user pointer, so the tracer being
 * loaded is kept here; loading is single-threaded and happens once.
 */
static struct tracer *loading;
static struct tp_template templates[16];
static size_t ntemplates;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

enum drop_func probe_drop_func(const struct probe *p)
{
	if (p->kind != PROBE_FUNC)
		return DROP_FUNC_NONE;
	if (p->skb_arg == 2 && p->reason_arg == 3 && !strcmp(p->name, "sk_skb_reason_drop"))
		return DROP_FUNC_R3;
	if (p->skb_arg == 1 && p->reason_arg == 2 && !strcmp(p->name, "kfree_skb_reason"))
		return DROP_FUNC_R2;
	return DROP_FUNC_NONE;
}

bool probe_free_func(const struct probe *p)
{
	static const char *const names[] = {"kfree_skbmem", "napi_skb_cache_put",
					    "kfree_skb_partial"};

	return probe_skb_func_in(p, names, sizeof(names) / sizeof(names[0]));
}

/* The programs a function backend attaches a traced function with. */
struct func_progs {
	const char *pos[SKBT_KPROBE_MAX_ARG]; /* by sk_buff argument position */
	const char *free, *forget, *drop_r2, *drop_r3;
};

static const struct func_progs kprobe_progs = {
	{"skbt_kp1", "skbt_kp2", "skbt_kp3", "skbt_kp4", "skbt_kp5"},
	"skbt_kp_free",
	"skbt_kp_forget",
	"skbt_kp_drop_r2",
	"skbt_kp_drop_r3",
};

/* The free and drop functions stay single kprobes: they read more than the skb. */
static const struct func_progs kprobe_multi_progs = {
	{"skbt_kpm1", "skbt_kpm2", "skbt_kpm3", "skbt_kpm4", "skbt_kpm5"},
	"skbt_kp_free",
	"skbt_kp_forget",
	"skbt_kp_drop_r2",
	"skbt_kp_drop_r3",
};

static const struct func_progs fentry_progs = {
	{"skbt_fe1", "skbt_fe2", "skbt_fe3", "skbt_fe4", "skbt_fe5"},
	"skbt_fe_free",
	"skbt_fe_forget",
	"skbt_fe_drop_r2",
	"skbt_fe_drop_r3",
};

static const struct func_progs *func_progs_of(const struct tracer *t)
{
	if (t->cfg.backend == BACKEND_FENTRY)
		return &fentry_progs;
	return t->cfg.backend == BACKEND_KPROBE_MULTI ? &kprobe_multi_progs : &kprobe_progs;
}

/* A traced function (roles are handled by the caller). */
static const char *func_prog_name(const struct tracer *t, const struct probe *p)
{
	const struct func_progs *n = func_progs_of(t);

	if (t->cfg.backend == BACKEND_FENTRY && p->nr_args > SKBT_FENTRY_MAX_ARGS)
		return NULL;
	if (t->cfg.track && !t->cfg.track_tp_free && probe_free_func(p))
		return n->free;
	switch (probe_drop_func(p)) {
	case DROP_FUNC_R3:
		return n->drop_r3;
	case DROP_FUNC_R2:
		return n->drop_r2;
	default:
		break;
	}
	return p->skb_arg <= SKBT_KPROBE_MAX_ARG ? n->pos[p->skb_arg - 1] : NULL;
}

const char *tracer_prog_name(const struct tracer *t, const struct probe *p)
{
	static const char *const tp[] = {"skbt_tp1", "skbt_tp2", "skbt_tp3", "skbt_tp4",
					 "skbt_tp5"};

	if (p->skb_arg < 1)
		return NULL;
	switch (p->role) {
	case PROBE_ROLE_FORGET:
		if (p->skb_arg != 1)
			return NULL;
		return p->kind == PROBE_TRACEPOINT ? "skbt_tp_forget" : func_progs_of(t)->forget;
	case PROBE_ROLE_CLONE_ENTRY:
		return p->skb_arg == 1 ? "skbt_clone_entry" : NULL;
	case PROBE_ROLE_CLONE_RET:
		return p->skb_arg == 1 ? "skbt_clone_ret" : NULL;
	case PROBE_ROLE_CLONE_EXIT:
		return p->skb_arg == 1 ? "skbt_fx_clone" : NULL;
	default:
		break;
	}
	if (p->kind == PROBE_TRACEPOINT) {
		if (!strcmp(p->name, "kfree_skb") && p->skb_arg == 1 && p->reason_arg == 3)
			return "skbt_tp_kfree_skb";
		/* Tracked skbs are forgotten where they are freed. */
		if (t->cfg.track && !strcmp(p->name, "consume_skb") && p->skb_arg == 1)
			return "skbt_tp_consume_skb";
		return p->skb_arg <= SKBT_TP_MAX_ARG ? tp[p->skb_arg - 1] : NULL;
	}
	if (t->cfg.backend == BACKEND_TRACEPOINT)
		return NULL;
	return func_prog_name(t, p);
}

static struct bpf_program *prog_of(const struct tracer *t, const struct probe *p)
{
	const char *name = tracer_prog_name(t, p);

	return name ? bpf_object__find_program_by_name(t->skel->obj, name) : NULL;
}

static struct tp_template *template_of(const struct bpf_program *prog)
{
	for (size_t i = 0; i < ntemplates; i++)
		if (templates[i].prog == prog)
			return &templates[i];
	return NULL;
}

/* Finds the probe-index marker immediates, remembers where, and sets them to id. */
static size_t patch_probe_id(struct tp_template *tmpl, struct bpf_insn *insns, size_t cnt, long id)
{
	tmpl->nmarker = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (insns[i].code != (BPF_ALU64 | BPF_MOV | BPF_K) ||
		    insns[i].imm != (int)SKBT_PROBE_ID_MARKER)
			continue;
		if (tmpl->nmarker == sizeof(tmpl->marker) / sizeof(tmpl->marker[0]))
			return 0;
		tmpl->marker[tmpl->nmarker++] = i;
		insns[i].imm = (int)id;
	}
	return tmpl->nmarker;
}

/* The kernel BTF object of a loaded module, as an fd; -ENOENT if none. */
static int find_module_btf(const char *name)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char nm[64] = "";
		struct bpf_btf_info info = {.name = (__u64)(unsigned long)nm,
					    .name_len = sizeof(nm)};
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(nm, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/*
 * fentry on a module function names it by (module BTF object, id in it).
 * Resolved once, before the parallel loads, for every module in use.
 */
static int resolve_module_btfs(struct tracer *t)
{
	for (size_t i = 0; i < t->probes->n; i++) {
		const char *m = t->probes->v[i].module;
		struct mod_btf *n;
		size_t k;

		for (k = 0; m && k < t->nmod_btfs; k++)
			if (!strcmp(t->mod_btfs[k].name, m))
				break;
		if (!m || k < t->nmod_btfs)
			continue;
		n = realloc(t->mod_btfs, (t->nmod_btfs + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->mod_btfs = n;
		n[t->nmod_btfs].name = m;
		n[t->nmod_btfs].fd = find_module_btf(m);
		t->nmod_btfs++;
	}
	return 0;
}

/* 0 for vmlinux; -1 (refused by the kernel as a bad fd) for a module without BTF. */
static int module_btf_fd(const struct tracer *t, const struct probe *p)
{
	if (!p->module)
		return 0;
	for (size_t k = 0; k < t->nmod_btfs; k++)
		if (!strcmp(t->mod_btfs[k].name, p->module))
			return t->mod_btfs[k].fd < 0 ? -1 : t->mod_btfs[k].fd;
	return -1;
}

/* direct_view()'s marker call becomes the kfunc call (cfg_direct). */
static void patch_direct(struct bpf_insn *insns, size_t cnt, int kfunc_id)
{
	for (size_t i = 0; i < cnt; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != 0 ||
		    insns[i].imm != (int)SKBT_DIRECT_MARKER)
			continue;
		insns[i].src_reg = BPF_PSEUDO_KFUNC_CALL;
		insns[i].off = 0;
		insns[i].imm = kfunc_id;
	}
}

/* A copy of a program's instructions to patch; NULL when out of memory. */
static struct bpf_insn *insns_copy(const struct bpf_insn *in, size_t cnt)
{
	struct bpf_insn *buf = malloc(cnt * sizeof(*buf));

	if (buf)
		memcpy(buf, in, cnt * sizeof(*buf));
	return buf;
}

static int prepare_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	const struct bpf_insn *in = bpf_program__insns(prog);
	size_t cnt = bpf_program__insn_cnt(prog);
	struct tp_template *tmpl = template_of(prog);
	struct bpf_insn *buf = NULL;
	int err = 0;

	(void)cookie;
	if (loading && loading->insn_hook) {
		err = loading->insn_hook(prog, opts, in, cnt, &buf, &cnt, loading->insn_hook_ctx);
		if (err)
			return err;
	}
	if (tmpl && bpf_program__type(prog) == BPF_PROG_TYPE_TRACING) {
		const struct probe *p = &loading->probes->v[tmpl->first];

		opts->attach_btf_id = p->btf_id;
		opts->attach_btf_obj_fd = module_btf_fd(loading, p);
	} else if (tmpl) {
		if (!buf && !(buf = insns_copy(in, cnt)))
			return -ENOMEM;
		if (!patch_probe_id(tmpl, buf, cnt, tmpl->first))
			err = -ENOENT;
	}
	if (loading->cfg.direct_id > 0 && !err) {
		if (!buf && !(buf = insns_copy(in, cnt)))
			return -ENOMEM;
		patch_direct(buf, cnt, loading->cfg.direct_id);
	}
	if (buf && !err)
		err = bpf_program__set_insns(prog, buf, cnt);
	free(buf);
	return err;
}

static int register_handlers(void)
{
	static bool done;
	LIBBPF_OPTS(libbpf_prog_handler_opts, hopts, .prog_prepare_load_fn = prepare_load);

	if (done)
		return 0;
	if (libbpf_register_prog_handler("skbt.raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &hopts) <
		    0 ||
	    libbpf_register_prog_handler("skbt.kprobe", BPF_PROG_TYPE_KPROBE, 0, &hopts) < 0 ||
	    libbpf_register_prog_handler("skbt.kprobe_multi", BPF_PROG_TYPE_KPROBE,
					 BPF_TRACE_KPROBE_MULTI, &hopts) < 0 ||
	    libbpf_register_prog_handler("skbt.fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
					 &hopts) < 0 ||
	    libbpf_register_prog_handler("skbt.fexit", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT,
					 &hopts) < 0)
		return -errno;
	done = true;
	return 0;
}

static void configure(struct tracer *t)
{
	struct skbtrace_bpf *s = t->skel;

	s->rodata->cfg_netns = t->cfg.netns;
	s->rodata->cfg_ifindex = t->cfg.ifindex;
	s->rodata->cfg_mark = t->cfg.mark;
	s->rodata->cfg_mark_mask = t->cfg.mark_mask;
	s->rodata->cfg_filter_mark = t->cfg.filter_mark;
	s->rodata->cfg_stack = t->cfg.stack;
	s->rodata->cfg_caller = t->cfg.caller;
	s->rodata->cfg_pcap = t->cfg.pcap;
	s->rodata->cfg_tun = t->cfg.tun;
	for (int i = 0; i < SKBT_PCAP_STUBS; i++) {
		s->rodata->cfg_pcap_win[i] = t->cfg.pcap_win[i];
		s->rodata->cfg_pcap_pad[i] = t->cfg.pcap_pad[i];
	}
	s->rodata->cfg_skb_size = t->cfg.skb_size;
	s->rodata->cfg_tp_cookie = t->cfg.tp_cookie;
	s->rodata->cfg_wakeup_bytes = t->cfg.ringbuf_size / 8;
	s->rodata->cfg_track = t->cfg.track;
	s->rodata->cfg_track_tp_free = t->cfg.track_tp_free;
	s->rodata->cfg_skb_span = t->cfg.skb_span;
	s->rodata->cfg_direct = t->cfg.direct_id > 0;
	bpf_map__set_max_entries(s->maps.tracked_skbs, t->cfg.track ? t->cfg.track_max : 1);
	bpf_map__set_max_entries(s->maps.clone_parents, t->cfg.track ? SKBT_CLONE_SLOTS : 1);
	bpf_map__set_max_entries(s->maps.events, t->cfg.ringbuf_size);
	bpf_map__set_max_entries(s->maps.stacks, t->cfg.stack ? t->cfg.stack_map_size : 1);
}

static bool copied_type(const struct bpf_program *prog)
{
	enum bpf_prog_type type = bpf_program__type(prog);

	return type == BPF_PROG_TYPE_RAW_TRACEPOINT || type == BPF_PROG_TYPE_TRACING;
}

/*
 * The template's own target must load, or nothing does: best a vmlinux
 * function (no module BTF to find) with at most six arguments (what
 * x86-64 trampolines took before 6.5).  Lower is safer.
 */
static int fentry_target_risk(const struct probe *p)
{
	return (p->nr_args > SKBT_TRAMPOLINE_REG_ARGS) + 2 * !!p->module;
}

/*
 * Loads only the programs some probe needs; the first user of each copied
 * one is the template's own (for fentry, the first that surely loads).
 */
static void select_programs(struct tracer *t)
{
	struct bpf_program *prog;
	struct tp_template *tmpl;

	bpf_object__for_each_program(prog, t->skel->obj) bpf_program__set_autoload(prog, false);
	ntemplates = 0;
	for (size_t i = 0; i < t->probes->n; i++) {
		prog = prog_of(t, &t->probes->v[i]);
		if (!prog)
			continue;
		bpf_program__set_autoload(prog, true);
		if (!copied_type(prog) || ntemplates == sizeof(templates) / sizeof(templates[0]))
			continue;
		tmpl = template_of(prog);
		if (!tmpl)
			templates[ntemplates++] = (struct tp_template){prog, (long)i};
		else if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
			 fentry_target_risk(&t->probes->v[i]) <
				 fentry_target_risk(&t->probes->v[tmpl->first]))
			tmpl->first = (long)i;
	}
}

int tracer_load(struct tracer *t, char *err, size_t errlen)
{
	double t0 = now_ms();
	int rc;

	rc = register_handlers();
	if (rc) {
		snprintf(err, errlen, "libbpf refused our program sections: %s", strerror(-rc));
		return rc;
	}
	t->skel = skbtrace_bpf__open();
	if (!t->skel) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return rc;
	}
	configure(t);
	if (t->cfg.backend == BACKEND_FENTRY && resolve_module_btfs(t)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	select_programs(t);
	loading = t;
	rc = skbtrace_bpf__load(t->skel);
	loading = NULL;
	if (rc) {
		snprintf(
			err, errlen,
			"loading the BPF programs failed: %s (run with SKBT_DEBUG=1 for the verifier log)",
			strerror(-rc));
		return rc;
	}
	t->load_ms = now_ms() - t0;
	return 0;
}

/* Work shared by the attach threads: each takes the next index. */
struct pool {
	struct tracer *t;
	atomic_size_t next, done;
	size_t n;
	int (*fn)(struct tracer *t, size_t i);
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		p->fn(p->t, i);
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static void show_progress(struct pool *p, const char *what)
{
	size_t done = atomic_load(&p->done);

	fprintf(stderr, "\r%s %zu/%zu", what, done, p->n);
	fflush(stderr);
}

/*
 * Runs fn(t, 0..n-1) on nth threads (0: one per CPU); shows N/M on a
 * terminal when what is set.
 */
static void run_parallel(struct tracer *t, size_t n, int (*fn)(struct tracer *, size_t), int nth,
			 const char *what)
{
	struct pool p = {.t = t, .n = n, .fn = fn};
	pthread_t th[MAX_WORKERS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	bool progress = what && t->cfg.show_progress && n > 64;

	if (nth <= 0)
		nth = cpus < 1 ? 1 : (int)cpus;
	if (nth > MAX_WORKERS)
		nth = MAX_WORKERS;
	int started = 0;

	if ((size_t)nth > n)
		nth = n ? (int)n : 1;
	for (int i = 0; i < nth; i++)
		if (!pthread_create(&th[started], NULL, pool_worker, &p))
			started++;
	if (!started)
		pool_worker(&p);
	while (progress && atomic_load(&p.done) < n) {
		show_progress(&p, what);
		usleep(50000);
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (progress) {
		show_progress(&p, what);
		fputc('\n', stderr);
	}
}

static void mark_result(struct tracer *t, size_t i, int err)
{
	struct probe *p = &t->probes->v[i];

	p->attached = !err;
	p->attach_err = err;
}

/* Keeps probe i's link (an fd, or a negative errno) and records the result. */
static int keep_link(struct tracer *t, size_t i, int link)
{
	if (link >= 0)
		t->fds[2 * i + 1] = link;
	mark_result(t, i, link < 0 ? link : 0);
	return link < 0 ? link : 0;
}

/* A copy of the template's final code with probe i's index, loaded and attached. */
static int attach_tp(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];
	struct bpf_program *prog = prog_of(t, p);
	struct tp_template *tmpl = template_of(prog);
	int fd = bpf_program__fd(prog), link, err = 0;
	struct bpf_insn *copy = NULL;

	if (t->cfg.tp_cookie)
		return keep_link(t, i, raw_tp_open_cookie(p->name, fd, i));
	if (tmpl->first != (long)i) {
		size_t cnt = bpf_program__insn_cnt(prog);
		LIBBPF_OPTS(bpf_prog_load_opts, lo);

		copy = insns_copy(bpf_program__insns(prog), cnt);
		if (!copy) {
			mark_result(t, i, -ENOMEM);
			return -ENOMEM;
		}
		for (size_t k = 0; k < tmpl->nmarker; k++)
			copy[tmpl->marker[k]].imm = (int)i;
		fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, bpf_program__name(prog), "GPL",
				   copy, cnt, &lo);
		free(copy);
		if (fd < 0) {
			err = -errno;
			mark_result(t, i, err);
			return err;
		}
		t->fds[2 * i] = fd;
	}
	link = bpf_raw_tracepoint_open(p->name, fd);
	return keep_link(t, i, link < 0 ? -errno : link);
}

/*
 * fentry/fexit: the template serves its own function; every other
 * function gets a copy of the template's final code, verified against
 * that function (this is where fentry's start-up time goes, spread over
 * the attach threads).
 */
static int attach_fentry(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];
	struct bpf_program *prog = prog_of(t, p);
	struct tp_template *tmpl = template_of(prog);
	int fd = bpf_program__fd(prog), link, err = 0;

	if (tmpl->first != (long)i) {
		LIBBPF_OPTS(bpf_prog_load_opts, lo,
			    .expected_attach_type = bpf_program__expected_attach_type(prog),
			    .attach_btf_id = p->btf_id, .attach_btf_obj_fd = module_btf_fd(t, p));

		fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(prog), "GPL",
				   bpf_program__insns(prog), bpf_program__insn_cnt(prog), &lo);
		if (fd < 0) {
			err = -errno;
			mark_result(t, i, err);
			return err;
		}
		t->fds[2 * i] = fd;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	return keep_link(t, i, link < 0 ? -errno : link);
}

/* Set by tracer_attach() before the attach threads start. */
static bool kprobe_by_addr;
static bool *addr_shared; /* per probe: an earlier probe of its kind has its address */

struct addr_idx {
	unsigned long long addr;
	size_t i;
	bool ret;
};

static int cmp_addr_idx(const void *a, const void *b)
{
	const struct addr_idx *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->ret != y->ret)
		return x->ret ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * Two BTF functions of one name (static functions of two files: add_grec
 * in IPv4 and IPv6 multicast) resolve to the same kallsyms address; by
 * address the first would be probed twice and report every call twice.
 * The later ones go by name instead, which the kernel refuses as ambiguous.
 */
static void find_shared_addrs(struct tracer *t, const size_t *list, size_t n)
{
	struct addr_idx *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	addr_shared = calloc(t->probes->n + 1, sizeof(*addr_shared));
	if (!v || !addr_shared) {
		free(v);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		const struct probe *p = &t->probes->v[list[j]];

		if (p->kind == PROBE_FUNC && p->addr)
			v[k++] = (struct addr_idx){p->addr, list[j],
						   p->role == PROBE_ROLE_CLONE_RET};
	}
	qsort(v, k, sizeof(*v), cmp_addr_idx);
	for (size_t j = 1; j < k; j++)
		if (v[j].addr == v[j - 1].addr && v[j].ret == v[j - 1].ret)
			addr_shared[v[j].i] = true;
	free(v);
}

/*
 * By the kallsyms address when there is one: a kernel that has several
 * functions of one name refuses a kprobe by that name (EADDRNOTAVAIL,
 * 6.1.y and 6.6+), and skbtrace already chose which of them it traces.
 * Only through the kprobe PMU: libbpf's tracefs fallback takes names.
 */
static int attach_kprobe(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .retprobe = p->role == PROBE_ROLE_CLONE_RET);
	const char *name = p->name;
	struct bpf_link *l;
	int err;

	if (kprobe_by_addr && p->addr && !(addr_shared && addr_shared[i])) {
		/* No name: the perf event's second config word is the address. */
		name = NULL;
		ko.offset = p->addr;
	}
	l = bpf_program__attach_kprobe_opts(prog_of(t, p), name, &ko);
	err = l ? 0 : -errno;

	t->links[i] = l;
	mark_result(t, i, err);
	return err;
}

/*
 * One kprobe-multi link for the probes idx[0..n-1].  The kernel refuses
 * the whole set if one address cannot be probed, so a refused set is
 * split in halves until the culprits stand alone.
 */
static void attach_multi(struct tracer *t, struct bpf_program *prog, size_t *idx, size_t n)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo);
	unsigned long *addrs;
	struct bpf_link *l;
	int err;

	if (!n)
		return;
	addrs = calloc(n, sizeof(*addrs));
	if (!addrs) {
		for (size_t k = 0; k < n; k++)
			mark_result(t, idx[k], -ENOMEM);
		return;
	}
	for (size_t k = 0; k < n; k++)
		addrs[k] = t->probes->v[idx[k]].addr;
	mo.addrs = addrs;
	mo.cnt = n;
	l = bpf_program__attach_kprobe_multi_opts(prog, NULL, &mo);
	err = l ? 0 : -errno;
	free(addrs);
	if (l) {
		t->links[idx[0]] = l;
		for (size_t k = 0; k < n; k++)
			mark_result(t, idx[k], 0);
		return;
	}
	if (n == 1 || err == -EOPNOTSUPP) {
		for (size_t k = 0; k < n; k++)
			mark_result(t, idx[k], err);
		return;
	}
	attach_multi(t, prog, idx, n / 2);
	attach_multi(t, prog, idx + n / 2, n - n / 2);
}

static int attach_multi_all(struct tracer *t)
{
	size_t *idx = calloc(t->probes->n ? t->probes->n : 1, sizeof(*idx));
	struct bpf_program *prog;

	if (!idx)
		return -ENOMEM;
	/* One link per program, that is per sk_buff argument position. */
	bpf_object__for_each_program(prog, t->skel->obj)
	{
		size_t n = 0;

		if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI ||
		    !bpf_program__autoload(prog))
			continue;
		for (size_t i = 0; i < t->probes->n; i++)
			if (prog_of(t, &t->probes->v[i]) == prog && t->probes->v[i].addr)
				idx[n++] = i;
			else if (prog_of(t, &t->probes->v[i]) == prog)
				mark_result(t, i, -ENOENT);
		attach_multi(t, prog, idx, n);
	}
	free(idx);
	return 0;
}

/* Probes that are not kprobe-multi ones, under any backend: drops, tracepoints. */
static int attach_single(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];

	if (p->kind == PROBE_TRACEPOINT)
		return attach_tp(t, i);
	if (bpf_program__type(prog_of(t, p)) == BPF_PROG_TYPE_TRACING)
		return attach_fentry(t, i);
	return attach_kprobe(t, i);
}

static size_t *single_list;

static int attach_single_nth(struct tracer *t, size_t k)
{
	return attach_single(t, single_list[k]);
}

int tracer_attach(struct tracer *t, char *err, size_t errlen)
{
	double t0 = now_ms();
	size_t nsingle = 0;

	t->links = calloc(t->probes->n + 1, sizeof(*t->links));
	t->fds = malloc((2 * t->probes->n + 1) * sizeof(*t->fds));
	single_list = calloc(t->probes->n + 1, sizeof(*single_list));
	if (!t->links || !t->fds || !single_list) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->nlinks = t->probes->n;
	t->nfds = 2 * t->probes->n;
	for (size_t i = 0; i < t->nfds; i++)
		t->fds[i] = -1;
	for (size_t i = 0; i < t->probes->n; i++) {
		struct probe *p = &t->probes->v[i];
		struct bpf_program *prog = prog_of(t, p);

		if (!prog) {
			mark_result(t, i, -ERANGE);
			continue;
		}
		if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI)
			single_list[nsingle++] = i;
	}
	kprobe_by_addr = !access("/sys/bus/event_source/devices/kprobe/type", F_OK);
	if (kprobe_by_addr)
		find_shared_addrs(t, single_list, nsingle);
	if (t->cfg.backend == BACKEND_KPROBE_MULTI)
		attach_multi_all(t);
	run_parallel(t, nsingle, attach_single_nth, 0, "attaching probes:");
	free(single_list);
	single_list = NULL;
	free(addr_shared);
	addr_shared = NULL;
	for (size_t i = 0; i < t->probes->n; i++) {
		struct probe *p = &t->probes->v[i];

		if (p->attached)
			t->attached++;
		else if (p->attach_err == -ERANGE)
			t->unreadable++;
		else
			t->failed++;
	}
	t->attach_ms = now_ms() - t0;
	return 0;
}

static int detach_one(struct tracer *t, size_t i)
{
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
	run_parallel(t, t->nlinks, detach_one, t->nlinks > 1 ? MAX_WORKERS : 1, NULL);
}

static unsigned long long prog_misses(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

unsigned long long tracer_missed(const struct tracer *t)
{
	struct bpf_program *prog;
	unsigned long long n = 0;

	if (!t->skel)
		return 0;
	bpf_object__for_each_program(prog, t->skel->obj) n += prog_misses(bpf_program__fd(prog));
	for (size_t i = 0; t->fds && i < t->nfds; i += 2)
		n += prog_misses(t->fds[i]);
	return n;
}

void tracer_destroy(struct tracer *t)
{
	/* Links before programs, so nothing fires into a closing program. */
	tracer_detach(t);
	for (size_t i = 0; t->fds && i < t->nfds; i += 2)
		if (t->fds[i] >= 0)
			close(t->fds[i]);
	free(t->links);
	free(t->fds);
	t->links = NULL;
	t->fds = NULL;
	for (size_t k = 0; k < t->nmod_btfs; k++)
		if (t->mod_btfs[k].fd >= 0)
			close(t->mod_btfs[k].fd);
	free(t->mod_btfs);
	t->mod_btfs = NULL;
	t->nmod_btfs = 0;
	skbtrace_bpf__destroy(t->skel);
	t->skel = NULL;
}
