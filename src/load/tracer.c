// SPDX-License-Identifier: GPL-2.0
/*
 * The tracer's life: the skeleton opened, configured from tracer_cfg,
 * loaded with each program's final code rewritten on the way (probe
 * index, direct reads, the packet filter), and destroyed; and the
 * accessors through which the rest of skbtrace reads its maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "load/attach_bpfprog.h"
#include "load/rewrite.h"
#include "load/tracer.h"
#include "bpf/skbtrace.h"
#include "skbtrace.skel.h"

/* The raw_tp template: its probe index markers, remembered for the copies. */
static int prepare_raw_tp(struct tp_template *tmpl, const struct bpf_insn *in, size_t cnt,
			  struct bpf_insn **buf)
{
	if (!*buf && !(*buf = rewrite_copy(in, cnt)))
		return -ENOMEM;
	tmpl->nmarker = rewrite_find_imm(*buf, cnt, (int)SKBT_PROBE_ID_MARKER, tmpl->marker,
					 sizeof(tmpl->marker) / sizeof(tmpl->marker[0]));
	if (!tmpl->nmarker)
		return -ENOENT;
	rewrite_set_imm(*buf, tmpl->marker, tmpl->nmarker, (int)tmpl->first);
	return 0;
}

/* libbpf calls this for each of our programs, with the tracer as cookie. */
static int prepare_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	struct tracer *t = (struct tracer *)cookie;
	const struct bpf_insn *in = bpf_program__insns(prog);
	size_t cnt = bpf_program__insn_cnt(prog);
	struct tp_template *tmpl = prog_template(t, prog);
	struct bpf_insn *buf = NULL;
	int err = 0;

	if (t->insn_hook) {
		err = t->insn_hook(prog, opts, in, cnt, &buf, &cnt, t->insn_hook_ctx);
		if (err)
			return err;
	}
	if (tmpl && bpf_program__type(prog) == BPF_PROG_TYPE_TRACING) {
		const struct probe *p = &t->probes->v[tmpl->first];

		opts->attach_btf_id = p->btf_id;
		opts->attach_btf_obj_fd = modbtf_fd(&t->mods, p);
	}
	/* Raw tracepoints and tp_btf: the probe index, in each copy. */
	if (tmpl && (bpf_program__type(prog) == BPF_PROG_TYPE_RAW_TRACEPOINT ||
		     bpf_program__expected_attach_type(prog) == BPF_TRACE_RAW_TP)) {
		err = prepare_raw_tp(tmpl, in, cnt, &buf);
		if (err == -ENOMEM)
			return err;
	}
	if (t->cfg.direct_id > 0 && !err) {
		if (!buf && !(buf = rewrite_copy(in, cnt)))
			return -ENOMEM;
		rewrite_kfunc_calls(buf, cnt, (int)SKBT_DIRECT_MARKER, t->cfg.direct_id);
	}
	if (buf && !err)
		err = bpf_program__set_insns(prog, buf, cnt);
	free(buf);
	return err;
}

