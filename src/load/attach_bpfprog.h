/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --filter-trace-tc / --filter-trace-xdp: fentry and fexit on every
 * loaded tc (SCHED_CLS) and XDP program, kept up to date while skbtrace
 * runs: programs that appear are traced, programs their owner unloads are
 * released (our links would otherwise keep them loaded).
 */
#ifndef SKBT_ATTACH_BPFPROG_H
#define SKBT_ATTACH_BPFPROG_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/bpfprogs.h"

struct tracer;
struct bpf_program;
struct bpf_link;

/* Where a template's program-id marker sits in its final code. */
struct prog_copy_tmpl {
	struct bpf_program *prog;
	size_t marker[4];
	size_t nmarker;
};

struct prog_tracer {
	bool kinds[BPFPROG_KINDS];		      /* which kinds are traced */
	bool verbose;				      /* one line per program that comes or goes */
	struct prog_copy_tmpl tmpl[BPFPROG_KINDS][2]; /* [kind][0: fentry, 1: fexit] */
	struct bpf_link *iter;
	struct bpfprogs progs;
	bool started; /* the first scan is done: later programs are "late" */
	size_t traced, late, released, failed;
};

/*
 * Before the tracer loads: marks the templates of the kinds t->cfg asks
 * for and the iterator for loading.  0 or a negative errno.
 */
int prog_tracer_select(struct tracer *t);
/* After the tracer loaded: traces what is loaded now. 0 or -errno, err set. */
int prog_tracer_start(struct prog_tracer *pt, struct tracer *t, char *err, size_t errlen);
/* Traces programs loaded since, releases those unloaded since. */
void prog_tracer_poll(struct prog_tracer *pt);
/* Detaches everything (before the tracer detaches and drains). */
void prog_tracer_stop(struct prog_tracer *pt);
/* The start-up line, or the exit one: traced, appeared, released, failed. */
void prog_tracer_report(const struct prog_tracer *pt, bool at_exit);
void prog_tracer_free(struct prog_tracer *pt);

#endif
