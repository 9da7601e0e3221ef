// SPDX-License-Identifier: GPL-2.0
/*
 * startup: how long a tracer takes from exec to "ready", and what it
 * costs to stop it.  Each run forks and execs the command, waits for the
 * ready condition without polling (inotify on the ready file's directory,
 * or the child's stdout through a pipe, together with a pidfd for an
 * early exit), records the elapsed time, sends SIGINT, waits, and keeps
 * the child's peak RSS from wait4().  Prints min/median/p90/max.
 *
 * Usage: startup [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] [-H HOLD_MS] SPEC [';' SPEC]...
 *   SPEC: [-L LABEL] (-f READY_FILE | -l LINE) [-e STDERR_FILE] -- CMD [ARGS...]
 *   -f  ready when READY_FILE appears (it is removed before each run)
 *   -l  ready when the child prints a line starting with LINE on stdout
 *   -H  keep the child running HOLD_MS after ready before SIGINT (default 0)
 *   -e  the child's stderr goes to this file (default /dev/null), last run kept
 * Several SPECs, separated by a ";" argument, run interleaved (one run of
 * each in turn), so that on a shared machine they see the same conditions.
 * Per SPEC, last: "RESULT label=... runs=... ready_min=... ready_med=... ready_p90=...
 *             ready_max=... stop_med=... resent=... rss_kb_med=... rss_kb_max=..."
 * (ms, KiB; resent: SIGINTs sent again because the child still sat in
 * epoll_wait a second after the last one; stop times run from the last).
 * STARTUP_DEBUG=1 in the environment says why each SIGINT is re-sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "clock.h"

#define MAX_RUNS 1000

struct cfg {
	int runs, warmup, hold_ms;
	double timeout_s;
	const char *ready_file, *line, *err_file, *label;
	char **argv;
};

struct result {
	double ready_ms, stop_ms;
	long rss_kb;
	int resent;
};

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* How many files the process has open (-1 once it is gone). */
static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Whether the child's main thread sleeps in epoll_wait (its poll loop). */
static int in_epoll_wait(pid_t pid)
{
	char path[64], w[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(w, sizeof(w), f))
		w[0] = 0;
	fclose(f);
	return strstr(w, "epoll_wait") != NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, int n, double p)
{
	int k = (int)(p * n + 0.999999) - 1;

	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return v[k];
}

