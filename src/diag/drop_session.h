/* SPDX-License-Identifier: GPL-2.0 */
/* --drop-summary's clock: when a table is due, what interval it covers. */
#ifndef SKBT_DROP_SESSION_H
#define SKBT_DROP_SESSION_H

#include <stdbool.h>
#include "diag/drop_summary.h"

struct drop_session {
	struct drop_summary *sum;
	struct ds_print pr;
	int map_fd;
	unsigned long long every_ns; /* 0: one table, at the end */
	unsigned long long start_ns; /* the current interval's start (CLOCK_MONOTONIC) */
	unsigned long long uncounted;
};

/* Starts the first interval at now_ns. Returns 0 or -ENOMEM. */
int drop_session_init(struct drop_session *s, int map_fd, unsigned int secs,
		      const struct ds_print *pr, unsigned long long now_ns);
/*
 * Prints the interval's table when it is due at now_ns, or when final
 * (the run ends: the last, shorter interval).  uncounted_total is the
 * BPF side's running count of drops the full map could not store.
 * Returns 1 when a table was printed, 0 when none was due, or -errno.
 */
int drop_session_tick(struct drop_session *s, unsigned long long now_ns,
		      unsigned long long uncounted_total, bool final);
void drop_session_free(struct drop_session *s);

#endif
