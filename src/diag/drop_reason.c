// SPDX-License-Identifier: GPL-2.0
/*
 * skb drop reason names, read from BTF at start-up.
 *
 * A reason is either a core value (enum skb_drop_reason) or, since 6.4,
 * a subsystem-encoded value: the upper 16 bits name an entry of enum
 * skb_drop_reason_subsys and the lower 16 bits index that subsystem's
 * own enum (enum ovs_drop_reason, enum mac80211_drop_reason, ...).  The
 * subsystem enums have no fixed name, so they are found by their values.
 *
 * Every table is direct-indexed so that naming a reason on the event
 * path is two array loads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>

#include "diag/drop_reason.h"

#define SUBSYS_SHIFT 16
#define LOW_MASK     0xffffu
#define MAX_SUBSYS   256 /* far above any kernel's count; bounds the tables */

/*
 * Preference between two names for one value.  An enum named "*drop*"
 * beats one found by its values alone, and a value name without a
 * leading underscore beats the kernel's internal aliases (mac80211
 * declares every reason twice: ___RX_DROP_U_x and RX_DROP_U_x).
 */
#define PRIO_DROP_ENUM	   2
#define PRIO_NO_UNDERSCORE 1

struct reason_table {
	const char **names;  /* indexed by the low 16 bits */
	unsigned char *prio; /* only while loading */
	unsigned int n;
};

struct drop_reasons {
	struct reason_table *tab; /* [0] is the core enum, [s] subsystem s */
	unsigned int ntab;
	char **subsys; /* [s]: "OPENVSWITCH" for subsystem s, or NULL */
	long long consumed;
	int known;
	char *arena; /* every name, copied out of the BTF */
};

#define SUBSYS_PREFIX "SKB_DROP_REASON_SUBSYS_"
#define REASON_PREFIX "SKB_DROP_REASON_"

struct id_vec {
	unsigned int *v;
	unsigned int n, cap;
};

struct enum_val {
	const char *name;
	unsigned long long v;
};

static unsigned int enum_vlen(const struct btf_type *t)
{
	return btf_vlen(t);
}

/* The value alone: the subsystem scan looks at every enum in the kernel. */
static unsigned long long enum_value(const struct btf_type *t, unsigned int i)
{
	if (btf_is_enum(t))
		return (unsigned int)btf_enum(t)[i].val;
	return btf_enum64_value(btf_enum64(t) + i);
}

static struct enum_val enum_at(const struct btf *btf, const struct btf_type *t, unsigned int i)
{
	struct enum_val ev;

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;

		ev.name = btf__name_by_offset(btf, e->name_off);
		ev.v = (unsigned int)e->val;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;

		ev.name = btf__name_by_offset(btf, e->name_off);
		ev.v = btf_enum64_value(e);
	}
	return ev;
}

static int table_set(struct reason_table *tab, unsigned int idx, const char *name, int prio)
{
	if (!name || !*name)
		return 0;
	if (idx >= tab->n) {
		unsigned int n = idx + 1 > tab->n * 2 ? idx + 1 : tab->n * 2;
		const char **names = realloc(tab->names, n * sizeof(*names));
		unsigned char *p;

		if (!names)
			return -ENOMEM;
		tab->names = names;
		p = realloc(tab->prio, n);
		if (!p)
			return -ENOMEM;
		tab->prio = p;
		memset(names + tab->n, 0, (n - tab->n) * sizeof(*names));
		memset(p + tab->n, 0, n - tab->n);
		tab->n = n;
	}
	if (tab->names[idx] && tab->prio[idx] >= prio)
		return 0;
	tab->names[idx] = name;
	tab->prio[idx] = prio;
	return 0;
}

