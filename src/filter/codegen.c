// SPDX-License-Identifier: GPL-2.0
/*
 * Classic BPF -> eBPF subprogram: the translation.
 * See pcap_filter.h for the calling convention and the design.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/bpf_insn.h"
#include "filter/codegen.h"

void emit(struct xlat *x, struct bpf_insn insn)
{
	if (x->cnt == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 256;
		struct bpf_insn *v = realloc(x->out, cap * sizeof(*v));

		if (!v) {
			x->oom = true;
			return;
		}
		x->out = v;
		x->cap = cap;
	}
	x->out[x->cnt++] = insn;
}

void emit_jump(struct xlat *x, struct bpf_insn insn, enum target_kind kind, size_t idx)
{
	if (x->nfix == x->capfix) {
		size_t cap = x->capfix ? x->capfix * 2 : 64;
		struct fixup *v = realloc(x->fix, cap * sizeof(*v));

		if (!v) {
			x->oom = true;
			return;
		}
		x->fix = v;
		x->capfix = cap;
	}
	x->fix[x->nfix++] = (struct fixup){x->cnt, kind, idx};
	emit(x, insn);
}

void emit_reject_if(struct xlat *x, struct bpf_insn insn)
{
	emit_jump(x, insn, T_REJECT, 0);
}

static void emit_alu(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	uint8_t op = BPF_OP(f->code);

	if (op == BPF_NEG) {
		emit(x, EI_NEG32(R_A));
		return;
	}
	if (BPF_SRC(f->code) == BPF_K) {
		uint32_t k = f->k;

		/* libpcap leaves some "A += 0" (protochain): nothing to do. */
		if (k == 0 && (op == BPF_ADD || op == BPF_SUB || op == BPF_OR || op == BPF_XOR ||
			       op == BPF_LSH || op == BPF_RSH))
			return;
		if (x->an->wire_in[i])
			k = wire_k(k, x->an->wire_in[i], op);
		emit(x, EI_ALU32_IMM(op, R_A, (int32_t)k));
		return;
	}
	if (op == BPF_LSH || op == BPF_RSH) {
		/*
		 * libpcap: a shift by 32 or more gives 0; eBPF masks the
		 * count.  Branch-free, A &= (X < 32 ? ~0 : 0): inside a loop
		 * the verifier compares even imprecise values exactly, and
		 * each branch here would double the paths it walks.
		 */
		emit(x, EI_MOV64_REG(BPF_REG_1, R_X));
		emit(x, EI_ALU64_IMM(BPF_RSH, BPF_REG_1, 5));
		emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_1, -1));
		emit(x, EI_ALU64_IMM(BPF_ARSH, BPF_REG_1, 63));
		emit(x, EI_ALU32_REG(op, R_A, R_X));
		emit(x, EI_ALU32_REG(BPF_AND, R_A, BPF_REG_1));
		return;
	}
	if (op == BPF_DIV || op == BPF_MOD)
		emit_reject_if(x, EI_JMP_IMM(BPF_JEQ, R_X, 0, 0));
	emit(x, EI_ALU32_REG(op, R_A, R_X));
}

static uint8_t invert_jmp(uint8_t op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JGE:
		return BPF_JLT;
	}
	return 0; /* JSET has no inverse */
}

static struct bpf_insn cond_insn(const struct xlat *x, size_t i, uint8_t op)
{
	const struct sock_filter *f = &x->c[i];
	uint32_t k = f->k;

	if (BPF_SRC(f->code) == BPF_X)
		return EI_JMP32_REG(op, R_A, R_X, 0);
	if (x->an->wire_in[i])
		k = wire_k(k, x->an->wire_in[i], BPF_OP(f->code));
	return EI_JMP32_IMM(op, R_A, (int32_t)k, 0);
}

