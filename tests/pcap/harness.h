/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differential harness: runs translated filters in the kernel with
 * BPF_PROG_TEST_RUN and compares them with libpcap's interpreter.
 *
 * The packets live in two mmap-able array maps (one per view: the whole
 * frame for L2, the frame past its 14-byte Ethernet header for L3), each
 * entry { caplen, len, bytes }.  A socket filter wrapper, run with
 * repeat = number of packets, takes the next index from a control map,
 * turns the entry's address into a plain scalar (the filter gets a
 * kernel address, as in a tracing program), copies the filter's window
 * to its stack as skbtrace's caller does (pcap_filter_emit_call()),
 * calls the spliced filter with (data, caplen, len, window) and stores
 * its r0 in the control map.  So one
 * syscall runs a filter over every packet, and each filter is loaded
 * once.  Header-only (static functions): included by the unit test, the
 * fuzzer and the bench.
 */
#ifndef SKBTRACE_HARNESS_H
#define SKBTRACE_HARNESS_H

#define bpf_insn    pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "../../src/filter/bpf_insn.h"
#include "../../src/filter/pcap_filter.h"
#include "pktgen.h"

#define DH_NMAX 4096
#define DH_L2	0
#define DH_L3	1

struct dh_pkt {
	uint32_t caplen;
	uint32_t len;
	uint8_t data[PG_MAXPKT];
};

struct dh_ctl {
	uint32_t next; /* the next run takes packet next % count */
	uint32_t count;
	uint32_t res[DH_NMAX]; /* filter result per packet */
};

struct dh {
	int ctl_fd, pkt_fd[2];
	struct dh_ctl *ctl;
	struct dh_pkt *pkt[2];
	size_t ctl_map_len, pkt_map_len;
	size_t n;
	char err[1024];
};

static inline size_t dh_page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

static inline int dh_map(struct dh *h, const char *name, uint32_t vsize, uint32_t entries,
			 size_t *maplen, void **mem)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, vsize, entries, &o);

	if (fd < 0) {
		snprintf(h->err, sizeof(h->err), "bpf_map_create %s: %s", name, strerror(errno));
		return -1;
	}
	*maplen = dh_page_round((size_t)vsize * entries);
	*mem = mmap(NULL, *maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*mem == MAP_FAILED) {
		snprintf(h->err, sizeof(h->err), "mmap %s: %s", name, strerror(errno));
		close(fd);
		*mem = NULL;
		return -1;
	}
	return fd;
}

static inline void dh_close(struct dh *h)
{
	if (h->ctl)
		munmap(h->ctl, h->ctl_map_len);
	for (int v = 0; v < 2; v++) {
		if (h->pkt[v])
			munmap(h->pkt[v], h->pkt_map_len);
		if (h->pkt_fd[v] > 0)
			close(h->pkt_fd[v]);
	}
	if (h->ctl_fd > 0)
		close(h->ctl_fd);
	memset(h, 0, sizeof(*h));
}

/* Store frame p as packet i of both views. */
static inline void dh_set(struct dh *h, size_t i, const struct pg_pkt *p)
{
	struct dh_pkt *l2 = &h->pkt[DH_L2][i], *l3 = &h->pkt[DH_L3][i];

	l2->caplen = p->caplen;
	l2->len = p->len;
	memcpy(l2->data, p->data, p->caplen);
	memset(l3, 0, sizeof(*l3));
	if (p->caplen >= 14) {
		l3->caplen = p->caplen - 14;
		memcpy(l3->data, p->data + 14, l3->caplen);
	}
	l3->len = p->len >= 14 ? p->len - 14 : 0;
}

/* Maps for n packets; with seed != 0 also fills them from the generator. */
static inline int dh_open(struct dh *h, size_t n, uint64_t seed)
{
	void *mem;

	memset(h, 0, sizeof(*h));
	h->ctl_fd = h->pkt_fd[0] = h->pkt_fd[1] = -1;
	if (n == 0 || n > DH_NMAX) {
		snprintf(h->err, sizeof(h->err), "bad packet count %zu", n);
		return -1;
	}
	h->n = n;
	h->ctl_fd = dh_map(h, "dh_ctl", sizeof(struct dh_ctl), 1, &h->ctl_map_len, &mem);
	if (h->ctl_fd < 0)
		goto fail;
	h->ctl = mem;
	for (int v = 0; v < 2; v++) {
		h->pkt_fd[v] = dh_map(h, v ? "dh_l3" : "dh_l2", sizeof(struct dh_pkt), (uint32_t)n,
				      &h->pkt_map_len, &mem);
		if (h->pkt_fd[v] < 0)
			goto fail;
		h->pkt[v] = mem;
	}
	if (seed) {
		struct pg_rng r = {seed};
		struct pg_pkt p;

		for (size_t i = 0; i < n; i++) {
			pg_packet(&r, &p);
			dh_set(h, i, &p);
		}
	}
	return 0;
fail:
	dh_close(h);
	return -1;
}

