// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <bpf/libbpf.h>

#include "load/progs.h"
#include "load/tracer.h"
#include "probe/kernel_syms.h"
#include "skbtrace.skel.h"

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

static const struct func_progs *func_progs_of(const struct tracer_cfg *cfg)
{
	if (cfg->backend == BACKEND_FENTRY)
		return &fentry_progs;
	return cfg->backend == BACKEND_KPROBE_MULTI ? &kprobe_multi_progs : &kprobe_progs;
}

/* A traced function (roles are handled by the caller). */
static const char *func_prog_name(const struct tracer_cfg *cfg, const struct probe *p)
{
	const struct func_progs *n = func_progs_of(cfg);

	if (cfg->backend == BACKEND_FENTRY && p->nr_args > SKBT_FENTRY_MAX_ARGS)
		return NULL;
	if (cfg->track && !cfg->track_tp_free && ksym_has(p, KSYM_FREE))
		return n->free;
	switch (ksym_drop(p)) {
	case KSYM_DROP_R3:
		return n->drop_r3;
	case KSYM_DROP_R2:
		return n->drop_r2;
	default:
		break;
	}
	return p->skb_arg <= SKBT_KPROBE_MAX_ARG ? n->pos[p->skb_arg - 1] : NULL;
}

/* The hooks of --filter-track-skb read argument 1 only; NULL for a trace probe. */
static const char *role_prog_name(const struct tracer_cfg *cfg, const struct probe *p)
{
	if (p->skb_arg != 1)
		return NULL;
	switch (p->role) {
	case PROBE_ROLE_FORGET:
		if (p->kind == PROBE_TRACEPOINT)
			return cfg->backend == BACKEND_TP_BTF ? "skbt_tb_forget" : "skbt_tp_forget";
		return func_progs_of(cfg)->forget;
	case PROBE_ROLE_CLONE_ENTRY:
		return "skbt_clone_entry";
	case PROBE_ROLE_CLONE_RET:
		return "skbt_clone_ret";
	case PROBE_ROLE_CLONE_EXIT:
		return "skbt_fx_clone";
	default:
		return NULL;
	}
}

/* The programs of a tracepoint backend: raw tracepoints, or tp_btf (typed). */
struct tp_progs {
	const char *pos[SKBT_TP_MAX_ARG]; /* by sk_buff argument position */
	const char *kfree_skb, *consume_skb;
};

static const struct tp_progs raw_tp_progs = {
	{"skbt_tp1", "skbt_tp2", "skbt_tp3", "skbt_tp4", "skbt_tp5"},
	"skbt_tp_kfree_skb",
	"skbt_tp_consume_skb",
};

static const struct tp_progs tp_btf_progs = {
	{"skbt_tb1", "skbt_tb2", "skbt_tb3", "skbt_tb4", "skbt_tb5"},
	"skbt_tb_kfree_skb",
	"skbt_tb_consume_skb",
};

/* Every backend attaches tracepoints (kfree_skb at least): raw ones but under tp_btf. */
static const char *tp_prog_name(const struct tracer_cfg *cfg, const struct probe *p)
{
	const struct tp_progs *n = cfg->backend == BACKEND_TP_BTF ? &tp_btf_progs : &raw_tp_progs;

	if (ksym_drop(p) == KSYM_DROP_TP)
		return n->kfree_skb;
	/* Tracked skbs are forgotten where they are freed. */
	if (cfg->track && ksym_has(p, KSYM_CONSUME))
		return n->consume_skb;
	return p->skb_arg <= SKBT_TP_MAX_ARG ? n->pos[p->skb_arg - 1] : NULL;
}

const char *prog_name_for(const struct tracer_cfg *cfg, const struct probe *p)
{
	if (p->skb_arg < 1)
		return NULL;
	if (p->role != PROBE_ROLE_TRACE)
		return role_prog_name(cfg, p);
	if (p->kind == PROBE_TRACEPOINT)
		return tp_prog_name(cfg, p);
	if (backend_on_tracepoints(cfg->backend))
		return NULL;
	return func_prog_name(cfg, p);
}

struct bpf_program *prog_of(const struct tracer *t, const struct probe *p)
{
	const char *name = prog_name_for(&t->cfg, p);

	return name ? bpf_object__find_program_by_name(t->skel->obj, name) : NULL;
}

struct tp_template *prog_template(struct tracer *t, const struct bpf_program *prog)
{
	struct prog_templates *tm = &t->tmpl;

	for (size_t i = 0; i < tm->n; i++)
		if (tm->v[i].prog == prog)
			return &tm->v[i];
	return NULL;
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
void progs_select(struct tracer *t)
{
	struct prog_templates *tm = &t->tmpl;
	struct bpf_program *prog;
	struct tp_template *tmpl;

	bpf_object__for_each_program(prog, t->skel->obj)
		bpf_program__set_autoload(prog, false);
	tm->n = 0;
	for (size_t i = 0; i < t->probes->n; i++) {
		prog = prog_of(t, &t->probes->v[i]);
		if (!prog)
			continue;
		bpf_program__set_autoload(prog, true);
		if (!copied_type(prog) || tm->n == sizeof(tm->v) / sizeof(tm->v[0]))
			continue;
		tmpl = prog_template(t, prog);
		if (!tmpl)
			tm->v[tm->n++] = (struct tp_template){prog, (long)i};
		else if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
			 fentry_target_risk(&t->probes->v[i]) <
				 fentry_target_risk(&t->probes->v[tmpl->first]))
			tmpl->first = (long)i;
	}
}
