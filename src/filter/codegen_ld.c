// SPDX-License-Identifier: GPL-2.0
/*
 * Loads: a classic ld/ldx at a constant or X-relative offset becomes a
 * read of the window the caller copied (aligned pieces, or one shifted
 * 8-byte word) or, past the window, a helper read of the packet, each
 * behind the bounds check the length analyses say is still needed.
 */
#include <stdint.h>

#include "filter/bpf_insn.h"
#include "filter/codegen.h"

static uint8_t size_code(unsigned int size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

/*
 * Alignment in bytes (power of two, at most 8) of an address whose
 * variable part is a multiple of 1 << base_align and whose constant part
 * is c (relative to the 8-aligned frame pointer).
 */
static unsigned int align_of(int c, unsigned int base_align)
{
	unsigned int a = umin(ctz_or((uint32_t)c, 31), base_align);

	return 1u << umin(a, 3);
}

/*
 * dst = the size bytes at base + off, big-endian (or, with wire, as they
 * lie in memory, see compute_wire()), read from the stack.  The verifier
 * wants stack accesses aligned, so an unaligned value is assembled from
 * the widest aligned pieces, or, when the 8 aligned bytes around it lie
 * in the window, shifted out of one 8-byte read.  align_c is the constant
 * part of the address (off plus what base adds beyond its multiple of
 * 1 << base_align); room_lo / room_hi are the window bytes before the
 * value and from its start on.  With x NULL only counts.  Returns
 * instructions.
 */
unsigned int emit_stack_load(struct xlat *x, uint8_t dst, uint8_t base, int off, int align_c,
			     unsigned int base_align, unsigned int size, uint8_t tmp, bool wire,
			     int room_lo, int room_hi)
{
	unsigned int pos = 0, used = 0;
	int d = ((align_c % 8) + 8) % 8;

	if (size > 1 && base_align >= 3 && align_of(align_c, base_align) < size &&
	    d + (int)size <= 8 && d <= room_lo && 8 - d <= room_hi) {
		/*
		 * A 4-byte value in wire order keeps the bytes above it in
		 * its upper half: only 32-bit operations see it (R_A).
		 */
		bool keep = wire && size == 4;

		if (x) {
			emit(x, EI_LDX(BPF_DW, dst, base, off - d));
			emit(x, EI_ALU64_IMM(BPF_RSH, dst, d * 8));
			/* The swap or the and keeps the value, zeroes the rest. */
			if (!wire)
				emit(x, EI_BE(dst, size * 8));
			else if (!keep)
				emit(x, EI_ALU32_IMM(BPF_AND, dst, 0xffff));
		}
		return keep ? 2 : 3;
	}

	while (pos < size) {
		unsigned int al = align_of(align_c + (int)pos, base_align);
		unsigned int z = size - pos;
		uint8_t r = pos ? tmp : dst;
		bool swap;

		while (z > al || z == 3)
			z >>= 1;
		swap = z > 1 && !wire;
		used += 1 + swap + (pos ? 2 : 0);
		if (x) {
			emit(x, EI_LDX(size_code(z), r, base, off + (int)pos));
			if (swap)
				emit(x, EI_BE(r, z * 8));
			if (pos && wire) {
				/* Little-endian: later bytes go higher. */
				emit(x, EI_ALU32_IMM(BPF_LSH, tmp, pos * 8));
				emit(x, EI_ALU32_REG(BPF_OR, dst, tmp));
			} else if (pos) {
				emit(x, EI_ALU32_IMM(BPF_LSH, dst, z * 8));
				emit(x, EI_ALU32_REG(BPF_OR, dst, tmp));
			}
		}
		pos += z;
	}
	return used;
}

/* reg = the packet's kernel address (r6, or its stack slot when r6 is the window). */
static void emit_data(struct xlat *x, uint8_t reg)
{
	if (x->data_spilled)
		emit(x, EI_LDX(BPF_DW, reg, BPF_REG_10, x->spill_off));
	else
		emit(x, EI_MOV64_REG(reg, R_DATA));
}

/* dst = size bytes read with the helper from the kernel address in r3. */
static void emit_helper_load(struct xlat *x, uint8_t dst, unsigned int size, bool wire)
{
	emit(x, EI_MOV64_REG(BPF_REG_1, BPF_REG_10));
	emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_1, x->tmp_off));
	emit(x, EI_MOV64_IMM(BPF_REG_2, (int32_t)size));
	emit(x, EI_CALL_HELPER(BPF_FUNC_probe_read_kernel));
	emit_reject_if(x, EI_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0));
	emit(x, EI_LDX(size_code(size), dst, BPF_REG_10, x->tmp_off));
	if (size > 1 && !wire)
		emit(x, EI_BE(dst, size * 8));
}

