// SPDX-License-Identifier: GPL-2.0
/*
 * Finds probe targets in BTF: functions and tracepoints with a
 * struct sk_buff * argument.  vmlinux holds ~150k types, so every walk
 * here is a single pass and prototypes are classified once each.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "probe/btf_discover.h"
#include "probe/ksyms.h"

#define VMLINUX_BTF   "/sys/kernel/btf/vmlinux"
#define SYS_BTF_DIR   "/sys/kernel/btf"
#define TP_PREFIX     "btf_trace_"
#define MAX_MOD_DEPTH 32 /* modifier chains are short; this only stops loops in corrupt BTF */

/* Per-prototype classification, packed so the cache is one u32 per type. */
#define PC_DONE	     (1U << 31)
#define PC_VARIADIC  (1U << 30)
#define PC_SKB(v)    ((v)&0xff)
#define PC_REASON(v) (((v) >> 8) & 0xff)
#define PC_NARGS(v)  (((v) >> 16) & 0xff)

struct btf *discover_load_btf(const char *path, char *err, size_t errlen)
{
	struct btf *btf;
	int saved;

	if (path) {
		btf = btf__parse(path, NULL);
		if (btf)
			return btf;
		/* libbpf says ENOENT for an ELF file without .BTF too: ask the file system. */
		if (access(path, R_OK))
			snprintf(err, errlen, "cannot open BTF file %s: %s", path, strerror(errno));
		else
			snprintf(
				err, errlen,
				"%s is not valid BTF (neither raw BTF nor an ELF file with a .BTF section)",
				path);
		return NULL;
	}
	btf = btf__load_vmlinux_btf();
	if (btf)
		return btf;
	saved = errno;
	if (access(VMLINUX_BTF, F_OK))
		snprintf(err, errlen,
			 "kernel has no BTF (" VMLINUX_BTF
			 " missing): need CONFIG_DEBUG_INFO_BTF=y, or pass --kernel-btf FILE");
	else
		snprintf(err, errlen,
			 "cannot load kernel BTF " VMLINUX_BTF ": %s; pass --kernel-btf FILE",
			 strerror(saved));
	return NULL;
}

static int append_module(const struct btf *base, const char *name, struct btf ***btfs,
			 char ***mod_names, int *count)
{
	struct btf **nb;
	char **nn, *dup;
	struct btf *b;

	/* libbpf takes base as non-const but only reads it. */
	b = btf__load_module_btf(name, (struct btf *)base);
	if (!b)
		return -errno;
	dup = strdup(name);
	nb = realloc(*btfs, (*count + 1) * sizeof(*nb));
	if (nb)
		*btfs = nb;
	nn = realloc(*mod_names, (*count + 1) * sizeof(*nn));
	if (nn)
		*mod_names = nn;
	if (!dup || !nb || !nn) {
		free(dup);
		btf__free(b);
		return -ENOMEM;
	}
	nb[*count] = b;
	nn[*count] = dup;
	(*count)++;
	return 0;
}

static int load_all_modules(const struct btf *base, struct btf ***btfs, char ***mod_names,
			    int *count, char *err, size_t errlen)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

	d = opendir(SYS_BTF_DIR);
	if (!d) {
		/* No BTF directory at all means no module has BTF: nothing to add. */
		return errno == ENOENT ? 0 : -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		ret = append_module(base, de->d_name, btfs, mod_names, count);
		/* A module unloaded since readdir() is no longer of interest. */
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (ret) {
			snprintf(err, errlen, "cannot load BTF of module %s: %s", de->d_name,
				 strerror(-ret));
			break;
		}
	}
	closedir(d);
	return ret;
}

static int load_listed_modules(const struct btf *base, const char *names, struct btf ***btfs,
			       char ***mod_names, int *count, char *err, size_t errlen)
{
	char *list, *tok, *save = NULL, path[512];
	int ret = 0;

	list = strdup(names);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		snprintf(path, sizeof(path), SYS_BTF_DIR "/%s", tok);
		if (strchr(tok, '/') || !strcmp(tok, "vmlinux") || access(path, F_OK)) {
			snprintf(err, errlen,
				 "module %s has no BTF in " SYS_BTF_DIR " (not loaded?)", tok);
			ret = -ENOENT;
			break;
		}
		ret = append_module(base, tok, btfs, mod_names, count);
		if (ret) {
			snprintf(err, errlen, "cannot load BTF of module %s: %s", tok,
				 strerror(-ret));
			break;
		}
	}
	free(list);
	return ret;
}

