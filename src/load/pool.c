// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "load/pool.h"

/* Fewer items than this finish before a progress line would help. */
#define POOL_PROGRESS_MIN 64

struct pool {
	atomic_size_t next, done;
	size_t n;
	int (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		p->fn(p->ctx, i);
		atomic_fetch_add(&p->done, 1);
	}
	return NULL;
}

static void show_progress(struct pool *p, const char *label)
{
	size_t done = atomic_load(&p->done);

	fprintf(stderr, "\r%s %zu/%zu", label, done, p->n);
	fflush(stderr);
}

static int threads_for(size_t n, int nth)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (nth <= 0)
		nth = cpus < 1 ? 1 : (int)cpus;
	if (nth > POOL_MAX_WORKERS)
		nth = POOL_MAX_WORKERS;
	if ((size_t)nth > n)
		nth = n ? (int)n : 1;
	return nth;
}

void pool_run(size_t n, int (*fn)(void *ctx, size_t i), void *ctx, int nth, const char *label)
{
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	pthread_t th[POOL_MAX_WORKERS];
	bool progress = label && n > POOL_PROGRESS_MIN;
	int started = 0;

	nth = threads_for(n, nth);
	for (int i = 0; i < nth; i++)
		if (!pthread_create(&th[started], NULL, pool_worker, &p))
			started++;
	if (!started)
		pool_worker(&p);
	while (progress && atomic_load(&p.done) < n) {
		show_progress(&p, label);
		usleep(50000);
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (progress) {
		show_progress(&p, label);
		fputc('\n', stderr);
	}
}
