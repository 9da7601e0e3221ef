// SPDX-License-Identifier: GPL-2.0
/*
 * Finds the skbt_pcap_l2/l3 and skbt_pcap_tun_l2/l3 stub subprograms in
 * each program's final (relocated) instructions by their marker
 * immediates (load/rewrite.c), splices the
 * translated filter over them, and gives the new subprograms BTF
 * func/line info records so the kernel accepts the program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/tracer.h"
#include "filter/pcap_filter.h"
#include "load/pcap_hook.h"
#include "load/rewrite.h"
#include "bpf/skbtrace.h"

/* Translated code for the stub that holds marker. */
struct stub_code {
	int marker;
	struct pcap_filter_prog prog;
};

struct pcap_hook {
	struct stub_code stubs[4]; /* outer l2 and l3, tunnel l2, tunnel l3 */
	size_t nstubs;
	void **keep; /* func/line info arrays that must outlive the load */
	size_t nkeep;
	bool outer;	  /* the positional expression is in */
	unsigned int tun; /* enum skbt_tun_filter bits */
	char note[512];
};

static int keep(struct pcap_hook *h, void *p)
{
	void **v = realloc(h->keep, (h->nkeep + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	h->keep = v;
	h->keep[h->nkeep++] = p;
	return 0;
}

/* Gives the appended subprogram at new_off the stub's BTF records. */
static int extend_btf(struct pcap_hook *h, struct bpf_prog_load_opts *o, size_t stub,
		      size_t new_off)
{
	void *func = NULL, *line = NULL;
	int err;

	if (!o->func_info || !o->func_info_cnt)
		return 0;
	err = pcap_filter_splice_btf_ext(o->func_info, o->func_info_cnt, o->func_info_rec_size,
					 o->line_info, o->line_info_cnt, o->line_info_rec_size,
					 stub, new_off, &func, &line);
	if (err)
		return err;
	if (keep(h, func) || (line && keep(h, line))) {
		free(func);
		free(line);
		return -ENOMEM;
	}
	o->func_info = func;
	o->func_info_cnt++;
	if (line) {
		o->line_info = line;
		o->line_info_cnt++;
	}
	return 0;
}

static int splice_one(struct pcap_hook *h, struct bpf_prog_load_opts *o, struct bpf_insn **code,
		      size_t *cnt, int marker, const struct pcap_filter_prog *f)
{
	struct bpf_insn *out;
	size_t start, end, out_cnt;
	int err;

	if (rewrite_find_subprog(*code, *cnt, marker, &start, &end))
		return 0; /* this program has no such stub */
	err = pcap_filter_splice(*code, *cnt, start, end - start, f, &out, &out_cnt);
	if (err)
		return err;
	/* Spliced into the stub itself: no new subprogram to describe. */
	if (out_cnt != *cnt)
		err = extend_btf(h, o, start, *cnt);
	if (err) {
		free(out);
		return err;
	}
	free(*code);
	*code = out;
	*cnt = out_cnt;
	return 0;
}

static int hook(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
		const struct bpf_insn *insns, size_t cnt, struct bpf_insn **out, size_t *out_cnt,
		void *ctx)
{
	struct pcap_hook *h = ctx;
	struct bpf_insn *code = rewrite_copy(insns, cnt);
	int err = 0;

	(void)prog;
	if (!code)
		return -ENOMEM;
	for (size_t i = 0; i < h->nstubs && !err; i++)
		err = splice_one(h, opts, &code, &cnt, h->stubs[i].marker, &h->stubs[i].prog);
	if (err) {
		free(code);
		return err;
	}
	*out = code;
	*out_cnt = cnt;
	return 0;
}

/* Takes prog (moved, not copied) for the stub holding marker, once the verifier took it. */
static int add_stub(struct pcap_hook *h, int marker, struct pcap_filter_prog *prog, char *err,
		    size_t errlen)
{
	int rc = pcap_filter_check_load(prog, err, errlen);

	if (rc || h->nstubs == sizeof(h->stubs) / sizeof(h->stubs[0])) {
		if (!rc)
			snprintf(err, errlen, "too many filters");
		pcap_filter_prog_free(prog);
		return -1;
	}
	h->stubs[h->nstubs].marker = marker;
	h->stubs[h->nstubs++].prog = *prog;
	memset(prog, 0, sizeof(*prog));
	return 0;
}

static int add_outer(struct pcap_hook *h, const char *expr, const char **note, char *err,
		     size_t errlen)
{
	struct pcap_filter f;

	if (pcap_filter_build(expr, &f, err, errlen))
		return -1;
	if (add_stub(h, SKBT_PCAP_L2_MARKER, &f.l2, err, errlen) ||
	    add_stub(h, SKBT_PCAP_L3_MARKER, &f.l3, err, errlen)) {
		pcap_filter_free(&f);
		return -1;
	}
	if (h->stubs[h->nstubs - 1].prog.match_nothing) {
		snprintf(
			h->note, sizeof(h->note),
			"filter '%s' needs a MAC header (%s); it matches nothing where an skb has none",
			expr, f.l3_reason[0] ? f.l3_reason : "not valid for raw IP");
		*note = h->note;
	}
	return 0;
}

/* A tunnel filter has one view: its link type is an error, not a note. */
static int add_tunnel(struct pcap_hook *h, int marker, int linktype, const char *expr, char *err,
		      size_t errlen)
{
	struct pcap_filter_prog prog;

	if (pcap_filter_compile(expr, linktype, PCAP_FILTER_SNAPLEN, &prog, err, errlen))
		return -1;
	return add_stub(h, marker, &prog, err, errlen);
}

static int stub_index(int marker)
{
	switch (marker) {
	case SKBT_PCAP_L2_MARKER:
		return SKBT_PCAP_L2;
	case SKBT_PCAP_L3_MARKER:
		return SKBT_PCAP_L3;
	case SKBT_PCAP_TUN_L2_MARKER:
		return SKBT_PCAP_TUN_L2;
	default:
		return SKBT_PCAP_TUN_L3;
	}
}

/* The window each filter reads must fit what the BPF side copies. */
static int check_windows(const struct pcap_hook *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->nstubs; i++) {
		const struct pcap_filter_prog *p = &h->stubs[i].prog;

		if (p->window > SKBT_PCAP_WINDOW || p->win_pad > 7) {
			snprintf(err, errlen, "filter window of %u bytes, more than %d", p->window,
				 SKBT_PCAP_WINDOW);
			return -1;
		}
	}
	return 0;
}

int pcap_hook_add(struct pcap_hook **hp, enum pcap_hook_kind kind, const char *expr,
		  const char **note, char *err, size_t errlen)
{
	struct pcap_hook *h = *hp;
	int rc;

	*note = NULL;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*hp = h;
	}
	switch (kind) {
	case PCAP_HOOK_OUTER:
		rc = add_outer(h, expr, note, err, errlen);
		h->outer |= !rc;
		break;
	case PCAP_HOOK_TUN_L2:
		rc = add_tunnel(h, SKBT_PCAP_TUN_L2_MARKER, DLT_EN10MB, expr, err, errlen);
		h->tun |= rc ? 0 : SKBT_TUN_L2;
		break;
	default:
		rc = add_tunnel(h, SKBT_PCAP_TUN_L3_MARKER, DLT_RAW, expr, err, errlen);
		h->tun |= rc ? 0 : SKBT_TUN_L3;
		break;
	}
	return rc ? rc : check_windows(h, err, errlen);
}

/*
 * The BPF side copies each filter's window before calling it: tell it how
 * much, and at which residue modulo 8 the filter's loads are aligned for.
 */
void pcap_hook_apply(struct pcap_hook *h, struct tracer *t)
{
	if (!h)
		return;
	t->insn_hook = hook;
	t->insn_hook_ctx = h;
	t->cfg.pcap = h->outer;
	t->cfg.tun = h->tun;
	for (size_t i = 0; i < h->nstubs; i++) {
		int idx = stub_index(h->stubs[i].marker);

		t->cfg.pcap_win[idx] = h->stubs[i].prog.window;
		t->cfg.pcap_pad[idx] = h->stubs[i].prog.win_pad;
	}
}

void pcap_hook_free(struct pcap_hook *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nkeep; i++)
		free(h->keep[i]);
	free(h->keep);
	for (size_t i = 0; i < h->nstubs; i++)
		pcap_filter_prog_free(&h->stubs[i].prog);
	free(h);
}
