// SPDX-License-Identifier: GPL-2.0
/* The fentry backend (and the fexit clone hooks). */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/tracer.h"

/*
 * The template serves its own function; every other function gets a copy
 * of the template's final code, verified against that function (this is
 * where fentry's start-up time goes, spread over the attach threads).
 */
int attach_fentry(struct tracer *t, size_t i)
{
	struct probe *p = &t->probes->v[i];
	struct bpf_program *prog = prog_of(t, p);
	struct tp_template *tmpl = prog_template(t, prog);
	int fd = bpf_program__fd(prog), link, err;

	if (tmpl->first != (long)i) {
		LIBBPF_OPTS(bpf_prog_load_opts, lo,
			    .expected_attach_type = bpf_program__expected_attach_type(prog),
			    .attach_btf_id = p->btf_id,
			    .attach_btf_obj_fd = modbtf_fd(&t->mods, p));

		fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, bpf_program__name(prog), "GPL",
				   bpf_program__insns(prog), bpf_program__insn_cnt(prog), &lo);
		if (fd < 0) {
			err = -errno;
			attach_mark(t, i, err);
			return err;
		}
		t->fds[2 * i] = fd;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	return attach_keep_link(t, i, link < 0 ? -errno : link);
}
