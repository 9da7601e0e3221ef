// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the pcap-filter translator (tests/fuzz/run.sh).
 *
 * The first input byte picks a mode:
 *   0: the rest is a classic program, 8 bytes an instruction, as is;
 *   1: the same, each instruction shaped into a valid opcode with small
 *      jumps and offsets, so most programs get past validation;
 *   2: the rest (after a flags byte) is an expression for pcap_compile,
 *      Ethernet or raw IP.
 * The byte after the mode also picks translation options (window size,
 * no window, backward-jump budget).
 *
 * Every input must be refused with a message or translate to code that
 * looks sane (exit last, jumps in range, stack within its bound).  As
 * root, one translated program in LOAD_EVERY is loaded in the kernel and
 * run over 64 generated packets: a verifier refusal (other than its
 * instruction limit, which skbtrace reports as such), or a verdict that
 * differs from libpcap's interpreter, aborts (a crash for libFuzzer).
 * FUZZ_LOAD=0 turns the kernel part off.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pcap/harness.h"
#include "../pcap/ebpf_dis.h"

#define MAX_INSNS  64
#define N_PKTS	   64
#define LOAD_EVERY 8

static struct dh H;
static int kernel = -1;
static unsigned long n_translated, n_refused, n_refused_kernel, n_loaded, n_compared;

static void report(void)
{
	fprintf(stderr,
		"fuzz: %lu translated, %lu refused, %lu loaded in the kernel, %lu over the verifier's limit, %lu verdicts compared with libpcap\n",
		n_translated, n_refused, n_loaded, n_refused_kernel, n_compared);
}

static const uint16_t opcodes[] = {
	BPF_RET | BPF_K,
	BPF_RET | BPF_A,
	BPF_LD | BPF_W | BPF_ABS,
	BPF_LD | BPF_H | BPF_ABS,
	BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_IND,
	BPF_LD | BPF_H | BPF_IND,
	BPF_LD | BPF_B | BPF_IND,
	BPF_LD | BPF_W | BPF_LEN,
	BPF_LDX | BPF_W | BPF_LEN,
	BPF_LDX | BPF_B | BPF_MSH,
	BPF_LD | BPF_IMM,
	BPF_LDX | BPF_IMM,
	BPF_LD | BPF_MEM,
	BPF_LDX | BPF_MEM,
	BPF_ST,
	BPF_STX,
	BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JEQ | BPF_K,
	BPF_JMP | BPF_JGT | BPF_K,
	BPF_JMP | BPF_JGE | BPF_K,
	BPF_JMP | BPF_JSET | BPF_K,
	BPF_JMP | BPF_JEQ | BPF_X,
	BPF_JMP | BPF_JGT | BPF_X,
	BPF_JMP | BPF_JGE | BPF_X,
	BPF_JMP | BPF_JSET | BPF_X,
	BPF_ALU | BPF_ADD | BPF_K,
	BPF_ALU | BPF_SUB | BPF_K,
	BPF_ALU | BPF_MUL | BPF_K,
	BPF_ALU | BPF_DIV | BPF_K,
	BPF_ALU | BPF_MOD | BPF_K,
	BPF_ALU | BPF_AND | BPF_K,
	BPF_ALU | BPF_OR | BPF_K,
	BPF_ALU | BPF_XOR | BPF_K,
	BPF_ALU | BPF_LSH | BPF_K,
	BPF_ALU | BPF_RSH | BPF_K,
	BPF_ALU | BPF_ADD | BPF_X,
	BPF_ALU | BPF_SUB | BPF_X,
	BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_X,
	BPF_ALU | BPF_MOD | BPF_X,
	BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_X,
	BPF_ALU | BPF_XOR | BPF_X,
	BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_X,
	BPF_ALU | BPF_NEG,
	BPF_MISC | BPF_TAX,
	BPF_MISC | BPF_TXA,
};