/*
 * Load f inside the wrapper for view v.  Returns a program fd, or -1
 * with the reason (and the verifier's last words) in h->err.
 */
static inline int dh_load(struct dh *h, const struct pcap_filter_prog *f, int v)
{
	/* The window buffer, below the wrapper's own three slots. */
	const int buf = -24 - PCAP_FILTER_BUF;
	const struct bpf_insn head[] = {
		/* ctl = lookup(ctl_map, 0) */
		EI_ST(BPF_W, BPF_REG_10, -4, 0),
		EI_LD_MAP_FD(BPF_REG_1, h->ctl_fd),
		EI_MOV64_REG(BPF_REG_2, BPF_REG_10),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		EI_CALL_HELPER(BPF_FUNC_map_lookup_elem),
		EI_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0), /* 5: -> out */
		EI_MOV64_REG(BPF_REG_9, BPF_REG_0),
		/* i = ctl->next++ % ctl->count, i < DH_NMAX */
		EI_LDX(BPF_W, BPF_REG_7, BPF_REG_9, 0),
		EI_MOV32_REG(BPF_REG_1, BPF_REG_7),
		EI_ALU32_IMM(BPF_ADD, BPF_REG_1, 1),
		EI_STX(BPF_W, BPF_REG_9, BPF_REG_1, 0),
		EI_LDX(BPF_W, BPF_REG_1, BPF_REG_9, 4),
		EI_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0), /* 12: -> out */
		EI_ALU32_REG(BPF_MOD, BPF_REG_7, BPF_REG_1),
		EI_JMP_IMM(BPF_JGE, BPF_REG_7, DH_NMAX, 0), /* 14: -> out */
		/* p = lookup(pkt_map, i), i kept at -8 */
		EI_STX(BPF_W, BPF_REG_10, BPF_REG_7, -8),
		EI_LD_MAP_FD(BPF_REG_1, h->pkt_fd[v]),
		EI_MOV64_REG(BPF_REG_2, BPF_REG_10),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
		EI_CALL_HELPER(BPF_FUNC_map_lookup_elem),
		EI_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0), /* 21: -> out */
		EI_MOV64_REG(BPF_REG_8, BPF_REG_0),
		/* launder the map pointer into a scalar kernel address */
		EI_STX(BPF_DW, BPF_REG_10, BPF_REG_8, -16),
		EI_MOV64_REG(BPF_REG_1, BPF_REG_10),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
		EI_MOV64_IMM(BPF_REG_2, 8),
		EI_MOV64_REG(BPF_REG_3, BPF_REG_10),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
		EI_CALL_HELPER(BPF_FUNC_probe_read_kernel),
		/* r6 = p->data, r7 = p->caplen, r8 = p->len */
		EI_LDX(BPF_DW, BPF_REG_6, BPF_REG_10, -24),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_6, 8),
		EI_LDX(BPF_W, BPF_REG_7, BPF_REG_8, 0),
		EI_LDX(BPF_W, BPF_REG_8, BPF_REG_8, 4),
	};
	const struct bpf_insn tail[] = {
		/* ctl->res[i] = r0 */
		EI_LDX(BPF_W, BPF_REG_7, BPF_REG_10, -8),
		EI_ALU64_IMM(BPF_LSH, BPF_REG_7, 2),
		EI_ALU64_REG(BPF_ADD, BPF_REG_9, BPF_REG_7),
		EI_STX(BPF_W, BPF_REG_9, BPF_REG_0, 8),
		/* out: */
		EI_MOV64_IMM(BPF_REG_0, 0),
		EI_EXIT(),
		/* stub, replaced by the filter */
		EI_MOV64_IMM(BPF_REG_0, 0),
		EI_JA(0),
		EI_EXIT(),
	};
	const size_t nh = sizeof(head) / sizeof(head[0]);
	const size_t nt = sizeof(tail) / sizeof(tail[0]);
	struct bpf_insn wrap[sizeof(head) / sizeof(head[0]) + PCAP_FILTER_CALL_MAX +
			     sizeof(tail) / sizeof(tail[0])];
	size_t wcnt = nh, cnt, nc, out;
	const size_t log_size = 1 << 22;
	struct bpf_insn *prog;
	char *log;
	int fd, e;

	/*
	 * The filter's call (its length first, for the stub's index), the
	 * tail, then the jumps to out.
	 */
	memcpy(wrap, head, sizeof(head));
	nc = pcap_filter_emit_call(f, buf, nh, 0, wrap + nh);
	nc = pcap_filter_emit_call(f, buf, nh, nh + nc + nt - 3, wrap + nh);
	memcpy(wrap + nh + nc, tail, sizeof(tail));
	wcnt = nh + nc + nt;
	out = wcnt - 5;
	for (size_t j = 0; j < nh; j++) {
		uint8_t op = BPF_OP(wrap[j].code);

		if (BPF_CLASS(wrap[j].code) == BPF_JMP && (op == BPF_JEQ || op == BPF_JGE))
			wrap[j].off = (int16_t)(out - j - 1);
	}
	e = pcap_filter_splice(wrap, wcnt, wcnt - 3, 3, f, &prog, &cnt);
	if (e) {
		snprintf(h->err, sizeof(h->err), "splice: %s", strerror(-e));
		return -1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "dh", "GPL", prog, cnt, NULL);
	if (fd >= 0) {
		free(prog);
		return fd;
	}
	e = errno;
	log = calloc(1, log_size);
	if (log) {
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = log_size,
			    .log_level = 1);

		fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "dh", "GPL", prog, cnt, &o);
		if (fd >= 0)
			close(fd);
	}
	pcap_filter_explain_load_error(e, log, h->err, sizeof(h->err));
	/* DH_VERBOSE=1: the whole verifier log, for debugging. */
	if (log && getenv("DH_VERBOSE"))
		fprintf(stderr, "%s\n", log);
	free(log);
	free(prog);
	return -1;
}

