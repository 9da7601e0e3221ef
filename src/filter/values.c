// SPDX-License-Identifier: GPL-2.0
/*
 * What is known of the values of A and X on entry to each instruction (a
 * range and an alignment), used to read X-relative offsets straight from
 * the window.  These facts must never claim more than the kernel verifier
 * itself derives from the generated code, so only operations whose range
 * and alignment it tracks exactly (constants, byte loads, and/lsh/rsh/
 * add/sub/mul by constants without wrap-around, register copies) keep a
 * range; the rest, and anything read back from M[], becomes unknown.
 */
#include <stdlib.h>

#include "filter/internal.h"

/* Times one instruction's A/X facts may change before they go unknown. */
#define WIDEN_AFTER 8

static struct absval av_const(uint32_t k)
{
	return (struct absval){
		.lo = k, .hi = k, .align = k ? (uint8_t)__builtin_ctz(k) : 31, .state = AV_RANGE};
}

static struct absval av_range(uint32_t lo, uint32_t hi, unsigned int align)
{
	return (struct absval){
		.lo = lo, .hi = hi, .align = (uint8_t)(align > 31 ? 31 : align), .state = AV_RANGE};
}

static const struct absval av_top = {.state = AV_TOP};

static struct absval av_alu(uint8_t op, struct absval a, struct absval b)
{
	uint32_t k;

	if (a.state != AV_RANGE || b.state != AV_RANGE || b.lo != b.hi)
		return av_top;
	k = b.lo;
	switch (op) {
	case BPF_ADD:
		if ((uint64_t)a.hi + k > UINT32_MAX)
			return av_top;
		return av_range(a.lo + k, a.hi + k, umin(a.align, ctz_or(k, 31)));
	case BPF_SUB:
		if (a.lo < k)
			return av_top;
		return av_range(a.lo - k, a.hi - k, umin(a.align, ctz_or(k, 31)));
	case BPF_MUL:
		if (k == 0)
			return av_const(0);
		if ((uint64_t)a.hi * k > UINT32_MAX)
			return av_top;
		return av_range(a.lo * k, a.hi * k, a.align + ctz_or(k, 0));
	case BPF_AND:
		if (k == 0)
			return av_const(0);
		return av_range(0, a.hi < k ? a.hi : k,
				a.align > ctz_or(k, 0) ? a.align : ctz_or(k, 0));
	case BPF_LSH:
		if (k >= 32 || ((uint64_t)a.hi << k) > UINT32_MAX)
			return av_top;
		return av_range(a.lo << k, a.hi << k, a.align + k);
	case BPF_RSH:
		if (k >= 32)
			return av_const(0);
		return av_range(a.lo >> k, a.hi >> k, a.align > k ? a.align - k : 0);
	}
	return av_top;
}

static struct absreg av_step(const struct sock_filter *f, struct absreg r)
{
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		if (BPF_MODE(f->code) == BPF_IMM)
			r.a = av_const(f->k);
		else if ((BPF_MODE(f->code) == BPF_ABS || BPF_MODE(f->code) == BPF_IND) &&
			 BPF_SIZE(f->code) == BPF_B)
			r.a = av_range(0, 255, 0);
		else
			r.a = av_top;
		break;
	case BPF_LDX:
		if (BPF_MODE(f->code) == BPF_IMM)
			r.x = av_const(f->k);
		else if (BPF_MODE(f->code) == BPF_MSH)
			r.x = av_range(0, 60, 2);
		else
			r.x = av_top;
		break;
	case BPF_ALU:
		if (BPF_OP(f->code) == BPF_NEG)
			r.a = av_top;
		else
			r.a = av_alu(BPF_OP(f->code), r.a,
				     BPF_SRC(f->code) == BPF_X ? r.x : av_const(f->k));
		break;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			r.x = r.a;
		else
			r.a = r.x;
		break;
	}
	return r;
}

static struct absval av_join(struct absval a, struct absval b)
{
	if (a.state == AV_NONE)
		return b;
	if (b.state == AV_NONE)
		return a;
	if (a.state == AV_TOP || b.state == AV_TOP)
		return av_top;
	return av_range(a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi,
			umin(a.align, b.align));
}

static bool av_eq(struct absval a, struct absval b)
{
	if (a.state != b.state)
		return false;
	return a.state != AV_RANGE || (a.lo == b.lo && a.hi == b.hi && a.align == b.align);
}

int compute_values(const struct sock_filter *c, struct analysis *an)
{
	size_t n = an->n, s[2];
	uint8_t *changes = calloc(n, 1);
	bool changed = true;

	if (!changes)
		return -1;
	an->ax[0].a = av_const(0);
	an->ax[0].x = av_const(0);
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			struct absreg out;
			unsigned int ns;

			if (!an->reach[i] || an->ax[i].a.state == AV_NONE)
				continue;
			out = av_step(&c[i], an->ax[i]);
			ns = successors(c, i, s);
			for (unsigned int j = 0; j < ns; j++) {
				struct absreg *d = &an->ax[s[j]];
				struct absreg nr = {av_join(d->a, out.a), av_join(d->x, out.x)};

				/* A backward jump launders A and X. */
				if (s[j] <= i)
					nr.a = nr.x = av_top;

				if (av_eq(nr.a, d->a) && av_eq(nr.x, d->x))
					continue;
				/* Loops: give up on exact facts quickly. */
				if (++changes[s[j]] > WIDEN_AFTER)
					nr.a = nr.x = av_top;
				*d = nr;
				changed = true;
			}
		}
	}
	free(changes);
	return 0;
}
