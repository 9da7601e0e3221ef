// SPDX-License-Identifier: GPL-2.0
/*
 * tp_floor: what any tracer of these tracepoints pays before its program
 * does anything.  A do-nothing program (r0 = 0; exit) is attached to every
 * tracepoint named on stdin, so that bench/iperf.sh can set the cost of
 * the kernel's dispatch alone beside skbtrace's in the same run.
 *
 * Usage: skbtrace --backend tracepoint --list-funcs | tp_floor [-b|-s|-f] READY_FILE
 *   Reads "CATEGORY:NAME ..." lines (others are skipped), attaches, creates
 *   READY_FILE, and detaches on SIGINT/SIGTERM.  Prints "tp_floor: N
 *   attached, F failed" on stderr.
 *   -b  BTF-typed tracepoint programs (tp_btf): one per tracepoint, each
 *       verified against its btf_trace_<name> prototype, as skbtrace's
 *       tp_btf backend loads them.  Default: one raw tracepoint program
 *       shared by all.
 *   -s  raw tracepoints: one program per tracepoint too, so that the
 *       kernel's run statistics come per tracepoint.
 *   -f  fentry programs instead, one per kernel function: reads "NAME ..."
 *       lines (skbtrace --backend fentry --list-funcs; the header and
 *       category:name lines are skipped), each verified against its vmlinux
 *       BTF function, as skbtrace's fentry backend loads them.
 * The programs are named tp_floor.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#define MAX_TPS 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A do-nothing program; btf_id != 0 makes it a tp_btf (or fentry) one for that target. */
static int load_nop(int btf_id, enum bpf_attach_type type)
{
	struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
		{.code = 0x95},				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .expected_attach_type = type, .attach_btf_id = btf_id);

	if (!btf_id)
		return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "tp_floor", "GPL", insns, 2,
				     NULL);
	return bpf_prog_load(BPF_PROG_TYPE_TRACING, "tp_floor", "GPL", insns, 2, &lo);
}

struct mode {
	bool btf, split, fentry;
	struct btf *vmlinux;
	int shared; /* the one raw tracepoint program when not split */
};

/* The program for tracepoint or function name (loaded for it unless shared), or -1. */
static int prog_for(const struct mode *m, const char *name)
{
	char type[300];
	int id = 0;

	if (!m->btf && !m->split && !m->fentry)
		return m->shared;
	if (m->fentry) {
		id = btf__find_by_name_kind(m->vmlinux, name, BTF_KIND_FUNC);
	} else if (m->btf) {
		snprintf(type, sizeof(type), "btf_trace_%s", name);
		id = btf__find_by_name_kind(m->vmlinux, type, BTF_KIND_TYPEDEF);
	}
	if ((m->btf || m->fentry) && id <= 0) {
		errno = ENOENT;
		return -1;
	}
	return load_nop(id, m->fentry ? BPF_TRACE_FENTRY : BPF_TRACE_RAW_TP);
}

/* The name a line gives: a tracepoint's after its category, or a function (-f). */
static const char *name_of(const struct mode *m, char *word)
{
	char *colon = strchr(word, ':');

	if (m->fentry)
		return colon || !strcmp(word, "NAME") ? NULL : word;
	return colon ? colon + 1 : NULL;
}

/* Attaches a program to each tracepoint on in; returns how many links it keeps. */
static int attach_all(FILE *in, const struct mode *m, int *links, int *progs, int *failed)
{
	char line[512], name[256];
	int n = 0;

	*failed = 0;
	while (n < MAX_TPS && fgets(line, sizeof(line), in)) {
		const char *target;
		int prog;

		if (sscanf(line, "%255s", name) != 1 || !(target = name_of(m, name)))
			continue;
		prog = prog_for(m, target);
		links[n] = prog < 0 ? -1
				    : bpf_raw_tracepoint_open(m->btf || m->fentry ? NULL : target,
							      prog);
		if (links[n] < 0) {
			fprintf(stderr, "tp_floor: %s: %s\n", target, strerror(errno));
			if (prog >= 0 && prog != m->shared)
				close(prog);
			(*failed)++;
			continue;
		}
		progs[n++] = prog;
	}
	return n;
}

int main(int argc, char **argv)
{
	static int links[MAX_TPS], progs[MAX_TPS];
	int n, failed, fd, opt;
	struct mode m = {.shared = -1};
	sigset_t block, old;

	while ((opt = getopt(argc, argv, "bsf")) != -1) {
		if (opt == 'b')
			m.btf = true;
		else if (opt == 's')
			m.split = true;
		else if (opt == 'f')
			m.fentry = true;
		else
			argc = 0;
	}
	if (argc - optind != 1) {
		fprintf(stderr,
			"usage: tp_floor [-b|-s|-f] READY_FILE < tracepoint or function list\n");
		return 2;
	}
	/* Blocked until sigsuspend(), so a signal cannot slip in before the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((m.btf || m.fentry) && !(m.vmlinux = btf__load_vmlinux_btf())) {
		fprintf(stderr, "tp_floor: vmlinux BTF: %s\n", strerror(errno));
		return 1;
	}
	if (!m.btf && !m.split && !m.fentry && (m.shared = load_nop(0, 0)) < 0) {
		fprintf(stderr, "tp_floor: load: %s\n", strerror(errno));
		return 1;
	}
	n = attach_all(stdin, &m, links, progs, &failed);
	fprintf(stderr, "tp_floor: %d attached, %d failed\n", n, failed);
	fd = open(argv[optind], O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "tp_floor: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	close(fd);
	while (!stop)
		sigsuspend(&old);
	while (n > 0) {
		close(links[--n]);
		if (progs[n] != m.shared)
			close(progs[n]);
	}
	if (m.shared >= 0)
		close(m.shared);
	btf__free(m.vmlinux);
	return 0;
}