struct absval x_at(const struct xlat *x, size_t i)
{
	return x->an->ax[i].x;
}

unsigned int x_align(const struct xlat *x, size_t i)
{
	struct absval xv = x_at(x, i);

	return xv.state == AV_RANGE ? xv.align : 0;
}

/*
 * An X-relative load the window always covers (X bounded statically).
 * Only those read the stack at X: that makes the verifier track X
 * precisely, and for an X it cannot bound (protochain's loop) precise
 * ranges differ on every path and state pruning fails, exponentially.
 * The others read the packet with the helper, where X stays imprecise.
 */
bool ind_in_window(const struct xlat *x, size_t i)
{
	struct absval xv = x_at(x, i);

	return !x->no_window && xv.state == AV_RANGE &&
	       (uint64_t)xv.hi + load_need(&x->c[i]) <= x->wincap;
}

/* Window bytes before / from an X-relative value, whatever X is. */
int ind_room_lo(const struct xlat *x, size_t i)
{
	return (int)(x_at(x, i).lo + x->c[i].k);
}

int ind_room_hi(const struct xlat *x, size_t i)
{
	return (int)x->window - (int)(x_at(x, i).hi + x->c[i].k);
}

static void emit_abs_load(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	bool msh = f->code == (BPF_LDX | BPF_B | BPF_MSH);
	uint8_t dst = msh ? R_X : R_A;
	unsigned int size = ld_size(f->code);
	uint32_t need = (uint32_t)load_need(f);
	bool wire = x->an->wire_out[i] != 0;

	if (need > x->an->known[i])
		emit_reject_if(
			x, EI_JMP_IMM(BPF_JLT, R_CAP, (int32_t)guard_len(f, x->an->need[i]), 0));
	if (need <= x->window) {
		uint8_t base = x->win_reg;

		if (x->win_spilled) {
			emit(x, EI_LDX(BPF_DW, BPF_REG_2, BPF_REG_10, x->spill_off));
			base = BPF_REG_2;
		}
		emit_stack_load(x, dst, base, (int)f->k, (int)(x->win_pad + f->k), 31, size,
				BPF_REG_1, wire, (int)f->k, (int)x->window - (int)f->k);
	} else {
		emit_data(x, BPF_REG_3);
		if (f->k)
			emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_3, (int32_t)f->k));
		emit_helper_load(x, dst, size, wire);
	}
	if (msh) {
		emit(x, EI_ALU32_IMM(BPF_AND, R_X, 0xf));
		emit(x, EI_ALU32_IMM(BPF_LSH, R_X, 2));
	}
}

/*
 * A = the size bytes at X + k, read with the helper.  The bounds check
 * compares a fresh difference: "if off > caplen" would raise what the
 * verifier knows of caplen by a different amount on every path through
 * protochain's loop, a later constant check would then need caplen
 * precise, and the loop's states would no longer prune.
 */
