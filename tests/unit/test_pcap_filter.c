// SPDX-License-Identifier: GPL-2.0
/*
 * pcap_filter: validation, translation, splicing, and the differential
 * proof: every expression of tests/pcap/exprs.txt is compiled for
 * Ethernet and raw IP, translated, loaded in the kernel and run with
 * BPF_PROG_TEST_RUN over generated packets; each verdict must equal
 * libpcap's interpreter's, value for value.  One TAP line per expression.
 * Kernel tests need root; without it they are skipped.
 *
 * SKBTRACE_PCAP_EXPRS=FILE runs another corpus, SKBTRACE_PCAP_SEED=N
 * another packet set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pcap/harness.h"
#include "../pcap/ebpf_dis.h"

#include <cmocka.h>

#define N_PKTS	     2000
#define DEFAULT_SEED 0x5eed2026ull
#define MAX_SHOWN    3 /* mismatching packets printed per variant */

static struct dh H;
static bool kernel_ok;
static char kernel_why[1024];
static unsigned long long all_runs, all_matches;

#define S(c, k)	      ((struct sock_filter){(c), 0, 0, (k)})
#define J(c, t, f, k) ((struct sock_filter){(c), (t), (f), (k)})

/* ---- tests without the kernel ----------------------------------------- */

struct bad_prog {
	const char *why;
	struct sock_filter insns[6];
	size_t n;
	const char *msg;
};

static void test_validate_rejects(void **state)
{
	static const struct bad_prog bad[] = {
		{"empty", {S(BPF_RET | BPF_K, 0)}, 0, "empty"},
		{"opcode", {S(0xffff, 0), S(BPF_RET | BPF_K, 0)}, 2, "unknown opcode"},
		{"ret x", {S(BPF_RET | BPF_X, 0)}, 1, "unknown opcode"},
		{"ld h imm",
		 {S(BPF_LD | BPF_H | BPF_IMM, 0), S(BPF_RET | BPF_K, 0)},
		 2,
		 "unknown opcode"},
		{"mem index", {S(BPF_ST, 16), S(BPF_RET | BPF_K, 0)}, 2, "out of range"},
		{"div 0",
		 {S(BPF_ALU | BPF_DIV | BPF_K, 0), S(BPF_RET | BPF_K, 0)},
		 2,
		 "division by constant 0"},
		{"mod 0",
		 {S(BPF_ALU | BPF_MOD | BPF_K, 0), S(BPF_RET | BPF_K, 0)},
		 2,
		 "division by constant 0"},
		{"lsh 32",
		 {S(BPF_ALU | BPF_LSH | BPF_K, 32), S(BPF_RET | BPF_K, 0)},
		 2,
		 "shift by 32"},
		{"jeq far",
		 {J(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1), S(BPF_RET | BPF_K, 0)},
		 2,
		 "jump out of range"},
		{"ja self",
		 {S(BPF_JMP | BPF_JA, 0xffffffff), S(BPF_RET | BPF_K, 0)},
		 2,
		 "jump out of range"},
		{"ja before 0",
		 {S(BPF_JMP | BPF_JA, 0xfffffff0), S(BPF_RET | BPF_K, 0)},
		 2,
		 "jump out of range"},
		{"ja past end",
		 {S(BPF_JMP | BPF_JA, 1), S(BPF_RET | BPF_K, 0)},
		 2,
		 "jump out of range"},
		{"no ret", {S(BPF_LD | BPF_IMM, 1)}, 1, "not a return"},
		{"uninit M",
		 {S(BPF_LD | BPF_MEM, 3), S(BPF_RET | BPF_A, 0)},
		 2,
		 "M[3] before it is written"},
		{"M on one path",
		 {S(BPF_LD | BPF_B | BPF_ABS, 0), J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1),
		  S(BPF_ST, 2), S(BPF_LDX | BPF_MEM, 2), S(BPF_RET | BPF_A, 0)},
		 5,
		 "M[2] before it is written"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pcap_filter_prog p;

		err[0] = 0;
		assert_int_equal(pcap_filter_validate(bad[i].insns, bad[i].n, err, sizeof(err)),
				 -1);
		if (!strstr(err, bad[i].msg))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].why, err, bad[i].msg);
		assert_int_equal(
			pcap_filter_translate(bad[i].insns, bad[i].n, NULL, &p, err, sizeof(err)),
			-1);
		assert_null(p.insns);
	}
}

static void test_validate_limits(void **state)
{
	struct sock_filter *big = calloc(BPF_MAXINSNS + 1, sizeof(*big));
	struct pcap_filter_prog p;
	char err[256];

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < BPF_MAXINSNS; i++)
		big[i] = S(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(i % 64));
	big[BPF_MAXINSNS - 1] = S(BPF_RET | BPF_A, 0);
	assert_int_equal(pcap_filter_translate(big, BPF_MAXINSNS, NULL, &p, err, sizeof(err)), 0);
	pcap_filter_prog_free(&p);
	big[BPF_MAXINSNS] = S(BPF_RET | BPF_A, 0);
	assert_int_equal(pcap_filter_translate(big, BPF_MAXINSNS + 1, NULL, &p, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "BPF_MAXINSNS (4096)"));
	free(big);
}

/*
 * A loop whose body forks 25 times: 2^25 paths per iteration for the
 * verifier, refused up front with the limit named.
 */
static void test_loop_too_complex(void **state)
{
	struct sock_filter c[54];
	struct pcap_filter_prog p;
	char err[512];
	size_t n = 0;

	(void)state;
	c[n++] = S(BPF_LD | BPF_B | BPF_ABS, 0);
	for (int d = 0; d < 25; d++) {
		c[n++] = J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)d);
		c[n++] = S(BPF_ALU | BPF_ADD | BPF_K, 1);
	}
	c[n] = S(BPF_JMP | BPF_JA, (uint32_t)(1 - (int)(n + 1)));
	n++;
	c[n++] = S(BPF_RET | BPF_A, 0);
	assert_int_equal(pcap_filter_translate(c, n, NULL, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "BPF_COMPLEXITY_LIMIT_INSNS"));
	/* The same body without the loop is fine. */
	c[n - 2] = S(BPF_JMP | BPF_JA, 0);
	assert_int_equal(pcap_filter_translate(c, n, NULL, &p, err, sizeof(err)), 0);
	pcap_filter_prog_free(&p);
}

