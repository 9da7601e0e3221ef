// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "load/backend.h"

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
