// SPDX-License-Identifier: GPL-2.0
/*
 * Classic BPF instructions, one at a time: what a load reads, where
 * control goes next, which of M[], A and X an instruction writes and
 * reads.  Every analysis and the code generator ask these.
 */
#include <stdbool.h>
#include <stdint.h>

#include "filter/internal.h"

unsigned int ld_size(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

/* Loads at a constant packet offset: ld[bhw] [k], ldxb 4*([k]&0xf). */
bool is_abs_load(uint16_t code)
{
	return code == (BPF_LD | BPF_W | BPF_ABS) || code == (BPF_LD | BPF_H | BPF_ABS) ||
	       code == (BPF_LD | BPF_B | BPF_ABS) || code == (BPF_LDX | BPF_B | BPF_MSH);
}

bool is_ind_load(uint16_t code)
{
	return code == (BPF_LD | BPF_W | BPF_IND) || code == (BPF_LD | BPF_H | BPF_IND) ||
	       code == (BPF_LD | BPF_B | BPF_IND);
}

/* Bytes of packet a load needs: k + size, or past PKT_MAX for never. */
uint64_t load_need(const struct sock_filter *f)
{
	return (uint64_t)f->k + ld_size(f->code);
}

/* A load that no packet can satisfy ends the program like "ret #0". */
bool is_dead_load(const struct sock_filter *f)
{
	return (is_abs_load(f->code) || is_ind_load(f->code)) && load_need(f) > PKT_MAX;
}

bool valid_opcode(const struct sock_filter *f)
{
	switch (f->code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_B | BPF_MSH:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
		return true;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return true; /* index checked by the caller */
	}
	if (BPF_CLASS(f->code) == BPF_ALU && BPF_OP(f->code) != BPF_NEG) {
		switch (BPF_OP(f->code)) {
		case BPF_ADD:
		case BPF_SUB:
		case BPF_MUL:
		case BPF_DIV:
		case BPF_MOD:
		case BPF_AND:
		case BPF_OR:
		case BPF_XOR:
		case BPF_LSH:
		case BPF_RSH:
			return f->code == (BPF_ALU | BPF_OP(f->code) | BPF_K) ||
			       f->code == (BPF_ALU | BPF_OP(f->code) | BPF_X);
		}
	}
	return false;
}

bool uses_mem_index(uint16_t code)
{
	return code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM) || code == BPF_ST ||
	       code == BPF_STX;
}

/* Successors of instruction i; returns how many (0, 1 or 2). */
unsigned int successors(const struct sock_filter *c, size_t i, size_t s[2])
{
	const struct sock_filter *f = &c[i];

	if (BPF_CLASS(f->code) == BPF_RET || is_dead_load(f))
		return 0;
	if (f->code == (BPF_JMP | BPF_JA)) {
		s[0] = (size_t)((int64_t)i + 1 + (int32_t)f->k);
		return 1;
	}
	if (BPF_CLASS(f->code) == BPF_JMP) {
		s[0] = i + 1 + f->jt;
		s[1] = i + 1 + f->jf;
		return s[0] == s[1] ? 1 : 2;
	}
	s[0] = i + 1;
	return 1;
}

uint32_t insn_defs(const struct sock_filter *f)
{
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		return DEF_A;
	case BPF_LDX:
		return DEF_X;
	case BPF_ST:
	case BPF_STX:
		return 1u << f->k;
	case BPF_ALU:
		return DEF_A;
	case BPF_MISC:
		return BPF_MISCOP(f->code) == BPF_TAX ? DEF_X : DEF_A;
	}
	return 0;
}

uint32_t insn_uses(const struct sock_filter *f)
{
	uint32_t u = 0;

	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		if (BPF_MODE(f->code) == BPF_IND)
			u |= DEF_X;
		if (BPF_MODE(f->code) == BPF_MEM)
			u |= 1u << f->k;
		break;
	case BPF_LDX:
		if (BPF_MODE(f->code) == BPF_MEM)
			u |= 1u << f->k;
		break;
	case BPF_ST:
		u |= DEF_A;
		break;
	case BPF_STX:
		u |= DEF_X;
		break;
	case BPF_ALU:
		u |= DEF_A;
		if (BPF_OP(f->code) != BPF_NEG && BPF_SRC(f->code) == BPF_X)
			u |= DEF_X;
		break;
	case BPF_JMP:
		if (BPF_OP(f->code) != BPF_JA) {
			u |= DEF_A;
			if (BPF_SRC(f->code) == BPF_X)
				u |= DEF_X;
		}
		break;
	case BPF_RET:
		if (BPF_RVAL(f->code) == BPF_A)
			u |= DEF_A;
		break;
	case BPF_MISC:
		u |= BPF_MISCOP(f->code) == BPF_TAX ? DEF_A : DEF_X;
		break;
	}
	return u;
}
