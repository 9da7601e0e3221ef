/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the pcap-filter compiler share; not for callers
 * outside src/filter/, who use pcap_filter.h.
 *
 *   frontend.c   libpcap: expression -> classic BPF; both link types
 *   classic.c    one classic instruction: what it reads, writes, jumps to
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
#define PKT_MAX 0x7fffffffu
#define INF UINT32_MAX
#define ALL_DEFS 0x3ffffu /* M[0..15], A (bit 16), X (bit 17) */
#define DEF_A (1u << 16)
#define DEF_X (1u << 17)

/* classic.c */
unsigned int ld_size(uint16_t code);
bool is_abs_load(uint16_t code);
bool is_ind_load(uint16_t code);
uint64_t load_need(const struct sock_filter *f);
bool is_dead_load(const struct sock_filter *f);
bool valid_opcode(const struct sock_filter *f);
bool uses_mem_index(uint16_t code);
unsigned int successors(const struct sock_filter *c, size_t i,
			       size_t s[2]);
uint32_t insn_defs(const struct sock_filter *f);
uint32_t insn_uses(const struct sock_filter *f);

#endif /* SKBTRACE_FILTER_INTERNAL_H */
