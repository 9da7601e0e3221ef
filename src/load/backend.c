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
};

const char *backend_name(enum backend b)
{
	if ((unsigned int)b >= sizeof(names) / sizeof(names[0]))
		return "auto";
	return names[b];
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
	else
		return 0;
	return -1;
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
		*b = BACKEND_TRACEPOINT;
	return 0;
}
