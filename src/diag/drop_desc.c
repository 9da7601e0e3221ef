// SPDX-License-Identifier: GPL-2.0
/*
 * Names one drop for people: its reason and subsystem from BTF, its
 * location and netfilter hook from kallsyms, its namespace's name.
 */
#include <stdio.h>
#include <string.h>

#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "probe/ksyms.h"

size_t kaddr_str(const struct ksyms *ks, unsigned long long addr, char *buf, size_t len)
{
	const struct ksym *k = ks && addr ? ksyms_lookup(ks, addr) : NULL;

	if (!addr)
		return snprintf(buf, len, "%s", "");
	if (!k)
		return snprintf(buf, len, "0x%llx", addr);
	/* The module, as in stacks: what a trace resolved elsewhere looks it up in. */
	if (k->module)
		return snprintf(buf, len, "%s+0x%llx [%s]", k->name, addr - k->addr, k->module);
	return snprintf(buf, len, "%s+0x%llx", k->name, addr - k->addr);
}

/*
 * The hook: the first frame above the drop site that returns into a
 * function known to run one (the ones between are nft's own and
 * nf_hook_slow()).
 */
static const struct nf_hook_site *hook_of(const struct ksyms *ks, const unsigned long long *above)
{
	for (int i = 0; ks && above && i < SKBT_DROP_ABOVE; i++) {
		const struct ksym *k = above[i] ? ksyms_lookup(ks, above[i]) : NULL;
		const struct nf_hook_site *h = k ? nf_hook_by_func(k->name) : NULL;

		if (h)
			return h;
	}
	return NULL;
}

void drop_describe(const struct drop_namer *nm, const struct drop_facts *f, struct drop_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->reason = drop_reason_name(nm->dr, f->reason, d->reason_buf, sizeof(d->reason_buf));
	d->reason_short = drop_reason_short(d->reason);
	d->subsys = drop_reason_subsys(nm->dr, f->reason, d->subsys_buf, sizeof(d->subsys_buf));
	kaddr_str(nm->ks, f->location, d->location, sizeof(d->location));
	d->hook = hook_of(nm->ks, f->above);
	if (nm->nn) {
		netns_name(nm->nn, f->netns, &d->ns);
	} else {
		d->ns.inode = f->netns;
		snprintf(d->ns.name, sizeof(d->ns.name), "inode:%u", f->netns);
	}
	d->ctx = (struct drop_ctx){
		.reason = f->reason,
		/* a bare number is no name: the hint says "unknown" its own way */
		.reason_name = d->reason == d->reason_buf ? NULL : d->reason,
		.location = d->location[0] ? d->location : NULL,
		.ns = f->netns ? &d->ns : NULL,
		.ifname = f->ifname,
		.tuple = f->tuple,
		.has_ports = f->has_ports,
		.sk = f->sk,
		.nf_hook = d->hook ? d->hook->hook : NULL,
		.nf_family = d->hook ? d->hook->family : NULL,
	};
}
