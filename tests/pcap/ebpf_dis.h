/* SPDX-License-Identifier: GPL-2.0 */
/* A small eBPF disassembler for test output and tools (not exhaustive). */
#ifndef SKBTRACE_EBPF_DIS_H
#define SKBTRACE_EBPF_DIS_H

#include <stdio.h>
#include <linux/bpf.h>

static const char *ebpf_dis_op(unsigned int op)
{
	static const char *const alu[16] = {"+=",  "-=", "*=", "/=", "|=",   "&=",  "<<=", ">>=",
					    "neg", "%=", "^=", "=",  "s>>=", "end", "?",   "?"};
	return alu[op >> 4];
}

static const char *ebpf_dis_jop(unsigned int op)
{
	static const char *const j[16] = {"ja",	  "==",	  ">", ">=", "&",  "!=",  "s>", "s>=",
					  "call", "exit", "<", "<=", "s<", "s<=", "?",	"?"};
	return j[op >> 4];
}

static void ebpf_dis_one(FILE *o, const struct bpf_insn *in, size_t i)
{
	unsigned int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	static const char *const sz[4] = {"u32", "u16", "u8", "u64"};
	const char *w = cls == BPF_ALU || cls == BPF_JMP32 ? "w" : "r";

	fprintf(o, "%4zu: ", i);
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_END)
			fprintf(o, "r%u = be%d r%u\n", in->dst_reg, in->imm, in->dst_reg);
		else if (op == BPF_NEG)
			fprintf(o, "%s%u = -%s%u\n", w, in->dst_reg, w, in->dst_reg);
		else if (BPF_SRC(in->code) == BPF_X)
			fprintf(o, "%s%u %s %s%u\n", w, in->dst_reg, ebpf_dis_op(op), w,
				in->src_reg);
		else
			fprintf(o, "%s%u %s %d\n", w, in->dst_reg, ebpf_dis_op(op), in->imm);
		break;
	case BPF_LDX:
		fprintf(o, "r%u = *(%s *)(r%u %+d)\n", in->dst_reg, sz[BPF_SIZE(in->code) >> 3],
			in->src_reg, in->off);
		break;
	case BPF_STX:
		fprintf(o, "*(%s *)(r%u %+d) = r%u\n", sz[BPF_SIZE(in->code) >> 3], in->dst_reg,
			in->off, in->src_reg);
		break;
	case BPF_ST:
		fprintf(o, "*(%s *)(r%u %+d) = %d\n", sz[BPF_SIZE(in->code) >> 3], in->dst_reg,
			in->off, in->imm);
		break;
	case BPF_LD:
		fprintf(o, "r%u = imm64 %d (src %u)\n", in->dst_reg, in->imm, in->src_reg);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			fprintf(o, "exit\n");
		else if (op == BPF_CALL)
			fprintf(o, "call %s%d\n", in->src_reg == BPF_PSEUDO_CALL ? "pc+" : "#",
				in->imm);
		else if (op == BPF_JA)
			fprintf(o, "goto %+d -> %zu\n", in->off, i + 1 + in->off);
		else if (BPF_SRC(in->code) == BPF_X)
			fprintf(o, "if %s%u %s %s%u goto %+d -> %zu\n", w, in->dst_reg,
				ebpf_dis_jop(op), w, in->src_reg, in->off, i + 1 + in->off);
		else
			fprintf(o, "if %s%u %s %d goto %+d -> %zu\n", w, in->dst_reg,
				ebpf_dis_jop(op), in->imm, in->off, i + 1 + in->off);
		break;
	default:
		fprintf(o, "code 0x%02x\n", in->code);
	}
}

static void ebpf_dis(FILE *o, const struct bpf_insn *in, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++)
		ebpf_dis_one(o, &in[i], i);
}

#endif /* SKBTRACE_EBPF_DIS_H */
