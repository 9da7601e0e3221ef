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
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "load/backend.h"
#include "load/tracer.h"
#include "probe/btf_discover.h"
#include "diag/addr2line_cmd.h"
#include "diag/debuginfo.h"
#include "diag/srcline.h"
#include "diag/drop_reason.h"
#include "out/group.h"
#include "load/kernel_features.h"
#include "probe/ksyms.h"
#include "host/netns.h"
#include "host/privs.h"
#include "cli/opts.h"
#include "out/output.h"
#include "out/capture.h"
#include "load/pcap_hook.h"
#include "bpf/skbtrace.h"
#include "out/report.h"
#include "probe/list.h"
#include "probe/select.h"
#include "diag/drop_desc.h"
#include "diag/drop_session.h"
#include "out/exporter.h"

#define EXIT_ENV   1
#define EXIT_USAGE 2

struct app {
	struct opts o;
	struct btf *btf;
	struct btf **mod_btfs;
	char **mod_names;
	int nmods;
	struct probe_list found;     /* everything discovery saw */
	struct probe_list probes;    /* what will be attached */
	struct selection sel;	     /* how probes came from found */
	unsigned int netns, ifindex; /* --filter-netns, --filter-ifname resolved */
	const char *tracefs;
	struct kernel_features kf;
	struct ksyms *ks;
	struct ksyms_async *ks_async; /* kallsyms read meanwhile, for drop locations */
	struct drop_reasons *dr;
	struct netns_names *nn;
	struct drop_namer nm;	   /* names drops: dr, ks, nn */
	struct drop_session dsess; /* --drop-summary */
	struct exporter metrics;   /* --metrics */
	struct output out;
	struct tracer tr;
	struct pcap_hook *pcap;
	struct grouper *group;
	struct ring_buffer *rb;
	struct capture *cap; /* -w */
	bool print;	     /* events go to out_file (not with -w - alone) */
	FILE *out_file;
	struct privs privs; /* sudo's invoking user, -Z */
	unsigned long long events, lost_reported;
	double t_start;
	char err[512];
};

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