static const struct {
	const char *sec;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
} sections[SKBT_SECTIONS] = {
	{"skbt.raw_tp", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
	{"skbt.kprobe", BPF_PROG_TYPE_KPROBE, 0},
	{"skbt.kprobe_multi", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI},
	{"skbt.fentry", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
	{"skbt.fexit", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
	{"skbt.tp_btf", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP},
};

/*
 * Until the tracer is destroyed: the opened programs point at libbpf's
 * record of their section, which unregistering frees.
 */
static int register_handlers(struct tracer *t)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, hopts, .cookie = (long)t,
		    .prog_prepare_load_fn = prepare_load);

	for (int i = 0; i < SKBT_SECTIONS; i++) {
		int id = libbpf_register_prog_handler(sections[i].sec, sections[i].type,
						      sections[i].attach, &hopts);

		if (id < 0)
			return id;
		t->handlers[i] = id;
	}
	return 0;
}

static void unregister_handlers(struct tracer *t)
{
	for (int i = 0; i < SKBT_SECTIONS; i++) {
		if (t->handlers[i] > 0)
			libbpf_unregister_prog_handler(t->handlers[i]);
		t->handlers[i] = 0;
	}
}

static void configure_rodata(struct tracer *t)
{
	struct skbtrace_bpf *s = t->skel;

	s->rodata->cfg_netns = t->cfg.netns;
	s->rodata->cfg_ifindex = t->cfg.ifindex;
	s->rodata->cfg_mark = t->cfg.mark;
	s->rodata->cfg_mark_mask = t->cfg.mark_mask;
	s->rodata->cfg_filter_mark = t->cfg.filter_mark;
	s->rodata->cfg_stack = t->cfg.stack;
	s->rodata->cfg_caller = t->cfg.caller;
	s->rodata->cfg_pcap = t->cfg.pcap;
	s->rodata->cfg_tun = t->cfg.tun;
	for (int i = 0; i < SKBT_PCAP_STUBS; i++) {
		s->rodata->cfg_pcap_win[i] = t->cfg.pcap_win[i];
		s->rodata->cfg_pcap_pad[i] = t->cfg.pcap_pad[i];
	}
	s->rodata->cfg_skb_size = t->cfg.skb_size;
	s->rodata->cfg_tp_cookie = t->cfg.tp_cookie;
	s->rodata->cfg_wakeup_bytes = t->cfg.ringbuf_size / 8;
	s->rodata->cfg_track = t->cfg.track;
	s->rodata->cfg_track_tp_free = t->cfg.track_tp_free;
	s->rodata->cfg_skb_span = t->cfg.skb_span;
	s->rodata->cfg_direct = t->cfg.direct_id > 0;
	s->rodata->cfg_cap_len = t->cfg.cap_len;
	s->rodata->cfg_cap_at = t->cfg.cap_at;
	s->rodata->cfg_consumed = t->cfg.consumed >= 0 ? (__u32)t->cfg.consumed : ~0U;
	s->rodata->cfg_nf_drop = t->cfg.nf_drop > 0 ? (__u32)t->cfg.nf_drop : 0;
	s->rodata->cfg_drops_only = t->cfg.drops_only;
	s->rodata->cfg_drop_events = t->cfg.drop_events;
	s->rodata->cfg_drop_summary = t->cfg.drop_summary_max > 0;
	s->rodata->cfg_netns_memo = t->cfg.netns_memo;
}

static void configure(struct tracer *t)
{
	struct skbtrace_bpf *s = t->skel;

	configure_rodata(t);
	bpf_map__set_max_entries(s->maps.tracked_skbs, t->cfg.track ? t->cfg.track_max : 1);
	bpf_map__set_max_entries(s->maps.clone_parents, t->cfg.track ? SKBT_CLONE_SLOTS : 1);
	bpf_map__set_max_entries(s->maps.events, t->cfg.ringbuf_size);
	bpf_map__set_max_entries(s->maps.stacks, t->cfg.stack ? t->cfg.stack_map_size : 1);
	/* Large -s builds records in a buffer per CPU; otherwise the buffer is unused. */
	if (t->cfg.cap_len > SKBT_CAP_INLINE_MAX)
		bpf_map__set_max_entries(s->maps.cap_records, libbpf_num_possible_cpus());
	else
		bpf_map__set_value_size(s->maps.cap_records, 8);
	bpf_map__set_max_entries(s->maps.drop_summary,
				 t->cfg.drop_summary_max ? t->cfg.drop_summary_max : 1);
	bpf_map__set_max_entries(s->maps.netns_memo, t->cfg.netns_memo ? SKBT_NETNS_MEMO : 1);
}

int tracer_load(struct tracer *t, char *err, size_t errlen)
{
	double t0 = load_now_ms();
	int rc;

	rc = register_handlers(t);
	if (rc) {
		snprintf(err, errlen, "libbpf refused our program sections: %s", strerror(-rc));
		return rc;
	}
	t->skel = skbtrace_bpf__open();
	if (!t->skel) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return rc;
	}
	configure(t);
	if ((t->cfg.backend == BACKEND_FENTRY || t->cfg.backend == BACKEND_TP_BTF) &&
	    modbtf_resolve(&t->mods, t->probes)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	progs_select(t);
	rc = prog_tracer_select(t);
	if (rc) {
		snprintf(err, errlen, "cannot prepare tracing tc/XDP programs: %s", strerror(-rc));
		return rc;
	}
	rc = skbtrace_bpf__load(t->skel);
	if (rc) {
		snprintf(
			err, errlen,
			"loading the BPF programs failed: %s (run with SKBT_DEBUG=1 for the verifier log)",
			strerror(-rc));
		return rc;
	}
	t->load_ms = load_now_ms() - t0;
	return 0;
}

bool tracer_loaded(const struct tracer *t)
{
	return t->skel != NULL;
}

static unsigned long long prog_misses(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

unsigned long long tracer_missed(const struct tracer *t)
{
	struct bpf_program *prog;
	unsigned long long n = 0;

	if (!t->skel)
		return 0;
	bpf_object__for_each_program(prog, t->skel->obj)
		n += prog_misses(bpf_program__fd(prog));
	for (size_t i = 0; t->fds && i < t->nfds; i += 2)
		n += prog_misses(t->fds[i]);
	return n;
}

unsigned long long tracer_counter(const struct tracer *t, enum skbt_counter idx)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum = 0, *v;
	__u32 key = idx;

	if (ncpu <= 0 || !t->skel)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.counters), &key, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

int tracer_events_fd(const struct tracer *t)
{
	return t->skel ? bpf_map__fd(t->skel->maps.events) : -1;
}

int tracer_stacks_fd(const struct tracer *t)
{
	return t->skel ? bpf_map__fd(t->skel->maps.stacks) : -1;
}

int tracer_drop_summary_fd(const struct tracer *t)
{
	return t->skel && t->cfg.drop_summary_max ? bpf_map__fd(t->skel->maps.drop_summary) : -1;
}

unsigned long long tracer_clone_slots_left(const struct tracer *t)
{
	int fd = t->skel ? bpf_map__fd(t->skel->maps.clone_parents) : -1;
	unsigned long long n = 0;
	__u64 key, next;
	void *prev = NULL;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

void tracer_destroy(struct tracer *t)
{
	/* Links before programs, so nothing fires into a closing program. */
	tracer_detach(t);
	for (size_t i = 0; t->fds && i < t->nfds; i += 2)
		if (t->fds[i] >= 0)
			close(t->fds[i]);
	free(t->links);
	free(t->fds);
	t->links = NULL;
	t->fds = NULL;
	modbtf_free(&t->mods);
	skbtrace_bpf__destroy(t->skel);
	t->skel = NULL;
	unregister_handlers(t);
}
