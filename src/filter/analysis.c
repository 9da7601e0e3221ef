// SPDX-License-Identifier: GPL-2.0
/*
 * The analyses' storage and the fixpoints over packet lengths: which
 * instructions are reached, which of M[]/A/X are written before they
 * are read, and for bounds checks what caplen every path ahead needs
 * (need[]) and what is already proven (known[]), for constant offsets
 * and for offsets relative to X.
 */
#include <stdlib.h>
#include <string.h>

#include "filter/internal.h"

void analysis_free(struct analysis *an)
{
	free(an->reach);
	free(an->defs);
	free(an->need);
	free(an->known);
	free(an->need_x);
	free(an->known_x);
	free(an->ax);
	free(an->wire_in);
	free(an->wire_out);
	memset(an, 0, sizeof(*an));
}

int analysis_alloc(struct analysis *an, size_t n)
{
	memset(an, 0, sizeof(*an));
	an->n = n;
	an->mem_max = -1;
	an->reach = calloc(n, sizeof(*an->reach));
	an->defs = calloc(n, sizeof(*an->defs));
	an->need = calloc(n, sizeof(*an->need));
	an->known = calloc(n, sizeof(*an->known));
	an->need_x = calloc(n, sizeof(*an->need_x));
	an->known_x = calloc(n, sizeof(*an->known_x));
	an->ax = calloc(n, sizeof(*an->ax));
	an->wire_in = calloc(n, sizeof(*an->wire_in));
	an->wire_out = calloc(n, sizeof(*an->wire_out));
	if (!an->reach || !an->defs || !an->need || !an->known || !an->need_x || !an->known_x ||
	    !an->ax || !an->wire_in || !an->wire_out) {
		analysis_free(an);
		return -1;
	}
	return 0;
}

void find_reachable(const struct sock_filter *c, struct analysis *an)
{
	size_t *stack = NULL, sp = 0, s[2];
	size_t n = an->n;

	/* Each instruction is pushed at most once: n slots suffice. */
	stack = malloc(n * sizeof(*stack));
	if (!stack) {
		/* Fall back to "everything reachable"; only costs code. */
		memset(an->reach, 1, n);
		return;
	}
	an->reach[0] = 1;
	stack[sp++] = 0;
	while (sp) {
		size_t i = stack[--sp];
		unsigned int ns = successors(c, i, s);

		for (unsigned int j = 0; j < ns; j++) {
			if (s[j] <= i)
				an->has_back = true;
			if (!an->reach[s[j]]) {
				an->reach[s[j]] = 1;
				stack[sp++] = s[j];
			}
		}
	}
	free(stack);
}

/*
 * Must-defined analysis: a scratch slot read before it is written on some
 * path is an error (as in the kernel's classic checker); A or X read
 * before written just get the interpreter's initial 0.
 */
int check_defs(const struct sock_filter *c, struct analysis *an, char *err, size_t errlen)
{
	size_t n = an->n, s[2];
	bool changed = true;

	for (size_t i = 0; i < n; i++)
		an->defs[i] = i ? ALL_DEFS : 0;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			uint32_t out;
			unsigned int ns;

			if (!an->reach[i])
				continue;
			out = an->defs[i] | insn_defs(&c[i]);
			ns = successors(c, i, s);
			for (unsigned int j = 0; j < ns; j++) {
				uint32_t nd = an->defs[s[j]] & out;

				if (nd != an->defs[s[j]]) {
					an->defs[s[j]] = nd;
					changed = true;
				}
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t miss;

		if (!an->reach[i])
			continue;
		miss = insn_uses(&c[i]) & ~an->defs[i];
		if (miss & 0xffffu) {
			set_err(err, errlen,
				"insn %zu: reads scratch memory M[%u] before it is written", i,
				c[i].k);
			return -1;
		}
		if (miss & DEF_A)
			an->init_a = true;
		if (miss & DEF_X)
			an->init_x = true;
		if (uses_mem_index(c[i].code) && (int)c[i].k > an->mem_max)
			an->mem_max = (int)c[i].k;
		if (c[i].code == (BPF_LD | BPF_W | BPF_LEN) ||
		    c[i].code == (BPF_LDX | BPF_W | BPF_LEN))
			an->uses_len = true;
	}
	return 0;
}

