// SPDX-License-Identifier: GPL-2.0
/* The kprobe and kprobe-multi backends: attaching, by address or by name. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/tracer.h"
#include "skbtrace.skel.h"

struct addr_idx {
	unsigned long long addr;
	size_t i;
	bool ret;
};

static int cmp_addr_idx(const void *a, const void *b)
{
	const struct addr_idx *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->ret != y->ret)
		return x->ret ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * Two probes at one kallsyms address would report every call twice.
 * Discovery already traces a name BTF lists twice (add_grec in IPv4 and
 * IPv6 multicast) once; any other pair goes by name for the later one,
 * which the kernel refuses when the name is ambiguous.
 */
static void find_shared_addrs(struct kprobe_names *kn, const struct tracer *t, const size_t *list,
			      size_t n)
{
	struct addr_idx *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	kn->shared = calloc(t->probes->n + 1, sizeof(*kn->shared));
	if (!v || !kn->shared) {
		free(v);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		const struct probe *p = &t->probes->v[list[j]];

		if (p->kind == PROBE_FUNC && p->addr)
			v[k++] = (struct addr_idx){p->addr, list[j],
						   p->role == PROBE_ROLE_CLONE_RET};
	}
	qsort(v, k, sizeof(*v), cmp_addr_idx);
	for (size_t j = 1; j < k; j++)
		if (v[j].addr == v[j - 1].addr && v[j].ret == v[j - 1].ret)
			kn->shared[v[j].i] = true;
	free(v);
}

void kprobe_names_init(struct kprobe_names *kn, const struct tracer *t, const size_t *list,
		       size_t n)
{
	kn->shared = NULL;
	kn->by_addr = !access("/sys/bus/event_source/devices/kprobe/type", F_OK);
	if (kn->by_addr)
		find_shared_addrs(kn, t, list, n);
}

void kprobe_names_free(struct kprobe_names *kn)
{
	free(kn->shared);
	kn->shared = NULL;
}

/*
 * By the kallsyms address when there is one: a kernel that has several
 * functions of one name refuses a kprobe by that name (EADDRNOTAVAIL,
 * 6.1.y and 6.6+), and skbtrace already chose which of them it traces.
 * Only through the kprobe PMU: libbpf's tracefs fallback takes names.
 */
int attach_kprobe(struct tracer *t, const struct kprobe_names *kn, size_t i)
{
	struct probe *p = &t->probes->v[i];
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .retprobe = p->role == PROBE_ROLE_CLONE_RET);
	const char *name = p->name;
	struct bpf_link *l;
	int err;

	if (kn->by_addr && p->addr && !(kn->shared && kn->shared[i])) {
		/* No name: the perf event's second config word is the address. */
		name = NULL;
		ko.offset = p->addr;
	}
	l = bpf_program__attach_kprobe_opts(prog_of(t, p), name, &ko);
	err = l ? 0 : -errno;

	t->links[i] = l;
	attach_mark(t, i, err);
	return err;
}

/*
 * One kprobe-multi link for the probes idx[0..n-1].  The kernel refuses
 * the whole set if one address cannot be probed, so a refused set is
 * split in halves until the culprits stand alone.
 */
static void attach_multi(struct tracer *t, struct bpf_program *prog, size_t *idx, size_t n)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo);
	unsigned long *addrs;
	struct bpf_link *l;
	int err;

	if (!n)
		return;
	addrs = calloc(n, sizeof(*addrs));
	if (!addrs) {
		for (size_t k = 0; k < n; k++)
			attach_mark(t, idx[k], -ENOMEM);
		return;
	}
	for (size_t k = 0; k < n; k++)
		addrs[k] = t->probes->v[idx[k]].addr;
	mo.addrs = addrs;
	mo.cnt = n;
	l = bpf_program__attach_kprobe_multi_opts(prog, NULL, &mo);
	err = l ? 0 : -errno;
	free(addrs);
	if (l) {
		t->links[idx[0]] = l;
		for (size_t k = 0; k < n; k++)
			attach_mark(t, idx[k], 0);
		return;
	}
	if (n == 1 || err == -EOPNOTSUPP) {
		for (size_t k = 0; k < n; k++)
			attach_mark(t, idx[k], err);
		return;
	}
	attach_multi(t, prog, idx, n / 2);
	attach_multi(t, prog, idx + n / 2, n - n / 2);
}

int attach_kprobe_multi_all(struct tracer *t)
{
	size_t *idx = calloc(t->probes->n ? t->probes->n : 1, sizeof(*idx));
	struct bpf_program *prog;

	if (!idx)
		return -ENOMEM;
	/* One link per program, that is per sk_buff argument position. */
	bpf_object__for_each_program(prog, t->skel->obj) {
		size_t n = 0;

		if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI ||
		    !bpf_program__autoload(prog))
			continue;
		for (size_t i = 0; i < t->probes->n; i++)
			if (prog_of(t, &t->probes->v[i]) == prog && t->probes->v[i].addr)
				idx[n++] = i;
			else if (prog_of(t, &t->probes->v[i]) == prog)
				attach_mark(t, i, -ENOENT);
		attach_multi(t, prog, idx, n);
	}
	free(idx);
	return 0;
}