#define N_OPCODES (sizeof(opcodes) / sizeof(opcodes[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *load = getenv("FUZZ_LOAD");

	(void)argc;
	(void)argv;
	atexit(report);
	kernel =
		geteuid() == 0 && !(load && !strcmp(load, "0")) && dh_open(&H, N_PKTS, 0xf022) == 0;
	if (!kernel)
		fprintf(stderr, "fuzz: translation only (%s)\n",
			geteuid()  ? "not root"
			: H.err[0] ? H.err
				   : "FUZZ_LOAD=0");
	return 0;
}

/* Turn raw bytes into an instruction that passes the opcode check. */
static struct sock_filter shape(const uint8_t *b, size_t i, size_t n)
{
	struct sock_filter f;
	uint32_t k;
	uint8_t cls;

	memcpy(&k, b + 4, 4);
	f.code = opcodes[b[0] % N_OPCODES];
	f.jt = (uint8_t)(b[1] % (n - i));
	f.jf = (uint8_t)(b[2] % (n - i));
	f.k = k;
	cls = BPF_CLASS(f.code);
	if (cls == BPF_LD || cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) {
		if (BPF_MODE(f.code) == BPF_MEM || cls == BPF_ST || cls == BPF_STX)
			f.k = k % BPF_MEMWORDS;
		else if (BPF_MODE(f.code) != BPF_IMM && !(b[3] & 0x80))
			f.k = k % 96; /* mostly inside the packets */
	} else if (cls == BPF_ALU && BPF_SRC(f.code) == BPF_K) {
		uint8_t op = BPF_OP(f.code);

		if (op == BPF_LSH || op == BPF_RSH)
			f.k = k % 32;
		else if ((op == BPF_DIV || op == BPF_MOD) && !f.k)
			f.k = 1;
	} else if (f.code == (BPF_JMP | BPF_JA)) {
		/* Half the time a backward jump (as protochain has). */
		if ((b[3] & 1) && i > 0)
			f.k = (uint32_t) - (int32_t)(1 + k % i);
		else
			f.k = k % (n - i);
	}
	if (i == n - 1)
		f.code = b[3] & 2 ? (BPF_RET | BPF_A) : (BPF_RET | BPF_K);
	return f;
}

static void opts_from(uint8_t b, struct pcap_filter_opts *o)
{
	static const unsigned int windows[] = {0, 8, 16, 40, 128, 256};

	memset(o, 0, sizeof(*o));
	o->window = windows[b % 6];
	o->no_window = (b >> 3) % 5 == 0;
	o->max_back_jumps = (b >> 6) == 3 ? 3 : 0;
}

static void check_shape(const struct pcap_filter_prog *p)
{
	const struct bpf_insn *last;

	if (!p->insns || !p->cnt || p->stack_size > PCAP_FILTER_MAX_STACK ||
	    p->window > PCAP_FILTER_WINDOW_MAX || p->win_pad > 7 || p->prologue_cnt > p->cnt)
		abort();
	last = &p->insns[p->cnt - 1];
	if (last->code != (BPF_JMP | BPF_EXIT) && last->code != (BPF_JMP | BPF_JA))
		abort();
	for (size_t i = 0; i < p->cnt; i++) {
		const struct bpf_insn *in = &p->insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		int64_t t = (int64_t)i + 1 + in->off;

		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT &&
		    (t < 0 || t >= (int64_t)p->cnt))
			abort();
		if (op == BPF_CALL && cls == BPF_JMP && in->imm != BPF_FUNC_probe_read_kernel)
			abort();
	}
}

