// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "load/pool.h"

/* A progress line only for work that keeps the user waiting this long. */
#define POOL_PROGRESS_AFTER_S 1.0

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

/* One line, rewritten in place: "\r" back to its start, ESC[K clears the rest. */
static void show_progress(struct pool *p, const char *label)
{
	size_t done = atomic_load(&p->done);

	fprintf(stderr, "\r%s %zu/%zu\033[K", label, done, p->n);
	fflush(stderr);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the workers; after a second, shows how far they are. */
static void watch(struct pool *p, const char *label)
{
	double start = mono_s();
	bool shown = false;

	while (atomic_load(&p->done) < p->n) {
		if (mono_s() - start >= POOL_PROGRESS_AFTER_S) {
			show_progress(p, label);
			shown = true;
		}
		usleep(50000);
	}
	/* Gone once done: the start-up line takes its place. */
	if (shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
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
	int started = 0;

	nth = threads_for(n, nth);
	for (int i = 0; i < nth; i++)
		if (!pthread_create(&th[started], NULL, pool_worker, &p))
			started++;
	if (!started)
		pool_worker(&p);
	if (label)
		watch(&p, label);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}
