// SPDX-License-Identifier: GPL-2.0
/*
 * Times probe discovery on the running kernel: vmlinux BTF load, the
 * function walk, the tracepoint walk and the kallsyms load, each the
 * median of several runs, then the peak RSS of the whole process.
 *
 * Usage: discovery [runs]   (default 7)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe/btf_discover.h"
#include "probe/ksyms.h"
#include "clock.h"

#define MAX_RUNS 64

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct sample {
	double btf_load, funcs, tps, ksyms, filter, raw_read;
	size_t nfuncs, ntps, nsyms, nkept;
};

/*
 * Only reading /proc/kallsyms, no parsing: what the kernel takes to
 * generate it, the floor for ksyms_load().
 */
static double raw_read_ms(void)
{
	static char buf[1 << 20];
	double t = bench_now_ms();
	int fd = open("/proc/kallsyms", O_RDONLY);

	if (fd < 0)
		return -1;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return bench_now_ms() - t;
}

static int run_once(struct sample *s)
{
	struct probe_list l = {0};
	const char *source;
	struct ksyms *ks;
	struct btf *btf;
	char err[256];
	size_t skipped;
	bool fb;
	double t;
	int n;

	t = bench_now_ms();
	btf = discover_load_btf(NULL, err, sizeof(err));
	s->btf_load = bench_now_ms() - t;
	if (!btf) {
		fprintf(stderr, "discovery: %s\n", err);
		return -1;
	}
	t = bench_now_ms();
	n = discover_funcs(btf, NULL, &l);
	s->funcs = bench_now_ms() - t;
	s->nfuncs = n > 0 ? n : 0;
	t = bench_now_ms();
	n = discover_tracepoints(btf, tracefs_find(), &l, &fb);
	s->tps = bench_now_ms() - t;
	s->ntps = n > 0 ? n : 0;
	s->raw_read = raw_read_ms();
	t = bench_now_ms();
	ks = ksyms_load(NULL);
	s->ksyms = bench_now_ms() - t;
	s->nsyms = ksyms_count(ks);
	t = bench_now_ms();
	discover_filter_probeable(&l, tracefs_find(), ks, &skipped, &source);
	s->filter = bench_now_ms() - t;
	s->nkept = l.n;
	ksyms_free(ks);
	probe_list_free(&l);
	btf__free(btf);
	return 0;
}

int main(int argc, char **argv)
{
	double btf_load[MAX_RUNS], funcs[MAX_RUNS], tps[MAX_RUNS], ks[MAX_RUNS], filter[MAX_RUNS],
		raw[MAX_RUNS];
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	struct sample s = {0}, s0;
	struct rusage ru;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: %s [runs 1-%d]\n", argv[0], MAX_RUNS);
		return 2;
	}
	libbpf_set_print(NULL);
	for (int i = 0; i < runs; i++) {
		if (run_once(&s))
			return 1;
		if (!i)
			s0 = s;
		btf_load[i] = s.btf_load;
		funcs[i] = s.funcs;
		tps[i] = s.tps;
		ks[i] = s.ksyms;
		filter[i] = s.filter;
		raw[i] = s.raw_read;
	}
	getrusage(RUSAGE_SELF, &ru);
	/*
	 * The first run is reported too: later ones reuse memory malloc
	 * already faulted in, and the tool itself discovers only once.
	 */
	printf("runs: %d\n", runs);
	printf("btf_load_vmlinux_ms: %.2f (first %.2f)\n", median(btf_load, runs), s0.btf_load);
	printf("discover_funcs_ms: %.2f (first %.2f, %zu functions)\n", median(funcs, runs),
	       s0.funcs, s.nfuncs);
	printf("discover_tracepoints_ms: %.2f (first %.2f, %zu tracepoints)\n", median(tps, runs),
	       s0.tps, s.ntps);
	printf("ksyms_load_ms: %.2f (first %.2f, %zu symbols)\n", median(ks, runs), s0.ksyms,
	       s.nsyms);
	printf("kallsyms_raw_read_ms: %.2f (first %.2f, kernel cost alone)\n", median(raw, runs),
	       s0.raw_read);
	printf("filter_probeable_ms: %.2f (first %.2f, %zu kept)\n", median(filter, runs),
	       s0.filter, s.nkept);
	printf("peak_rss_kb: %ld\n", ru.ru_maxrss);
	return 0;
}
