// SPDX-License-Identifier: GPL-2.0
/*
 * tp_floor: what any raw-tracepoint tracer pays before its program does
 * anything.  One do-nothing program (r0 = 0; exit) is attached to every
 * tracepoint named on stdin, so that bench/iperf.sh can set the cost of
 * the kernel's dispatch alone beside skbtrace's in the same run.
 *
 * Usage: skbtrace --backend tracepoint --list-funcs | tp_floor READY_FILE
 *   Reads "CATEGORY:NAME ..." lines (others are skipped), attaches, creates
 *   READY_FILE, and detaches on SIGINT/SIGTERM.  Prints "tp_floor: N
 *   attached, F failed" on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define MAX_TPS 256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int load_nop(void)
{
	struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
		{.code = 0x95},				/* exit */
	};

	return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "tp_floor", "GPL", insns, 2, NULL);
}

/* Attaches prog to each tracepoint on in; returns how many links it keeps. */
static int attach_all(FILE *in, int prog, int *links, int *failed)
{
	char line[512], name[256];
	int n = 0;

	*failed = 0;
	while (n < MAX_TPS && fgets(line, sizeof(line), in)) {
		char *colon;

		if (sscanf(line, "%255s", name) != 1 || !(colon = strchr(name, ':')))
			continue;
		links[n] = bpf_raw_tracepoint_open(colon + 1, prog);
		if (links[n] < 0) {
			fprintf(stderr, "tp_floor: %s: %s\n", colon + 1, strerror(errno));
			(*failed)++;
			continue;
		}
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int links[MAX_TPS], n, failed, prog, fd;
	sigset_t block, old;

	if (argc != 2) {
		fprintf(stderr, "usage: tp_floor READY_FILE < tracepoint list\n");
		return 2;
	}
	/* Blocked until sigsuspend(), so a signal cannot slip in before the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	prog = load_nop();
	if (prog < 0) {
		fprintf(stderr, "tp_floor: load: %s\n", strerror(errno));
		return 1;
	}
	n = attach_all(stdin, prog, links, &failed);
	fprintf(stderr, "tp_floor: %d attached, %d failed\n", n, failed);
	fd = open(argv[1], O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "tp_floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	while (!stop)
		sigsuspend(&old);
	while (n > 0)
		close(links[--n]);
	close(prog);
	return 0;
}
