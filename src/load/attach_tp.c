// SPDX-License-Identifier: GPL-2.0
/* The raw tracepoint backend (and every backend's tracepoints). */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/kernel_features.h"
#include "load/rewrite.h"
#include "load/tracer.h"

/* A copy of the template's final code with probe i's index, loaded; an fd or -errno. */
static int load_copy(const struct tp_template *tmpl, struct bpf_program *prog, size_t i)
{
	size_t cnt = bpf_program__insn_cnt(prog);
	LIBBPF_OPTS(bpf_prog_load_opts, lo);
	struct bpf_insn *copy;
	int fd;

	copy = rewrite_copy(bpf_program__insns(prog), cnt);
	if (!copy)
		return -ENOMEM;
	rewrite_set_imm(copy, tmpl->marker, tmpl->nmarker, (int)i);
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, bpf_program__name(prog), "GPL", copy, cnt,
			   &lo);
	if (fd < 0)
		fd = -errno;
	free(copy);
	return fd;
}

int attach_tp(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];
	struct bpf_program *prog = prog_of(t, p);
	struct tp_template *tmpl = prog_template(t, prog);
	int fd = bpf_program__fd(prog), link;

	if (t->cfg.tp_cookie)
		return attach_keep_link(t, i, raw_tp_open_cookie(p->name, fd, i));
	if (tmpl->first != (long)i) {
		fd = load_copy(tmpl, prog, i);
		if (fd < 0) {
			attach_mark(t, i, fd);
			return fd;
		}
		t->fds[2 * i] = fd;
	}
	link = bpf_raw_tracepoint_open(p->name, fd);
	return attach_keep_link(t, i, link < 0 ? -errno : link);
}
