// SPDX-License-Identifier: GPL-2.0
/*
 * skbtrace: follow struct sk_buff through the kernel.  main() wires the
 * pieces: options -> probes (discovery, backend, selection) -> tracer
 * (load, attach) -> event loop -> summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "app.h"
#include "load/backend.h"
#include "probe/btf_discover.h"
#include "diag/addr2line_cmd.h"
#include "diag/srcline.h"
#include "bpf/skbtrace.h"
#include "out/report.h"

static volatile sig_atomic_t stop_flag;

/* libbpf's own messages only with SKBT_DEBUG: ours say what matters in one line. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;

	(void)level;
	if (debug < 0)
		debug = getenv("SKBT_DEBUG") != NULL;
	return debug ? vfprintf(stderr, fmt, ap) : 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load_btf(struct app *a)
{
	a->btf = discover_load_btf(a->o.kernel_btf, a->err, sizeof(a->err));
	if (!a->btf)
		return app_fail(a, a->o.kernel_btf ? EXIT_USAGE : EXIT_ENV, "%s", a->err);
	if (!a->o.all_kmods && !a->o.kmods)
		return 0;
	if (discover_load_module_btfs(a->btf, a->o.kmods, &a->mod_btfs, &a->mod_names, &a->nmods,
				      a->err, sizeof(a->err)))
		return app_fail(a, a->o.kmods ? EXIT_USAGE : EXIT_ENV, "%s", a->err);
	return 0;
}

static int discover(struct app *a)
{
	bool cat_fallback = false;
	int rc;

	a->tracefs = tracefs_find();
	rc = discover_funcs(a->btf, NULL, &a->found);
	for (int i = 0; rc >= 0 && i < a->nmods; i++)
		rc = discover_funcs(a->mod_btfs[i], a->mod_names[i], &a->found);
	if (rc >= 0)
		rc = discover_tracepoints(a->btf, a->tracefs, &a->found, &cat_fallback);
	if (rc < 0)
		return app_fail(a, EXIT_ENV, "reading kernel types from BTF failed: %s",
				strerror(-rc));
	/* skbtrace copes: only -v wants to know. */
	if (cat_fallback && a->o.verbose && !a->o.list_funcs)
		fprintf(stderr, "skbtrace: tracefs is not mounted; tracepoint categories come from "
				"skbtrace's own table\n");
	return 0;
}

static bool need_ksyms(const struct app *a)
{
	/* The clone hooks name their events by function address, on any backend. */
	return !backend_on_tracepoints(a->sel.backend) || a->o.out.caller || a->o.out.stack ||
	       (a->o.track && a->kf.kprobe);
}

static int load_ksyms(struct app *a)
{
	/* only drops need names then: read after start-up (app_start_ksyms()) */
	if (!need_ksyms(a))
		return 0;
	a->ks = ksyms_load(NULL);
	if (!a->ks)
		return app_fail(a, EXIT_ENV, "cannot read /proc/kallsyms: %s", strerror(errno));
	if (ksyms_hidden(a->ks))
		fprintf(stderr,
			"skbtrace: kernel addresses are hidden (%s); functions and stacks print as "
			"addresses\n",
			privs_have(CAP_SYSLOG) ? "kernel.kptr_restrict" : "missing CAP_SYSLOG");
	return 0;
}