/*
 * Each backward jump spends one unit of the per-packet budget, then
 * launders A, X, caplen and M[]: they are stored, the block is copied
 * onto itself with the helper and read back.  The values are the same,
 * but the verifier now knows nothing of them, so every path that reaches
 * a loop head with the same budget left has the same state and prunes.
 * Without it a loop whose registers hold constants (which the verifier
 * tracks precisely once a branch depends on them) is explored once per
 * path, exponentially, and the 1M-instruction limit is hit.
 */
static void emit_back_jump(struct xlat *x, size_t target)
{
	/* Later backward jumps to the same target share the first block. */
	if (x->launder_at[target]) {
		int64_t d = (int64_t)x->launder_at[target] - 1 - (int64_t)x->cnt - 1;

		if (d >= INT16_MIN) {
			emit(x, EI_JA((int16_t)d));
			return;
		}
	}
	x->launder_at[target] = x->cnt + 1;
	emit(x, EI_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, x->cnt_off));
	emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_1, -1));
	emit(x, EI_STX(BPF_DW, BPF_REG_10, BPF_REG_1, x->cnt_off));
	emit_reject_if(x, EI_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0));
	emit(x, EI_STX(BPF_W, BPF_REG_10, R_A, x->save_off));
	emit(x, EI_STX(BPF_W, BPF_REG_10, R_X, x->save_off + 4));
	emit(x, EI_STX(BPF_W, BPF_REG_10, R_CAP, x->save_off + 8));
	emit(x, EI_MOV64_REG(BPF_REG_1, BPF_REG_10));
	emit(x, EI_ALU64_IMM(BPF_ADD, BPF_REG_1, x->save_off));
	emit(x, EI_MOV64_IMM(BPF_REG_2, -x->save_off));
	emit(x, EI_MOV64_REG(BPF_REG_3, BPF_REG_1));
	emit(x, EI_CALL_HELPER(BPF_FUNC_probe_read_kernel));
	emit_reject_if(x, EI_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0));
	emit(x, EI_LDX(BPF_W, R_A, BPF_REG_10, x->save_off));
	emit(x, EI_LDX(BPF_W, R_X, BPF_REG_10, x->save_off + 4));
	emit(x, EI_LDX(BPF_W, R_CAP, BPF_REG_10, x->save_off + 8));
	emit_jump(x, EI_JA(0), T_INSN, target);
}

static void emit_jmp(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	uint8_t op = BPF_OP(f->code);
	size_t next = i + 1, tt, ft;

	if (op == BPF_JA) {
		tt = (size_t)((int64_t)next + (int32_t)f->k);
		if (tt <= i)
			emit_back_jump(x, tt);
		else if (tt != next)
			emit_jump(x, EI_JA(0), T_INSN, tt);
		return;
	}
	tt = next + f->jt;
	ft = next + f->jf;
	if (tt == ft) {
		if (tt != next)
			emit_jump(x, EI_JA(0), T_INSN, tt);
	} else if (ft == next) {
		emit_jump(x, cond_insn(x, i, op), T_INSN, tt);
	} else if (tt == next && op != BPF_JSET) {
		emit_jump(x, cond_insn(x, i, invert_jmp(op)), T_INSN, ft);
	} else if (tt == next) {
		struct bpf_insn skip = cond_insn(x, i, op);

		skip.off = 1;
		emit(x, skip);
		emit_jump(x, EI_JA(0), T_INSN, ft);
	} else {
		emit_jump(x, cond_insn(x, i, op), T_INSN, tt);
		emit_jump(x, EI_JA(0), T_INSN, ft);
	}
}

