/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builders for eBPF instructions (struct bpf_insn from linux/bpf.h).
 *
 * Named EI_* so they never clash with the kernel samples' BPF_* macros
 * or libpcap's classic definitions.  Each yields a struct bpf_insn
 * value (a compound literal), usable in arrays and assignments alike.
 */
#ifndef SKBTRACE_BPF_INSN_H
#define SKBTRACE_BPF_INSN_H

#include <linux/bpf.h>

#define EI_RAW(c, d, s, o, i)                                                                      \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* dst = src, dst op= src, dst op= imm: 64-bit (ALU64) and 32-bit (ALU). */
#define EI_MOV64_REG(d, s)     EI_RAW(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define EI_MOV64_IMM(d, i)     EI_RAW(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define EI_MOV32_REG(d, s)     EI_RAW(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define EI_MOV32_IMM(d, i)     EI_RAW(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define EI_ALU64_REG(op, d, s) EI_RAW(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define EI_ALU64_IMM(op, d, i) EI_RAW(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define EI_ALU32_REG(op, d, s) EI_RAW(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define EI_ALU32_IMM(op, d, i) EI_RAW(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define EI_NEG32(d)	       EI_RAW(BPF_ALU | BPF_NEG, d, 0, 0, 0)

/* dst = htobe<bits>(dst); also clears the bits above <bits>. */
#define EI_BE(d, bits) EI_RAW(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, bits)

/* dst = *(size *)(src + off); *(size *)(dst + off) = src. */
#define EI_LDX(sz, d, s, o) EI_RAW(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define EI_STX(sz, d, s, o) EI_RAW(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define EI_ST(sz, d, o, i)  EI_RAW(BPF_ST | BPF_MEM | (sz), d, 0, o, i)

/* Conditional jumps on the full register (JMP) or its low half (JMP32). */
#define EI_JMP_REG(op, d, s, o)	  EI_RAW(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define EI_JMP_IMM(op, d, i, o)	  EI_RAW(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define EI_JMP32_REG(op, d, s, o) EI_RAW(BPF_JMP32 | (op) | BPF_X, d, s, o, 0)
#define EI_JMP32_IMM(op, d, i, o) EI_RAW(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define EI_JA(o)		  EI_RAW(BPF_JMP | BPF_JA, 0, 0, o, 0)

/* Helper call by id; call of a subprogram <rel> instructions after the next. */
#define EI_CALL_HELPER(id) EI_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EI_CALL_REL(rel)   EI_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define EI_EXIT()	   EI_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* 64-bit immediate load: two instruction slots. */
#define EI_LD_IMM64_LO(d, src, lo) EI_RAW(BPF_LD | BPF_DW | BPF_IMM, d, src, 0, lo)
#define EI_LD_IMM64_HI(hi)	   EI_RAW(0, 0, 0, 0, hi)
/* r<d> = map referenced by file descriptor fd (two slots). */
#define EI_LD_MAP_FD(d, fd) EI_LD_IMM64_LO(d, BPF_PSEUDO_MAP_FD, fd), EI_LD_IMM64_HI(0)

#endif /* SKBTRACE_BPF_INSN_H */
