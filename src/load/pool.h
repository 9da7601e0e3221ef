/* SPDX-License-Identifier: GPL-2.0 */
/* A pool of threads that share a range of work items. */
#ifndef SKBT_POOL_H
#define SKBT_POOL_H

#include <stddef.h>

#define POOL_MAX_WORKERS 32

/*
 * Runs fn(ctx, 0..n-1) on nth threads (0: one per CPU; at most
 * POOL_MAX_WORKERS), each taking the next index.  With a label, once the
 * work has taken a second, shows "label N/M" on one stderr line that it
 * keeps rewriting and clears when done (the caller decides it is a terminal).
 */
void pool_run(size_t n, int (*fn)(void *ctx, size_t i), void *ctx, int nth, const char *label);

#endif