static int load_core(struct drop_reasons *dr, const struct btf *btf, const struct btf_type *t)
{
	unsigned int i, vlen = enum_vlen(t);

	dr->known = 1;
	for (i = 0; i < vlen; i++) {
		struct enum_val ev = enum_at(btf, t, i);
		int err;

		if (!strcmp(ev.name, "SKB_CONSUMED"))
			dr->consumed = ev.v;
		/* SKB_DROP_REASON_SUBSYS_MASK and other masks are not reasons */
		if (ev.v > LOW_MASK)
			continue;
		/* first name wins: the kernel never aliases core reasons */
		err = table_set(&dr->tab[0], ev.v, ev.name, 1);
		if (err)
			return err;
	}
	return 0;
}

/* Number of subsystem tables: one past the largest real subsystem id. */
static unsigned int count_subsys(const struct btf *btf, const struct btf_type *t)
{
	unsigned int i, vlen = enum_vlen(t), n = 1;

	for (i = 0; i < vlen; i++) {
		struct enum_val ev = enum_at(btf, t, i);

		if (strstr(ev.name, "_SUBSYS_NUM"))
			continue;
		if (ev.v < MAX_SUBSYS && ev.v + 1 > n)
			n = ev.v + 1;
	}
	return n;
}

/* Each subsystem's name, without the common prefix, copied out of the BTF. */
static int load_subsys_names(struct drop_reasons *dr, const struct btf *btf,
			     const struct btf_type *t)
{
	unsigned int i, vlen = enum_vlen(t);
	size_t plen = strlen(SUBSYS_PREFIX);

	dr->subsys = calloc(dr->ntab, sizeof(*dr->subsys));
	if (!dr->subsys)
		return -ENOMEM;
	for (i = 0; i < vlen; i++) {
		struct enum_val ev = enum_at(btf, t, i);
		const char *n = ev.name;

		if (ev.v >= dr->ntab || dr->subsys[ev.v] || strstr(n, "_SUBSYS_NUM"))
			continue;
		if (!strncmp(n, SUBSYS_PREFIX, plen))
			n += plen;
		dr->subsys[ev.v] = strdup(n);
		if (!dr->subsys[ev.v])
			return -ENOMEM;
	}
	return 0;
}

static bool subsys_ok(const struct drop_reasons *dr, unsigned long long v)
{
	unsigned long long s = v >> SUBSYS_SHIFT;

	return s && s < dr->ntab;
}

/* Does any value of this enum look subsystem-encoded? */
static bool enum_has_subsys_value(const struct drop_reasons *dr, const struct btf_type *t)
{
	unsigned int i, vlen = enum_vlen(t);

	for (i = 0; i < vlen; i++)
		if (subsys_ok(dr, enum_value(t, i)))
			return true;
	return false;
}

/*
 * An enum without "drop" in its name only counts when every value sits
 * in one subsystem: flag enums (1 << 17 ...) spread over several.
 */
static bool enum_one_subsys(const struct btf_type *t)
{
	unsigned int i, vlen = enum_vlen(t);
	unsigned long long s0 = enum_value(t, 0) >> SUBSYS_SHIFT;

	if (vlen < 2)
		return false;
	for (i = 1; i < vlen; i++)
		if (enum_value(t, i) >> SUBSYS_SHIFT != s0)
			return false;
	return true;
}

static bool is_drop_enum(const char *name)
{
	return strcasestr(name, "drop") != NULL;
}

static int load_subsys_enum(struct drop_reasons *dr, const struct btf *btf,
			    const struct btf_type *t, bool drop_named)
{
	unsigned int i, vlen = enum_vlen(t);

	for (i = 0; i < vlen; i++) {
		struct enum_val ev = enum_at(btf, t, i);
		int prio = drop_named ? PRIO_DROP_ENUM : 0;
		int err;

		if (!subsys_ok(dr, ev.v))
			continue;
		if (ev.name[0] != '_')
			prio |= PRIO_NO_UNDERSCORE;
		err = table_set(&dr->tab[ev.v >> SUBSYS_SHIFT], ev.v & LOW_MASK, ev.name, prio);
		if (err)
			return err;
	}
	return 0;
}

