/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside src/load/: attaching one probe per backend (attach_tp.c,
 * attach_fentry.c, attach_kprobe.c), for tracer_attach() in attach.c.
 * Each records its result in the probe and returns 0 or a negative errno.
 */
#ifndef SKBT_ATTACH_H
#define SKBT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct tracer;
struct bpf_program;

static inline double load_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Records probe i's attach result (0 or a negative errno). */
void attach_mark(struct tracer *t, size_t i, int err);
/* Keeps probe i's link (an fd, or a negative errno) and records the result. */
int attach_keep_link(struct tracer *t, size_t i, int link);

/* A raw tracepoint: a cookie, or a copy of the template with probe i's index. */
int attach_tp(struct tracer *t, size_t i);
/* fentry/fexit: the template, or a copy verified against probe i's function. */
int attach_fentry(struct tracer *t, size_t i);

/* How the single kprobes of one attach run name their functions. */
struct kprobe_names {
	bool by_addr; /* the kprobe PMU takes kallsyms addresses */
	bool *shared; /* per probe: an earlier probe of its kind has its address */
};

/* Decides for the probes list[0..n-1]; without memory, all go by address. */
void kprobe_names_init(struct kprobe_names *kn, const struct tracer *t, const size_t *list,
		       size_t n);
void kprobe_names_free(struct kprobe_names *kn);
int attach_kprobe(struct tracer *t, const struct kprobe_names *kn, size_t i);
/* Every kprobe-multi program's probes, one link per program where the kernel takes it. */
int attach_kprobe_multi_all(struct tracer *t);

#endif