static void emit_ind_helper_load(struct xlat *x, size_t i, bool wire)
{
	const struct sock_filter *f = &x->c[i];
	unsigned int size = ld_size(f->code);

	emit(x, EI_MOV64_REG(BPF_REG_3, R_X));
	if (f->k)
		emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_3, (int32_t)f->k));
	if (load_need(f) > x->an->known_x[i]) {
		/* caplen - (X + k) >= guard - k, guard as compute_known_x. */
		uint32_t g = guard_len(f, x->an->need_x[i]) - f->k;

		emit(x, EI_MOV64_REG(BPF_REG_2, R_CAP));
		emit(x, EI_ALU64_REG(BPF_SUB, BPF_REG_2, BPF_REG_3));
		emit_reject_if(x, EI_JMP_IMM(BPF_JSLT, BPF_REG_2, (int32_t)g, 0));
	}
	if (x->data_spilled) {
		emit_data(x, BPF_REG_1);
		emit(x, EI_ALU64_REG(BPF_ADD, BPF_REG_3, BPF_REG_1));
	} else {
		emit(x, EI_ALU64_REG(BPF_ADD, BPF_REG_3, R_DATA));
	}
	emit_helper_load(x, R_A, size, wire);
}

/* reg = window + X: where X-relative reads start. */
void emit_xptr(struct xlat *x, uint8_t reg)
{
	/* Pointer += scalar: the verifier keeps the caller's frame. */
	if (x->win_spilled)
		emit(x, EI_LDX(BPF_DW, reg, BPF_REG_10, x->spill_off));
	else
		emit(x, EI_MOV64_REG(reg, x->win_reg));
	emit(x, EI_ALU64_REG(BPF_ADD, reg, R_X));
}

static void emit_ind_load(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	unsigned int size = ld_size(f->code);
	uint8_t base = R_XPTR, kept = x->xreg_use ? x->xreg_use[i] : 0;

	if (!ind_in_window(x, i)) {
		emit_ind_helper_load(x, i, x->an->wire_out[i] != 0);
		return;
	}
	if (load_need(f) > x->an->known_x[i] && (kept & XR_LIM)) {
		/* caplen - X < guard */
		emit_reject_if(x, EI_JMP_IMM(BPF_JSLT, R_XLIM,
					     (int32_t)guard_len(f, x->an->need_x[i]), 0));
	} else if (load_need(f) > x->an->known_x[i]) {
		/* r1 = X + guard (64-bit: no wrap), which caplen must cover. */
		emit(x, EI_MOV64_REG(BPF_REG_1, R_X));
		emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_1, (int32_t)guard_len(f, x->an->need_x[i])));
		emit_reject_if(x, EI_JMP_REG(BPF_JGT, BPF_REG_1, R_CAP, 0));
	}
	if (!(kept & XR_PTR)) {
		emit_xptr(x, BPF_REG_2);
		base = BPF_REG_2;
	}
	emit_stack_load(x, R_A, base, (int)f->k, (int)(x->win_pad + f->k), x_align(x, i), size,
			BPF_REG_3, x->an->wire_out[i] != 0, ind_room_lo(x, i), ind_room_hi(x, i));
}

void emit_ld(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	uint8_t dst = BPF_CLASS(f->code) == BPF_LD ? R_A : R_X;

	if (is_dead_load(f)) {
		emit_jump(x, EI_JA(0), T_REJECT, 0);
		return;
	}
	if (is_abs_load(f->code)) {
		emit_abs_load(x, i);
		return;
	}
	switch (BPF_MODE(f->code)) {
	case BPF_IND:
		emit_ind_load(x, i);
		break;
	case BPF_LEN:
		emit(x, EI_LDX(BPF_W, dst, BPF_REG_10, x->len_off));
		break;
	case BPF_IMM:
		emit(x, EI_MOV32_IMM(dst, (int32_t)f->k));
		break;
	case BPF_MEM:
		emit(x, EI_LDX(BPF_W, dst, BPF_REG_10, x->mem_off + 4 * (int)f->k));
		break;
	}
}
