// SPDX-License-Identifier: GPL-2.0
/*
 * What the translator refuses: classic programs the kernel's own checker
 * would refuse (opcodes, jumps, scratch memory, constant division by 0),
 * and loops the eBPF verifier could not walk within its limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/internal.h"

static int check_insn(const struct sock_filter *c, size_t n, size_t i, char *err, size_t errlen)
{
	const struct sock_filter *f = &c[i];
	uint8_t op = BPF_OP(f->code);

	if (!valid_opcode(f)) {
		set_err(err, errlen, "insn %zu: unknown opcode 0x%04x", i, f->code);
		return -1;
	}
	if (uses_mem_index(f->code) && f->k >= BPF_MEMWORDS) {
		set_err(err, errlen, "insn %zu: scratch memory index %u out of range (M[0..%d])", i,
			f->k, BPF_MEMWORDS - 1);
		return -1;
	}
	if (BPF_CLASS(f->code) == BPF_ALU && BPF_SRC(f->code) == BPF_K &&
	    (op == BPF_DIV || op == BPF_MOD) && f->k == 0) {
		set_err(err, errlen, "insn %zu: division by constant 0", i);
		return -1;
	}
	if (BPF_CLASS(f->code) == BPF_ALU && BPF_SRC(f->code) == BPF_K &&
	    (op == BPF_LSH || op == BPF_RSH) && f->k >= 32) {
		set_err(err, errlen, "insn %zu: shift by %u (more than 31)", i, f->k);
		return -1;
	}
	if (f->code == (BPF_JMP | BPF_JA)) {
		int64_t t = (int64_t)i + 1 + (int32_t)f->k;

		if (t < 0 || t >= (int64_t)n || t == (int64_t)i) {
			set_err(err, errlen, "insn %zu: jump out of range", i);
			return -1;
		}
	} else if (BPF_CLASS(f->code) == BPF_JMP) {
		if (i + 1 + f->jt >= n || i + 1 + f->jf >= n) {
			set_err(err, errlen, "insn %zu: jump out of range", i);
			return -1;
		}
	}
	return 0;
}

int validate_classic(const struct sock_filter *c, size_t n, struct analysis *an, char *err,
		     size_t errlen)
{
	if (!c || n == 0) {
		set_err(err, errlen, "empty classic program");
		return -1;
	}
	if (n > BPF_MAXINSNS) {
		set_err(err, errlen,
			"filter too large: %zu classic BPF instructions, more than BPF_MAXINSNS (%d)",
			n, BPF_MAXINSNS);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (check_insn(c, n, i, err, errlen))
			return -1;
	if (BPF_CLASS(c[n - 1].code) != BPF_RET) {
		set_err(err, errlen, "last instruction is not a return");
		return -1;
	}
	if (analysis_alloc(an, n)) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	find_reachable(c, an);
	if (check_defs(c, an, err, errlen)) {
		analysis_free(an);
		return -1;
	}
	return 0;
}

int pcap_filter_validate(const struct sock_filter *insns, size_t cnt, char *err, size_t errlen)
{
	struct analysis an;

	if (validate_classic(insns, cnt, &an, err, errlen))
		return -1;
	analysis_free(&an);
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/*
 * Paths the verifier may walk without pruning for a program with loops:
 * inside a loop body it compares states exactly, so each distinct path
 * from a loop head to the end of its body (back edges cut) can be a
 * state of its own, once per unit of the budget.  Summed over loop
 * heads, in classic instructions.  Past a loop it prunes as usual.
 */
static uint64_t loop_paths(const struct sock_filter *c, const struct analysis *an)
{
	size_t n = an->n, s[2];
	uint64_t *paths = calloc(n, sizeof(*paths)), total = 0;
	size_t *end = calloc(n, sizeof(*end));

	if (!paths || !end) {
		total = UINT64_MAX;
		goto out;
	}
	/* end[h]: last instruction jumping back to h, +1 (0: no loop). */
	for (size_t i = 0; i < n; i++) {
		unsigned int ns = an->reach[i] ? successors(c, i, s) : 0;

		for (unsigned int j = 0; j < ns; j++)
			if (s[j] <= i && i + 1 > end[s[j]])
				end[s[j]] = i + 1;
	}
	for (size_t h = 0; h < n; h++) {
		if (!end[h])
			continue;
		memset(paths, 0, n * sizeof(*paths));
		paths[h] = 1;
		for (size_t v = h; v < end[h]; v++) {
			unsigned int ns;

			if (!paths[v])
				continue;
			total = sat_add(total, paths[v]);
			ns = successors(c, v, s);
			for (unsigned int j = 0; j < ns; j++)
				if (s[j] > v && s[j] < end[h])
					paths[s[j]] = sat_add(paths[s[j]], paths[v]);
		}
	}
out:
	free(paths);
	free(end);
	return total;
}

/*
 * Loops must be simple, as libpcap's protochain makes them: the code from
 * a loop head to its last backward jump holds no part of another loop.
 * The verifier walks nested or interleaved loops once per way of mixing
 * their iterations, beyond any budget; such programs are refused.
 */
static int check_loop_shape(const struct sock_filter *c, const struct analysis *an, char *err,
			    size_t errlen)
{
	size_t n = an->n, s[2], *end = calloc(n, sizeof(*end));
	int ret = 0;

	if (!end) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int ns = an->reach[i] ? successors(c, i, s) : 0;

		for (unsigned int j = 0; j < ns; j++)
			if (s[j] <= i && i + 1 > end[s[j]])
				end[s[j]] = i + 1;
	}
	/* Regions [h, end[h]) sorted by h must not overlap. */
	for (size_t h = 0, open_end = 0, open_h = 0; h < n && !ret; h++) {
		if (!end[h])
			continue;
		if (h < open_end) {
			set_err(err, errlen,
				"insn %zu: loop inside or across the loop at insn %zu; only simple loops (as protochain's) can be bounded for the verifier",
				h, open_h);
			ret = -1;
		}
		open_end = end[h];
		open_h = h;
	}
	free(end);
	return ret;
}

int check_loop_cost(const struct sock_filter *c, const struct analysis *an, size_t ebpf_cnt,
		    unsigned int back_jumps, char *err, size_t errlen)
{
	uint64_t paths, per, est;
	size_t live = 0;

	if (!an->has_back)
		return 0;
	if (check_loop_shape(c, an, err, errlen))
		return -1;
	for (size_t i = 0; i < an->n; i++)
		live += an->reach[i];
	paths = loop_paths(c, an);
	/* eBPF instructions per classic one, rounded up. */
	per = (ebpf_cnt + live - 1) / live;
	est = paths > UINT64_MAX / (per * (back_jumps + 1)) ? UINT64_MAX
							    : paths * per * (back_jumps + 1);
	if (est <= 1000000)
		return 0;
	set_err(err, errlen,
		"filter too complex for the kernel verifier: its loops need about %llu instructions checked (%llu paths x %u backward jumps), over the 1000000 limit (BPF_COMPLEXITY_LIMIT_INSNS); simplify the expression or lower max_back_jumps",
		(unsigned long long)est, (unsigned long long)paths, back_jumps);
	return -1;
}