/* The ids of every enum in btf from first on: one pass over all types. */
static int collect_enums(const struct btf *btf, unsigned int first, struct id_vec *out)
{
	unsigned int id, cnt = btf__type_cnt(btf);

	out->n = 0;
	for (id = first; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_any_enum(t) || !btf_vlen(t))
			continue;
		if (out->n == out->cap) {
			unsigned int cap = out->cap ? out->cap * 2 : 1024;
			unsigned int *v = realloc(out->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = id;
	}
	return 0;
}

static int scan_subsys(struct drop_reasons *dr, const struct btf *btf, const struct id_vec *enums)
{
	unsigned int i;

	for (i = 0; i < enums->n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, enums->v[i]);
		const char *name;
		bool drop_named;
		int err;

		if (!enum_has_subsys_value(dr, t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!strcmp(name, "skb_drop_reason") || !strcmp(name, "skb_drop_reason_subsys"))
			continue;
		drop_named = is_drop_enum(name);
		if (!drop_named && !enum_one_subsys(t))
			continue;
		err = load_subsys_enum(dr, btf, t, drop_named);
		if (err)
			return err;
	}
	return 0;
}

/* The two enums every other table hangs off. */
static void find_core_enums(const struct btf *btf, const struct id_vec *enums, int *reason_id,
			    int *subsys_id)
{
	unsigned int i;

	*reason_id = *subsys_id = 0;
	for (i = 0; i < enums->n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, enums->v[i]);
		const char *name = btf__name_by_offset(btf, t->name_off);

		if (name[0] != 's' || strncmp(name, "skb_drop_reason", 15))
			continue;
		if (!name[15])
			*reason_id = enums->v[i];
		else if (!strcmp(name + 15, "_subsys"))
			*subsys_id = enums->v[i];
	}
}

/* Weak names only fill subsystems that no "*drop*" enum describes. */
static void drop_weak_names(struct reason_table *tab)
{
	unsigned int i;
	bool strong = false;

	for (i = 0; i < tab->n && !strong; i++)
		strong = tab->names[i] && tab->prio[i] >= PRIO_DROP_ENUM;
	if (!strong)
		return;
	for (i = 0; i < tab->n; i++)
		if (tab->names[i] && tab->prio[i] < PRIO_DROP_ENUM)
			tab->names[i] = NULL;
}

/* Copies every name out of the BTF so the table outlives it. */
static int copy_names(struct drop_reasons *dr)
{
	size_t total = 0, off = 0;
	unsigned int s, i;

	for (s = 0; s < dr->ntab; s++)
		for (i = 0; i < dr->tab[s].n; i++)
			if (dr->tab[s].names[i])
				total += strlen(dr->tab[s].names[i]) + 1;
	dr->arena = malloc(total ? total : 1);
	if (!dr->arena)
		return -ENOMEM;
	for (s = 0; s < dr->ntab; s++) {
		struct reason_table *tab = &dr->tab[s];

		for (i = 0; i < tab->n; i++) {
			size_t len;

			if (!tab->names[i])
				continue;
			len = strlen(tab->names[i]) + 1;
			memcpy(dr->arena + off, tab->names[i], len);
			tab->names[i] = dr->arena + off;
			off += len;
		}
		free(tab->prio);
		tab->prio = NULL;
	}
	return 0;
}

static unsigned int split_base_cnt(const struct btf *mod)
{
	const struct btf *base = btf__base_btf(mod);

	return base ? btf__type_cnt(base) : 1;
}