/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock. */
static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int fail(struct app *a, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct app *a, int code, const char *fmt, ...)
{
	va_list ap;

	(void)a;
	fputs("skbtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int load_btf(struct app *a)
{
	a->btf = discover_load_btf(a->o.kernel_btf, a->err, sizeof(a->err));
	if (!a->btf)
		return fail(a, a->o.kernel_btf ? EXIT_USAGE : EXIT_ENV, "%s", a->err);
	if (!a->o.all_kmods && !a->o.kmods)
		return 0;
	if (discover_load_module_btfs(a->btf, a->o.kmods, &a->mod_btfs, &a->mod_names, &a->nmods,
				      a->err, sizeof(a->err)))
		return fail(a, a->o.kmods ? EXIT_USAGE : EXIT_ENV, "%s", a->err);
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
		return fail(a, EXIT_ENV, "reading kernel types from BTF failed: %s", strerror(-rc));
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
	/* only drops need names then: read after start-up (start_ksyms()) */
	if (!need_ksyms(a))
		return 0;
	a->ks = ksyms_load(NULL);
	if (!a->ks)
		return fail(a, EXIT_ENV, "cannot read /proc/kallsyms: %s", strerror(errno));
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
		return fail(a, EXIT_USAGE, "%s", a->err);
	if (a->o.filter_ifname) {
		if (netns_ifindex(a->o.filter_netns, a->o.filter_ifname, &a->ifindex, a->err,
				  sizeof(a->err)))
			return fail(a, EXIT_USAGE, "%s", a->err);
		/* An ifindex only means something inside one namespace. */
		if (!a->netns)
			a->netns = netns_self();
	}
	return 0;
}

static int open_output(struct app *a)
{
	a->out_file = stdout;
	a->print = true;
	/* -w - takes stdout: events print only where --output-file says. */
	if (!a->o.output_file && a->o.pcap_file && !strcmp(a->o.pcap_file, "-")) {
		a->print = false;
		a->out_file = fopen("/dev/null", "w");
		if (!a->out_file) {
			a->out_file = stdout;
			return fail(a, EXIT_ENV, "cannot open /dev/null: %s", strerror(errno));
		}
		return 0;
	}
	if (!a->o.output_file)
		return 0;
	a->out_file = privs_fopen(&a->privs, a->o.output_file);
	if (!a->out_file) {
		a->out_file = stdout;
		return fail(a, EXIT_USAGE, "cannot write --output-file '%s': %s", a->o.output_file,
			    strerror(errno));
	}
	return 0;
}

static unsigned long long mono_to_real(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (r.tv_sec - m.tv_sec) * 1000000000ULL + r.tv_nsec - m.tv_nsec;
}

static void output_cfg_from_opts(struct output_cfg *c, const struct opts_out *o)
{
	static const enum ts_mode ts[] = {[OPTS_TS_NONE] = TS_NONE,
					  [OPTS_TS_CURRENT] = TS_CURRENT,
					  [OPTS_TS_RELATIVE] = TS_RELATIVE,
					  [OPTS_TS_ABSOLUTE] = TS_ABSOLUTE};

	c->json = o->json;
	c->meta = o->meta;
	c->tuple = o->tuple;
	c->caller = o->caller;
	c->stack = o->stack;
	c->skb = o->skb;
	c->ts = ts[o->ts];
}

/*
 * --output-stack: source lines under frames when the kernel's debug info
 * is there.  Only found and checked here (a build id read, no DWARF): the
 * file opens at the first frame.  Missing at the default places: one line
 * and stacks as before; a --kernel-debuginfo that cannot serve: exit 2.
 */
static int setup_srcline(struct app *a)
{
	struct debuginfo_opts o = {
		.paths = a->o.kernel_debuginfo, .npaths = a->o.n_kernel_debuginfo, .running = true};
	struct debuginfo *d;
	const char *path;

	if (!a->o.out.stack)
		return 0;
	d = debuginfo_new(&o);
	if (!d)
		return fail(a, EXIT_ENV, "out of memory");
	if (debuginfo_check_paths(d, a->err, sizeof(a->err)) ||
	    !(path = debuginfo_find(d, NULL, a->err, sizeof(a->err))) ||
	    debuginfo_check_id(d, NULL, path, a->err, sizeof(a->err))) {
		debuginfo_free(d);
		if (o.npaths)
			return fail(a, EXIT_USAGE, "%s", a->err);
		fprintf(stderr, "skbtrace: stacks without source lines: %s\n", a->err);
		return 0;
	}
	a->out.src = srcline_new(d);
	if (!a->out.src) {
		debuginfo_free(d);
		return fail(a, EXIT_ENV, "out of memory");
	}
	return 0;
}

static int setup_output(struct app *a)
{
	struct output *o = &a->out;
	int id;

	a->dr = drop_reasons_load(a->btf, a->mod_btfs, a->nmods);
	if (!a->dr)
		return fail(a, EXIT_ENV, "out of memory");
	output_cfg_from_opts(&o->cfg, &a->o.out);
	o->cfg.track = a->o.track;
	o->cfg.group = a->o.group;
	o->cfg.color = opts_want_color(&a->o, isatty(fileno(a->out_file)), getenv("NO_COLOR"),
				       getenv("TERM"));
	o->f = a->out_file;
	o->probes = &a->probes;
	o->ks = a->ks;
	o->dr = a->dr;
	o->btf = a->btf;
	o->stack_map_fd = -1;
	o->consumed_reason = drop_reason_consumed(a->dr);
	o->mono_to_real_ns = mono_to_real();
	o->cfg.drops_only = a->o.drops_only;
	a->nn = netns_names_new(NULL, NULL);
	if (!a->nn)
		return fail(a, EXIT_ENV, "out of memory");
	a->nm = (struct drop_namer){.dr = a->dr, .ks = a->ks, .nn = a->nn};
	o->nm = &a->nm;
	if (o->cfg.skb) {
		id = btf__find_by_name_kind(a->btf, "sk_buff", BTF_KIND_STRUCT);
		if (id < 0)
			return fail(a, EXIT_ENV,
				    "--output-skb: no struct sk_buff in the kernel's BTF");
		o->skb_type_id = id;
	}
	return setup_srcline(a);
}

static int open_capture(struct app *a)
{
	unsigned long records;

	if (!a->o.pcap_file)
		return 0;
	a->cap = capture_open(a->o.pcap_file, a->o.capture_len, a->out.mono_to_real_ns,
			      "skbtrace " SKBTRACE_VERSION, a->nn, a->err, sizeof(a->err));
	if (!a->cap)
		return fail(a, EXIT_USAGE, "%s", a->err);
	/* Up to SKBT_CAP_INLINE_MAX a record reserves room for -s bytes: say when the ring holds few. */
	records = a->o.ringbuf_size / (sizeof(struct skbt_event) + a->o.capture_len);
	if (a->o.capture_len <= SKBT_CAP_INLINE_MAX && records < 1024 && !a->o.quiet)
		fprintf(stderr,
			"skbtrace: -s %u: the %lu KiB ring buffer holds %lu records at a time; "
			"raise --ringbuf-size if events are lost\n",
			a->o.capture_len, a->o.ringbuf_size >> 10, records);
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

/*
 * On the tracepoint backend kallsyms only names drops (their site, the
 * functions above it): read on a thread once tracing has started, so
 * that start-up does not wait for it, and waited for when the first
 * event or table is printed.
 */
static void start_ksyms(struct app *a)
{
	if (!a->ks)
		a->ks_async = ksyms_load_async(NULL);
}

static void join_ksyms(struct app *a)
{
	if (!a->ks_async)
		return;
	a->ks = ksyms_join(a->ks_async);
	a->ks_async = NULL;
	if (!a->ks && !a->o.quiet)
		fprintf(stderr,
			"skbtrace: cannot read /proc/kallsyms (%s): drop locations print as "
			"addresses, netfilter hooks are not named\n",
			strerror(errno));
	a->out.ks = a->nm.ks = a->ks;
}

static int start_drop_summary(struct app *a)
{
	struct ds_print pr = {.f = a->out_file,
			      .json = a->o.out.json,
			      .nm = &a->nm,
			      .mono_to_real_ns = a->out.mono_to_real_ns,
			      .json_realtime = a->o.out.ts == OPTS_TS_CURRENT,
			      .map_max = a->o.drop_summary_max,
			      .color = a->out.cfg.color};

	if (!a->o.drop_summary)
		return 0;
	if (drop_session_init(&a->dsess, tracer_drop_summary_fd(&a->tr), a->o.drop_summary_secs,
			      &pr, now_ns()))
		return fail(a, EXIT_ENV, "out of memory");
	return 0;
}

/* A --drop-summary table when one is due (or the last one), after the events before it. */
static void drop_summary_tick(struct app *a, bool final)
{
	unsigned long long now = now_ns();
	int rc;

	if (!a->dsess.sum ||
	    (!final && (!a->dsess.every_ns || now < a->dsess.start_ns + a->dsess.every_ns)))
		return;
	output_flush(&a->out);
	join_ksyms(a);
	rc = drop_session_tick(&a->dsess, now, tracer_counter(&a->tr, SKBT_CNT_DROP_UNCOUNTED),
			       final);
	if (rc < 0)
		fprintf(stderr, "skbtrace: --drop-summary: reading the counts failed: %s\n",
			strerror(-rc));
}

/*
 * Bound before anything is attached: a bad address or a taken port is a
 * usage error, and nothing has to be undone.
 */
static int start_metrics(struct app *a)
{
	struct exporter_cfg c = {.addr = a->o.metrics,
				 .labels = a->o.metrics_labels,
				 .max_series = a->o.metrics_max_series,
				 .version = SKBTRACE_VERSION};
	struct utsname u;

	if (!a->o.metrics || a->o.list_funcs)
		return 0;
	if (!uname(&u))
		c.kernel = u.release;
	if (exporter_start(&a->metrics, &c, a->err, sizeof(a->err)))
		return fail(a, EXIT_USAGE, "%s", a->err);
	if (!a->o.quiet)
		fprintf(stderr, "skbtrace: metrics at http://%s/metrics\n",
			exporter_addr(&a->metrics));
	return 0;
}

/* The counts since the last tick to the scrape; once a second, and at the end. */
static void metrics_tick(struct app *a)
{
	int rc;

	if (!a->o.metrics)
		return;
	/* the locations are labels: name them before the first row is counted */
	join_ksyms(a);
	rc = exporter_tick(&a->metrics, tracer_counter(&a->tr, SKBT_CNT_DROP_UNCOUNTED), a->events,
			   tracer_counter(&a->tr, SKBT_CNT_LOST));
	if (rc < 0)
		fprintf(stderr, "skbtrace: --metrics: reading the counts failed: %s\n",
			strerror(-rc));
}

static int start_tracer(struct app *a)
{
	struct tracer *t = &a->tr;

	configure_tracer(a);
	if (tracer_load(t, a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	if (tracer_attach(t, a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	if (!t->attached)
		return fail(a, EXIT_ENV, "no probe could be attached (%zu failed%s%s)%s", t->failed,
			    t->failed ? ", first error: " : "",
			    t->failed ? strerror(-a->probes.v[0].attach_err) : "",
			    t->failed ? attach_hint(a, a->probes.v[0].attach_err) : "");
	if (start_drop_summary(a))
		return EXIT_ENV;
	if (exporter_attach(&a->metrics, tracer_drop_summary_fd(t), &a->nm,
			    backend_name(a->sel.backend), t->attached, t->failed))
		return fail(a, EXIT_ENV, "out of memory");
	if (a->o.out.stack)
		a->out.stack_map_fd = tracer_stacks_fd(t);
	if (output_init(&a->out))
		return fail(a, EXIT_ENV, "cannot set up the output formatter");
	if (a->o.group) {
		a->group = group_new(0, 0, on_group, &a->out);
		if (!a->group)
			return fail(a, EXIT_ENV, "out of memory");
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
		return fail(a, EXIT_USAGE, "cannot create --ready-file '%s': %s", a->o.ready_file,
			    strerror(errno));
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
	join_ksyms(a);
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
		return fail(a, EXIT_ENV, "cannot open the event ring buffer: %s", strerror(errno));
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
			return fail(a, EXIT_ENV, "reading events failed: %s", strerror(-rc));
		/* A reader of -w - (Wireshark) sees each batch as soon as it is read. */
		if (a->cap && capture_flush(a->cap))
			stop_flag = 1;
		if (now_s() - last_report >= 1.0) {
			a->lost_reported = report_lost(
				&a->out, tracer_counter(&a->tr, SKBT_CNT_LOST), a->lost_reported);
			if (a->cap)
				capture_lost(a->cap, a->lost_reported);
			output_flush(&a->out);
			metrics_tick(a);
			last_report = now_s();
		}
		drop_summary_tick(a, false);
	}
	/* A reader that went away (-w - | head) is a normal end; a full disk is not. */
	if (a->cap && capture_error(a->cap) && capture_error(a->cap) != -EPIPE)
		return EXIT_ENV;
	return 0;
}

/* Writes out the -w file and says how many records it holds. */
static void close_capture(struct app *a)
{
	unsigned long long records;
	int err;

	if (!a->cap)
		return;
	err = capture_flush(a->cap);
	records = capture_records(a->cap);
	if (capture_close(a->cap) && !err)
		err = -EIO;
	a->cap = NULL;
	report_capture(a->o.pcap_file, records, err);
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
		close_capture(a);
		return;
	}
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
	close_capture(a);
	drop_summary_tick(a, true);
	metrics_tick(a);
	if (a->dsess.uncounted)
		report_drop_summary_full(a->dsess.uncounted, a->o.drop_summary_max);
	if (a->o.track)
		report_tracking(tracer_counter(&a->tr, SKBT_CNT_TRACK_FULL),
				tracer_counter(&a->tr, SKBT_CNT_CLONE_LOST) +
					tracer_clone_slots_left(&a->tr),
				group_evicted(a->group));
	sum.ran_s = now_s() - a->t_start;
	report_summary(&sum);
}

static void cleanup(struct app *a)
{
	ring_buffer__free(a->rb);
	group_free(a->group);
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
		return fail(a, EXIT_USAGE, "bad %s '%s': %s", what, expr, a->err);
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
		return fail(a, EXIT_ENV, "%s", a->err);
	rc = select_probes(sel, a->err, sizeof(a->err));
	if (!rc && a->o.track)
		rc = select_track_hooks(sel, &a->kf, !a->o.list_funcs, a->err, sizeof(a->err));
	if (rc)
		return fail(a, rc, "%s", a->err);
	rc = load_ksyms(a);
	if (rc)
		return rc;
	rc = select_probeable(sel, a->tracefs, a->ks, a->err, sizeof(a->err));
	if (rc)
		return fail(a, rc, "%s", a->err);
	select_count_unreadable(sel);
	return 0;
}

/* Everything that can be wrong with the input is found before this returns. */
static int prepare(struct app *a)
{
	int rc;

	if (privs_init(&a->privs, a->o.user, a->err, sizeof(a->err)))
		return fail(a, EXIT_USAGE, "%s", a->err);
	if (!a->o.list_funcs && privs_check(a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
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

	rc = start_metrics(a);
	if (!rc)
		rc = prepare(a);
	if (rc || a->o.list_funcs) {
		if (!rc)
			list_funcs(&a->sel);
		return rc;
	}
	rc = resolve_filters(a);
	if (!rc)
		rc = open_output(a);
	if (!rc)
		rc = setup_output(a);
	if (!rc)
		rc = open_capture(a);
	if (!rc)
		rc = start_tracer(a);
	if (!rc)
		rc = write_ready_file(a);
	if (rc)
		return rc;
	start_ksyms(a);
	/* kallsyms shows addresses to whoever opened it: read it while still root. */
	if (a->privs.user)
		join_ksyms(a);
	/* Attached, files made (and handed to USER): root is no longer needed. */
	if (privs_drop(&a->privs, a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	if (!a->o.quiet)
		report_started(&a->sel, &a->kf, &a->tr, (now_s() - a->t_start) * 1e3);
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
