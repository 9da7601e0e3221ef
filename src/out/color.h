/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Colour in text output (--color): SGR escape sequences around a cell.
 * Only the text formatter uses them, and only when output_cfg.color says
 * the output is a terminal that wants colour; JSON never has any.
 */
#ifndef SKBT_OUT_COLOR_H
#define SKBT_OUT_COLOR_H

#include "out/buf.h"

#define COLOR_DROP  "\033[1;31m" /* bold red: where a packet died */
#define COLOR_HINT  "\033[1;33m" /* bold yellow: what to look at */
#define COLOR_HEAD  "\033[1m"	 /* bold: a packet's heading */
#define COLOR_RESET "\033[0m"

/*
 * A packet id's colour: the same for every event of the packet, and
 * neighbouring ids apart.  Red is left to drops.
 */
static inline void ap_color_id(struct obuf *b, unsigned long long id)
{
	static const char *const fg[] = {"\033[32m", "\033[34m", "\033[33m", "\033[35m",
					 "\033[36m", "\033[92m", "\033[94m", "\033[93m",
					 "\033[95m", "\033[96m"};

	ap_str(b, fg[id % (sizeof(fg) / sizeof(fg[0]))]);
}

#define ap_color(b, on, sgr)                                                                       \
	do {                                                                                       \
		if (on)                                                                            \
			ap_lit(b, sgr);                                                            \
	} while (0)

#endif
