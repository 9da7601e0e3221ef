// SPDX-License-Identifier: GPL-2.0
/*
 * Byte order of A.  Classic loads are big-endian and the window holds
 * wire bytes, so an eBPF load of 2 or 4 bytes yields them swapped and
 * would need a swap instruction after it.  When the loaded value only
 * meets jeq/jset/and/or/xor with constants until it is overwritten, the
 * constants are swapped instead, once, here: the comparisons and bit
 * tests give the same answers on swapped operands, and and/or/xor keep
 * the value swapped.  Everything else (arithmetic, ordering compares,
 * X operands, tax, st, ret A) needs the value in host order.
 *
 * Which definitions of A a use can see is found with union-find over
 * reaching definitions, where A is live: definitions that reach a common
 * use, and the uses they reach, form one web, and a web is in one byte
 * order.  It is kept swapped when its definitions are all packet loads
 * of one size (2 or 4 bytes; A's initial 0 reads the same either way)
 * and all its uses are of the kinds above.
 */
#include <stdlib.h>

#include "filter/internal.h"

static bool a_passes_through(const struct sock_filter *f)
{
	uint8_t op = BPF_OP(f->code);

	return BPF_CLASS(f->code) == BPF_ALU && BPF_SRC(f->code) == BPF_K &&
	       (op == BPF_AND || op == BPF_OR || op == BPF_XOR);
}

int32_t uf_find(int32_t *parent, int32_t v)
{
	while (parent[v] != v) {
		parent[v] = parent[parent[v]];
		v = parent[v];
	}
	return v;
}

/* Swapped form of constant k for a value of size bytes in wire order. */
uint32_t wire_k(uint32_t k, unsigned int size, uint8_t op)
{
	if (size == 4)
		return __builtin_bswap32(k);
	/*
	 * A 2-byte value is below 0x10000: bits of k above it cannot be
	 * set in A (jset, and) and jeq with such a k never holds, in
	 * either order, so k is left as it is for jeq.
	 */
	if (op == BPF_JEQ && k > 0xffff)
		return k;
	return __builtin_bswap16((uint16_t)k);
}

/* An instruction that gives reg (DEF_A or DEF_X) a new value. */
bool reg_def(const struct sock_filter *f, uint32_t reg)
{
	return (insn_defs(f) & reg) && !(reg == DEF_A && a_passes_through(f));
}

/*
 * Webs of register reg (DEF_A or DEF_X): rd[i] is a definition reaching
 * instruction i where reg is live on entry (-1 elsewhere; n stands for
 * the initial value), and definitions in one web share a root in parent
 * (n + 1 entries).  Returns 0 or -1 (out of memory).
 */
int reg_webs(const struct sock_filter *c, const struct analysis *an, uint32_t reg, int32_t *rd,
	     int32_t *parent)
{
	size_t n = an->n, s[2];
	uint8_t *live = calloc(n, 1);
	bool changed = true;

	if (!live)
		return -1;
	/* live[i]: reg on entry to i may be read before it is overwritten. */
	while (changed) {
		changed = false;
		for (size_t i = n; i-- > 0;) {
			const struct sock_filter *f = &c[i];
			unsigned int ns = successors(c, i, s);
			uint8_t v = (insn_uses(f) & reg) != 0;

			if (!an->reach[i] || live[i])
				continue;
			for (unsigned int j = 0; j < ns && !v; j++)
				v = !reg_def(f, reg) && live[s[j]];
			if (v) {
				live[i] = 1;
				changed = true;
			}
		}
	}
	changed = true;
	for (size_t i = 0; i < n; i++)
		rd[i] = -1;
	for (size_t i = 0; i <= n; i++)
		parent[i] = (int32_t)i;
	rd[0] = live[0] ? (int32_t)n : -1;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			const struct sock_filter *f = &c[i];
			int32_t out = rd[i];
			unsigned int ns;

			if (!an->reach[i])
				continue;
			if (reg_def(f, reg))
				out = (int32_t)i;
			else if (out < 0)
				continue;
			ns = successors(c, i, s);
			for (unsigned int j = 0; j < ns; j++) {
				int32_t a, b;

				if (!live[s[j]])
					continue;
				if (rd[s[j]] < 0) {
					rd[s[j]] = out;
					changed = true;
					continue;
				}
				a = uf_find(parent, rd[s[j]]);
				b = uf_find(parent, out);
				if (a != b) {
					parent[a] = b;
					changed = true;
				}
			}
		}
	}
	free(live);
	return 0;
}

int compute_wire(const struct sock_filter *c, struct analysis *an)
{
	size_t n = an->n;
	int32_t *rd = malloc(n * sizeof(*rd));
	int32_t *parent = malloc((n + 1) * sizeof(*parent));
	uint8_t *size = calloc(n + 1, 1), *bad = calloc(n + 1, 1);
	int ret = -1;

	if (!rd || !parent || !size || !bad || reg_webs(c, an, DEF_A, rd, parent))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct sock_filter *f = &c[i];
		uint8_t op = BPF_OP(f->code);
		int32_t r;

		if (!an->reach[i])
			continue;
		if (reg_def(f, DEF_A)) {
			r = uf_find(parent, (int32_t)i);
			if (BPF_CLASS(f->code) == BPF_LD &&
			    (BPF_MODE(f->code) == BPF_ABS || BPF_MODE(f->code) == BPF_IND) &&
			    ld_size(f->code) > 1 && !is_dead_load(f) &&
			    (!size[r] || size[r] == ld_size(f->code)))
				size[r] = (uint8_t)ld_size(f->code);
			else
				bad[r] = 1;
		}
		if (!(insn_uses(f) & DEF_A) || rd[i] < 0)
			continue;
		r = uf_find(parent, rd[i]);
		if (a_passes_through(f)) {
			/* or/xor would set bits a 2-byte swap cannot hold. */
			if (op != BPF_AND && f->k > 0xffff)
				bad[r] |= 2;
		} else if (!(BPF_CLASS(f->code) == BPF_JMP && BPF_SRC(f->code) == BPF_K &&
			     (op == BPF_JEQ || op == BPF_JSET))) {
			bad[r] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int32_t r;

		if (!an->reach[i])
			continue;
		if (rd[i] >= 0) {
			r = uf_find(parent, rd[i]);
			if (!(bad[r] & 1) && !(size[r] == 2 && bad[r]))
				an->wire_in[i] = size[r];
		}
		if (a_passes_through(&c[i])) {
			an->wire_out[i] = an->wire_in[i];
		} else if (insn_defs(&c[i]) & DEF_A) {
			r = uf_find(parent, (int32_t)i);
			if (!(bad[r] & 1) && !(size[r] == 2 && bad[r]))
				an->wire_out[i] = size[r];
		}
	}
	ret = 0;
out:
	free(rd);
	free(parent);
	free(size);
	free(bad);
	return ret;
}
