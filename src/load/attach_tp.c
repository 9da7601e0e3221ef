// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint backends, raw tracepoints and tp_btf (and every other
 * backend's tracepoints, which are raw ones).
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/kernel_features.h"
#include "load/rewrite.h"
#include "load/tracer.h"

/*
 * A copy of the template's final code with probe i's index, loaded; an fd
 * or -errno.  A tp_btf copy is verified against probe i's prototype
 * (btf_trace_<name>), which also names the tracepoint it attaches to.
 */
static int load_copy(struct tracer *t, const struct tp_template *tmpl, struct bpf_program *prog,
		     size_t i)
{
	const struct probe *p = &t->probes->v[i];
	size_t cnt = bpf_program__insn_cnt(prog);
	LIBBPF_OPTS(bpf_prog_load_opts, lo);
	struct bpf_insn *copy;
	int fd;

	if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING) {
		lo.expected_attach_type = BPF_TRACE_RAW_TP;
		lo.attach_btf_id = p->btf_id;
		lo.attach_btf_obj_fd = modbtf_fd(&t->mods, p);
	}
	copy = rewrite_copy(bpf_program__insns(prog), cnt);
	if (!copy)
		return -ENOMEM;
	rewrite_set_imm(copy, tmpl->marker, tmpl->nmarker, (int)i);
	fd = bpf_prog_load(bpf_program__type(prog), bpf_program__name(prog), "GPL", copy, cnt, &lo);
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
		fd = load_copy(t, tmpl, prog, i);
		if (fd < 0) {
			attach_mark(t, i, fd);
			return fd;
		}
		t->fds[2 * i] = fd;
	}
	link = bpf_raw_tracepoint_open(
		bpf_program__type(prog) == BPF_PROG_TYPE_TRACING ? NULL : p->name, fd);
	return attach_keep_link(t, i, link < 0 ? -errno : link);
}