static void test_translate_options(void **state)
{
	const struct sock_filter ret[] = {S(BPF_RET | BPF_K, 1)};
	struct pcap_filter_opts o = {.window = 4};
	struct pcap_filter_prog p;
	char err[256];

	(void)state;
	assert_int_equal(pcap_filter_translate(ret, 1, &o, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "window"));
	o.window = PCAP_FILTER_WINDOW_MAX + 1;
	assert_int_equal(pcap_filter_translate(ret, 1, &o, &p, err, sizeof(err)), -1);
	o.window = 0;
	o.max_back_jumps = 5000;
	assert_int_equal(pcap_filter_translate(ret, 1, &o, &p, err, sizeof(err)), -1);
	assert_int_equal(pcap_filter_translate(ret, 1, NULL, &p, err, sizeof(err)), 0);
	/* "ret #1" needs neither window nor stack. */
	assert_int_equal(p.cnt, 2);
	assert_int_equal(p.stack_size, 0);
	assert_int_equal(p.window, 0);
	pcap_filter_prog_free(&p);
}

static void test_compile_errors(void **state)
{
	struct pcap_filter_prog p;
	struct pcap_filter f;
	char err[256];

	(void)state;
	err[0] = 0;
	assert_int_equal(pcap_filter_compile("tcp port", DLT_EN10MB, 0, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "syntax error"));
	err[0] = 0;
	assert_int_equal(pcap_filter_build("port 70000", &f, err, sizeof(err)), -1);
	assert_true(err[0] != 0);
	assert_int_equal(pcap_filter_build("ip and not ip", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rejects all packets"));
}

static void test_build_l3_nothing(void **state)
{
	static const char *const l2_only[] = {
		"arp",	  "ether host 00:11:22:33:44:55", "vlan 100", "rarp", "ether broadcast",
		"pppoes",
	};
	struct pcap_filter f;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(l2_only) / sizeof(l2_only[0]); i++) {
		assert_int_equal(pcap_filter_build(l2_only[i], &f, err, sizeof(err)), 0);
		assert_false(f.l2.match_nothing);
		assert_true(f.l2.cnt > 2);
		assert_true(f.l3.match_nothing);
		assert_int_equal(f.l3.cnt, 2);
		assert_true(f.l3_reason[0] != 0);
		pcap_filter_free(&f);
	}
	assert_int_equal(pcap_filter_build("tcp port 80", &f, err, sizeof(err)), 0);
	assert_false(f.l3.match_nothing);
	assert_string_equal(f.l3_reason, "");
	pcap_filter_free(&f);
}

static void test_dead_loads(void **state)
{
	/* Loads no packet can satisfy end the program like "ret #0". */
	const struct sock_filter c[] = {
		S(BPF_LD | BPF_B | BPF_ABS, 0),
		J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 7),
		S(BPF_LD | BPF_W | BPF_ABS, 0xfffffffe),
		S(BPF_LD | BPF_H | BPF_IND, 0x7fffffff),
		S(BPF_RET | BPF_K, 1),
	};
	struct pcap_filter_prog p;
	char err[256];

	(void)state;
	assert_int_equal(pcap_filter_translate(c, 5, NULL, &p, err, sizeof(err)), 0);
	for (size_t i = 0; i < p.cnt; i++)
		assert_false(p.insns[i].code == (BPF_LD | BPF_DW | BPF_IMM));
	pcap_filter_prog_free(&p);
}

/*
 * The 64-bit window reads must stay aligned for the verifier: the window
 * pointer (r4, no helper call here) is win_pad modulo 8.
 */
static void test_alignment(void **state)
{
	struct pcap_filter_prog p;
	unsigned int reads = 0;
	char err[256];

	(void)state;
	assert_int_equal(pcap_filter_compile("ether src 00:11:22:33:44:55", DLT_EN10MB, 0, &p, err,
					     sizeof(err)),
			 0);
	for (size_t i = 0; i < p.cnt; i++) {
		const struct bpf_insn *in = &p.insns[i];
		unsigned int sz;

		if (BPF_CLASS(in->code) != BPF_LDX || in->src_reg != BPF_REG_4)
			continue;
		sz = BPF_SIZE(in->code) == BPF_W   ? 4
		     : BPF_SIZE(in->code) == BPF_H ? 2
		     : BPF_SIZE(in->code) == BPF_B ? 1
						   : 8;
		assert_int_equal((p.win_pad + (unsigned int)in->off) % sz, 0);
		reads++;
	}
	assert_true(reads >= 2);
	assert_true(p.stack_size <= PCAP_FILTER_MAX_STACK);
	pcap_filter_prog_free(&p);
}

/*
 * The caller copies the window: the filter's prologue is caplen and its
 * guard, no helper call is left in a filter that reads only the window,
 * and the caller's copy runs it (pcap_filter_emit_call() in the harness).
 */
static void test_caller_window(void **state)
{
	struct pcap_filter_prog p;
	char err[256];

	(void)state;
	assert_int_equal(
		pcap_filter_compile("host 10.1.1.1 and udp", DLT_EN10MB, 0, &p, err, sizeof(err)),
		0);
	assert_int_equal(p.window, 34);
	assert_true(p.win_pad < 8);
	assert_int_equal(p.prologue_cnt, 2);
	assert_int_equal(p.stack_size, 0);
	assert_true(p.cnt <= 2 * p.cbpf_cnt);
	for (size_t i = 0; i < p.cnt; i++)
		assert_false(p.insns[i].code == (BPF_JMP | BPF_CALL));
	pcap_filter_prog_free(&p);
}

static size_t count_swaps(const struct pcap_filter_prog *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->cnt; i++)
		n += p->insns[i].code == (BPF_ALU | BPF_END | BPF_TO_BE);
	return n;
}

/*
 * Loads that only meet jeq/jset/and with constants need no byte swap;
 * A that arithmetic or an ordering compare sees still gets one.
 */
