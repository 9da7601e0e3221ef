/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything people read about one drop, named once: reason, subsystem,
 * location, netfilter hook, netns name, and the hint built from them.
 * Used by drop lines in the event output and by the drop summary.
 */
#ifndef SKBT_DROP_DESC_H
#define SKBT_DROP_DESC_H

#include <stdbool.h>
#include "bpf/drop.h"
#include "diag/hints.h"
#include "host/netns.h"

struct drop_reasons;
struct ksyms;

/* The lookup tables a description is made with; each may be NULL. */
struct drop_namer {
	const struct drop_reasons *dr;
	const struct ksyms *ks;
	struct netns_names *nn;
};

/* What the kernel side reported about a drop. */
struct drop_facts {
	unsigned int reason;
	unsigned long long location;	 /* kernel address, 0: unknown */
	const unsigned long long *above; /* SKBT_DROP_ABOVE frames above the site, or NULL */
	unsigned int netns;
	const char *ifname;		/* NULL or "" when no device */
	const struct skbt_tuple *tuple; /* NULL: no header parsed */
	bool has_ports;
	const struct skbt_sock *sk; /* NULL: no socket */
};

#define DROP_LOCATION_MAX 160

struct drop_desc {
	const char *reason;		  /* full name, or the number */
	const char *reason_short;	  /* without "SKB_DROP_REASON_" */
	const char *subsys;		  /* NULL for a core reason */
	char location[DROP_LOCATION_MAX]; /* "nft_do_chain+0x46f", "" when unknown */
	const struct nf_hook_site *hook;  /* netfilter drops whose hook was found */
	struct netns_id ns;
	struct drop_ctx ctx; /* points into this struct: do not copy it */
	char reason_buf[16], subsys_buf[16];
};

/* "sym+0xoff" for a kernel address (hex without a symbol); "" for 0. */
size_t kaddr_str(const struct ksyms *ks, unsigned long long addr, char *buf, size_t len);
/* Fills d; d->ctx is ready for drop_hint(). */
void drop_describe(const struct drop_namer *nm, const struct drop_facts *f, struct drop_desc *d);

#endif
