/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the pcap-filter compiler share; not for callers
 * outside src/filter/, who use pcap_filter.h.
 *
 *   frontend.c   libpcap: expression -> classic BPF; both link types
 *   classic.c    one classic instruction: what it reads, writes, jumps to
 *   analysis.c   reachability, must-defined, the need/known length fixpoints
 *   values.c     ranges and alignment of A and X
 *   wire_order.c registers' webs (union-find); A left in wire byte order
 *   validate.c   what is refused: bad classic code, loops too costly to verify
 *   codegen*.c, plan.c  the translation to eBPF (their own codegen.h)
 *   splice.c     the code put into a loaded program, with its BTF records
 *   load_check.c a minimal wrapper loaded to ask the verifier at start-up
 */
#ifndef SKBTRACE_FILTER_INTERNAL_H
#define SKBTRACE_FILTER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter/pcap_filter.h"

/* printf into err (when err is not NULL): the module's error convention. */
void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Offsets and lengths are compared as positive s32 immediates, so packets
 * are assumed shorter than 2 GiB; a load that would need more can never
 * succeed and is translated as a reject.
 */
#define PKT_MAX	 0x7fffffffu
#define INF	 UINT32_MAX
#define ALL_DEFS 0x3ffffu /* M[0..15], A (bit 16), X (bit 17) */
#define DEF_A	 (1u << 16)
#define DEF_X	 (1u << 17)

/* classic.c */
unsigned int ld_size(uint16_t code);
bool is_abs_load(uint16_t code);
bool is_ind_load(uint16_t code);
uint64_t load_need(const struct sock_filter *f);
bool is_dead_load(const struct sock_filter *f);
bool valid_opcode(const struct sock_filter *f);
bool uses_mem_index(uint16_t code);
unsigned int successors(const struct sock_filter *c, size_t i, size_t s[2]);
uint32_t insn_defs(const struct sock_filter *f);
uint32_t insn_uses(const struct sock_filter *f);

/* What is known of A or X on entry to an instruction (see values.c). */
struct absval {
	uint32_t lo, hi;
	uint8_t align; /* value is a multiple of 1 << align */
	uint8_t state; /* AV_NONE (not reached), AV_RANGE, AV_TOP */
};

enum { AV_NONE, AV_RANGE, AV_TOP };

struct absreg {
	struct absval a, x;
};

struct analysis {
	size_t n;
	uint8_t *reach;
	uint32_t *defs;		    /* must-defined M[]/A/X on entry */
	uint32_t *need;		    /* every path from i rejects if caplen < need[i] */
	uint32_t *known;	    /* caplen proven on entry to i */
	uint32_t *need_x, *known_x; /* the same, as X + n for the X at i */
	struct absreg *ax;	    /* A and X on entry */
	uint8_t *wire_in;	    /* A held byte-swapped on entry: its size, or 0 */
	uint8_t *wire_out;	    /* likewise for the A an instruction leaves */
	bool init_a, init_x;
	bool has_back;
	bool uses_len;
	int mem_max; /* highest scratch index used, -1 for none */
};

/* analysis.c */
void analysis_free(struct analysis *an);
int analysis_alloc(struct analysis *an, size_t n);
void find_reachable(const struct sock_filter *c, struct analysis *an);
int check_defs(const struct sock_filter *c, struct analysis *an, char *err, size_t errlen);
void compute_need(const struct sock_filter *c, struct analysis *an);
uint32_t guard_len(const struct sock_filter *f, uint32_t need_i);
void compute_known(const struct sock_filter *c, struct analysis *an, uint32_t entry);
void compute_need_x(const struct sock_filter *c, struct analysis *an);
void compute_known_x(const struct sock_filter *c, struct analysis *an);

/* values.c: fills an->ax; returns 0 or -1 (out of memory). */
int compute_values(const struct sock_filter *c, struct analysis *an);

/* validate.c */
/* Checks c and fills an (reach, defs); an is then analysis_free()'s. */
int validate_classic(const struct sock_filter *c, size_t n, struct analysis *an, char *err,
		     size_t errlen);
/* Refuse loops the verifier would give up on (1M processed insns). */
int check_loop_cost(const struct sock_filter *c, const struct analysis *an, size_t ebpf_cnt,
		    unsigned int back_jumps, char *err, size_t errlen);

/* wire_order.c */
int32_t uf_find(int32_t *parent, int32_t v);
uint32_t wire_k(uint32_t k, unsigned int size, uint8_t op);
bool reg_def(const struct sock_filter *f, uint32_t reg);
int reg_webs(const struct sock_filter *c, const struct analysis *an, uint32_t reg, int32_t *rd,
	     int32_t *parent);
int compute_wire(const struct sock_filter *c, struct analysis *an);

/* Trailing zero bits of k, or dflt for k == 0. */
static inline unsigned int ctz_or(uint32_t k, unsigned int dflt)
{
	return k ? (unsigned int)__builtin_ctz(k) : dflt;
}

static inline unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

#endif /* SKBTRACE_FILTER_INTERNAL_H */