/*
 * The backward fixpoint behind need[] (absolute loads) and need_x[]
 * (loads at X + k, forgotten where X changes): at each instruction, the
 * least of what its successors need, raised by its own load.
 */
static void compute_need_of(const struct sock_filter *c, struct analysis *an, uint32_t *need,
			    bool x_rel)
{
	size_t n = an->n, s[2];
	bool changed = true;

	for (size_t i = 0; i < n; i++)
		need[i] = INF;
	while (changed) {
		changed = false;
		for (size_t i = n; i-- > 0;) {
			const struct sock_filter *f = &c[i];
			unsigned int ns;
			uint32_t v;

			if (!an->reach[i])
				continue;
			ns = successors(c, i, s);
			if (BPF_CLASS(f->code) == BPF_RET)
				v = (f->code == (BPF_RET | BPF_K) && f->k == 0) ? INF : 0;
			else if (ns == 0)
				v = INF; /* a load no packet satisfies */
			else if (ns == 1)
				v = need[s[0]];
			else
				v = need[s[0]] < need[s[1]] ? need[s[0]] : need[s[1]];
			if (x_rel && v != INF && (insn_defs(f) & DEF_X))
				v = 0;
			if (ns && v != INF &&
			    (x_rel ? is_ind_load(f->code) : is_abs_load(f->code)) &&
			    load_need(f) > v)
				v = (uint32_t)load_need(f);
			if (v != need[i]) {
				need[i] = v;
				changed = true;
			}
		}
	}
}

/*
 * need[i]: the largest N such that, from i, every path that could accept
 * passes a constant-offset load needing N bytes, so a packet shorter than
 * N is rejected whatever happens.  Greatest fixpoint from INF (loops
 * only lower it); sound because it holds along every finite path.
 */
void compute_need(const struct sock_filter *c, struct analysis *an)
{
	compute_need_of(c, an, an->need, false);
}

/*
 * Caplen proven on entry to each instruction, given that a load emits a
 * check against the hoisted length max(its need, need[i]) only when
 * what is proven does not cover it.  entry is what the prologue proved.
 */
uint32_t guard_len(const struct sock_filter *f, uint32_t need_i)
{
	uint32_t ld = (uint32_t)load_need(f);

	return (need_i != INF && need_i > ld) ? need_i : ld;
}

/*
 * The forward fixpoint behind known[] (absolute loads, from what the
 * prologue proved) and known_x[] (loads at X + k, from 0 and back to 0
 * wherever X changes).
 */
static void compute_known_of(const struct sock_filter *c, struct analysis *an, uint32_t *known,
			     const uint32_t *need, uint32_t entry, bool x_rel)
{
	size_t n = an->n, s[2];
	bool changed = true;

	for (size_t i = 0; i < n; i++)
		known[i] = INF;
	known[0] = entry;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			const struct sock_filter *f = &c[i];
			uint32_t out = known[i];
			bool ld = x_rel ? is_ind_load(f->code) : is_abs_load(f->code);
			unsigned int ns;

			if (!an->reach[i])
				continue;
			ns = successors(c, i, s);
			if (ns && ld && load_need(f) > out)
				out = guard_len(f, need[i]);
			if (x_rel && (insn_defs(f) & DEF_X))
				out = 0;
			for (unsigned int j = 0; j < ns; j++) {
				if (out < known[s[j]]) {
					known[s[j]] = out;
					changed = true;
				}
			}
		}
	}
}

void compute_known(const struct sock_filter *c, struct analysis *an, uint32_t entry)
{
	compute_known_of(c, an, an->known, an->need, entry, false);
}

/*
 * The same two analyses for X-relative loads, in lengths relative to X:
 * need_x[i] = n means every path from i that could accept passes a load
 * at [X + k] with k + size >= n before X changes, so a packet shorter
 * than X + n is rejected whatever happens; known_x[i] = n means caplen
 * >= X + n is proven on entry.  An X-relative load then checks only what
 * is not proven yet, and checks the largest length the paths ahead need
 * ("tcp src port 1 and dst port 2": one check for both ports).  Lengths
 * are about X's value, so whatever changes X forgets them.
 */
void compute_need_x(const struct sock_filter *c, struct analysis *an)
{
	compute_need_of(c, an, an->need_x, true);
}

void compute_known_x(const struct sock_filter *c, struct analysis *an)
{
	compute_known_of(c, an, an->known_x, an->need_x, 0, true);
}
