/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Discovery from BTF: which kernel functions and tracepoints take a
 * struct sk_buff, and where in their argument list.
 */
#ifndef SKBT_BTF_DISCOVER_H
#define SKBT_BTF_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include "probe/probes.h"

struct btf;
struct ksyms;

/*
 * Loads the running kernel's vmlinux BTF, or the BTF file at path.
 * On failure returns NULL and writes one line naming the problem (and
 * what to do) into err.
 */
struct btf *discover_load_btf(const char *path, char *err, size_t errlen);

/*
 * Loads the BTF of kernel modules: all of /sys/kernel/btf/ but vmlinux
 * when names is NULL, else the comma-separated names.  Appends each
 * loaded module's BTF (split over base) and its name to the arrays.
 */
int discover_load_module_btfs(const struct btf *base, const char *names, struct btf ***btfs,
			      char ***mod_names, int *count, char *err, size_t errlen);

/*
 * Appends every FUNC whose prototype has a struct sk_buff * (any
 * qualifiers, any typedef) parameter, with its 1-based position, and the
 * position of an enum skb_drop_reason parameter if any.  module is the
 * module name for split BTF, NULL for vmlinux.  Returns the number added
 * or a negative errno.
 */
int discover_funcs(const struct btf *btf, const char *module, struct probe_list *out);

/*
 * Appends every tracepoint whose btf_trace_<name> prototype carries a
 * struct sk_buff * (position counted without the leading void *ctx).
 * Categories come from tracefs events/<cat>/<name> when tracefs is
 * mounted, else from a built-in table; *cat_fallback is set when the
 * table was used.
 */
int discover_tracepoints(const struct btf *btf, const char *tracefs, struct probe_list *out,
			 bool *cat_fallback);

/* The mounted tracefs (/sys/kernel/tracing or /sys/kernel/debug/tracing), or NULL. */
const char *tracefs_find(void);

/*
 * Keeps only functions that can be probed: listed in tracefs
 * available_filter_functions when it is readable, else present as a
 * text symbol in kallsyms.  Fills probe->addr from ks when given.
 * Tracepoints are kept.  *skipped gets how many were removed; *source
 * names what was used ("available_filter_functions" or "kallsyms").
 */
/*
 * Whether the named struct sk_buff fields all lie in the span bytes
 * that start at its len field, per the kernel's BTF: the BPF side then
 * reads the span once and picks the fields out (cfg_skb_span).
 */
bool discover_skb_span_fits(const struct btf *btf, unsigned int span);

int discover_filter_probeable(struct probe_list *l, const char *tracefs, const struct ksyms *ks,
			      size_t *skipped, const char **source);

#endif