static void test_wire_order(void **state)
{
	const struct sock_filter host[] = {
		S(BPF_LD | BPF_H | BPF_ABS, 12),
		J(BPF_JMP | BPF_JGT | BPF_K, 0, 1, 0x0600),
		S(BPF_RET | BPF_K, 1),
		S(BPF_RET | BPF_K, 0),
	};
	struct pcap_filter_prog p;
	char err[256];

	(void)state;
	assert_int_equal(pcap_filter_compile("tcp port 80 or host 10.1.1.1", DLT_EN10MB, 0, &p, err,
					     sizeof(err)),
			 0);
	assert_int_equal(count_swaps(&p), 0);
	pcap_filter_prog_free(&p);
	assert_int_equal(pcap_filter_translate(host, 4, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(count_swaps(&p), 1);
	pcap_filter_prog_free(&p);
}

static struct pcap_filter_prog fake_prog(struct bpf_insn *insns, size_t cnt)
{
	return (struct pcap_filter_prog){.insns = insns, .cnt = cnt};
}

static void test_splice_layout(void **state)
{
	struct bpf_insn prog[] = {
		EI_MOV64_IMM(BPF_REG_1, 0), /* 0 */
		EI_CALL_REL(2),		    /* 1: -> 4 */
		EI_JA(0),		    /* 2 */
		EI_EXIT(),		    /* 3 */
		EI_MOV64_IMM(BPF_REG_0, 0), /* 4: stub */
		EI_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		EI_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		EI_EXIT(), /* 7 */
	};
	struct bpf_insn code[] = {EI_MOV64_IMM(BPF_REG_0, 7), EI_EXIT()};
	struct pcap_filter_prog f = fake_prog(code, 2);
	struct bpf_insn *out;
	size_t cnt;

	(void)state;
	assert_int_equal(pcap_filter_splice(prog, 8, 4, 4, &f, &out, &cnt), 0);
	assert_int_equal(cnt, 10);
	assert_memory_equal(out, prog, 4 * sizeof(prog[0]));
	assert_int_equal(out[4].code, BPF_JMP | BPF_CALL);
	assert_int_equal(out[4].src_reg, BPF_PSEUDO_CALL);
	assert_int_equal(out[4].imm, 8 - 4 - 1);
	assert_int_equal(out[5].code, BPF_JMP | BPF_JA);
	assert_int_equal(out[5].off, 0);
	assert_int_equal(out[6].code, BPF_JMP | BPF_JA);
	assert_int_equal(out[7].code, BPF_JMP | BPF_EXIT);
	assert_memory_equal(out + 8, code, sizeof(code));
	free(out);

	/* Errors: short stub, out of range, no code. */
	assert_int_equal(pcap_filter_splice(prog, 8, 7, 1, &f, &out, &cnt), -EINVAL);
	assert_int_equal(pcap_filter_splice(prog, 8, 7, 2, &f, &out, &cnt), -EINVAL);
	assert_int_equal(pcap_filter_splice(prog, 8, 8, 2, &f, &out, &cnt), -EINVAL);
	assert_int_equal(pcap_filter_splice(prog, 8, 4, 4, NULL, &out, &cnt), -EINVAL);
	/* A jump landing inside the stub's body. */
	prog[2] = EI_JA(2); /* -> 5 */
	assert_int_equal(pcap_filter_splice(prog, 8, 4, 4, &f, &out, &cnt), -EINVAL);
	prog[2] = EI_JA(0);
	/* A 64-bit immediate whose second half would be the stub. */
	prog[2] = EI_LD_IMM64_LO(BPF_REG_2, 0, 1);
	prog[3] = EI_LD_IMM64_HI(0);
	assert_int_equal(pcap_filter_splice(prog, 8, 3, 5, &f, &out, &cnt), -EINVAL);
}

/*
 * A stub that opens with `ja +0` padding takes a filter that fits in its
 * own body: nothing appended, no call; one that does not fit, or has a
 * 64-bit immediate, is appended and called as before.
 */
static void test_splice_in_stub(void **state)
{
	const struct bpf_insn prog[] = {
		EI_MOV64_IMM(BPF_REG_1, 0), /* 0 */
		EI_CALL_REL(2),		    /* 1: -> 4 */
		EI_JA(0),		    /* 2 */
		EI_EXIT(),		    /* 3 */
		EI_JA(0),		    /* 4: stub, padded */
		EI_JA(0),
		EI_JA(0),
		EI_MOV64_IMM(BPF_REG_0, 0),
		EI_EXIT(), /* 8 */
	};
	struct bpf_insn code[] = {EI_MOV64_IMM(BPF_REG_0, 7), EI_EXIT()};
	struct bpf_insn big[6],
		wide[] = {EI_LD_IMM64_LO(BPF_REG_0, 0, 1), EI_LD_IMM64_HI(0), EI_EXIT()};
	struct pcap_filter_prog f = fake_prog(code, 2);
	struct bpf_insn *out;
	size_t cnt;

	(void)state;
	assert_int_equal(pcap_filter_splice(prog, 9, 4, 5, &f, &out, &cnt), 0);
	assert_int_equal(cnt, 9);
	assert_memory_equal(out, prog, 4 * sizeof(prog[0]));
	for (int j = 4; j < 7; j++) {
		assert_int_equal(out[j].code, BPF_JMP | BPF_JA);
		assert_int_equal(out[j].off, 0);
	}
	assert_memory_equal(out + 7, code, sizeof(code));
	free(out);
	/* Longer than the stub: appended. */
	for (size_t j = 0; j < 6; j++)
		big[j] = j < 5 ? EI_MOV64_IMM(BPF_REG_0, (int)j) : EI_EXIT();
	f = fake_prog(big, 6);
	assert_int_equal(pcap_filter_splice(prog, 9, 4, 5, &f, &out, &cnt), 0);
	assert_int_equal(cnt, 15);
	assert_int_equal(out[4].src_reg, BPF_PSEUDO_CALL);
	free(out);
	/* A 64-bit immediate: appended, though it would fit. */
	f = fake_prog(wide, 3);
	assert_int_equal(pcap_filter_splice(prog, 9, 4, 5, &f, &out, &cnt), 0);
	assert_int_equal(cnt, 12);
	assert_int_equal(out[4].src_reg, BPF_PSEUDO_CALL);
	free(out);
}

static void test_splice_btf_ext(void **state)
{
	const struct bpf_func_info fi[] = {{0, 10}, {9, 11}, {20, 12}};
	const struct bpf_line_info li[] = {
		{0, 1, 2, 3},
		{9, 4, 5, 6},
		{9, 7, 8, 9},
		{20, 1, 1, 1},
	};
	void *fo, *lo;
	const struct bpf_func_info *f;
	const struct bpf_line_info *l;

	(void)state;
	assert_int_equal(pcap_filter_splice_btf_ext(fi, 3, sizeof(fi[0]), li, 4, sizeof(li[0]), 9,
						    30, &fo, &lo),
			 0);
	f = fo;
	l = lo;
	assert_memory_equal(f, fi, sizeof(fi));
	assert_int_equal(f[3].insn_off, 30);
	assert_int_equal(f[3].type_id, 11);
	assert_memory_equal(l, li, sizeof(li));
	assert_int_equal(l[4].insn_off, 30);
	assert_int_equal(l[4].file_name_off, 4);
	free(fo);
	free(lo);
	assert_int_equal(
		pcap_filter_splice_btf_ext(fi, 3, sizeof(fi[0]), NULL, 0, 0, 9, 30, &fo, &lo), 0);
	assert_null(lo);
	free(fo);
	assert_int_equal(pcap_filter_splice_btf_ext(fi, 3, sizeof(fi[0]), li, 4, sizeof(li[0]), 5,
						    30, &fo, &lo),
			 -ENOENT);
}

static void test_explain(void **state)
{
	char err[512];

	(void)state;
	pcap_filter_explain_load_error(
		E2BIG,
		"...\nBPF program is too large. Processed 1000001 insn\nprocessed 1000001 insns (limit 1000000)\n",
		err, sizeof(err));
	assert_non_null(strstr(err, "1000000"));
	assert_non_null(strstr(err, "BPF_COMPLEXITY_LIMIT_INSNS"));
	pcap_filter_explain_load_error(EPERM, "", err, sizeof(err));
	assert_non_null(strstr(err, "root"));
	pcap_filter_explain_load_error(EINVAL, "0: (b7) r0 = 0\nR1 !read_ok\nprocessed 3 insns\n",
				       err, sizeof(err));
	assert_non_null(strstr(err, "R1 !read_ok"));
	pcap_filter_explain_load_error(EINVAL, "back-edge from insn 9 to 3\n", err, sizeof(err));
	assert_non_null(strstr(err, "back-edge"));
}

/* ---- kernel tests ----------------------------------------------------- */

#define NEED_KERNEL()                                                                              \
	do {                                                                                       \
		if (!kernel_ok) {                                                                  \
			printf("# skipped: %s\n", kernel_why);                                     \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static void test_check_load(void **state)
{
	/* Reads through a scalar: no verifier takes that. */
	struct bpf_insn bad[] = {EI_LDX(BPF_DW, BPF_REG_0, BPF_REG_1, 0), EI_EXIT()};
	struct pcap_filter_prog p, f = fake_prog(bad, 2);
	char err[512];

	(void)state;
	NEED_KERNEL();
	assert_int_equal(pcap_filter_compile("tcp port 80", DLT_EN10MB, 0, &p, err, sizeof(err)),
			 0);
	if (pcap_filter_check_load(&p, err, sizeof(err)))
		fail_msg("%s", err);
	pcap_filter_prog_free(&p);
	assert_int_equal(pcap_filter_check_load(&f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kernel verifier rejected the filter"));
	assert_non_null(strstr(err, "R1 invalid mem access"));
}

/* Run classic code c on the L2 packets; compare with libpcap. */
static unsigned int differ(const struct sock_filter *c, size_t n, const struct pcap_filter_opts *o,
			   int view, unsigned int *matched, const char *what)
{
	struct sock_filter *ref = NULL;
	struct pcap_filter_prog p;
	const struct sock_filter *rc = c;
	unsigned int bad = 0;
	size_t rn = n;
	char err[512];
	int fd;

	if (dh_has_back_jump(c, n)) {
		ref = dh_unroll(c, n,
				o && o->max_back_jumps ? o->max_back_jumps : PCAP_FILTER_BACK_JUMPS,
				&rn);
		assert_non_null(ref);
		rc = ref;
	}
	if (pcap_filter_translate(c, n, o, &p, err, sizeof(err)))
		fail_msg("%s: translate: %s", what, err);
	fd = dh_load(&H, &p, view);
	if (fd < 0) {
		ebpf_dis(stdout, p.insns, p.cnt);
		pcap_filter_prog_free(&p);
		fail_msg("%s: load: %s", what, H.err);
	}
	if (dh_run(&H, fd, H.n)) {
		close(fd);
		pcap_filter_prog_free(&p);
		fail_msg("%s: %s", what, H.err);
	}
	*matched = 0;
	for (size_t i = 0; i < H.n; i++) {
		const struct dh_pkt *pk = &H.pkt[view][i];
		unsigned int want = dh_expect(rc, rn, pk), got = H.ctl->res[i];

		*matched += want != 0;
		if (want == got)
			continue;
		if (bad++ < MAX_SHOWN) {
			printf("# MISMATCH %s packet %zu: libpcap %u, eBPF %u\n", what, i, want,
			       got);
			dh_hex(stdout, pk);
		}
	}
	if (bad)
		ebpf_dis(stdout, p.insns, p.cnt);
	close(fd);
	pcap_filter_prog_free(&p);
	free(ref);
	return bad;
}

/*
 * Hand-written classic programs for what libpcap rarely or never emits:
 * every opcode, both operand kinds, RET A, division by X == 0, shifts by
 * 32 or more, A/X read before written, short backward loops.
 */
static void test_opcodes(void **state)
{
#define LDB(k) S(BPF_LD | BPF_B | BPF_ABS, k)
#define LDH(k) S(BPF_LD | BPF_H | BPF_ABS, k)
#define RET(k) S(BPF_RET | BPF_K, k)
#define JEQ_K  (BPF_JMP | BPF_JEQ | BPF_K)
#define RETA   S(BPF_RET | BPF_A, 0)
	static const struct {
		const char *name;
		struct sock_filter c[14];
		size_t n;
	} progs[] = {
		{"ld w/h/b abs",
		 {S(BPF_LD | BPF_W | BPF_ABS, 13), S(BPF_ALU | BPF_ADD | BPF_K, 0), RETA},
		 3},
		{"ld h abs odd", {S(BPF_LD | BPF_H | BPF_ABS, 21), RETA}, 2},
		{"ld w abs far", {S(BPF_LD | BPF_W | BPF_ABS, 301), RETA}, 2},
		{"ld ind w", {S(BPF_LDX | BPF_IMM, 3), S(BPF_LD | BPF_W | BPF_IND, 11), RETA}, 3},
		{"ld ind h x from packet",
		 {S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_LD | BPF_H | BPF_IND, 15), RETA},
		 3},
		{"ld ind b x unknown",
		 {LDB(23), S(BPF_MISC | BPF_TAX, 0), S(BPF_LD | BPF_B | BPF_IND, 30), RETA},
		 4},
		{"ld ind w x unknown",
		 {S(BPF_LD | BPF_H | BPF_ABS, 16), S(BPF_ALU | BPF_AND | BPF_K, 0x1ff),
		  S(BPF_MISC | BPF_TAX, 0), S(BPF_LD | BPF_W | BPF_IND, 1), RETA},
		 5},
		{"len",
		 {S(BPF_LD | BPF_W | BPF_LEN, 0), S(BPF_LDX | BPF_W | BPF_LEN, 0),
		  S(BPF_ALU | BPF_ADD | BPF_X, 0), RETA},
		 4},
		{"msh far", {S(BPF_LDX | BPF_B | BPF_MSH, 280), S(BPF_MISC | BPF_TXA, 0), RETA}, 3},
		{"mem",
		 {LDB(20), S(BPF_ST, 0), LDB(21), S(BPF_MISC | BPF_TAX, 0), S(BPF_STX, 15),
		  S(BPF_LD | BPF_MEM, 0), S(BPF_LDX | BPF_MEM, 15), S(BPF_ALU | BPF_SUB | BPF_X, 0),
		  RETA},
		 9},
		{"alu k",
		 {S(BPF_LD | BPF_W | BPF_ABS, 26), S(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b9),
		  S(BPF_ALU | BPF_XOR | BPF_K, 0x80000001), S(BPF_ALU | BPF_OR | BPF_K, 3),
		  S(BPF_ALU | BPF_DIV | BPF_K, 7), S(BPF_ALU | BPF_MOD | BPF_K, 0xfffffff1),
		  S(BPF_ALU | BPF_LSH | BPF_K, 31), S(BPF_ALU | BPF_RSH | BPF_K, 1),
		  S(BPF_ALU | BPF_SUB | BPF_K, 0xffffffff), S(BPF_ALU | BPF_NEG, 0), RETA},
		 11},
		{"div/mod x",
		 {LDB(22), S(BPF_MISC | BPF_TAX, 0), S(BPF_LD | BPF_H | BPF_ABS, 16),
		  S(BPF_ALU | BPF_DIV | BPF_X, 0), S(BPF_ALU | BPF_ADD | BPF_K, 1000),
		  S(BPF_ALU | BPF_MOD | BPF_X, 0), RETA},
		 7},
		{"shift x",
		 {LDB(23), S(BPF_ALU | BPF_AND | BPF_K, 63), S(BPF_MISC | BPF_TAX, 0),
		  S(BPF_LD | BPF_W | BPF_ABS, 26), S(BPF_ALU | BPF_LSH | BPF_X, 0), S(BPF_ST, 1),
		  S(BPF_LD | BPF_W | BPF_ABS, 30), S(BPF_ALU | BPF_RSH | BPF_X, 0),
		  S(BPF_LDX | BPF_MEM, 1), S(BPF_ALU | BPF_OR | BPF_X, 0), RETA},
		 11},
		{"alu x",
		 {LDB(24), S(BPF_MISC | BPF_TAX, 0), LDB(25), S(BPF_ALU | BPF_MUL | BPF_X, 0),
		  S(BPF_ALU | BPF_XOR | BPF_X, 0), S(BPF_ALU | BPF_AND | BPF_X, 0),
		  S(BPF_ALU | BPF_OR | BPF_X, 0), RETA},
		 8},
		{"jmp k",
		 {S(BPF_LD | BPF_W | BPF_ABS, 26), J(BPF_JMP | BPF_JGT | BPF_K, 0, 3, 0x80000000),
		  J(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 0xc0a80101),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 2, 0x100), S(BPF_RET | BPF_K, 7),
		  J(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0x80), S(BPF_RET | BPF_K, 5),
		  S(BPF_RET | BPF_K, 9)},
		 8},
		{"jmp x",
		 {LDB(23), S(BPF_MISC | BPF_TAX, 0), LDB(22), J(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0),
		  S(BPF_RET | BPF_K, 1), J(BPF_JMP | BPF_JGE | BPF_X, 1, 0, 0),
		  J(BPF_JMP | BPF_JSET | BPF_X, 1, 2, 0), J(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),
		  S(BPF_RET | BPF_K, 2), S(BPF_RET | BPF_K, 3)},
		 10},
		{"a and x start at 0",
		 {S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_ALU | BPF_ADD | BPF_K, 5), RETA},
		 3},
		{"ret a zero", {LDB(0), S(BPF_ALU | BPF_AND | BPF_K, 1), RETA}, 3},
		{"loop 8 times",
		 {S(BPF_LD | BPF_IMM, 0), S(BPF_ALU | BPF_ADD | BPF_K, 1),
		  J(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 8), S(BPF_JMP | BPF_JA, (uint32_t)-3), RETA},
		 5},
		{"loop over bytes",
		 {S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_B | BPF_IND, 0),
		  J(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 0x45), S(BPF_MISC | BPF_TXA, 0),
		  S(BPF_ALU | BPF_ADD | BPF_K, 3), S(BPF_MISC | BPF_TAX, 0),
		  S(BPF_JMP | BPF_JA, (uint32_t)-6), S(BPF_MISC | BPF_TXA, 0),
		  S(BPF_ALU | BPF_ADD | BPF_K, 1), RETA},
		 10},
		/*
		 * Loads of clashing residues: some read as one shifted
		 * 8-byte word, never past either end of the window.
		 */
		{"unaligned, window ends",
		 {S(BPF_LD | BPF_W | BPF_ABS, 2), S(BPF_MISC | BPF_TAX, 0), LDH(1),
		  S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_MISC | BPF_TAX, 0), LDH(9),
		  S(BPF_ALU | BPF_ADD | BPF_X, 0), RETA},
		 8},
		{"unaligned, one word",
		 {S(BPF_LD | BPF_W | BPF_ABS, 20), S(BPF_MISC | BPF_TAX, 0), LDH(21),
		  S(BPF_ALU | BPF_ADD | BPF_X, 0), S(BPF_MISC | BPF_TAX, 0),
		  S(BPF_LD | BPF_W | BPF_ABS, 25), S(BPF_ALU | BPF_XOR | BPF_X, 0),
		  S(BPF_MISC | BPF_TAX, 0), LDH(30), S(BPF_ALU | BPF_SUB | BPF_X, 0), RETA},
		 11},
		{"unaligned, wire",
		 {S(BPF_LD | BPF_W | BPF_ABS, 20), J(JEQ_K, 0, 1, 0x0a010101), RET(1), LDH(21),
		  J(JEQ_K, 0, 1, 0x0101), RET(2), S(BPF_LD | BPF_W | BPF_ABS, 25),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x80), RET(3), RET(4)},
		 10},
		/* Two backward jumps to one head share its laundering. */
		{"loop, two back jumps",
		 {S(BPF_LD | BPF_IMM, 0), S(BPF_ALU | BPF_ADD | BPF_K, 1),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1), S(BPF_JMP | BPF_JA, (uint32_t)-3),
		  J(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 10), S(BPF_JMP | BPF_JA, (uint32_t)-5), RETA},
		 7},
		{"loop, two back jumps, over budget",
		 {S(BPF_LD | BPF_IMM, 0), S(BPF_ALU | BPF_ADD | BPF_K, 1),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1), S(BPF_JMP | BPF_JA, (uint32_t)-3),
		  J(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 100), S(BPF_JMP | BPF_JA, (uint32_t)-5), RETA},
		 7},
		/* What an X-relative check proved is forgotten when X changes. */
		{"ind check, new x",
		 {S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_H | BPF_IND, 40),
		  S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_LD | BPF_B | BPF_IND, 20), RETA},
		 5},
		/*
		 * r10 + X and caplen - X kept for X's window reads: the
		 * initial X, two definitions.
		 */
		{"xptr initial x",
		 {S(BPF_LD | BPF_H | BPF_IND, 12), J(JEQ_K, 0, 3, 0x0800),
		  S(BPF_LD | BPF_B | BPF_IND, 23), J(JEQ_K, 0, 1, 6), RET(1), RET(0)},
		 6},
		{"xlim initial x",
		 {S(BPF_LD | BPF_H | BPF_IND, 12), J(JEQ_K, 0, 1, 0x0800), RET(1),
		  S(BPF_LD | BPF_B | BPF_IND, 23), J(JEQ_K, 0, 1, 6), RET(2), RET(0)},
		 7},
		{"xptr two defs",
		 {LDB(14), J(JEQ_K, 0, 2, 0x45), S(BPF_LDX | BPF_B | BPF_MSH, 14),
		  S(BPF_JMP | BPF_JA, 1), S(BPF_LDX | BPF_IMM, 8), S(BPF_LD | BPF_H | BPF_IND, 14),
		  J(JEQ_K, 2, 0, 80), S(BPF_LD | BPF_H | BPF_IND, 16), J(JEQ_K, 0, 2, 80),
		  S(BPF_LD | BPF_B | BPF_IND, 27), RETA, RET(0)},
		 12},
		/*
		 * A kept in wire order (compute_wire): swapped constants,
		 * jeq with a constant wider than the load, jset and and/or/
		 * xor, pieces of unaligned words, and what must stay in host
		 * order (wide or, two load sizes meeting, ret A).
		 */
		{"wire jeq wide k",
		 {LDH(12), J(JEQ_K, 0, 1, 0x10800), RET(1), J(JEQ_K, 0, 1, 0x0800), RET(2), RET(3)},
		 6},
		{"wire and/or/xor/jset",
		 {LDH(12), S(BPF_ALU | BPF_AND | BPF_K, 0xff0fff), S(BPF_ALU | BPF_OR | BPF_K, 1),
		  S(BPF_ALU | BPF_XOR | BPF_K, 0x100), J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x10200),
		  RET(4), J(JEQ_K, 0, 1, 0x0901), RET(1), RET(2)},
		 9},
		{"wire or wide k",
		 {LDH(12), S(BPF_ALU | BPF_OR | BPF_K, 0x10000), J(JEQ_K, 0, 1, 0x10800), RET(1),
		  RET(2)},
		 5},
		{"wire two sizes",
		 {LDB(14), J(JEQ_K, 0, 2, 0x45), LDH(12), S(BPF_JMP | BPF_JA, 1),
		  S(BPF_LD | BPF_W | BPF_ABS, 26), J(JEQ_K, 0, 1, 0x0800), RET(1), RETA},
		 8},
		{"wire words",
		 {S(BPF_LD | BPF_W | BPF_ABS, 13), J(JEQ_K, 0, 1, 0x01020304), RET(1),
		  S(BPF_LD | BPF_W | BPF_ABS, 27), J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x80000001),
		  RET(2), LDH(21), J(JEQ_K, 0, 1, 0x4000), RET(3), RET(4)},
		 10},
		{"wire words, all residues",
		 {S(BPF_LD | BPF_W | BPF_ABS, 13), J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x01000001),
		  RET(1), S(BPF_LD | BPF_W | BPF_ABS, 14),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x00010100), RET(2),
		  S(BPF_LD | BPF_W | BPF_ABS, 15), J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x80000080),
		  RET(3), S(BPF_LD | BPF_W | BPF_ABS, 16), J(JEQ_K, 0, 1, 0x0a010101), RET(4),
		  RET(5)},
		 13},
		{"wire then ret a", {LDH(12), J(JEQ_K, 0, 1, 0x0800), RETA, RET(5)}, 4},
		{"wire with initial a",
		 {J(JEQ_K, 1, 0, 0), LDH(12), J(JEQ_K, 0, 1, 0x0800), RET(1), RET(2)},
		 5},
		{"wire ind x from packet",
		 {S(BPF_LDX | BPF_B | BPF_MSH, 14), S(BPF_LD | BPF_W | BPF_IND, 13),
		  J(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x00ff00ff), RET(1),
		  S(BPF_LD | BPF_H | BPF_IND, 15), J(JEQ_K, 0, 1, 0x1234), RET(2), RET(3)},
		 8},
		{"wire loop",
		 {S(BPF_LDX | BPF_IMM, 0), S(BPF_LD | BPF_H | BPF_IND, 0), J(JEQ_K, 4, 0, 0x0800),
		  S(BPF_MISC | BPF_TXA, 0), S(BPF_ALU | BPF_ADD | BPF_K, 2),
		  S(BPF_MISC | BPF_TAX, 0), S(BPF_JMP | BPF_JA, (uint32_t)-6),
		  S(BPF_MISC | BPF_TXA, 0), S(BPF_ALU | BPF_ADD | BPF_K, 1), RETA},
		 10},
	};
	static const struct pcap_filter_opts variants[] = {
		{0},
		{.window = 8},
		{.no_window = true},
	};
	unsigned int bad = 0, m;
	char what[128];

	(void)state;
	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		for (size_t v = 0; v < 3; v++) {
			snprintf(what, sizeof(what), "%s (variant %zu)", progs[i].name, v);
			bad += differ(progs[i].c, progs[i].n, &variants[v], DH_L2, &m, what);
		}
	}
	assert_int_equal(bad, 0);
}

