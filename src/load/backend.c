// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "load/backend.h"
#include "load/kernel_features.h"

static const char *const names[] = {
	[BACKEND_AUTO] = "auto",
	[BACKEND_KPROBE_MULTI] = "kprobe-multi",
	[BACKEND_KPROBE] = "kprobe",
	[BACKEND_FENTRY] = "fentry",
	[BACKEND_TRACEPOINT] = "tracepoint",
	[BACKEND_TP_BTF] = "tp_btf",
};

const char *backend_name(enum backend b)
{
	if ((unsigned int)b >= sizeof(names) / sizeof(names[0]))
		return "auto";
	return names[b];
}

bool backend_on_tracepoints(enum backend b)
{
	return b == BACKEND_TRACEPOINT || b == BACKEND_TP_BTF;
}

int backend_parse(const char *name, enum backend *b)
{
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*b = (enum backend)i;
			return 0;
		}
	}
	return -1;
}

/* A backend asked for by name must be there; -1 with the reason if not. */
static int check_wanted(enum backend want, const struct kernel_features *kf, char *err,
			size_t errlen)
{
	if (want == BACKEND_KPROBE_MULTI && !kf->kprobe_multi)
		snprintf(err, errlen, "backend kprobe-multi unavailable: %s; try --backend kprobe",
			 kf->kprobe_multi_why);
	else if (want == BACKEND_KPROBE && !kf->kprobe)
		snprintf(err, errlen, "backend kprobe unavailable: %s; try --backend tracepoint",
			 kf->kprobe_why);
	else if (want == BACKEND_FENTRY && !kf->fentry)
		snprintf(err, errlen, "backend fentry unavailable: %s; try --backend %s",
			 kf->fentry_why, kf->kprobe ? "kprobe" : "tracepoint");
	else if (want == BACKEND_TP_BTF && !kf->tp_btf)
		snprintf(err, errlen, "backend tp_btf unavailable: %s; try --backend tracepoint",
			 kf->tp_btf_why);
	else
		return 0;
	return -1;
}

/*
 * Of the two tracepoint backends, per rejected run (docs/benchmarks.md
 * section 15): raw tracepoints with link cookies share five programs
 * among the 30 tracepoints, and where bpf_rdonly_cast reads the skb in
 * place they read as much in place as tp_btf: faster there, their few
 * programs staying hot in cache.  Without cookies raw tracepoints need a
 * program per tracepoint too, and without bpf_rdonly_cast they copy the
 * skb with probe reads that tp_btf does not need: tp_btf.
 */
static enum backend tracepoint_backend(struct kernel_features *kf)
{
	const char *lack = "no link cookies, no bpf_rdonly_cast";

	if (!kf->tp_btf) {
		snprintf(kf->tp_choice, sizeof(kf->tp_choice), "tp_btf unavailable (%s)",
			 kf->tp_btf_why);
		return BACKEND_TRACEPOINT;
	}
	if (kf->raw_tp_cookie && kf->rdonly_cast_id > 0) {
		snprintf(kf->tp_choice, sizeof(kf->tp_choice),
			 "raw tracepoints faster than tp_btf here (link cookies, bpf_rdonly_cast)");
		return BACKEND_TRACEPOINT;
	}
	if (kf->raw_tp_cookie)
		lack = "no bpf_rdonly_cast";
	else if (kf->rdonly_cast_id > 0)
		lack = "no link cookies";
	snprintf(kf->tp_choice, sizeof(kf->tp_choice),
		 "tp_btf faster than raw tracepoints here (%s)", lack);
	return BACKEND_TP_BTF;
}

/*
 * kprobe comes before fentry: measured faster end to end
 * (docs/design.md), and fentry loads one program per function.
 */
int backend_choose(enum backend *b, struct kernel_features *kf, const char *tracefs,
		   const struct btf *btf, char *err, size_t errlen)
{
	enum backend want = *b;

	features_probe(kf, tracefs);
	features_probe_direct(kf, btf);
	if (want == BACKEND_FENTRY || (want == BACKEND_AUTO && !kf->kprobe))
		features_probe_fentry(kf, btf);
	if (want == BACKEND_TP_BTF || (want == BACKEND_AUTO && !kf->kprobe && !kf->fentry))
		features_probe_tp_btf(kf, btf);
	if (check_wanted(want, kf, err, errlen))
		return -1;
	if (want != BACKEND_AUTO)
		return 0;
	if (kf->kprobe_multi)
		*b = BACKEND_KPROBE_MULTI;
	else if (kf->kprobe)
		*b = BACKEND_KPROBE;
	else if (kf->fentry)
		*b = BACKEND_FENTRY;
	else
		*b = tracepoint_backend(kf);
	return 0;
}
