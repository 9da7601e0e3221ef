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
 * Compiles expr for kind and checks the verifier takes it; on success
 * sets t->insn_hook (creating *h on first use) so every program gets the
 * filter spliced into its stub, and sets t->cfg.pcap / t->cfg.tun.  On a
 * bad expression returns -1 with libpcap's (or the verifier limit's)
 * message in err.  *note gets a line to print once when the outer L3
 * variant can match nothing, else NULL.
 */
int pcap_hook_add(struct tracer *t, struct pcap_hook **h, enum pcap_hook_kind kind,
		  const char *expr, const char **note, char *err, size_t errlen);
void pcap_hook_free(struct pcap_hook *h);

#endif