int discover_load_module_btfs(const struct btf *base, const char *names, struct btf ***btfs,
			      char ***mod_names, int *count, char *err, size_t errlen)
{
	if (!base || !btfs || !mod_names || !count)
		return -EINVAL;
	if (!names)
		return load_all_modules(base, btfs, mod_names, count, err, errlen);
	return load_listed_modules(base, names, btfs, mod_names, count, err, errlen);
}

/* Follows typedefs and qualifiers down to the type they name; NULL if broken. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 id, __u32 *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int i = 0; t && i < MAX_MOD_DEPTH; i++) {
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			break;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

static bool name_is(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const char *n = btf__name_by_offset(btf, t->name_off);

	return n && !strcmp(n, name);
}

static bool is_skb_ptr(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, id, NULL);

	if (!t || !btf_is_ptr(t))
		return false;
	t = skip_mods(btf, t->type, NULL);
	/* Module BTF may only carry a forward declaration of sk_buff. */
	return t && (btf_is_struct(t) || btf_is_fwd(t)) && name_is(btf, t, "sk_buff");
}

static bool is_drop_reason(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = skip_mods(btf, id, NULL);

	return t && btf_is_any_enum(t) && name_is(btf, t, "skb_drop_reason");
}

/*
 * Classifies the parameters of a FUNC_PROTO, ignoring the first skip of
 * them (the tracepoint ctx).  Positions in the result are 1-based and
 * counted after the skipped ones.
 */
static __u32 classify_proto(const struct btf *btf, const struct btf_type *proto, int skip)
{
	const struct btf_param *p = btf_params(proto);
	int n = btf_vlen(proto), skb = 0, reason = 0;

	if (n > 0 && !p[n - 1].type && !p[n - 1].name_off)
		return PC_DONE | PC_VARIADIC;
	for (int i = skip; i < n; i++) {
		int pos = i - skip + 1;

		if (pos > 0xff)
			break;
		if (!skb && is_skb_ptr(btf, p[i].type))
			skb = pos;
		else if (!reason && is_drop_reason(btf, p[i].type))
			reason = pos;
	}
	n = n > skip ? n - skip : 0;
	return PC_DONE | (n > 0xff ? 0xff : n) << 16 | reason << 8 | skb;
}

static __u32 classify_cached(const struct btf *btf, __u32 proto_id, __u32 *cache, __u32 cache_n)
{
	const struct btf_type *proto = btf__type_by_id(btf, proto_id);

	if (!proto || !btf_is_func_proto(proto))
		return PC_DONE;
	if (proto_id >= cache_n)
		return classify_proto(btf, proto, 0);
	if (!cache[proto_id])
		cache[proto_id] = classify_proto(btf, proto, 0);
	return cache[proto_id];
}

/* First type id that belongs to btf itself, not to its base. */
static __u32 own_start_id(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);

	return base ? btf__type_cnt(base) : 1;
}

int discover_funcs(const struct btf *btf, const char *module, struct probe_list *out)
{
	__u32 start, cnt, *cache;
	int added = 0;

	if (!btf || !out)
		return -EINVAL;
	start = own_start_id(btf);
	cnt = btf__type_cnt(btf);
	/* FUNCs share deduplicated prototypes: classify each prototype once. */
	cache = calloc(cnt, sizeof(*cache));
	if (!cache)
		return -ENOMEM;
	for (__u32 id = start; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		struct probe p = {.kind = PROBE_FUNC, .btf_id = id};
		__u32 c;

		if (!t || !btf_is_func(t))
			continue;
		c = classify_cached(btf, t->type, cache, cnt);
		if ((c & PC_VARIADIC) || !PC_SKB(c))
			continue;
		p.name = (char *)btf__name_by_offset(btf, t->name_off);
		if (!p.name || !*p.name)
			continue;
		p.module = (char *)module;
		p.skb_arg = PC_SKB(c);
		p.reason_arg = PC_REASON(c);
		p.nr_args = PC_NARGS(c);
		if (!probe_list_add(out, &p)) {
			added = -ENOMEM;
			break;
		}
		added++;
	}
	free(cache);
	return added;
}

/*
 * Tracepoint categories (TRACE_SYSTEM) of the skb tracepoints, for when
 * tracefs is not mounted.  Checked against events/ on 6.18.
 */
