/* SPDX-License-Identifier: GPL-2.0 */
/* Names of skb drop reasons from the running kernel's BTF. */
#ifndef SKBT_DROP_REASON_H
#define SKBT_DROP_REASON_H

#include <stddef.h>

struct btf;
struct drop_reasons;

/*
 * Reads enum skb_drop_reason, enum skb_drop_reason_subsys and every
 * subsystem's own enum from vmlinux (and module BTFs when given).
 * Returns an empty table, never NULL except on allocation failure.
 */
struct drop_reasons *drop_reasons_load(const struct btf *vmlinux, struct btf *const *mods,
				       int nmods);
void drop_reasons_free(struct drop_reasons *dr);
/*
 * The full enum name ("SKB_DROP_REASON_NETFILTER_DROP", or the
 * subsystem enum's own name), or the decimal number in buf when unknown.
 */
const char *drop_reason_name(const struct drop_reasons *dr, unsigned int reason, char *buf,
			     size_t len);
/*
 * The subsystem a subsystem-encoded reason (reason >> 16 != 0) belongs to,
 * as enum skb_drop_reason_subsys names it without its prefix
 * ("OPENVSWITCH", "MAC80211_UNUSABLE"), or its number in buf when the
 * kernel does not name it.  NULL for a core reason.
 */
const char *drop_reason_subsys(const struct drop_reasons *dr, unsigned int reason, char *buf,
			       size_t len);
/* A reason name without the core enum's "SKB_DROP_REASON_" prefix. */
const char *drop_reason_short(const char *name);
/* The value of SKB_CONSUMED (a free that is not a drop), or -1 when absent. */
long long drop_reason_consumed(const struct drop_reasons *dr);
/* The value of a core reason by its full name, or -1 when the kernel has none. */
long long drop_reason_value(const struct drop_reasons *dr, const char *name);
/* 1 when the kernel has enum skb_drop_reason at all. */
int drop_reasons_known(const struct drop_reasons *dr);

#endif