/* The backward-jump budget: a loop longer than it rejects. */
static void test_back_jump_budget(void **state)
{
	const struct sock_filter loop[] = {
		S(BPF_LD | BPF_IMM, 0),
		S(BPF_ALU | BPF_ADD | BPF_K, 1),
		J(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 100),
		S(BPF_JMP | BPF_JA, (uint32_t)-3),
		RETA,
	};
	struct pcap_filter_opts o = {.max_back_jumps = 200};
	struct pcap_filter_prog p;
	char err[256];
	int fd;

	(void)state;
	NEED_KERNEL();
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(
			pcap_filter_translate(loop, 5, pass ? &o : NULL, &p, err, sizeof(err)), 0);
		fd = dh_load(&H, &p, DH_L2);
		if (fd < 0)
			fail_msg("%s", H.err);
		assert_int_equal(dh_run(&H, fd, 4), 0);
		/* 99 backward jumps: over the default 64, under 200. */
		for (int i = 0; i < 4; i++)
			assert_int_equal(H.ctl->res[i], pass ? 100 : 0);
		close(fd);
		pcap_filter_prog_free(&p);
	}
}

/* A TCP or UDP frame over IPv4 (with ip_opt option words) or IPv6. */
static void trunc_frame(struct pg_pkt *p, bool v6, unsigned int ip_opt, uint8_t proto,
			uint16_t sport, uint16_t dport)
{
	struct pg_buf b = {.p = p->data, .cap = PG_MAXPKT};
	static const uint8_t mac[12] = {1, 2, 3, 4, 5, 6, 0, 0x11, 0x22};
	static const uint8_t a6[32] = {
		0x20, 0x01, 0x0d, 0xb8, [15] = 1, [16] = 0x20, 0x01, 0x0d, 0xb8, [31] = 2};

	memset(p, 0, sizeof(*p));
	pg_put(&b, mac, 12);
	pg_u16(&b, v6 ? 0x86dd : 0x0800);
	if (v6) {
		pg_u32(&b, 0x60000000);
		pg_u16(&b, 20);
		pg_u8(&b, proto);
		pg_u8(&b, 64);
		pg_put(&b, a6, 32);
	} else {
		pg_u32(&b, 0x45000028 + (ip_opt << 24));
		pg_u32(&b, 0x12344000);
		pg_u8(&b, 64);
		pg_u8(&b, proto);
		pg_u16(&b, 0);
		pg_u32(&b, 0x0a010101);
		pg_u32(&b, 0x0a010102);
		for (unsigned int i = 0; i < ip_opt; i++)
			pg_u32(&b, 0x01010101);
	}
	pg_u16(&b, sport);
	pg_u16(&b, dport);
	pg_u32(&b, 1);
	pg_u32(&b, 0);
	pg_u16(&b, 0x5002); /* SYN */
	pg_u16(&b, 1024);
	pg_u32(&b, 0);
	p->caplen = p->len = (uint32_t)b.n;
}

