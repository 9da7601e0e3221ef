/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which BPF program serves each probe, and which loaded programs are
 * templates that further probes get copies of.
 */
#ifndef SKBT_PROGS_H
#define SKBT_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/probes.h"

struct bpf_program;
struct tracer;
struct tracer_cfg;

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

struct prog_templates {
	struct tp_template v[16];
	size_t n;
};

/* The program p needs under cfg (backend, tracking), or NULL if none can read it. */
const char *prog_name_for(const struct tracer_cfg *cfg, const struct probe *p);
/* The same, as the opened object's program. */
struct bpf_program *prog_of(const struct tracer *t, const struct probe *p);
/* The template prog is, or NULL. */
struct tp_template *prog_template(struct tracer *t, const struct bpf_program *prog);
/* Marks for loading only the programs some probe needs, and picks the templates. */
void progs_select(struct tracer *t);

#endif
