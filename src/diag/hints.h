/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop hints: one sentence naming a drop's likely cause and the next
 * command to run, filled with the drop's own context.
 */
#ifndef SKBT_HINTS_H
#define SKBT_HINTS_H

#include <stdbool.h>
#include <stddef.h>
#include "bpf/drop.h"
#include "host/netns.h"

/* What a hint is filled from; every pointer may be NULL (not known). */
struct drop_ctx {
	unsigned int reason;
	const char *reason_name; /* drop_reason_name()'s, NULL: only the number is known */
	const char *location;	 /* "nft_do_chain+0x46f" */
	const struct netns_id *ns;
	const char *ifname;
	const struct skbt_tuple *tuple; /* the packet's addresses */
	bool has_ports;			/* tuple's ports are valid */
	const struct skbt_sock *sk;
	const char *nf_hook;   /* "INPUT" ... for netfilter drops */
	const char *nf_family; /* "ip", "ip6", "bridge", "arp", "netdev" */
};

/*
 * One row of the hint table: the first row whose reason pattern matches
 * the reason's short name and whose func pattern (if any) matches the
 * location's function wins (fnmatch(3) patterns).
 *
 * Templates: {name} is a placeholder (list in hints.c); [a|b|c] renders
 * the first alternative whose placeholders are all known, else nothing,
 * so a template reads well whatever the drop's context lacks.
 */
struct hint_rule {
	const char *reason;
	const char *func;
	const char *text;
};

/* Renders the hint for c into buf; never empty. Returns strlen of the full hint. */
size_t drop_hint(const struct drop_ctx *c, char *buf, size_t len);
/* The rule drop_hint() uses for c (never NULL: the last rule matches anything). */
const struct hint_rule *drop_hint_rule(const struct drop_ctx *c);
/* The whole table, for tests and --help-like listings. */
const struct hint_rule *drop_hint_rules(size_t *n);
/* Renders one template: what drop_hint() does once the rule is chosen. */
size_t hint_render(const char *tmpl, const struct drop_ctx *c, char *buf, size_t len);

/* Where a netfilter hook runs: the function that called nf_hook_slow(). */
struct nf_hook_site {
	const char *func;
	const char *hook;   /* "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" ... */
	const char *family; /* "ip", "ip6", "bridge", "arp", "netdev" */
};

/* The hook run by func (a symbol name, ".cold"/".isra" suffixes allowed), or NULL. */
const struct nf_hook_site *nf_hook_by_func(const char *func);

#endif