/* Run program fd over the first n packets; results in h->ctl->res. */
static inline int dh_run(struct dh *h, int fd, size_t n)
{
	uint8_t frame[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = (int)n);

	h->ctl->next = 0;
	h->ctl->count = (uint32_t)n;
	memset(h->ctl->res, 0xa5, n * sizeof(h->ctl->res[0]));
	if (bpf_prog_test_run_opts(fd, &o)) {
		snprintf(h->err, sizeof(h->err), "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -1;
	}
	if (h->ctl->next != n) {
		snprintf(h->err, sizeof(h->err), "BPF_PROG_TEST_RUN ran %u times, not %zu",
			 h->ctl->next, n);
		return -1;
	}
	return 0;
}

static inline bool dh_has_back_jump(const struct sock_filter *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].code == (BPF_JMP | BPF_JA) && (int32_t)c[i].k < 0)
			return true;
	return false;
}

/*
 * libpcap 1.10's interpreter follows backward jumps without a bound (and
 * protochain's AH case can loop forever), where the translation allows
 * `budget` of them.  To keep libpcap the judge, unroll: budget + 1
 * copies of the program, copy j's backward jumps going forward into copy
 * j + 1 and the last copy's to a final "ret #0".  Loop-free, same
 * verdicts under the budget.  Returns a malloc'd program or NULL.
 */
static inline struct sock_filter *dh_unroll(const struct sock_filter *c, size_t n,
					    unsigned int budget, size_t *out_n)
{
	size_t total = (budget + 1) * n + 1;
	struct sock_filter *v = calloc(total, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t j = 0; j <= budget; j++) {
		for (size_t i = 0; i < n; i++) {
			struct sock_filter *o = &v[j * n + i];

			*o = c[i];
			if (o->code != (BPF_JMP | BPF_JA) || (int32_t)o->k >= 0)
				continue;
			if (j < budget)
				o->k = (uint32_t)(n + (size_t)((int64_t)i + 1 + (int32_t)c[i].k) -
						  i - 1);
			else
				o->k = (uint32_t)(total - 1 - (j * n + i) - 1);
		}
	}
	v[total - 1] = (struct sock_filter){BPF_RET | BPF_K, 0, 0, 0};
	*out_n = total;
	return v;
}

/*
 * Run program fd `repeat` times on packet 0 only; returns the kernel's
 * average nanoseconds per run, or -1.
 */
static inline long long dh_time(struct dh *h, int fd, int repeat)
{
	uint8_t frame[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = repeat);

	h->ctl->next = 0;
	h->ctl->count = 1;
	if (bpf_prog_test_run_opts(fd, &o)) {
		snprintf(h->err, sizeof(h->err), "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -1;
	}
	return o.duration;
}

/* libpcap's verdict for classic code c on packet p. */
static inline unsigned int dh_expect(const struct sock_filter *c, size_t cnt,
				     const struct dh_pkt *p)
{
	struct pcap_bpf_program prog = {
		.bf_len = (unsigned int)cnt,
		.bf_insns = (struct pcap_bpf_insn *)(uintptr_t)c,
	};
	struct pcap_pkthdr hdr = {.caplen = p->caplen, .len = p->len};

	return (unsigned int)pcap_offline_filter(&prog, &hdr, p->data);
}

static inline void dh_hex(FILE *o, const struct dh_pkt *p)
{
	fprintf(o, "#   caplen %u len %u:", p->caplen, p->len);
	for (uint32_t i = 0; i < p->caplen; i++)
		fprintf(o, "%s%02x", i % 32 ? "" : "\n#     ", p->data[i]);
	fprintf(o, "\n");
}

#endif /* SKBTRACE_HARNESS_H */