static void emit_insn(struct xlat *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];

	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
	case BPF_LDX:
		emit_ld(x, i);
		break;
	case BPF_ST:
	case BPF_STX:
		emit(x, EI_STX(BPF_W, BPF_REG_10, BPF_CLASS(f->code) == BPF_ST ? R_A : R_X,
			       x->mem_off + 4 * (int)f->k));
		break;
	case BPF_ALU:
		emit_alu(x, i);
		break;
	case BPF_JMP:
		emit_jmp(x, i);
		break;
	case BPF_RET:
		if (BPF_RVAL(f->code) == BPF_A) {
			emit(x, EI_MOV32_REG(BPF_REG_0, R_A));
		} else {
			if (f->k == 0 && !x->have_reject) {
				x->have_reject = true;
				x->reject_pos = x->cnt;
			}
			emit(x, EI_MOV32_IMM(BPF_REG_0, (int32_t)f->k));
		}
		emit(x, EI_EXIT());
		break;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			emit(x, EI_MOV32_REG(R_X, R_A));
		else
			emit(x, EI_MOV32_REG(R_A, R_X));
		break;
	}
	if (x->xreg_def && (x->xreg_def[i] & XR_PTR))
		emit_xptr(x, R_XPTR);
	if (x->xreg_def && (x->xreg_def[i] & XR_LIM)) {
		emit(x, EI_MOV64_REG(R_XLIM, R_CAP));
		emit(x, EI_ALU64_REG(BPF_SUB, R_XLIM, R_X));
	}
}

static void emit_prologue(struct xlat *x)
{
	const struct analysis *an = x->an;

	if (an->init_a)
		emit(x, EI_MOV32_IMM(R_A, 0));
	if (an->init_x)
		emit(x, EI_MOV32_IMM(R_X, 0));
	if (an->uses_len)
		emit(x, EI_STX(BPF_W, BPF_REG_10, BPF_REG_3, x->len_off));
	if (x->data_spilled)
		emit(x, EI_STX(BPF_DW, BPF_REG_10, BPF_REG_1, x->spill_off));
	else if (x->need_data)
		emit(x, EI_MOV64_REG(R_DATA, BPF_REG_1));
	if (x->win_spilled)
		emit(x, EI_STX(BPF_DW, BPF_REG_10, BPF_REG_4, x->spill_off));
	else if (x->window && x->win_reg != BPF_REG_4)
		emit(x, EI_MOV64_REG(x->win_reg, BPF_REG_4));
	if (x->xreg_entry & XR_PTR)
		emit(x, EI_MOV64_REG(R_XPTR, x->win_reg)); /* X = 0 */
	if (an->has_back) {
		/* Counted down before each jump: N jumps pass, N + 1 rejects. */
		emit(x, EI_ST(BPF_DW, BPF_REG_10, x->cnt_off, (int32_t)x->back_jumps + 1));
	}
	/*
	 * caplen is kept (zero-extended) only when later code needs it; a
	 * guard alone can test r2's low 32 bits.
	 */
	if (x->need_cap)
		emit(x, EI_MOV32_REG(R_CAP, BPF_REG_2));
	if (x->entry_guard && x->need_cap)
		emit_reject_if(x, EI_JMP_IMM(BPF_JLT, R_CAP, (int32_t)x->entry_guard, 0));
	else if (x->entry_guard)
		emit_reject_if(x, EI_JMP32_IMM(BPF_JLT, BPF_REG_2, (int32_t)x->entry_guard, 0));
	if (x->xreg_entry & XR_LIM)
		emit(x, EI_MOV64_REG(R_XLIM, R_CAP)); /* X = 0 */
}

static int resolve(struct xlat *x, char *err, size_t errlen)
{
	for (size_t j = 0; j < x->nfix; j++) {
		const struct fixup *fx = &x->fix[j];
		size_t target = 0;
		int64_t d;

		switch (fx->kind) {
		case T_INSN:
			target = x->pos[fx->idx];
			break;
		case T_REJECT:
			target = x->reject_pos;
			break;
		}
		d = (int64_t)target - (int64_t)fx->at - 1;
		if (d < INT16_MIN || d > INT16_MAX) {
			set_err(err, errlen,
				"filter too large: a jump spans %lld eBPF instructions, more than an eBPF jump offset holds (32767)",
				(long long)d);
			return -1;
		}
		x->out[fx->at].off = (int16_t)d;
	}
	return 0;
}

