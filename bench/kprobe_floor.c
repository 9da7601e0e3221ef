// SPDX-License-Identifier: GPL-2.0
/*
 * kprobe_floor: the least a tool can do to put a BPF kprobe on N kernel
 * functions and take it off again, as the yardstick for skbtrace's kprobe
 * backend.  One trivial program (r0 = 0; exit) is loaded with
 * bpf_prog_load(); each function gets a kprobe perf event from the kprobe
 * PMU and a BPF link (bpf_link_create, BPF_PERF_EVENT), then the event is
 * enabled: the same system calls libbpf's bpf_program__attach_kprobe_opts()
 * makes, without BTF, CO-RE, maps or discovery.
 *
 * Usage: kprobe_floor [-j THREADS] [-J THREADS] [-a] [-f READY_FILE] [-o OUT] [-L LABEL] LIST
 *   LIST  one function a line: "NAME [ADDRESS]" (hex); "-" reads stdin
 *   -j    attach on THREADS threads, each taking the next function (1: a plain loop)
 *   -J    detach on THREADS threads (default: as -j)
 *   -a    attach by address (the list's second column) instead of by name;
 *         the kernel then neither looks the name up nor counts its duplicates
 *   -f    after attaching, create READY_FILE and wait for SIGINT/SIGTERM
 *         before detaching (for bench/startup-style timing from outside);
 *         without it, detach right away
 *   -o    write the RESULT line to OUT instead of stdout (a harness that
 *         waits for READY_FILE may not read stdout)
 * Prints one line:
 *   RESULT label=L n=N attached=A failed=F threads=J/J by=name|addr
 *          load_ms=.. attach_ms=.. ready_ms=.. detach_ms=.. first_err=E
 * ready_ms runs from main() to the last link; detach_ms from the signal
 * (or the last link) to the last close.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"

#define MAX_THREADS 64

struct func {
	char *name;
	unsigned long long addr;
	int pfd, lfd, err;
};

struct work {
	struct func *f;
	size_t n;
	int prog_fd, pmu_type;
	bool by_addr;
	atomic_size_t next;
};

static int read_list(const char *path, struct func **out, size_t *n)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 0;
	char line[512];

	if (!in)
		return -errno;
	*out = NULL;
	*n = 0;
	while (fgets(line, sizeof(line), in)) {
		char name[256];
		unsigned long long addr = 0;
		struct func *v;

		if (sscanf(line, "%255s %llx", name, &addr) < 1 || name[0] == '#')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(*out, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			*out = v;
		}
		(*out)[(*n)++] = (struct func){strdup(name), addr, -1, -1, 0};
	}
	if (in != stdin)
		fclose(in);
	return 0;
}

/* The dynamic kprobe PMU's type number (4.17+). */
static int kprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int type = -1;

	if (f) {
		if (fscanf(f, "%d", &type) != 1)
			type = -1;
		fclose(f);
	}
	return type;
}

static int attach_one(struct work *w, struct func *f)
{
	struct perf_event_attr attr = {.size = sizeof(attr), .type = w->pmu_type};

	/* config1 is the name; with none, config2 is the address. */
	if (w->by_addr) {
		if (!f->addr)
			return -ENOENT;
		attr.config2 = f->addr;
	} else {
		attr.config1 = (unsigned long)f->name;
	}
	f->pfd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (f->pfd < 0)
		return -errno;
	f->lfd = bpf_link_create(w->prog_fd, f->pfd, BPF_PERF_EVENT, NULL);
	if (f->lfd < 0)
		return -errno;
	if (ioctl(f->pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -errno;
	return 0;
}

static void *attach_worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
		w->f[i].err = attach_one(w, &w->f[i]);
	return NULL;
}

/* Closing the perf event is what unregisters the kprobe (an RCU wait each). */
static void *detach_worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->n) {
		if (w->f[i].lfd >= 0)
			close(w->f[i].lfd);
		if (w->f[i].pfd >= 0)
			close(w->f[i].pfd);
		w->f[i].lfd = w->f[i].pfd = -1;
	}
	return NULL;
}

