/* SPDX-License-Identifier: GPL-2.0 */
/* How probes are attached: the loader's backends and their names. */
#ifndef SKBT_BACKEND_H
#define SKBT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

enum backend {
	BACKEND_AUTO = 0,
	BACKEND_KPROBE_MULTI,
	BACKEND_KPROBE,
	BACKEND_FENTRY,
	BACKEND_TRACEPOINT, /* raw tracepoints */
	BACKEND_TP_BTF,	    /* BTF-typed tracepoints */
};

/* "kprobe-multi", "kprobe", "fentry", "tracepoint", "tp_btf", or "auto". */
const char *backend_name(enum backend b);
/* The backends that trace the sk_buff tracepoints rather than functions. */
bool backend_on_tracepoints(enum backend b);
/* The backend named name (as backend_name() spells it); 0, or -1 if none. */
int backend_parse(const char *name, enum backend *b);

struct kernel_features;
struct btf;

/*
 * Probes what the kernel can attach (into kf) and resolves BACKEND_AUTO
 * in *b: kprobe-multi, then kprobe, then fentry, then tp_btf or
 * tracepoint, whichever is faster on this kernel (kf->tp_choice says
 * why).  A backend asked for by name that the kernel lacks: -1 with why
 * (and what to try) in err.
 */
int backend_choose(enum backend *b, struct kernel_features *kf, const char *tracefs,
		   const struct btf *btf, char *err, size_t errlen);

#endif