static int resolve_filters(struct app *a)
{
	if (a->o.filter_netns &&
	    netns_resolve(a->o.filter_netns, &a->netns, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_USAGE, "%s", a->err);
	if (a->o.filter_ifname) {
		if (netns_ifindex(a->o.filter_netns, a->o.filter_ifname, &a->ifindex, a->err,
				  sizeof(a->err)))
			return app_fail(a, EXIT_USAGE, "%s", a->err);
		/* An ifindex only means something inside one namespace. */
		if (!a->netns)
			a->netns = netns_self();
	}
	return 0;
}

static unsigned int skb_struct_size(const struct app *a)
{
	int id = btf__find_by_name_kind(a->btf, "sk_buff", BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(a->btf, id) : NULL;

	if (!t)
		return 0;
	return t->size < SKBT_SKB_DATA_MAX ? t->size : SKBT_SKB_DATA_MAX;
}

static void on_group(void *ctx, const struct group_pkt *p, enum group_end why)
{
	output_group(ctx, p, why);
}

/* The one place the tracer's configuration comes from. */
static void configure_tracer(struct app *a)
{
	struct tracer *t = &a->tr;
	struct tracer_cfg *c = &t->cfg;

	t->probes = &a->probes;
	c->backend = a->sel.backend;
	c->netns = a->netns;
	c->ifindex = a->ifindex;
	c->filter_mark = a->o.filter_mark_set;
	c->mark = a->o.mark;
	c->mark_mask = a->o.mark_mask;
	/* A tp_btf program is verified per tracepoint: a copy each anyway. */
	c->tp_cookie =
		a->kf.raw_tp_cookie && !getenv("SKBT_NO_TP_COOKIE") && c->backend != BACKEND_TP_BTF;
	c->stack = a->o.out.stack;
	c->caller = a->o.out.caller;
	c->skb_size = a->o.out.skb ? skb_struct_size(a) : 0;
	c->ringbuf_size = a->o.ringbuf_size;
	c->stack_map_size = a->o.stack_map_size;
	c->track = a->o.track;
	c->track_max = a->o.track_max;
	c->track_tp_free = a->sel.track_tp_free;
	c->skb_span = discover_skb_span_fits(a->btf, SKBT_SKB_SPAN);
	c->direct_id = getenv("SKBT_NO_DIRECT") ? 0 : a->kf.rdonly_cast_id;
	c->show_progress = isatty(STDERR_FILENO) && !a->o.quiet;
	c->trace_tc = a->o.trace_tc && a->kf.fentry;
	c->trace_xdp = a->o.trace_xdp && a->kf.fentry;
	c->cap_len = a->cap ? a->o.capture_len : 0;
	c->cap_at = a->o.capture_at;
	c->consumed = drop_reason_consumed(a->dr);
	c->nf_drop = drop_reason_value(a->dr, "SKB_DROP_REASON_NETFILTER_DROP");
	c->drops_only = a->sel.drops_only;
	/* --drop-summary and --metrics count drops in BPF; alone they send no event */
	c->drop_events = (!a->o.drop_summary && !a->o.metrics) || a->o.drops_only;
	c->drop_summary_max = a->o.drop_summary || a->o.metrics ? a->o.drop_summary_max : 0;
	/* only a trace sees an skb's earlier events, which the memo keeps */
	c->netns_memo = !a->sel.drops_only && !getenv("SKBT_NO_NETNS_MEMO");
	/* no event to send: a ring of one page is plenty */
	if (!c->drop_events)
		c->ringbuf_size = 4096;
	pcap_hook_apply(a->pcap, t);
}

/*
 * tc and XDP programs are traced with fentry/fexit: where the kernel
 * refuses those, one line says so and the rest of the trace goes on.
 */
static void check_prog_tracing(struct app *a)
{
	if (!a->o.trace_tc && !a->o.trace_xdp)
		return;
	if (!a->kf.fentry_probed)
		features_probe_fentry(&a->kf, a->btf);
	if (!a->kf.fentry)
		fprintf(stderr, "skbtrace: %s%s%s: not tracing BPF programs: %s\n",
			a->o.trace_tc ? "--filter-trace-tc" : "",
			a->o.trace_tc && a->o.trace_xdp ? " and " : "",
			a->o.trace_xdp ? "--filter-trace-xdp" : "", a->kf.fentry_why);
}

/*
 * Why nothing attached, when privileges explain it: kernels built with
 * perf_event_paranoid=3 (Debian's) refuse perf_event_open, hence kprobes,
 * with EACCES to CAP_BPF + CAP_PERFMON without CAP_SYS_ADMIN, while fentry
 * and tracepoints attach through bpf() with those two.
 */
static const char *attach_hint(const struct app *a, int err)
{
	bool kprobes = a->sel.backend == BACKEND_KPROBE || a->sel.backend == BACKEND_KPROBE_MULTI;

	if (!kprobes || (err != -EACCES && err != -EPERM) || privs_have(CAP_SYS_ADMIN))
		return "";
	return "; kprobes were refused without CAP_SYS_ADMIN (kernel.perf_event_paranoid 3 "
	       "keeps perf events for it): add it, or use --backend fentry or tracepoint";
}

static int start_tracer(struct app *a)
{
	struct tracer *t = &a->tr;

	configure_tracer(a);
	if (tracer_load(t, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	if (tracer_attach(t, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	if (!t->attached)
		return app_fail(a, EXIT_ENV, "no probe could be attached (%zu failed%s%s)%s",
				t->failed, t->failed ? ", first error: " : "",
				t->failed ? strerror(-a->probes.v[0].attach_err) : "",
				t->failed ? attach_hint(a, a->probes.v[0].attach_err) : "");
	a->pt.verbose = !a->o.quiet;
	if ((t->cfg.trace_tc || t->cfg.trace_xdp) &&
	    prog_tracer_start(&a->pt, t, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	a->out.progs = &a->pt.progs;
	if (app_start_drop_summary(a))
		return EXIT_ENV;
	if (exporter_attach(&a->metrics, tracer_drop_summary_fd(t), &a->nm,
			    backend_name(a->sel.backend), t->attached, t->failed))
		return app_fail(a, EXIT_ENV, "out of memory");
	if (a->o.out.stack)
		a->out.stack_map_fd = tracer_stacks_fd(t);
	if (output_init(&a->out))
		return app_fail(a, EXIT_ENV, "cannot set up the output formatter");
	if (a->o.group) {
		a->group = group_new(0, 0, on_group, &a->out);
		if (!a->group)
			return app_fail(a, EXIT_ENV, "out of memory");
	}
	return 0;
}

static int write_ready_file(struct app *a)
{
	int fd;

	if (!a->o.ready_file)
		return 0;
	fd = privs_create(&a->privs, a->o.ready_file, 0);
	if (fd < 0)
		return app_fail(a, EXIT_USAGE, "cannot create --ready-file '%s': %s",
				a->o.ready_file, strerror(errno));
	close(fd);
	return 0;
}

/* -w: the event's packet record, its text as the comment.  A write error ends the run. */
static void capture_one(struct app *a, const struct skbt_event *e, size_t size)
{
	char text[1024];
	size_t n, func_len;

	if (!(e->flags & SKBT_F_CAPTURE) || capture_error(a->cap))
		return;
	n = output_comment(&a->out, e, text, sizeof(text), &func_len);
	if (capture_event(a->cap, e, size, text, n, func_len) && capture_error(a->cap))
		stop_flag = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct app *a = ctx;

	if (size < sizeof(struct skbt_event))
		return 0;
	app_join_ksyms(a);
	/* libbpf stops consuming only on a negative return. */
	if (a->o.limit_lines && a->events >= a->o.limit_lines)
		return -ECANCELED;
	if (a->cap)
		capture_one(a, data, size);
	if (a->print && a->group) {
		if (group_add(a->group, data, size))
			return -ENOMEM;
	} else if (a->print) {
		output_event(&a->out, data, size);
	}
	a->events++;
	if (a->o.limit_lines && a->events >= a->o.limit_lines) {
		stop_flag = 1;
		return -ECANCELED;
	}
	return 0;
}

static int event_loop(struct app *a)
{
	double last_report = now_s();
	int rc = 0;

	a->rb = ring_buffer__new(tracer_events_fd(&a->tr), on_event, a, NULL);
	if (!a->rb)
		return app_fail(a, EXIT_ENV, "cannot open the event ring buffer: %s",
				strerror(errno));
	/* --drop-summary or --metrics alone, or -w without printed events: no event lines */
	if (a->print && a->tr.cfg.drop_events)
		output_header(&a->out);
	while (!stop_flag) {
		/*
		 * Below the wakeup mark the kernel does not wake us, and a poll
		 * that times out reads nothing: consume what is queued.
		 */
		rc = ring_buffer__poll(a->rb, 10);
		if (rc >= 0)
			rc = ring_buffer__consume(a->rb);
		if (rc < 0 && rc != -EINTR && rc != -ECANCELED)
			return app_fail(a, EXIT_ENV, "reading events failed: %s", strerror(-rc));
		/* A reader of -w - (Wireshark) sees each batch as soon as it is read. */
		if (a->cap && capture_flush(a->cap))
			stop_flag = 1;
		if (now_s() - last_report >= 1.0) {
			a->lost_reported = report_lost(
				&a->out, tracer_counter(&a->tr, SKBT_CNT_LOST), a->lost_reported);
			if (a->cap)
				capture_lost(a->cap, a->lost_reported);
			output_flush(&a->out);
			prog_tracer_poll(&a->pt);
			app_metrics_tick(a);
			last_report = now_s();
		}
		app_drop_summary_tick(a, false);
	}
	/* A reader that went away (-w - | head) is a normal end; a full disk is not. */
	if (a->cap && capture_error(a->cap) && capture_error(a->cap) != -EPIPE)
		return EXIT_ENV;
	return 0;
}

/* Detach first, then drain what is already in the ring, so every event is accounted for. */
static void finish(struct app *a, int status)
{
	struct summary sum = {.events = a->events,
			      .attached = a->tr.attached,
			      .failed = a->tr.failed,
			      .status = status};
	double t0 = now_s();

	if (!tracer_loaded(&a->tr)) {
		group_flush_all(a->group);
		output_flush(&a->out);
		app_close_capture(a);
		return;
	}
	prog_tracer_stop(&a->pt);
	tracer_detach(&a->tr);
	/* bench/vm.sh reads this: detaching thousands of kprobes is slow. */
	if (getenv("SKBT_DEBUG"))
		fprintf(stderr, "skbtrace: detach %.1f ms\n", (now_s() - t0) * 1e3);
	if (a->rb && !(a->o.limit_lines && a->events >= a->o.limit_lines))
		ring_buffer__consume(a->rb);
	sum.lost = tracer_counter(&a->tr, SKBT_CNT_LOST);
	sum.stack_lost = tracer_counter(&a->tr, SKBT_CNT_STACK_LOST);
	sum.missed = tracer_missed(&a->tr);
	group_flush_all(a->group);
	output_flush(&a->out);
	app_close_capture(a);
	app_drop_summary_tick(a, true);
	app_metrics_tick(a);
	if (a->dsess.uncounted)
		report_drop_summary_full(a->dsess.uncounted, a->o.drop_summary_max);
	if (a->o.track)
		report_tracking(tracer_counter(&a->tr, SKBT_CNT_TRACK_FULL),
				tracer_counter(&a->tr, SKBT_CNT_CLONE_LOST) +
					tracer_clone_slots_left(&a->tr),
				group_evicted(a->group));
	sum.ran_s = now_s() - a->t_start;
	report_summary(&sum);
	prog_tracer_report(&a->pt, true);
}

static void cleanup(struct app *a)
{
	ring_buffer__free(a->rb);
	group_free(a->group);
	prog_tracer_free(&a->pt);
	tracer_destroy(&a->tr);
	pcap_hook_free(a->pcap);
	output_free(&a->out);
	srcline_free(a->out.src);
	if (a->out_file && a->out_file != stdout)
		fclose(a->out_file);
	drop_session_free(&a->dsess);
	exporter_stop(&a->metrics);
	netns_names_free(a->nn);
	drop_reasons_free(a->dr);
	if (a->ks_async)
		ksyms_free(ksyms_join(a->ks_async));
	ksyms_free(a->ks);
	probe_list_free(&a->probes);
	probe_list_free(&a->found);
	for (int i = 0; i < a->nmods; i++) {
		btf__free(a->mod_btfs[i]);
		free(a->mod_names[i]);
	}
	free(a->mod_btfs);
	free(a->mod_names);
	btf__free(a->btf);
	opts_free(&a->o);
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One kprobe is one file descriptor: thousands of them need more than the usual 1024. */
static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* A bad expression is a usage error: libpcap's own message, exit 2. */
static int add_pcap(struct app *a, enum pcap_hook_kind kind, const char *what, const char *expr)
{
	const char *note;

	if (!expr)
		return 0;
	if (pcap_hook_add(&a->pcap, kind, expr, &note, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_USAGE, "bad %s '%s': %s", what, expr, a->err);
	if (note && !a->o.quiet)
		fprintf(stderr, "skbtrace: %s\n", note);
	return 0;
}

static int setup_pcap(struct app *a)
{
	int rc = add_pcap(a, PCAP_HOOK_OUTER, "filter expression", a->o.pcap_expr);

	if (!rc)
		rc = add_pcap(a, PCAP_HOOK_TUN_L2, "--filter-tunnel-pcap-l2", a->o.tun_l2_expr);
	if (!rc)
		rc = add_pcap(a, PCAP_HOOK_TUN_L3, "--filter-tunnel-pcap-l3", a->o.tun_l3_expr);
	return rc;
}

/* Which probes: discovery, the backend, then --filter-func and the hooks. */
static int choose_probes(struct app *a)
{
	struct selection *sel = &a->sel;
	int rc;

	sel->filter_func = a->o.filter_func;
	sel->drops_only = a->o.drops_only || a->o.drop_summary || a->o.metrics;
	sel->found = &a->found;
	sel->probes = &a->probes;
	if (backend_choose(&sel->backend, &a->kf, a->tracefs, a->btf, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	rc = select_probes(sel, a->err, sizeof(a->err));
	if (!rc && a->o.track)
		rc = select_track_hooks(sel, &a->kf, !a->o.list_funcs, a->err, sizeof(a->err));
	if (rc)
		return app_fail(a, rc, "%s", a->err);
	rc = load_ksyms(a);
	if (rc)
		return rc;
	rc = select_probeable(sel, a->tracefs, a->ks, a->err, sizeof(a->err));
	if (rc)
		return app_fail(a, rc, "%s", a->err);
	select_count_unreadable(sel);
	check_prog_tracing(a);
	return 0;
}

/* Everything that can be wrong with the input is found before this returns. */
static int prepare(struct app *a)
{
	int rc;

	if (privs_init(&a->privs, a->o.user, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_USAGE, "%s", a->err);
	if (!a->o.list_funcs && privs_check(a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	rc = setup_pcap(a);
	if (!rc)
		rc = load_btf(a);
	if (!rc)
		rc = discover(a);
	if (!rc)
		rc = choose_probes(a);
	return rc;
}

static int run(struct app *a)
{
	int rc;

	rc = app_start_metrics(a);
	if (!rc)
		rc = prepare(a);
	if (rc || a->o.list_funcs) {
		if (!rc)
			list_funcs(&a->sel);
		return rc;
	}
	rc = resolve_filters(a);
	if (!rc)
		rc = app_open_output(a);
	if (!rc)
		rc = app_setup_output(a);
	if (!rc)
		rc = app_open_capture(a);
	if (!rc)
		rc = start_tracer(a);
	if (!rc)
		rc = write_ready_file(a);
	if (rc)
		return rc;
	app_start_ksyms(a);
	/* kallsyms shows addresses to whoever opened it: read it while still root. */
	if (a->privs.user)
		app_join_ksyms(a);
	/* Attached, files made (and handed to USER): root is no longer needed. */
	if (privs_drop(&a->privs, a->err, sizeof(a->err)))
		return app_fail(a, EXIT_ENV, "%s", a->err);
	if (!a->o.quiet) {
		report_started(&a->sel, &a->kf, &a->tr, (now_s() - a->t_start) * 1e3);
		prog_tracer_report(&a->pt, false);
	}
	return event_loop(a);
}

int main(int argc, char **argv)
{
	static struct app a;
	int rc;

	/* A subcommand of its own: resolves offline, attaches nothing. */
	if (argc > 1 && !strcmp(argv[1], "addr2line"))
		return addr2line_main(argc - 1, argv + 1);
	a.t_start = now_s();
	libbpf_set_print(libbpf_print);
	raise_fd_limit();
	switch (opts_parse(&a.o, argc, argv)) {
	case OPTS_EXIT_OK:
		return 0;
	case OPTS_USAGE:
		return EXIT_USAGE;
	default:
		break;
	}
	if (backend_parse(a.o.backend, &a.sel.backend))
		return EXIT_USAGE; /* opts_parse took it: OPTS_BACKENDS and backend.c differ */
	install_signals();
	rc = run(&a);
	finish(&a, rc);
	cleanup(&a);
	return rc;
}
