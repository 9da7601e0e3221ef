/* SPDX-License-Identifier: GPL-2.0 */
/* How probes are attached: the loader's backends and their names. */
#ifndef SKBT_BACKEND_H
#define SKBT_BACKEND_H

enum backend {
	BACKEND_AUTO = 0,
	BACKEND_KPROBE_MULTI,
	BACKEND_KPROBE,
	BACKEND_FENTRY,
	BACKEND_TRACEPOINT,
};

/* "kprobe-multi", "kprobe", "fentry", "tracepoint", or "auto". */
const char *backend_name(enum backend b);
/* The backend named name (as backend_name() spells it); 0, or -1 if none. */
int backend_parse(const char *name, enum backend *b);

#endif