static int load_tables(struct drop_reasons *dr, const struct btf *vmlinux, struct btf *const *mods,
		       int nmods, struct id_vec *enums)
{
	int reason_id, subsys_id, err, i;

	err = collect_enums(vmlinux, 1, enums);
	if (err)
		return err;
	find_core_enums(vmlinux, enums, &reason_id, &subsys_id);
	dr->ntab = subsys_id ? count_subsys(vmlinux, btf__type_by_id(vmlinux, subsys_id)) : 1;
	dr->tab = calloc(dr->ntab, sizeof(*dr->tab));
	if (!dr->tab)
		return -ENOMEM;
	if (subsys_id) {
		err = load_subsys_names(dr, vmlinux, btf__type_by_id(vmlinux, subsys_id));
		if (err)
			return err;
	}
	if (reason_id) {
		err = load_core(dr, vmlinux, btf__type_by_id(vmlinux, reason_id));
		if (err)
			return err;
	}
	/* before 6.4 there are no subsystems to look for */
	if (dr->ntab < 2)
		return 0;
	err = scan_subsys(dr, vmlinux, enums);
	for (i = 0; !err && i < nmods; i++) {
		if (!mods[i])
			continue;
		err = collect_enums(mods[i], split_base_cnt(mods[i]), enums);
		if (!err)
			err = scan_subsys(dr, mods[i], enums);
	}
	for (i = 1; !err && i < (int)dr->ntab; i++)
		drop_weak_names(&dr->tab[i]);
	return err;
}

static int load_all(struct drop_reasons *dr, const struct btf *vmlinux, struct btf *const *mods,
		    int nmods)
{
	struct id_vec enums = {};
	int err;

	err = load_tables(dr, vmlinux, mods, nmods, &enums);
	free(enums.v);
	return err ? err : copy_names(dr);
}

struct drop_reasons *drop_reasons_load(const struct btf *vmlinux, struct btf *const *mods,
				       int nmods)
{
	struct drop_reasons *dr = calloc(1, sizeof(*dr));

	if (!dr)
		return NULL;
	dr->consumed = -1;
	if (!vmlinux)
		return dr;
	if (load_all(dr, vmlinux, mods, nmods)) {
		drop_reasons_free(dr);
		errno = ENOMEM;
		return NULL;
	}
	return dr;
}

void drop_reasons_free(struct drop_reasons *dr)
{
	unsigned int s;

	if (!dr)
		return;
	for (s = 0; s < dr->ntab; s++) {
		free(dr->tab[s].names);
		free(dr->tab[s].prio);
	}
	free(dr->tab);
	for (s = 0; dr->subsys && s < dr->ntab; s++)
		free(dr->subsys[s]);
	free(dr->subsys);
	free(dr->arena);
	free(dr);
}

const char *drop_reason_name(const struct drop_reasons *dr, unsigned int reason, char *buf,
			     size_t len)
{
	unsigned int s = reason >> SUBSYS_SHIFT, i = reason & LOW_MASK;

	if (dr && s < dr->ntab && i < dr->tab[s].n && dr->tab[s].names[i])
		return dr->tab[s].names[i];
	snprintf(buf, len, "%u", reason);
	return buf;
}

long long drop_reason_consumed(const struct drop_reasons *dr)
{
	return dr ? dr->consumed : -1;
}

int drop_reasons_known(const struct drop_reasons *dr)
{
	return dr ? dr->known : 0;
}

const char *drop_reason_subsys(const struct drop_reasons *dr, unsigned int reason, char *buf,
			       size_t len)
{
	unsigned int s = reason >> SUBSYS_SHIFT;

	if (!s)
		return NULL;
	if (dr && dr->subsys && s < dr->ntab && dr->subsys[s])
		return dr->subsys[s];
	snprintf(buf, len, "%u", s);
	return buf;
}

const char *drop_reason_short(const char *name)
{
	size_t plen = strlen(REASON_PREFIX);

	return strncmp(name, REASON_PREFIX, plen) ? name : name + plen;
}

long long drop_reason_value(const struct drop_reasons *dr, const char *name)
{
	const struct reason_table *core = dr && dr->ntab ? &dr->tab[0] : NULL;

	for (unsigned int i = 0; core && i < core->n; i++)
		if (core->names[i] && !strcmp(core->names[i], name))
			return i;
	return -1;
}