static void emit_tail(struct xlat *x)
{
	if (!x->have_reject) {
		bool used = false;

		for (size_t j = 0; j < x->nfix; j++)
			used |= x->fix[j].kind == T_REJECT;
		if (used) {
			x->reject_pos = x->cnt;
			emit(x, EI_MOV32_IMM(BPF_REG_0, 0));
			emit(x, EI_EXIT());
		}
	}
}

static int set_options(struct xlat *x, const struct pcap_filter_opts *opts, char *err,
		       size_t errlen)
{
	x->wincap = PCAP_FILTER_WINDOW;
	x->back_jumps = PCAP_FILTER_BACK_JUMPS;
	if (!opts)
		return 0;
	if (opts->window) {
		if (opts->window < 8 || opts->window > PCAP_FILTER_WINDOW_MAX) {
			set_err(err, errlen, "window must be 8..%d bytes", PCAP_FILTER_WINDOW_MAX);
			return -1;
		}
		x->wincap = opts->window;
	}
	if (opts->max_back_jumps) {
		if (opts->max_back_jumps > 4096) {
			set_err(err, errlen, "max_back_jumps must be <= 4096");
			return -1;
		}
		x->back_jumps = opts->max_back_jumps;
	}
	x->no_window = opts->no_window;
	return 0;
}

static int generate(struct xlat *x, char *err, size_t errlen)
{
	const struct analysis *an = x->an;

	compute_need(x->c, x->an);
	if (an->need[0] != INF && an->need[0] > 0)
		x->entry_guard = an->need[0];
	compute_known(x->c, x->an, x->entry_guard);
	compute_need_x(x->c, x->an);
	compute_known_x(x->c, x->an);
	if (compute_values(x->c, x->an) || compute_wire(x->c, x->an))
		goto oom;
	plan_loads(x);
	plan_spill(x);
	if (plan_xregs(x))
		goto oom;
	plan_frame(x);
	x->pos = calloc(an->n, sizeof(*x->pos));
	x->launder_at = calloc(an->n, sizeof(*x->launder_at));
	if (!x->pos || !x->launder_at)
		goto oom;
	emit_prologue(x);
	x->prologue = x->cnt;
	for (size_t i = 0; i < an->n; i++) {
		if (!an->reach[i])
			continue;
		x->pos[i] = x->cnt;
		emit_insn(x, i);
	}
	emit_tail(x);
	if (x->oom)
		goto oom;
	if (check_loop_cost(x->c, an, x->cnt, x->back_jumps, err, errlen))
		return -1;
	if (x->cnt > PCAP_FILTER_MAX_INSNS) {
		set_err(err, errlen,
			"filter too large: %zu eBPF instructions, more than %d (eBPF jump offsets are 16-bit)",
			x->cnt, PCAP_FILTER_MAX_INSNS);
		return -1;
	}
	return resolve(x, err, errlen);
oom:
	set_err(err, errlen, "out of memory");
	return -1;
}

int pcap_filter_translate(const struct sock_filter *insns, size_t cnt,
			  const struct pcap_filter_opts *opts, struct pcap_filter_prog *out,
			  char *err, size_t errlen)
{
	struct analysis an;
	struct xlat x = {.c = insns, .an = &an};
	int ret = -1;

	if (!out) {
		set_err(err, errlen, "no output");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (set_options(&x, opts, err, errlen))
		return -1;
	if (validate_classic(insns, cnt, &an, err, errlen))
		return -1;
	if (generate(&x, err, errlen))
		goto out;
	out->insns = x.out;
	out->cnt = x.cnt;
	out->cbpf_cnt = cnt;
	out->stack_size = x.stack;
	out->window = x.window;
	out->win_pad = x.win_pad;
	out->prologue_cnt = x.prologue;
	x.out = NULL;
	ret = 0;
out:
	free(x.out);
	free(x.fix);
	free(x.pos);
	free(x.launder_at);
	free(x.xreg_def);
	free(x.xreg_use);
	analysis_free(&an);
	return ret;
}