/*
 * Every truncation of a few frames: a bounds check merged or hoisted
 * past a load whose path accepts (the source port matched, the packet
 * ends right after it) would reject what libpcap accepts.  Random
 * packets rarely end at just those bytes.
 */
static void test_truncated(void **state)
{
	static const char *const exprs[] = {
		"tcp port 80",
		"port 22",
		"not port 22",
		"tcp src port 80 and tcp dst port 1234",
		"tcp and dst port 80 and (tcp[tcpflags] & tcp-syn != 0)",
		"tcp[13] & 2 != 0 or tcp port 80",
		"ip6 and tcp src port 80",
		"udp port 53 or udp port 22",
		"ip[2:2] - ((ip[0]&0xf)<<2) > 16",
	};
	static const struct {
		bool v6;
		unsigned int ip_opt;
		uint8_t proto;
		uint16_t sport, dport;
	} frames[] = {
		{false, 0, 6, 80, 1234}, {false, 1, 6, 80, 1234}, {false, 2, 6, 1234, 80},
		{true, 0, 6, 80, 1234},	 {true, 0, 6, 1234, 80},  {false, 0, 17, 53, 22},
		{false, 3, 17, 22, 53},
	};
	const struct dh saved = H;
	unsigned int bad = 0, m;
	struct pg_pkt f;
	size_t n = 0;
	char what[256];

	(void)state;
	NEED_KERNEL();
	/* differ() runs on H: give it these packets for this test only. */
	if (dh_open(&H, DH_NMAX, 0))
		fail_msg("%s", H.err);
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		trunc_frame(&f, frames[i].v6, frames[i].ip_opt, frames[i].proto, frames[i].sport,
			    frames[i].dport);
		for (uint32_t cap = 0; cap <= f.len && n < DH_NMAX; cap++) {
			struct pg_pkt t = f;

			t.caplen = cap;
			dh_set(&H, n++, &t);
		}
	}
	H.n = n;
	for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		for (int v = 0; v < 2; v++) {
			struct sock_filter *c;
			size_t cn;
			char err[256];

			if (pcap_filter_cbpf(exprs[e], v ? DLT_RAW : DLT_EN10MB, 0, &c, &cn, err,
					     sizeof(err)))
				fail_msg("%s: %s", exprs[e], err);
			snprintf(what, sizeof(what), "[%s truncated] %s", v ? "L3" : "L2",
				 exprs[e]);
			bad += differ(c, cn, NULL, v ? DH_L3 : DH_L2, &m, what);
			free(c);
		}
	}
	dh_close(&H);
	H = saved;
	assert_int_equal(bad, 0);
}

