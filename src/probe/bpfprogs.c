// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "probe/bpfprogs.h"

bool bpfprog_kind_of(unsigned int prog_type, enum bpfprog_kind *kind)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_SCHED_CLS:
		*kind = BPFPROG_TC;
		return true;
	case BPF_PROG_TYPE_XDP:
		*kind = BPFPROG_XDP;
		return true;
	default:
		return false;
	}
}

const char *bpfprog_kind_name(enum bpfprog_kind kind)
{
	return kind == BPFPROG_XDP ? "xdp" : "tc";
}

struct bpfprog *bpfprogs_find(const struct bpfprogs *l, unsigned int id)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

struct bpfprog *bpfprogs_add(struct bpfprogs *l, unsigned int id, enum bpfprog_kind kind)
{
	struct bpfprog *p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct bpfprog *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->kind = kind;
	for (int i = 0; i < 2; i++) {
		p->prog_fd[i] = -1;
		p->link_fd[i] = -1;
	}
	return p;
}

/*
 * A fentry program on another program is verified against that program's
 * main function, named by its BTF: the first func_info record.
 */
int bpfprog_read_info(struct bpfprog *p, int fd)
{
	struct bpf_func_info fi = {};
	struct bpf_prog_info info = {
		.nr_func_info = 1,
		.func_info_rec_size = sizeof(fi),
		.func_info = (unsigned long)&fi,
	};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(p->name, info.name, sizeof(info.name));
	p->name[BPFPROG_NAME_MAX - 1] = 0;
	memcpy(p->tag, info.tag, sizeof(p->tag));
	p->func_type_id = info.btf_id && info.nr_func_info ? fi.type_id : 0;
	return 0;
}

void bpfprogs_free(struct bpfprogs *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *bpfprog_verdict_name(enum bpfprog_kind kind, int verdict)
{
	static const char *const tc[] = {
		[TC_ACT_OK] = "TC_ACT_OK",	   [TC_ACT_RECLASSIFY] = "TC_ACT_RECLASSIFY",
		[TC_ACT_SHOT] = "TC_ACT_SHOT",	   [TC_ACT_PIPE] = "TC_ACT_PIPE",
		[TC_ACT_STOLEN] = "TC_ACT_STOLEN", [TC_ACT_QUEUED] = "TC_ACT_QUEUED",
		[TC_ACT_REPEAT] = "TC_ACT_REPEAT", [TC_ACT_REDIRECT] = "TC_ACT_REDIRECT",
		[TC_ACT_TRAP] = "TC_ACT_TRAP",
	};
	static const char *const xdp[] = {
		[XDP_ABORTED] = "XDP_ABORTED",	 [XDP_DROP] = "XDP_DROP",
		[XDP_PASS] = "XDP_PASS",	 [XDP_TX] = "XDP_TX",
		[XDP_REDIRECT] = "XDP_REDIRECT",
	};

	if (kind == BPFPROG_XDP)
		return verdict >= 0 && (size_t)verdict < sizeof(xdp) / sizeof(xdp[0]) ? xdp[verdict]
										      : NULL;
	if (verdict == TC_ACT_UNSPEC)
		return "TC_ACT_UNSPEC";
	return verdict >= 0 && (size_t)verdict < sizeof(tc) / sizeof(tc[0]) ? tc[verdict] : NULL;
}