static const struct {
	const char *name, *category;
} tp_categories[] = {
	{"kfree_skb", "skb"},
	{"consume_skb", "skb"},
	{"skb_copy_datagram_iovec", "skb"},
	{"net_dev_start_xmit", "net"},
	{"net_dev_xmit", "net"},
	{"net_dev_queue", "net"},
	{"netif_receive_skb", "net"},
	{"netif_rx", "net"},
	{"napi_gro_frags_entry", "net"},
	{"napi_gro_receive_entry", "net"},
	{"netif_receive_skb_entry", "net"},
	{"netif_receive_skb_list_entry", "net"},
	{"netif_rx_entry", "net"},
	{"sock_rcvqueue_full", "sock"},
	{"udp_fail_queue_rcv_skb", "udp"},
	{"tcp_retransmit_skb", "tcp"},
	{"tcp_send_reset", "tcp"},
	{"tcp_sendmsg_locked", "tcp"},
	{"tcp_probe", "tcp"},
	{"tcp_bad_csum", "tcp"},
	{"tcp_hash_bad_header", "tcp"},
	{"tcp_hash_md5_required", "tcp"},
	{"tcp_hash_md5_unexpected", "tcp"},
	{"tcp_hash_md5_mismatch", "tcp"},
	{"tcp_hash_ao_required", "tcp"},
	{"tcp_ao_handshake_failure", "tcp"},
	{"qdisc_dequeue", "qdisc"},
	{"qdisc_enqueue", "qdisc"},
	{"icmp_send", "icmp"},
	{"subflow_check_data_avail", "mptcp"},
};

static const char *table_category(const char *name)
{
	for (size_t i = 0; i < sizeof(tp_categories) / sizeof(tp_categories[0]); i++)
		if (!strcmp(tp_categories[i].name, name))
			return tp_categories[i].category;
	return NULL;
}

struct tp_ent {
	char *name;
	const char *category; /* points into tp_map.cats */
};

/* events/<category>/<name> read once into a name-sorted table. */
struct tp_map {
	struct tp_ent *v;
	size_t n, cap;
	char **cats;
	size_t ncats;
};

static void tp_map_free(struct tp_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	for (size_t i = 0; i < m->ncats; i++)
		free(m->cats[i]);
	free(m->v);
	free(m->cats);
	memset(m, 0, sizeof(*m));
}

static int tp_ent_cmp(const void *a, const void *b)
{
	const struct tp_ent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int tp_map_add(struct tp_map *m, const char *name, const char *cat)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct tp_ent *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].name = strdup(name);
	if (!m->v[m->n].name)
		return -ENOMEM;
	m->v[m->n++].category = cat;
	return 0;
}

static int tp_map_scan_category(struct tp_map *m, int events_fd, const char *cat_name)
{
	char **cats, *cat;
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	fd = openat(events_fd, cat_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* a plain file such as "enable" */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	cat = strdup(cat_name);
	cats = realloc(m->cats, (m->ncats + 1) * sizeof(*cats));
	if (cats)
		m->cats = cats;
	if (!cat || !cats) {
		free(cat);
		closedir(d);
		return -ENOMEM;
	}
	m->cats[m->ncats++] = cat;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type == DT_REG)
			continue;
		ret = tp_map_add(m, de->d_name, cat);
	}
	closedir(d);
	return ret;
}

static int tp_map_load(struct tp_map *m, const char *tracefs)
{
	char path[4096];
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/events", tracefs);
	d = opendir(path);
	if (!d)
		return -errno;
	fd = dirfd(d);
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type == DT_REG)
			continue;
		ret = tp_map_scan_category(m, fd, de->d_name);
	}
	closedir(d);
	if (ret) {
		tp_map_free(m);
		return ret;
	}
	qsort(m->v, m->n, sizeof(*m->v), tp_ent_cmp);
	return 0;
}

static const char *tp_map_find(const struct tp_map *m, const char *name)
{
	struct tp_ent key = {.name = (char *)name}, *e;

	if (!m->n)
		return NULL;
	e = bsearch(&key, m->v, m->n, sizeof(*m->v), tp_ent_cmp);
	return e ? e->category : NULL;
}

/* The FUNC_PROTO behind typedef btf_trace_<name>, or NULL. */
static const struct btf_type *tp_proto(const struct btf *btf, const struct btf_type *t)
{
	const char *name;

	if (!btf_is_typedef(t))
		return NULL;
	name = btf__name_by_offset(btf, t->name_off);
	if (!name || strncmp(name, TP_PREFIX, sizeof(TP_PREFIX) - 1))
		return NULL;
	t = skip_mods(btf, t->type, NULL);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = skip_mods(btf, t->type, NULL);
	return t && btf_is_func_proto(t) ? t : NULL;
}