/*
 * Runs a spliced "greater 100" program whose main adds 5 * 2 to the
 * filter's verdict: 10 for a short frame, 262144 + 10 for a long one.
 */
static void run_splice_cases(const struct bpf_insn *out, size_t cnt)
{
	static const struct {
		uint32_t size, want;
	} cases[] = {{60, 10}, {150, 262144 + 10}};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "splice", "GPL", out, cnt, NULL);

	if (fd < 0)
		fail_msg("load: %s", strerror(errno));
	for (size_t i = 0; i < 2; i++) {
		uint8_t frame[200] = {0};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = cases[i].size);

		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		assert_int_equal(o.retval, cases[i].want);
	}
	close(fd);
}

/*
 * A stub in the middle of a program, with code and another subprogram
 * after it: after the splice the other call must still land right.
 */
static void test_splice_run(void **state)
{
	const struct bpf_insn prog[] = {
		EI_LDX(BPF_W, BPF_REG_3, BPF_REG_1, 0), /* len = skb->len */
		EI_MOV64_IMM(BPF_REG_1, 0),
		EI_MOV64_IMM(BPF_REG_2, 0),
		EI_CALL_REL(5), /* 3: -> 9, the stub */
		EI_MOV64_REG(BPF_REG_6, BPF_REG_0),
		EI_MOV64_IMM(BPF_REG_1, 5),
		EI_CALL_REL(5), /* 6: -> 12, times2 */
		EI_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		EI_EXIT(),
		EI_MOV64_IMM(BPF_REG_0, 0), /* 9: stub */
		EI_JA(0),
		EI_EXIT(),
		EI_MOV64_REG(BPF_REG_0, BPF_REG_1), /* 12: times2 */
		EI_ALU64_IMM(BPF_MUL, BPF_REG_0, 2),
		EI_EXIT(),
	};
	struct pcap_filter_prog f;
	struct bpf_insn *out;
	size_t cnt;
	char err[256];

	(void)state;
	NEED_KERNEL();
	assert_int_equal(pcap_filter_compile("greater 100", DLT_EN10MB, 0, &f, err, sizeof(err)),
			 0);
	assert_int_equal(pcap_filter_splice(prog, 15, 9, 3, &f, &out, &cnt), 0);
	run_splice_cases(out, cnt);
	free(out);
	pcap_filter_prog_free(&f);
}

