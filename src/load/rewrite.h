/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rewriting a program's final instructions at the markers skbtrace.bpf.c
 * leaves in them (bpf/skbtrace.h): every marker scheme in one place.
 *  - an immediate marker, `rX = MARKER` (mov64 imm): the probe index of
 *    raw tracepoint copies (SKBT_PROBE_ID_MARKER), and the one
 *    instruction that names each packet filter stub (SKBT_PCAP_*_MARKER);
 *  - a helper call marker, `call MARKER`: direct_view()'s kfunc call
 *    (SKBT_DIRECT_MARKER).
 */
#ifndef SKBT_REWRITE_H
#define SKBT_REWRITE_H

#include <stddef.h>

struct bpf_insn;

/* A malloc'd copy of cnt instructions to rewrite; NULL when out of memory. */
struct bpf_insn *rewrite_copy(const struct bpf_insn *in, size_t cnt);
/*
 * Where the immediate marker sits: up to max positions into pos.  Returns
 * how many, 0 when none or more than max.
 */
size_t rewrite_find_imm(const struct bpf_insn *insns, size_t cnt, int marker, size_t *pos,
			size_t max);
/* Sets the immediates at pos[0..n-1] (found by rewrite_find_imm) to value. */
void rewrite_set_imm(struct bpf_insn *insns, const size_t *pos, size_t n, int value);
/* Turns every `call marker` into a call of kfunc kfunc_id (vmlinux BTF). */
void rewrite_kfunc_calls(struct bpf_insn *insns, size_t cnt, int marker, int kfunc_id);
/* The [start, end) of the subprogram holding the immediate marker, or -ENOENT. */
int rewrite_find_subprog(const struct bpf_insn *insns, size_t cnt, int marker, size_t *start,
			 size_t *end);

#endif
