// SPDX-License-Identifier: GPL-2.0
/*
 * The output side of a run: where events go (text, JSON, -w), the source
 * lines of stacks, and the drop summary and metrics, started before the
 * programs are attached and ticked from the event loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "app.h"
#include "bpf/skbtrace.h"
#include "diag/debuginfo.h"
#include "diag/srcline.h"
#include "out/report.h"

/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock. */
unsigned long long app_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int app_fail(struct app *a, int code, const char *fmt, ...)
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

int app_open_output(struct app *a)
{
	a->out_file = stdout;
	a->print = true;
	/* -w - takes stdout: events print only where --output-file says. */
	if (!a->o.output_file && a->o.pcap_file && !strcmp(a->o.pcap_file, "-")) {
		a->print = false;
		a->out_file = fopen("/dev/null", "w");
		if (!a->out_file) {
			a->out_file = stdout;
			return app_fail(a, EXIT_ENV, "cannot open /dev/null: %s", strerror(errno));
		}
		return 0;
	}
	if (!a->o.output_file)
		return 0;
	a->out_file = privs_fopen(&a->privs, a->o.output_file);
	if (!a->out_file) {
		a->out_file = stdout;
		return app_fail(a, EXIT_USAGE, "cannot write --output-file '%s': %s",
				a->o.output_file, strerror(errno));
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
		return app_fail(a, EXIT_ENV, "out of memory");
	if (debuginfo_check_paths(d, a->err, sizeof(a->err)) ||
	    !(path = debuginfo_find(d, NULL, a->err, sizeof(a->err))) ||
	    debuginfo_check_id(d, NULL, path, a->err, sizeof(a->err))) {
		debuginfo_free(d);
		if (o.npaths)
			return app_fail(a, EXIT_USAGE, "%s", a->err);
		fprintf(stderr, "skbtrace: stacks without source lines: %s\n", a->err);
		return 0;
	}
	a->out.src = srcline_new(d);
	if (!a->out.src) {
		debuginfo_free(d);
		return app_fail(a, EXIT_ENV, "out of memory");
	}
	return 0;
}

int app_setup_output(struct app *a)
{
	struct output *o = &a->out;
	int id;

	a->dr = drop_reasons_load(a->btf, a->mod_btfs, a->nmods);
	if (!a->dr)
		return app_fail(a, EXIT_ENV, "out of memory");
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
		return app_fail(a, EXIT_ENV, "out of memory");
	a->nm = (struct drop_namer){.dr = a->dr, .ks = a->ks, .nn = a->nn};
	o->nm = &a->nm;
	if (o->cfg.skb) {
		id = btf__find_by_name_kind(a->btf, "sk_buff", BTF_KIND_STRUCT);
		if (id < 0)
			return app_fail(a, EXIT_ENV,
					"--output-skb: no struct sk_buff in the kernel's BTF");
		o->skb_type_id = id;
	}
	return setup_srcline(a);
}

int app_open_capture(struct app *a)
{
	unsigned long records;

	if (!a->o.pcap_file)
		return 0;
	a->cap = capture_open(a->o.pcap_file, a->o.capture_len, a->out.mono_to_real_ns,
			      "skbtrace " SKBTRACE_VERSION, a->nn, a->err, sizeof(a->err));
	if (!a->cap)
		return app_fail(a, EXIT_USAGE, "%s", a->err);
	/* Up to SKBT_CAP_INLINE_MAX a record reserves room for -s bytes: say when the ring holds few. */
	records = a->o.ringbuf_size / (sizeof(struct skbt_event) + a->o.capture_len);
	if (a->o.capture_len <= SKBT_CAP_INLINE_MAX && records < 1024 && !a->o.quiet)
		fprintf(stderr,
			"skbtrace: -s %u: the %lu KiB ring buffer holds %lu records at a time; "
			"raise --ringbuf-size if events are lost\n",
			a->o.capture_len, a->o.ringbuf_size >> 10, records);
	return 0;
}

/*
 * On the tracepoint backend kallsyms only names drops (their site, the
 * functions above it): read on a thread once tracing has started, so
 * that start-up does not wait for it, and waited for when the first
 * event or table is printed.
 */
void app_start_ksyms(struct app *a)
{
	if (!a->ks)
		a->ks_async = ksyms_load_async(NULL);
}

void app_join_ksyms(struct app *a)
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

int app_start_drop_summary(struct app *a)
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
			      &pr, app_now_ns()))
		return app_fail(a, EXIT_ENV, "out of memory");
	return 0;
}

/* A --drop-summary table when one is due (or the last one), after the events before it. */
void app_drop_summary_tick(struct app *a, bool final)
{
	unsigned long long now = app_now_ns();
	int rc;

	if (!a->dsess.sum ||
	    (!final && (!a->dsess.every_ns || now < a->dsess.start_ns + a->dsess.every_ns)))
		return;
	output_flush(&a->out);
	app_join_ksyms(a);
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
int app_start_metrics(struct app *a)
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
		return app_fail(a, EXIT_USAGE, "%s", a->err);
	if (!a->o.quiet)
		fprintf(stderr, "skbtrace: metrics at http://%s/metrics\n",
			exporter_addr(&a->metrics));
	return 0;
}

/* The counts since the last tick to the scrape; once a second, and at the end. */
void app_metrics_tick(struct app *a)
{
	int rc;

	if (!a->o.metrics)
		return;
	/* the locations are labels: name them before the first row is counted */
	app_join_ksyms(a);
	rc = exporter_tick(&a->metrics, tracer_counter(&a->tr, SKBT_CNT_DROP_UNCOUNTED), a->events,
			   tracer_counter(&a->tr, SKBT_CNT_LOST));
	if (rc < 0)
		fprintf(stderr, "skbtrace: --metrics: reading the counts failed: %s\n",
			strerror(-rc));
}

/* Writes out the -w file and says how many records it holds. */
void app_close_capture(struct app *a)
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