/* The same run with the filter written into a padded stub, as skbtrace's are. */
static void test_splice_in_stub_run(void **state)
{
	struct bpf_insn prog[9 + 66 + 3];
	size_t n = 0, stub;
	struct pcap_filter_prog f;
	struct bpf_insn *out;
	size_t cnt;
	char err[256];

	(void)state;
	NEED_KERNEL();
	prog[n++] = EI_LDX(BPF_W, BPF_REG_3, BPF_REG_1, 0); /* len = skb->len */
	prog[n++] = EI_MOV64_IMM(BPF_REG_1, 0);
	prog[n++] = EI_MOV64_IMM(BPF_REG_2, 0);
	prog[n++] = EI_CALL_REL(5); /* 3: -> 9, the stub */
	prog[n++] = EI_MOV64_REG(BPF_REG_6, BPF_REG_0);
	prog[n++] = EI_MOV64_IMM(BPF_REG_1, 5);
	prog[n++] = EI_CALL_REL(66 + 2); /* 6: -> 75, times2 */
	prog[n++] = EI_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6);
	prog[n++] = EI_EXIT();
	stub = n;
	for (int j = 0; j < 64; j++)
		prog[n++] = EI_JA(0);
	prog[n++] = EI_MOV64_IMM(BPF_REG_0, 0);
	prog[n++] = EI_EXIT();
	prog[n++] = EI_MOV64_REG(BPF_REG_0, BPF_REG_1); /* times2 */
	prog[n++] = EI_ALU64_IMM(BPF_MUL, BPF_REG_0, 2);
	prog[n++] = EI_EXIT();
	assert_int_equal(n, sizeof(prog) / sizeof(prog[0]));
	assert_int_equal(pcap_filter_compile("greater 100", DLT_EN10MB, 0, &f, err, sizeof(err)),
			 0);
	assert_true(f.cnt <= 66);
	assert_int_equal(pcap_filter_splice(prog, n, stub, 66, &f, &out, &cnt), 0);
	assert_int_equal(cnt, n);
	run_splice_cases(out, cnt);
	free(out);
	pcap_filter_prog_free(&f);
}

