/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code generator's state and registers, shared by its files:
 *
 *   codegen.c    the driver (pcap_filter_translate), ALU, jumps, prologue
 *   codegen_ld.c loads: window reads, helper reads, bounds checks
 *   plan.c       before emitting: window size, registers, stack frame
 */
#ifndef SKBTRACE_FILTER_CODEGEN_H
#define SKBTRACE_FILTER_CODEGEN_H

#include <linux/bpf.h>

#include "filter/internal.h"

/* Registers of the generated code; r6-r9 are callee-saved across helpers. */
/*
 * Packet pointer for loads past the window.  With a window as well, one
 * of the two pointers is kept in a stack slot (spill_off), see
 * plan_spill().
 */
#define R_DATA BPF_REG_6
#define R_CAP  BPF_REG_7 /* caplen, zero-extended */
/*
 * Classic A, zero-extended 32 bits; only a 4-byte load kept in wire
 * order (compute_wire()) may leave bytes in the upper half, where the
 * 32-bit jumps and ALU ops its web is limited to never look.
 */
#define R_A BPF_REG_8
#define R_X BPF_REG_9 /* classic X, likewise */
/* r10 + X, for X-relative window reads, when r6 holds no packet pointer. */
#define R_XPTR BPF_REG_6
/* caplen - X (signed 64-bit) for their bounds checks, likewise. */
#define R_XLIM BPF_REG_5
#define XR_PTR 1 /* R_XPTR */
#define XR_LIM 2 /* R_XLIM */

enum target_kind {
	T_INSN,	  /* classic instruction idx */
	T_REJECT, /* the shared "return 0" */
};

struct fixup {
	size_t at;
	enum target_kind kind;
	size_t idx;
};

struct xlat {
	const struct sock_filter *c;
	struct analysis *an;
	struct bpf_insn *out;
	size_t cnt, cap;
	struct fixup *fix;
	size_t nfix, capfix;
	size_t *pos;	    /* eBPF index of each classic instruction */
	size_t *launder_at; /* 1 + where a back jump to i launders, or 0 */
	size_t reject_pos;
	bool have_reject;
	bool oom;
	/* frame (offsets from r10) */
	unsigned int window;  /* bytes the caller copies (entry r4) */
	unsigned int wincap;  /* largest window allowed */
	unsigned int win_pad; /* r4 modulo 8, chosen to align the loads */
	uint8_t win_reg;      /* holds the window pointer: r4, or r6 across helper calls */
	bool data_spilled, win_spilled; /* which pointer lives at spill_off */
	int mem_off, len_off, cnt_off, tmp_off, spill_off;
	int save_off; /* A, X, caplen, then M[]: laundered at back jumps */
	unsigned int stack;
	unsigned int back_jumps;
	bool no_window;
	bool need_data, need_cap;
	/* XR_* registers: set after xreg_def[i] (and on entry), read by xreg_use[i]. */
	uint8_t xreg_entry;
	uint8_t *xreg_def, *xreg_use;
	uint32_t entry_guard;
	size_t prologue; /* instructions before the first classic one's */
};

/* codegen.c: append to x->out (x->oom on failure); emit_jump records a fixup. */
void emit(struct xlat *x, struct bpf_insn insn);
void emit_jump(struct xlat *x, struct bpf_insn insn, enum target_kind kind, size_t idx);
void emit_reject_if(struct xlat *x, struct bpf_insn insn);

/* codegen_ld.c */
unsigned int emit_stack_load(struct xlat *x, uint8_t dst, uint8_t base, int off, int align_c,
			     unsigned int base_align, unsigned int size, uint8_t tmp, bool wire,
			     int room_lo, int room_hi);
struct absval x_at(const struct xlat *x, size_t i);
unsigned int x_align(const struct xlat *x, size_t i);
bool ind_in_window(const struct xlat *x, size_t i);
int ind_room_lo(const struct xlat *x, size_t i);
int ind_room_hi(const struct xlat *x, size_t i);
void emit_xptr(struct xlat *x, uint8_t reg);
void emit_ld(struct xlat *x, size_t i);

/* plan.c, in this order; plan_xregs returns 0 or -1 (out of memory). */
void plan_loads(struct xlat *x);
void plan_spill(struct xlat *x);
int plan_xregs(struct xlat *x);
void plan_frame(struct xlat *x);

#endif /* SKBTRACE_FILTER_CODEGEN_H */
