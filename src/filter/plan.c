// SPDX-License-Identifier: GPL-2.0
/*
 * Decisions taken before any code is emitted, from the analyses: how
 * many bytes the caller copies (the window), which registers hold the
 * packet and window pointers (and which one is spilled), where window +
 * X and caplen - X are kept, and the stack frame with the window's
 * residue modulo 8.
 */
#include <limits.h>
#include <stdlib.h>

#include "filter/codegen.h"

/* Decide the window size and which registers/slots the code needs. */
void plan_loads(struct xlat *x)
{
	struct analysis *an = x->an;
	x->window = 0;
	for (size_t i = 0; i < an->n; i++) {
		const struct sock_filter *f = &x->c[i];
		uint64_t need = load_need(f);

		if (!an->reach[i] || is_dead_load(f))
			continue;
		if (is_abs_load(f->code)) {
			if (need > an->known[i])
				x->need_cap = true;
			if (need <= x->wincap && need > x->window)
				x->window = (unsigned int)need;
		} else if (is_ind_load(f->code)) {
			x->need_cap = true;
			if (ind_in_window(x, i)) {
				need += x_at(x, i).hi;
				if (need > x->window)
					x->window = (unsigned int)need;
			}
		}
	}
	if (x->no_window)
		x->window = 0;
	/* Backward jumps save A, X and caplen: all must hold a value. */
	if (an->has_back) {
		x->need_cap = true;
		an->init_a = an->init_x = true;
	}
	for (size_t i = 0; i < an->n; i++) {
		const struct sock_filter *f = &x->c[i];

		if (!an->reach[i] || is_dead_load(f))
			continue;
		if ((is_abs_load(f->code) && load_need(f) > x->window) ||
		    (is_ind_load(f->code) && !ind_in_window(x, i)))
			x->need_data = true;
	}
	/* r4 dies at the first helper call; r6 is free then (R_XPTR is not used). */
	x->win_reg = x->need_data || an->has_back ? BPF_REG_6 : BPF_REG_4;
}

/*
 * With helper calls, the window pointer and the packet address (for
 * loads past the window) cannot both stay in r6; the one in a stack slot
 * costs a reload: per window read at a constant offset for the window
 * (an X-relative one loads window + X either way), per X-relative
 * helper read for the packet address (a constant-offset one loads it
 * either way).  The cheaper one is spilled.
 */
void plan_spill(struct xlat *x)
{
	const struct analysis *an = x->an;
	size_t win_reads = 0, ind_reads = 0;

	if (!x->window || !x->need_data)
		return;
	for (size_t i = 0; i < an->n; i++) {
		const struct sock_filter *f = &x->c[i];

		if (!an->reach[i] || is_dead_load(f))
			continue;
		if (is_abs_load(f->code) && load_need(f) <= x->window)
			win_reads++;
		else if (is_ind_load(f->code) && !ind_in_window(x, i))
			ind_reads++;
	}
	x->win_spilled = win_reads < ind_reads;
	x->data_spilled = !x->win_spilled;
	if (x->win_spilled)
		x->win_reg = 0; /* reloaded into a scratch register each time */
}

/*
 * An X-relative window read needs window + X in a register (2 instructions)
 * and its bounds check X + n > caplen (3).  When no load reads the packet
 * directly and no helper is called after the window copy, r6 and r5 are
 * free to keep window + X and caplen - X: set once after each definition of
 * an X whose web has more such reads (checks) than definitions, each
 * read is then one load (each check one jump); "tcp port 80": one ldx,
 * two reads, two checks.  Not with loops, where a precise pointer kept
 * across the backward jump would defeat the laundering that lets the
 * verifier prune, and whose laundering calls a helper.
 */