int discover_tracepoints(const struct btf *btf, const char *tracefs, struct probe_list *out,
			 bool *cat_fallback)
{
	struct tp_map map = {0};
	bool have_map = false;
	__u32 cnt;
	int added = 0;

	if (!btf || !out)
		return -EINVAL;
	if (cat_fallback)
		*cat_fallback = false;
	if (tracefs && !tp_map_load(&map, tracefs))
		have_map = true;
	cnt = btf__type_cnt(btf);
	for (__u32 id = own_start_id(btf); id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id), *proto;
		struct probe p = {.kind = PROBE_TRACEPOINT, .btf_id = id};
		const char *cat = NULL;
		__u32 c;

		proto = t ? tp_proto(btf, t) : NULL;
		if (!proto || !btf_vlen(proto))
			continue;
		/* The first parameter is the tracepoint's void *__data. */
		c = classify_proto(btf, proto, 1);
		if ((c & PC_VARIADIC) || !PC_SKB(c))
			continue;
		p.name = (char *)btf__name_by_offset(btf, t->name_off) + sizeof(TP_PREFIX) - 1;
		if (have_map)
			cat = tp_map_find(&map, p.name);
		if (!cat) {
			cat = table_category(p.name);
			if (cat && cat_fallback)
				*cat_fallback = true;
		}
		p.category = (char *)(cat ? cat : "unknown");
		p.skb_arg = PC_SKB(c);
		p.reason_arg = PC_REASON(c);
		p.nr_args = PC_NARGS(c);
		if (!probe_list_add(out, &p)) {
			added = -ENOMEM;
			break;
		}
		added++;
	}
	tp_map_free(&map);
	return added;
}

const char *tracefs_find(void)
{
	static const char *const candidates[] = {"/sys/kernel/tracing",
						 "/sys/kernel/debug/tracing"};
	bool found[2] = {false, false};
	char line[4096], mnt[4096], type[64];
	FILE *f;

	/*
	 * /proc/mounts rather than statfs: touching debug/tracing would
	 * trigger its automount, and the tool must not mount anything.
	 */
	f = fopen("/proc/mounts", "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %4095s %63s", mnt, type) != 2 || strcmp(type, "tracefs"))
			continue;
		for (int i = 0; i < 2; i++)
			if (!strcmp(mnt, candidates[i]))
				found[i] = true;
	}
	fclose(f);
	for (int i = 0; i < 2; i++)
		if (found[i])
			return candidates[i];
	return NULL;
}

/* A set of names from available_filter_functions, in an open-addressed table. */
struct name_set {
	char *text; /* the file, names terminated in place */
	const char **slots;
	size_t mask;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static const char **name_set_slot(const struct name_set *s, const char *name)
{
	size_t i = hash_str(name) & s->mask;

	while (s->slots[i] && strcmp(s->slots[i], name))
		i = (i + 1) & s->mask;
	return &s->slots[i];
}

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = NULL, *nbuf;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (!buf || n == cap) {
			cap = buf ? cap * 2 : cap;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf)
				goto fail;
			buf = nbuf;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

static int name_set_load(struct name_set *s, const char *path)
{
	size_t len, lines = 1, size = 16;
	char *p, *end;

	s->text = slurp(path, &len);
	if (!s->text)
		return -errno;
	end = s->text + len;
	for (p = s->text; (p = memchr(p, '\n', end - p)); p++)
		lines++;
	while (size < lines * 2)
		size <<= 1;
	s->slots = calloc(size, sizeof(*s->slots));
	if (!s->slots) {
		free(s->text);
		return -ENOMEM;
	}
	s->mask = size - 1;
	for (p = s->text; p < end;) {
		char *nl = memchr(p, '\n', end - p), *name = p;

		if (!nl)
			nl = end;
		*nl = '\0';
		/* "name" or "name [module]"; a name may be listed more than once. */
		p = name + strcspn(name, " \t");
		*p = '\0';
		if (*name) {
			const char **slot = name_set_slot(s, name);

			if (!*slot)
				*slot = name;
		}
		p = nl + 1;
	}
	return 0;
}

static void name_set_free(struct name_set *s)
{
	free(s->slots);
	free(s->text);
}

/* Orders function probes by module, name, then role; tracepoints last. */
static int cmp_func_name(const void *a, const void *b, void *arg)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct probe *v = arg, *x = &v[i], *y = &v[j];
	int c;

