/* SPDX-License-Identifier: GPL-2.0 */
/* Wiring a pcap-filter expression into the tracing programs before load. */
#ifndef SKBT_PCAP_HOOK_H
#define SKBT_PCAP_HOOK_H

#include <stddef.h>

struct tracer;
struct pcap_hook;

enum pcap_hook_kind {
	PCAP_HOOK_OUTER,  /* the positional expression: L2 (MAC header) and L3 */
	PCAP_HOOK_TUN_L2, /* --filter-tunnel-pcap-l2: a tunnel's inner Ethernet frame */
	PCAP_HOOK_TUN_L3, /* --filter-tunnel-pcap-l3: a tunnel's inner IP header */
};

/*
 * Compiles expr for kind and checks the verifier takes it (creating *h
 * on first use).  On a bad expression returns -1 with libpcap's (or the
 * verifier limit's) message in err.  *note gets a line to print once when
 * the outer L3 variant can match nothing, else NULL.
 */
int pcap_hook_add(struct pcap_hook **h, enum pcap_hook_kind kind, const char *expr,
		  const char **note, char *err, size_t errlen);
/*
 * Sets t up to splice h's filters into every program's stub (insn_hook)
 * and tells the BPF side which are there and what windows they read.
 * Nothing when h is NULL.
 */
void pcap_hook_apply(struct pcap_hook *h, struct tracer *t);
void pcap_hook_free(struct pcap_hook *h);

#endif