static double median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static pid_t spawn(const struct cfg *c, int *out_fd)
{
	int pfd[2] = {-1, -1};
	pid_t pid;

	if (c->line && pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int efd = open(c->err_file ? c->err_file : "/dev/null",
			       O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nfd = open("/dev/null", O_RDWR);

		if (efd >= 0)
			dup2(efd, 2);
		if (nfd >= 0)
			dup2(nfd, 0);
		if (c->line)
			dup2(pfd[1], 1);
		else if (nfd >= 0)
			dup2(nfd, 1);
		execvp(c->argv[0], c->argv);
		fprintf(stderr, "startup: exec %s: %s\n", c->argv[0], strerror(errno));
		_exit(127);
	}
	if (c->line) {
		close(pfd[1]);
		*out_fd = pfd[0];
	}
	return pid;
}

/* Scans the child's output for a line starting with c->line; 1 when found. */
static int scan_lines(const struct cfg *c, int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(fd, buf + *len, cap - 1 - *len);
	char *start, *nl;

	if (n <= 0)
		return n == 0 ? -1 : 0;
	*len += n;
	buf[*len] = 0;
	start = buf;
	while ((nl = strchr(start, '\n'))) {
		if (!strncmp(start, c->line, strlen(c->line)))
			return 1;
		start = nl + 1;
	}
	*len -= start - buf;
	memmove(buf, start, *len);
	if (*len >= cap - 1)
		*len = 0;
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int run_once(const struct cfg *c, struct result *r)
{
	char buf[8192], dir[PATH_MAX], ev[4096];
	int ino = -1, pidfd = -1, out_fd = -1, status, ready = 0;
	size_t len = 0;
	struct rusage ru;
	double t0, deadline;
	pid_t pid;

	r->resent = 0;
	if (c->ready_file) {
		char *slash;

		unlink(c->ready_file);
		snprintf(dir, sizeof(dir), "%s", c->ready_file);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		else
			snprintf(dir, sizeof(dir), ".");
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino < 0 || inotify_add_watch(ino, dir, IN_CREATE | IN_MOVED_TO) < 0) {
			perror("startup: inotify");
			return -1;
		}
	}
	t0 = bench_now_ms();
	pid = spawn(c, &out_fd);
	if (pid < 0) {
		perror("startup: spawn");
		return -1;
	}
	pidfd = pidfd_open_(pid);
	deadline = t0 + c->timeout_s * 1e3;
	while (!ready) {
		struct pollfd p[2] = {{.fd = c->ready_file ? ino : out_fd, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};
		int left = (int)(deadline - bench_now_ms());

		if (left <= 0)
			break;
		if (poll(p, pidfd >= 0 ? 2 : 1, left) < 0 && errno != EINTR)
			break;
		if (c->ready_file && p[0].revents) {
			/* Drain the events; the file's existence is what counts. */
			while (read(ino, ev, sizeof(ev)) > 0)
				;
			if (!access(c->ready_file, F_OK))
				ready = 1;
		} else if (c->line && p[0].revents) {
			int rc = scan_lines(c, out_fd, buf, &len, sizeof(buf));

			if (rc > 0)
				ready = 1;
			else if (rc < 0)
				break;
		}
		if (!ready && p[1].revents)
			break; /* the child exited first */
	}
	r->ready_ms = bench_now_ms() - t0;
	if (ready && c->hold_ms)
		usleep(c->hold_ms * 1000);
	t0 = bench_now_ms();
	kill(pid, ready ? SIGINT : SIGKILL);
	/*
	 * Wait for the exit while keeping the child's stdout flowing.  A
	 * SIGINT can go unnoticed (bpftrace 0.17 only sees it when it
	 * interrupts its epoll_wait), so when the child still sleeps in
	 * epoll_wait a second after the last SIGINT with as many files open
	 * as when it got it, it gets another one, counted, and the exit time
	 * runs from the last one sent.  A child that has begun closing its
	 * probes (bpftrace waits for RCU per perf event, then drains its
	 * buffers in epoll_wait) is left alone.
	 */
	int fds_at_sig = count_fds(pid);

	for (double last = t0, next = t0 + 1000;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = out_fd, .events = POLLIN}};
		int left = (int)(next - bench_now_ms());

		if (pidfd < 0)
			break;
		if (left < 0)
			left = 0;
		if (poll(p, out_fd >= 0 ? 2 : 1, left) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (out_fd >= 0 && p[1].revents && read(out_fd, buf, sizeof(buf)) <= 0) {
			close(out_fd);
			out_fd = -1;
		}
		if (bench_now_ms() < next)
			continue;
		next = bench_now_ms() + 250;
		if (bench_now_ms() - last >= 1000 && in_epoll_wait(pid) &&
		    count_fds(pid) >= fds_at_sig) {
			if (getenv("STARTUP_DEBUG"))
				fprintf(stderr,
					"startup: pid %d still in epoll_wait with %d files open (%d at SIGINT) %.0f ms after SIGINT\n",
					(int)pid, count_fds(pid), fds_at_sig,
					bench_now_ms() - last);
			r->resent++;
			kill(pid, r->resent > 10 ? SIGKILL : SIGINT);
			last = t0 = bench_now_ms();
			fds_at_sig = count_fds(pid);
		}
	}
	if (out_fd >= 0)
		close(out_fd);
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("startup: wait4");
		return -1;
	}
	r->stop_ms = bench_now_ms() - t0;
	r->rss_kb = ru.ru_maxrss;
	if (ino >= 0)
		close(ino);
	if (pidfd >= 0)
		close(pidfd);
	if (c->ready_file)
		unlink(c->ready_file);
	if (!ready) {
		fprintf(stderr, "startup: %s not ready after %.0f ms (exit status 0x%x)\n",
			c->argv[0], r->ready_ms, status);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: startup [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] [-H HOLD_MS] SPEC [';' SPEC]...\n"
		"  SPEC: [-L LABEL] (-f READY_FILE | -l LINE) [-e STDERR_FILE] -- CMD [ARGS...]\n"
		"  several SPECs (separated by a ';' argument) run interleaved, one run of each in turn\n");
	exit(2);
}