int plan_xregs(struct xlat *x)
{
	const struct analysis *an = x->an;
	size_t n = an->n;
	int32_t *rd = NULL, *parent = NULL;
	int *reads = NULL, *checks = NULL;
	bool any = false;
	int ret = -1;

	if (x->need_data || an->has_back || !x->window)
		return 0;
	rd = malloc(n * sizeof(*rd));
	parent = malloc((n + 1) * sizeof(*parent));
	reads = calloc(n + 1, sizeof(*reads));
	checks = calloc(n + 1, sizeof(*checks));
	x->xreg_def = calloc(n, 1);
	x->xreg_use = calloc(n, 1);
	if (!rd || !parent || !reads || !checks || !x->xreg_def || !x->xreg_use ||
	    reg_webs(x->c, an, DEF_X, rd, parent))
		goto out;
	/* Per web: its window reads (checks), minus its definitions. */
	for (size_t i = 0; i < n; i++) {
		const struct sock_filter *f = &x->c[i];
		int32_t r;

		if (!an->reach[i])
			continue;
		if (is_ind_load(f->code) && !is_dead_load(f) && ind_in_window(x, i)) {
			if (rd[i] < 0) {
				ret = 0; /* cannot happen; stay plain */
				goto out;
			}
			r = uf_find(parent, rd[i]);
			reads[r]++;
			checks[r] += load_need(f) > an->known_x[i];
			any = true;
		}
		if (reg_def(f, DEF_X)) {
			r = uf_find(parent, (int32_t)i);
			reads[r]--;
			checks[r]--;
		}
	}
	reads[uf_find(parent, (int32_t)n)]--;
	checks[uf_find(parent, (int32_t)n)]--;
	for (size_t i = 0; any && i <= n; i++) {
		const struct sock_filter *f = &x->c[i < n ? i : 0];
		int32_t r;
		uint8_t v;

		if (i < n && (!an->reach[i] ||
			      !(reg_def(f, DEF_X) ||
				(is_ind_load(f->code) && !is_dead_load(f) && ind_in_window(x, i)))))
			continue;
		r = uf_find(parent, i == n || reg_def(f, DEF_X) ? (int32_t)i : rd[i]);
		v = (reads[r] > 0 ? XR_PTR : 0) | (checks[r] > 0 ? XR_LIM : 0);
		if (i == n)
			x->xreg_entry = v;
		else if (reg_def(f, DEF_X))
			x->xreg_def[i] = v;
		else
			x->xreg_use[i] = v;
	}
	ret = 0;
out:
	free(rd);
	free(parent);
	free(reads);
	free(checks);
	return ret;
}

/* Instructions spent reading the window if its byte 0 sits at residue b (mod 8). */
static unsigned int window_cost(const struct xlat *x, int b)
{
	const struct analysis *an = x->an;
	unsigned int cost = 0;

	for (size_t i = 0; i < an->n; i++) {
		const struct sock_filter *f = &x->c[i];
		unsigned int size = ld_size(f->code);

		if (!an->reach[i] || is_dead_load(f))
			continue;
		if (is_abs_load(f->code) && load_need(f) <= x->window)
			cost += emit_stack_load(NULL, 0, 0, 0, b + (int)f->k, 31, size, 0,
						an->wire_out[i] != 0, (int)f->k,
						(int)x->window - (int)f->k);
		else if (is_ind_load(f->code) && ind_in_window(x, i))
			cost += emit_stack_load(NULL, 0, 0, 0, b + (int)f->k, x_align(x, i), size,
						0, an->wire_out[i] != 0, ind_room_lo(x, i),
						ind_room_hi(x, i));
	}
	return cost;
}

/*
 * Frame, from r10 down: M[] (as many words as used), with loops the
 * A/X/caplen save slots and the backward-jump budget, len, the helper's
 * 8-byte landing slot and the packet address.  The window is the
 * caller's: only its residue modulo 8 is chosen here, so that most loads
 * from it are aligned.
 */
void plan_frame(struct xlat *x)
{
	const struct analysis *an = x->an;
	int off = 0, best_b = 0;
	unsigned int best = UINT_MAX;

	if (an->mem_max >= 0) {
		off -= (4 * (an->mem_max + 1) + 7) & ~7;
		x->mem_off = off;
	}
	if (an->has_back) {
		/* Right below M[], so the two form one block to launder. */
		off -= 16;
		x->save_off = off;
		off -= 8;
		x->cnt_off = off;
	}
	if (an->uses_len) {
		off -= 8;
		x->len_off = off;
	}
	if (x->need_data) {
		off -= 8;
		x->tmp_off = off;
	}
	if (x->data_spilled || x->win_spilled) {
		off -= 8;
		x->spill_off = off;
	}
	if (x->window) {
		for (int b = 0; b < 8; b++) {
			unsigned int c = window_cost(x, b);

			if (c < best) {
				best = c;
				best_b = b;
			}
		}
		x->win_pad = (unsigned int)best_b;
	}
	x->stack = (unsigned int)-off;
}