/* ---- the differential over the corpus --------------------------------- */

struct variant {
	const char *name;
	int dlt, view;
	struct pcap_filter_opts opts;
};

static const struct variant variants[] = {
	{"L2", DLT_EN10MB, DH_L2, {0}},
	{"L3", DLT_RAW, DH_L3, {0}},
	/* Small windows and none send most loads down the helper paths. */
	{"L2/w16", DLT_EN10MB, DH_L2, {.window = 16}},
	{"L3/none", DLT_RAW, DH_L3, {.no_window = true}},
};

static void test_expr(void **state)
{
	const char *expr = *state;
	unsigned int bad = 0, matched[4] = {0};
	struct sock_filter *c;
	char err[512], what[512];
	size_t n;

	NEED_KERNEL();
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		const struct variant *va = &variants[v];

		if (pcap_filter_cbpf(expr, va->dlt, 0, &c, &n, err, sizeof(err))) {
			if (va->dlt == DLT_EN10MB)
				fail_msg("%s: %s", expr, err);
			matched[v] = UINT32_MAX; /* not for raw IP */
			continue;
		}
		snprintf(what, sizeof(what), "[%s] %s", va->name, expr);
		bad += differ(c, n, &va->opts, va->view, &matched[v], what);
		free(c);
		all_runs += H.n;
		all_matches += matched[v];
	}
	if (matched[1] == UINT32_MAX)
		printf("# %-60s L2 %4u/%zu  L3 n/a\n", expr, matched[0], H.n);
	else
		printf("# %-60s L2 %4u/%zu  L3 %4u/%zu\n", expr, matched[0], H.n, matched[1], H.n);
	if (bad)
		fail_msg("%s: %u mismatches", expr, bad);
}

static void test_corpus_balance(void **state)
{
	(void)state;
	NEED_KERNEL();
	printf("# corpus: %llu expression-packet runs, %llu matched\n", all_runs, all_matches);
	assert_true(all_runs > 0);
	assert_true(all_matches > 0);
	assert_true(all_matches < all_runs);
}

/* ---- set-up ----------------------------------------------------------- */

static int group_setup(void **state)
{
	const char *s = getenv("SKBTRACE_PCAP_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : DEFAULT_SEED;

	(void)state;
	if (geteuid() != 0) {
		snprintf(kernel_why, sizeof(kernel_why), "needs root to load BPF programs");
		return 0;
	}
	if (dh_open(&H, N_PKTS, seed ? seed : DEFAULT_SEED)) {
		snprintf(kernel_why, sizeof(kernel_why), "%s", H.err);
		return 0;
	}
	kernel_ok = true;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (kernel_ok)
		dh_close(&H);
	return 0;
}

static char **read_exprs(size_t *n)
{
	const char *env = getenv("SKBTRACE_PCAP_EXPRS");
	const char *paths[] = {env, "tests/pcap/exprs.txt", "../pcap/exprs.txt",
			       "../../tests/pcap/exprs.txt"};
	char line[4096], **v = NULL;
	FILE *f = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < 4 && !f; i++)
		if (paths[i])
			f = fopen(paths[i], "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (*n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = strdup(line);
	}
	fclose(f);
	return v;
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_validate_rejects),   cmocka_unit_test(test_validate_limits),
		cmocka_unit_test(test_loop_too_complex),   cmocka_unit_test(test_translate_options),
		cmocka_unit_test(test_compile_errors),	   cmocka_unit_test(test_build_l3_nothing),
		cmocka_unit_test(test_dead_loads),	   cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_caller_window),	   cmocka_unit_test(test_wire_order),
		cmocka_unit_test(test_splice_layout),	   cmocka_unit_test(test_splice_in_stub),
		cmocka_unit_test(test_splice_btf_ext),	   cmocka_unit_test(test_explain),
		cmocka_unit_test(test_check_load),	   cmocka_unit_test(test_splice_run),
		cmocka_unit_test(test_splice_in_stub_run), cmocka_unit_test(test_opcodes),
		cmocka_unit_test(test_back_jump_budget),   cmocka_unit_test(test_truncated),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), nexpr, total;
	struct CMUnitTest *tests;
	char **exprs = read_exprs(&nexpr);
	int rc;

	if (!exprs || nexpr < 200) {
		fprintf(stderr,
			"test_pcap_filter: need tests/pcap/exprs.txt "
			"(200+ expressions), found %zu\n",
			nexpr);
		return 1;
	}
	total = nfixed + nexpr + 1;
	tests = calloc(total, sizeof(*tests));
	if (!tests)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < nexpr; i++) {
		tests[nfixed + i] = (struct CMUnitTest){
			.name = exprs[i],
			.test_func = test_expr,
			.initial_state = exprs[i],
		};
	}
	tests[total - 1] = (struct CMUnitTest)cmocka_unit_test(test_corpus_balance);
	rc = _cmocka_run_group_tests("pcap_filter", tests, total, group_setup, group_teardown);
	for (size_t i = 0; i < nexpr; i++)
		free(exprs[i]);
	free(exprs);
	free(tests);
	return rc;
}