/* fn on nth threads; one means the calling thread alone, a plain loop. */
static void run_on(struct work *w, void *(*fn)(void *), int nth)
{
	pthread_t th[MAX_THREADS];
	int started = 0;

	atomic_store(&w->next, 0);
	if (nth > 1)
		for (int i = 0; i < nth; i++)
			if (!pthread_create(&th[started], NULL, fn, w))
				started++;
	if (!started)
		fn(w);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* Two descriptors per kprobe (perf event, link), as libbpf holds them. */
static void raise_fd_limit(size_t n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return;
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
	if (r.rlim_cur < 2 * n + 16)
		fprintf(stderr, "kprobe_floor: only %llu files may be open, %zu kprobes need %zu\n",
			(unsigned long long)r.rlim_cur, n, 2 * n + 16);
}

static void usage(void)
{
	fprintf(stderr, "usage: kprobe_floor [-j THREADS] [-J THREADS] [-a] [-f READY_FILE] "
			"[-o OUT] [-L LABEL] LIST\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	double t_start = bench_now_ms(), t_loaded, t_attached, t_stop, t_done;
	int nth = 1, dth = 0, opt, first_err = 0, sig;
	const char *ready = NULL, *label = "floor", *out_path = NULL;
	FILE *out = stdout;
	struct work w = {0};
	size_t ok = 0;
	sigset_t set;

	while ((opt = getopt(argc, argv, "j:J:af:o:L:")) != -1) {
		switch (opt) {
		case 'j':
			nth = atoi(optarg);
			break;
		case 'J':
			dth = atoi(optarg);
			break;
		case 'a':
			w.by_addr = true;
			break;
		case 'f':
			ready = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'L':
			label = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || nth < 1 || nth > MAX_THREADS || dth < 0 || dth > MAX_THREADS)
		usage();
	if (!dth)
		dth = nth;
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "kprobe_floor: cannot write %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	/* Block the stop signals now, so one that comes early is not lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (read_list(argv[optind], &w.f, &w.n) || !w.n) {
		fprintf(stderr, "kprobe_floor: cannot read a function list from %s\n",
			argv[optind]);
		return 1;
	}
	raise_fd_limit(w.n);
	w.pmu_type = kprobe_pmu_type();
	if (w.pmu_type < 0) {
		fprintf(stderr, "kprobe_floor: no kprobe PMU in /sys/bus/event_source/devices\n");
		return 1;
	}
	w.prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "floor", "GPL", insns,
				  sizeof(insns) / sizeof(insns[0]), NULL);
	if (w.prog_fd < 0) {
		fprintf(stderr, "kprobe_floor: loading r0 = 0; exit failed: %s\n", strerror(errno));
		return 1;
	}
	t_loaded = bench_now_ms();
	run_on(&w, attach_worker, nth);
	t_attached = bench_now_ms();
	for (size_t i = 0; i < w.n; i++) {
		if (!w.f[i].err)
			ok++;
		else if (!first_err)
			first_err = -w.f[i].err;
		if (w.f[i].err && getenv("FLOOR_DEBUG"))
			fprintf(stderr, "kprobe_floor: %s: %s\n", w.f[i].name,
				strerror(-w.f[i].err));
	}
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "kprobe_floor: cannot create %s: %s\n", ready,
				strerror(errno));
			return 1;
		}
		close(fd);
		sigwait(&set, &sig);
	}
	t_stop = bench_now_ms();
	run_on(&w, detach_worker, dth);
	t_done = bench_now_ms();
	close(w.prog_fd);
	fprintf(out,
		"RESULT label=%s n=%zu attached=%zu failed=%zu threads=%d/%d by=%s load_ms=%.1f "
		"attach_ms=%.1f ready_ms=%.1f detach_ms=%.1f first_err=%d\n",
		label, w.n, ok, w.n - ok, nth, dth, w.by_addr ? "addr" : "name", t_loaded - t_start,
		t_attached - t_loaded, t_attached - t_start, t_done - t_stop, first_err);
	if (out != stdout)
		fclose(out);
	for (size_t i = 0; i < w.n; i++)
		free(w.f[i].name);
	free(w.f);
	return 0;
}
