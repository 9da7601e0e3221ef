// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "load/rewrite.h"

static bool is_imm_marker(const struct bpf_insn *i, int marker)
{
	return i->code == (BPF_ALU64 | BPF_MOV | BPF_K) && i->imm == marker;
}

static bool is_pseudo_call(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_CALL) && i->src_reg == BPF_PSEUDO_CALL;
}

struct bpf_insn *rewrite_copy(const struct bpf_insn *in, size_t cnt)
{
	struct bpf_insn *buf = malloc(cnt * sizeof(*buf));

	if (buf)
		memcpy(buf, in, cnt * sizeof(*buf));
	return buf;
}

size_t rewrite_find_imm(const struct bpf_insn *insns, size_t cnt, int marker, size_t *pos,
			size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++) {
		if (!is_imm_marker(&insns[i], marker))
			continue;
		if (n == max)
			return 0;
		pos[n++] = i;
	}
	return n;
}

void rewrite_set_imm(struct bpf_insn *insns, const size_t *pos, size_t n, int value)
{
	for (size_t k = 0; k < n; k++)
		insns[pos[k]].imm = value;
}

void rewrite_kfunc_calls(struct bpf_insn *insns, size_t cnt, int marker, int kfunc_id)
{
	for (size_t i = 0; i < cnt; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL) || insns[i].src_reg != 0 ||
		    insns[i].imm != marker)
			continue;
		insns[i].src_reg = BPF_PSEUDO_KFUNC_CALL;
		insns[i].off = 0;
		insns[i].imm = kfunc_id;
	}
}

/*
 * The subprogram starts at the nearest call target at or before the
 * marker and ends at the nearest one after it (or the program's end).
 */
int rewrite_find_subprog(const struct bpf_insn *insns, size_t cnt, int marker, size_t *start,
			 size_t *end)
{
	size_t m = cnt;

	for (size_t i = 0; i < cnt; i++)
		if (is_imm_marker(&insns[i], marker))
			m = i;
	if (m == cnt)
		return -ENOENT;
	*start = 0;
	*end = cnt;
	for (size_t i = 0; i < cnt; i++) {
		size_t target;

		if (!is_pseudo_call(&insns[i]))
			continue;
		target = i + 1 + insns[i].imm;
		if (target <= m && target > *start)
			*start = target;
		if (target > m && target < *end)
			*end = target;
	}
	return *start ? 0 : -ENOENT;
}
