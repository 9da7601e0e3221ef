/* SPDX-License-Identifier: GPL-2.0 */
/* The monotonic clock every benchmark times itself with. */
#ifndef SKBT_BENCH_CLOCK_H
#define SKBT_BENCH_CLOCK_H

#include <time.h>

static inline double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double bench_now_ms(void)
{
	return bench_now_s() * 1e3;
}

#endif