#define MAX_CMDS 8

struct series {
	struct cfg c;
	double ready[MAX_RUNS], stop[MAX_RUNS], rss[MAX_RUNS];
	int n, resent;
};

static void print_series(struct series *s, int warmup)
{
	struct cfg *c = &s->c;
	int n = s->n;

	qsort(s->ready, n, sizeof(double), cmp_double);
	qsort(s->stop, n, sizeof(double), cmp_double);
	qsort(s->rss, n, sizeof(double), cmp_double);
	printf("%s: %d runs (+%d warm-up): ready min %.1f ms, median %.1f, p90 %.1f, max %.1f; "
	       "SIGINT to exit median %.1f ms (SIGINT re-sent %d times); peak RSS median %.0f KiB\n",
	       c->label, n, warmup, s->ready[0], median(s->ready, n), pct(s->ready, n, 0.9),
	       s->ready[n - 1], median(s->stop, n), s->resent, median(s->rss, n));
	printf("RESULT label=%s runs=%d ready_min=%.1f ready_med=%.1f ready_p90=%.1f ready_max=%.1f "
	       "stop_med=%.1f resent=%d rss_kb_med=%.0f rss_kb_max=%.0f\n",
	       c->label, n, s->ready[0], median(s->ready, n), pct(s->ready, n, 0.9),
	       s->ready[n - 1], median(s->stop, n), s->resent, median(s->rss, n), s->rss[n - 1]);
}

int main(int argc, char **argv)
{
	static struct series ser[MAX_CMDS];
	int nser = 0, runs = 20, warmup = 1, hold_ms = 0;
	double timeout_s = 10;
	struct result r;

	/*
	 * -n -w -t -H apply to every SPEC, the others to the SPEC being read;
	 * "--" starts its command, a ";" argument ends it.  Parsed by hand:
	 * getopt would permute argv across the ";".
	 */
	for (int i = 1; i < argc;) {
		struct cfg *c;
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (nser == MAX_CMDS)
			usage();
		c = &ser[nser].c;
		if (!strcmp(o, "--")) {
			int end = ++i;

			while (end < argc && strcmp(argv[end], ";"))
				end++;
			if (end == i || !!c->ready_file == !!c->line)
				usage();
			c->argv = argv + i;
			if (end < argc)
				argv[end] = NULL; /* the command's argv ends here */
			i = end + 1;
			if (!c->label)
				c->label = base_name(c->argv[0]);
			nser++;
			continue;
		}
		if (o[0] != '-' || strlen(o) != 2 || !v)
			usage();
		switch (o[1]) {
		case 'n':
			runs = atoi(v);
			break;
		case 'w':
			warmup = atoi(v);
			break;
		case 't':
			timeout_s = atof(v);
			break;
		case 'H':
			hold_ms = atoi(v);
			break;
		case 'L':
			c->label = v;
			break;
		case 'f':
			c->ready_file = v;
			break;
		case 'l':
			c->line = v;
			break;
		case 'e':
			c->err_file = v;
			break;
		default:
			usage();
		}
		i += 2;
	}
	if (runs < 1 || runs > MAX_RUNS)
		usage();
	for (int k = 0; k < nser; k++) {
		ser[k].c.runs = runs;
		ser[k].c.warmup = warmup;
		ser[k].c.timeout_s = timeout_s;
		ser[k].c.hold_ms = hold_ms;
	}
	if (!nser)
		usage();
	for (int i = 0; i < warmup; i++)
		for (int k = 0; k < nser; k++)
			if (run_once(&ser[k].c, &r))
				return 1;
	for (int i = 0; i < runs; i++) {
		for (int k = 0; k < nser; k++) {
			struct series *s = &ser[k];

			if (run_once(&s->c, &r))
				return 1;
			s->ready[s->n] = r.ready_ms;
			s->stop[s->n] = r.stop_ms;
			s->rss[s->n] = (double)r.rss_kb;
			s->resent += r.resent;
			s->n++;
		}
	}
	for (int k = 0; k < nser; k++)
		print_series(&ser[k], warmup);
	return 0;
}
