// SPDX-License-Identifier: GPL-2.0
/*
 * Splicing translated filter code into a loaded program: the stub
 * subprogram becomes a call of the code appended at the end, and the
 * program's BTF func_info / line_info get a record for the new
 * subprogram.  See pcap_filter_splice() in pcap_filter.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/bpf_insn.h"
#include "filter/internal.h"

static bool is_ld_imm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_DW | BPF_IMM);
}

/* Where instruction j of prog jumps or calls to, or -1. */
static int64_t branch_target(const struct bpf_insn *in, size_t j)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	if (cls != BPF_JMP && cls != BPF_JMP32)
		return -1;
	if (op == BPF_EXIT)
		return -1;
	if (op == BPF_CALL)
		return in->src_reg == BPF_PSEUDO_CALL ? (int64_t)j + 1 + in->imm : -1;
	if (op == BPF_JA && cls == BPF_JMP32)
		return (int64_t)j + 1 + in->imm;
	return (int64_t)j + 1 + in->off;
}

static bool is_nop(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JA) && in->off == 0 && in->imm == 0;
}

/*
 * The filter fits in the stub itself: a stub that opens with `ja +0`
 * padding (room left for it), a filter no longer than the stub, with no
 * call of its own and no 64-bit immediate (every line_info record inside
 * the stub must still fall on the start of an instruction).
 */
static bool fits_in_stub(const struct bpf_insn *stub, size_t stub_len,
			 const struct pcap_filter_prog *f)
{
	if (!is_nop(&stub[0]) || f->cnt > stub_len)
		return false;
	for (size_t j = 0; j < f->cnt; j++) {
		const struct bpf_insn *in = &f->insns[j];

		if (is_ld_imm64(in) ||
		    (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL))
			return false;
	}
	return true;
}

/* The stub's body becomes `ja +0 ...` then the filter, ending where the stub ended. */
static int splice_in_stub(const struct bpf_insn *prog, size_t cnt, size_t stub_off, size_t stub_len,
			  const struct pcap_filter_prog *f, struct bpf_insn **out, size_t *out_cnt)
{
	size_t at = stub_off + stub_len - f->cnt;
	struct bpf_insn *v = malloc(cnt * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v, prog, cnt * sizeof(*v));
	for (size_t j = stub_off; j < at; j++)
		v[j] = EI_JA(0);
	memcpy(v + at, f->insns, f->cnt * sizeof(*v));
	*out = v;
	*out_cnt = cnt;
	return 0;
}

int pcap_filter_splice(const struct bpf_insn *prog, size_t cnt, size_t stub_off, size_t stub_len,
		       const struct pcap_filter_prog *f, struct bpf_insn **out, size_t *out_cnt)
{
	size_t stub_end = stub_off + stub_len;
	struct bpf_insn *v;

	if (!prog || !f || !f->insns || !f->cnt || !out || !out_cnt)
		return -EINVAL;
	if (stub_len < 2 || stub_off >= cnt || stub_len > cnt - stub_off)
		return -EINVAL;
	if (cnt + f->cnt > (size_t)INT32_MAX)
		return -E2BIG;
	/* The stub must not start inside a 64-bit immediate load. */
	for (size_t j = 0; j < cnt; j++) {
		int64_t t;

		if (is_ld_imm64(&prog[j])) {
			if (j + 1 == stub_off || j + 1 == stub_end)
				return -EINVAL;
			j++;
			continue;
		}
		if (j >= stub_off && j < stub_end)
			continue;
		/* Nothing outside may land inside the stub past its start. */
		t = branch_target(&prog[j], j);
		if (t > (int64_t)stub_off && t < (int64_t)stub_end)
			return -EINVAL;
	}
	if (fits_in_stub(prog + stub_off, stub_len, f))
		return splice_in_stub(prog, cnt, stub_off, stub_len, f, out, out_cnt);
	v = malloc((cnt + f->cnt) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, prog, cnt * sizeof(*v));
	v[stub_off] = EI_CALL_REL((int32_t)(cnt - stub_off - 1));
	for (size_t j = stub_off + 1; j + 1 < stub_end; j++)
		v[j] = EI_JA(0);
	v[stub_end - 1] = EI_EXIT();
	memcpy(v + cnt, f->insns, f->cnt * sizeof(*v));
	*out = v;
	*out_cnt = cnt + f->cnt;
	return 0;
}

int pcap_filter_splice_btf_ext(const void *func, size_t func_cnt, size_t func_rec, const void *line,
			       size_t line_cnt, size_t line_rec, size_t stub_off, size_t new_off,
			       void **func_out, void **line_out)
{
	const uint8_t *fsrc = NULL, *lsrc = NULL;
	uint8_t *fv, *lv = NULL;

	if (!func || !func_out || !line_out || func_rec < 8 || (line && line_rec < 16) ||
	    new_off > UINT32_MAX)
		return -EINVAL;
	for (size_t j = 0; j < func_cnt; j++) {
		const uint8_t *r = (const uint8_t *)func + j * func_rec;
		uint32_t off;

		memcpy(&off, r, sizeof(off));
		if (off == stub_off)
			fsrc = r;
	}
	if (!fsrc)
		return -ENOENT;
	for (size_t j = 0; line && j < line_cnt; j++) {
		const uint8_t *r = (const uint8_t *)line + j * line_rec;
		uint32_t off;

		memcpy(&off, r, sizeof(off));
		if (off == stub_off && !lsrc)
			lsrc = r;
	}
	if (line && !lsrc)
		return -ENOENT;
	fv = malloc((func_cnt + 1) * func_rec);
	if (!fv)
		return -ENOMEM;
	memcpy(fv, func, func_cnt * func_rec);
	memcpy(fv + func_cnt * func_rec, fsrc, func_rec);
	memcpy(fv + func_cnt * func_rec, &(uint32_t){(uint32_t)new_off}, sizeof(uint32_t));
	if (line) {
		lv = malloc((line_cnt + 1) * line_rec);
		if (!lv) {
			free(fv);
			return -ENOMEM;
		}
		memcpy(lv, line, line_cnt * line_rec);
		memcpy(lv + line_cnt * line_rec, lsrc, line_rec);
		memcpy(lv + line_cnt * line_rec, &(uint32_t){(uint32_t)new_off}, sizeof(uint32_t));
	}
	*func_out = fv;
	*line_out = lv;
	return 0;
}