/* Load, run over the packets, compare with libpcap; abort on any doubt. */
static void run_in_kernel(const struct sock_filter *c, size_t n, const struct pcap_filter_opts *o,
			  const struct pcap_filter_prog *p, int view)
{
	const struct sock_filter *ref = c;
	struct sock_filter *unrolled = NULL;
	size_t rn = n;
	int fd = dh_load(&H, p, view);

	/*
	 * The translator's loop-cost estimate is a heuristic; the verifier is
	 * the judge.  Past its instruction limit the refusal is the clear
	 * error skbtrace prints before attaching (pcap_filter_check_load).
	 */
	if (fd < 0 && strstr(H.err, "too complex for the kernel verifier")) {
		n_refused_kernel++;
		return;
	}
	if (fd < 0) {
		fprintf(stderr, "fuzz: translated program refused: %s\n", H.err);
		ebpf_dis(stderr, p->insns, p->cnt);
		abort();
	}
	if (dh_run(&H, fd, N_PKTS)) {
		fprintf(stderr, "fuzz: %s\n", H.err);
		abort();
	}
	close(fd);
	n_loaded++;
	if (dh_has_back_jump(c, n)) {
		unrolled = dh_unroll(
			c, n, o->max_back_jumps ? o->max_back_jumps : PCAP_FILTER_BACK_JUMPS, &rn);
		if (!unrolled)
			return;
		ref = unrolled;
	}
	for (size_t i = 0; i < N_PKTS; i++) {
		const struct dh_pkt *pk = &H.pkt[view][i];
		unsigned int want = dh_expect(ref, rn, pk);

		n_compared++;
		if (want != H.ctl->res[i]) {
			fprintf(stderr, "fuzz: packet %zu: libpcap %u, eBPF %u\n", i, want,
				H.ctl->res[i]);
			dh_hex(stderr, pk);
			for (size_t j = 0; j < n; j++)
				fprintf(stderr, "(%03zu) 0x%04x %u %u 0x%x\n", j, c[j].code,
					c[j].jt, c[j].jf, c[j].k);
			ebpf_dis(stderr, p->insns, p->cnt);
			abort();
		}
	}
	free(unrolled);
}

static uint32_t hash(const uint8_t *d, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *d++) * 16777619u;
	return h;
}

static void one(const struct sock_filter *c, size_t n, const struct pcap_filter_opts *o, int view,
		uint32_t h)
{
	struct pcap_filter_prog p;
	char err[512];

	err[0] = 0;
	if (pcap_filter_translate(c, n, o, &p, err, sizeof(err))) {
		/* Refused: the translator must say why. */
		if (!err[0] || p.insns)
			abort();
		n_refused++;
		return;
	}
	n_translated++;
	check_shape(&p);
	if (kernel && h % LOAD_EVERY == 0)
		run_in_kernel(c, n, o, &p, view);
	pcap_filter_prog_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_filter prog[MAX_INSNS];
	struct pcap_filter_opts o;
	uint32_t h = hash(data, size);
	size_t n;

	if (size < 2)
		return 0;
	opts_from(data[1], &o);
	switch (data[0] % 3) {
	case 0:
		n = (size - 2) / 8;
		if (n > MAX_INSNS)
			n = MAX_INSNS;
		memcpy(prog, data + 2, n * 8);
		one(prog, n, &o, DH_L2, h);
		break;
	case 1:
		n = (size - 2) / 8;
		if (n > MAX_INSNS)
			n = MAX_INSNS;
		for (size_t i = 0; i < n; i++)
			prog[i] = shape(data + 2 + 8 * i, i, n);
		one(prog, n, &o, (data[1] & 4) ? DH_L3 : DH_L2, h);
		break;
	default: {
		char *expr = malloc(size - 1);
		int dlt = data[1] & 4 ? DLT_RAW : DLT_EN10MB;
		struct sock_filter *c;
		char err[512];

		if (!expr)
			return 0;
		memcpy(expr, data + 2, size - 2);
		expr[size - 2] = 0;
		if (!pcap_filter_cbpf(expr, dlt, 0, &c, &n, err, sizeof(err))) {
			one(c, n, &o, dlt == DLT_RAW ? DH_L3 : DH_L2, h);
			free(c);
		}
		free(expr);
		break;
	}
	}
	return 0;
}