	if (x->kind != y->kind)
		return x->kind == PROBE_FUNC ? -1 : 1;
	c = strcmp(x->module ? x->module : "", y->module ? y->module : "");
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = (x->role > y->role) - (x->role < y->role);
	if (!c)
		c = (i > j) - (i < j);
	return c;
}

/*
 * Static functions of one name in two files (add_grec, add_grhead: IPv4
 * and IPv6 multicast) are two BTF functions, but a name resolves to one
 * kallsyms address, and a kprobe by that name is refused as ambiguous:
 * the name is traced once, by its first entry, rather than reported as a
 * failed attach.  Keeps the list's order.
 */
static void merge_same_name(struct probe_list *l)
{
	size_t *idx = malloc((l->n ? l->n : 1) * sizeof(*idx));
	bool *dup = calloc(l->n ? l->n : 1, sizeof(*dup));
	size_t kept = 0;

	if (!idx || !dup)
		goto out;
	for (size_t i = 0; i < l->n; i++)
		idx[i] = i;
	qsort_r(idx, l->n, sizeof(*idx), cmp_func_name, l->v);
	for (size_t i = 1; i < l->n; i++) {
		const struct probe *x = &l->v[idx[i - 1]], *y = &l->v[idx[i]];

		/* One function under two roles (a clone's entry and return) stays. */
		if (x->kind == PROBE_FUNC && y->kind == PROBE_FUNC && x->role == y->role &&
		    !strcmp(x->name, y->name) &&
		    !strcmp(x->module ? x->module : "", y->module ? y->module : ""))
			dup[idx[i]] = true;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct probe *p = &l->v[i];

		if (!dup[i]) {
			l->v[kept++] = *p;
			continue;
		}
		free(p->name);
		free(p->category);
		free(p->module);
	}
	l->n = kept;
out:
	free(idx);
	free(dup);
}

int discover_filter_probeable(struct probe_list *l, const char *tracefs, const struct ksyms *ks,
			      size_t *skipped, const char **source)
{
	struct name_set set = {0};
	bool have_set = false;
	size_t kept = 0, dropped = 0;

	if (!l)
		return -EINVAL;
	if (tracefs) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/available_filter_functions", tracefs);
		have_set = !name_set_load(&set, path);
	}
	if (source)
		*source = have_set ? "available_filter_functions" : ks ? "kallsyms" : "none";
	for (size_t i = 0; i < l->n; i++) {
		struct probe *p = &l->v[i];
		const struct ksym *sym = NULL;
		bool keep = true;

		if (p->kind == PROBE_FUNC) {
			sym = ks ? ksyms_by_name(ks, p->name) : NULL;
			if (have_set)
				keep = *name_set_slot(&set, p->name) != NULL;
			else if (ks)
				keep = sym != NULL;
		}
		if (!keep) {
			free(p->name);
			free(p->category);
			free(p->module);
			dropped++;
			continue;
		}
		if (sym && !p->addr)
			p->addr = sym->addr;
		l->v[kept++] = *p;
	}
	l->n = kept;
	merge_same_name(l);
	if (skipped)
		*skipped = dropped;
	if (have_set)
		name_set_free(&set);
	return 0;
}

/* Bit offset of member name in struct/union id, looking into anonymous members; -1 if none. */
static long member_bits(const struct btf *btf, __u32 id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long inner;

		if (n && *n) {
			if (!strcmp(n, name))
				return btf_member_bit_offset(t, i);
			continue;
		}
		inner = member_bits(btf, m->type, name);
		if (inner >= 0)
			return btf_member_bit_offset(t, i) + inner;
	}
	return -1;
}

bool discover_skb_span_fits(const struct btf *btf, unsigned int span)
{
	static const struct {
		const char *name;
		unsigned int size;
	} fields[] = {{"head", 8},	 {"data", 8},		{"tail", 4},
		      {"mac_header", 2}, {"network_header", 2}, {"protocol", 2}};
	int id = btf ? btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT) : -1;
	long len = id > 0 ? member_bits(btf, id, "len") : -1;

	if (len < 0 || len % 8)
		return false;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		long off = member_bits(btf, id, fields[i].name);

		if (off < 0 || off % 8 || off < len || (off - len) / 8 + fields[i].size > span)
			return false;
	}
	/* The read runs from len to the end of data. */
	return (member_bits(btf, id, "data") - len) / 8 + 8 <= span;
}
