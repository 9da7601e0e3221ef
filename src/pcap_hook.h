/* SPDX-License-Identifier: GPL-2.0 */
/* Wiring a pcap-filter expression into the tracing programs before load. */
#ifndef SKBT_PCAP_HOOK_H
#define SKBT_PCAP_HOOK_H

#include <stddef.h>

struct tracer;
struct pcap_hook;

/*
 * Compiles expr (L2 and L3) and checks the verifier takes it; on success
 * sets t->insn_hook so every program gets the filter spliced in.  On a
 * bad expression returns -1 with libpcap's (or the verifier limit's)
 * message in err.  *note gets a line to print once when the L3 variant
 * can match nothing, else NULL.
 */
int pcap_hook_setup(struct tracer *t, const char *expr, struct pcap_hook **out, const char **note,
		    char *err, size_t errlen);
void pcap_hook_free(struct pcap_hook *h);

#endif
