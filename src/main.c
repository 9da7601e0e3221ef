// SPDX-License-Identifier: GPL-2.0
/*
 * skbtrace: follow struct sk_buff through the kernel.  main() wires the
 * pieces: options, discovery, backend choice, loading and attaching,
 * the event loop and the exit summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "load/attach.h"
#include "probe/btf_discover.h"
#include "diag/addr2line_cmd.h"
#include "diag/drop_reason.h"
#include "out/group.h"
#include "load/kernel_features.h"
#include "probe/ksyms.h"
#include "host/netns.h"
#include "cli/opts.h"
#include "out/output.h"
#include "load/pcap_hook.h"
#include "bpf/skbtrace.h"
#include "skbtrace.skel.h"
#include "probe/track_hooks.h"

#define EXIT_ENV   1
#define EXIT_USAGE 2

struct app {
	struct opts o;
	struct btf *btf;
	struct btf **mod_btfs;
	char **mod_names;
	int nmods;
	struct probe_list found;  /* everything discovery saw */
	struct probe_list probes; /* what will be attached */
	size_t unprobeable, unreadable;
	const char *probe_source;
	const char *tracefs;
	struct kernel_features kf;
	struct ksyms *ks;
	struct drop_reasons *dr;
	struct output out;
	struct tracer tr;
	struct pcap_hook *pcap;
	struct grouper *group;
	size_t track_hooks; /* probes attached only for --filter-track-skb */
	bool track_tp_free; /* tracked skbs are forgotten at the free tracepoints */
	struct ring_buffer *rb;
	FILE *out_file;
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
	if (cat_fallback && !a->o.quiet && !a->o.list_funcs)
		fprintf(stderr, "skbtrace: tracefs is not mounted; tracepoint categories come from "
				"skbtrace's own table\n");
	return 0;
}

/*
 * auto: kprobe-multi, then kprobe, then fentry, then tracepoint; one line
 * says why.  kprobe comes before fentry: measured faster end to end
 * (docs/design.md), and fentry loads one program per function.
 */
static int choose_backend(struct app *a)
{
	enum backend want = a->o.backend;

	features_probe(&a->kf, a->tracefs);
	features_probe_direct(&a->kf, a->btf);
	if (want == BACKEND_FENTRY || (want == BACKEND_AUTO && !a->kf.kprobe))
		features_probe_fentry(&a->kf, a->btf);
	if (want == BACKEND_KPROBE_MULTI && !a->kf.kprobe_multi)
		return fail(a, EXIT_ENV,
			    "backend kprobe-multi unavailable: %s; try --backend kprobe",
			    a->kf.kprobe_multi_why);
	if (want == BACKEND_KPROBE && !a->kf.kprobe)
		return fail(a, EXIT_ENV, "backend kprobe unavailable: %s; try --backend tracepoint",
			    a->kf.kprobe_why);
	if (want == BACKEND_FENTRY && !a->kf.fentry)
		return fail(a, EXIT_ENV, "backend fentry unavailable: %s; try --backend %s",
			    a->kf.fentry_why, a->kf.kprobe ? "kprobe" : "tracepoint");
	if (want != BACKEND_AUTO)
		return 0;
	if (a->kf.kprobe_multi)
		a->o.backend = BACKEND_KPROBE_MULTI;
	else if (a->kf.kprobe)
		a->o.backend = BACKEND_KPROBE;
	else if (a->kf.fentry)
		a->o.backend = BACKEND_FENTRY;
	else
		a->o.backend = BACKEND_TRACEPOINT;
	return 0;
}

/* Tracepoints match by name or by category:name. */
/*
 * The tracing machinery itself takes an sk_buff too; probing it would
 * trace our own tracepoint plumbing (and recurse), so it is never selected.
 */
static bool is_tracing_internal(const struct probe *p)
{
	static const char *const prefixes[] = {"__bpf_trace_",		 "__traceiter_",
					       "__probestub_",		 "perf_trace_",
					       "trace_event_raw_event_", "trace_raw_output_"};

	if (p->kind != PROBE_FUNC)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(p->name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int name_matches(const regex_t *re, const struct probe *p)
{
	char buf[128];

	if (!re || regexec(re, p->name, 0, NULL, 0) == 0)
		return 1;
	return p->kind == PROBE_TRACEPOINT &&
	       regexec(re, probe_display_name(p, buf, sizeof(buf)), 0, NULL, 0) == 0;
}

/*
 * The drop hook is always attached, whatever --filter-func says: the
 * free function with a reason when the backend can probe functions,
 * else (and on kernels without one) the skb:kfree_skb tracepoint.
 */
static const struct probe *drop_hook(const struct app *a)
{
	const struct probe *tp = NULL, *r2 = NULL, *r3 = NULL;

	for (size_t i = 0; i < a->found.n; i++) {
		const struct probe *p = &a->found.v[i];

		if (p->kind == PROBE_TRACEPOINT && !strcmp(p->name, "kfree_skb"))
			tp = p;
		else if (probe_drop_func(p) == DROP_FUNC_R3)
			r3 = p;
		else if (probe_drop_func(p) == DROP_FUNC_R2)
			r2 = p;
	}
	if (a->o.backend == BACKEND_TRACEPOINT)
		return tp;
	return r3 ? r3 : r2 ? r2 : tp;
}

static bool wanted_kind(const struct app *a, const struct probe *p)
{
	if (a->o.backend == BACKEND_TRACEPOINT)
		return p->kind == PROBE_TRACEPOINT;
	return p->kind == PROBE_FUNC;
}

static int compile_filter(struct app *a, regex_t *re)
{
	char *anchored;
	size_t len;
	int rc;

	len = strlen(a->o.filter_func) + 8;
	anchored = malloc(len);
	if (!anchored)
		return fail(a, EXIT_ENV, "out of memory");
	/* Whole-name match, as pwru's --filter-func. */
	snprintf(anchored, len, "^(%s)$", a->o.filter_func);
	rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc) {
		char msg[128];

		regerror(rc, re, msg, sizeof(msg));
		return fail(a, EXIT_USAGE, "bad --filter-func '%s': %s", a->o.filter_func, msg);
	}
	return 0;
}

/* Adds the wanted probes; returns how many matched rep, the drop hook included. */
static int add_matching(struct app *a, const regex_t *rep, const struct probe *drop,
			size_t *matched)
{
	*matched = drop && name_matches(rep, drop);
	for (size_t i = 0; i < a->found.n; i++) {
		const struct probe *p = &a->found.v[i];

		if (p == drop || !wanted_kind(a, p) || is_tracing_internal(p) ||
		    !name_matches(rep, p))
			continue;
		/* The generic programs must not see the drop functions a second time. */
		if (probe_drop_func(p))
			continue;
		if (!probe_list_add(&a->probes, p))
			return -ENOMEM;
		(*matched)++;
	}
	if (drop && !probe_list_add(&a->probes, drop))
		return -ENOMEM;
	return 0;
}

static int select_probes(struct app *a)
{
	const char *what = a->o.backend == BACKEND_TRACEPOINT ? "tracepoint" : "function";
	const struct probe *drop = drop_hook(a);
	regex_t re, *rep = NULL;
	size_t matched;
	int rc;

	if (a->o.filter_func) {
		rc = compile_filter(a, &re);
		if (rc)
			return rc;
		rep = &re;
	}
	rc = add_matching(a, rep, drop, &matched);
	if (rep)
		regfree(rep);
	if (rc)
		return fail(a, EXIT_ENV, "out of memory");
	if (!matched && a->o.filter_func)
		return fail(a, EXIT_USAGE, "no sk_buff %s matches --filter-func '%s'", what,
			    a->o.filter_func);
	if (!a->probes.n)
		return fail(a, EXIT_ENV, "this kernel's BTF lists no sk_buff %s", what);
	return 0;
}

static int add_track_hooks(struct app *a)
{
	enum clone_hooks clones = CLONE_HOOKS_NONE;

	if (!a->o.track)
		return 0;
	a->track_tp_free = track_free_at_tracepoints(&a->found, a->o.backend);
	if (a->o.backend == BACKEND_FENTRY)
		clones = CLONE_HOOKS_FEXIT;
	else if (a->kf.kprobe)
		clones = CLONE_HOOKS_KPROBE;
	if (track_add_hooks(&a->found, &a->probes, a->track_tp_free, clones, &a->track_hooks))
		return fail(a, EXIT_ENV, "out of memory");
	if (clones == CLONE_HOOKS_NONE && !a->o.list_funcs)
		fprintf(stderr,
			"skbtrace: --filter-track-skb: clones are not followed: kernel without "
			"kprobes%s\n",
			a->kf.fentry	      ? "; --backend fentry follows them"
			: a->kf.fentry_probed ? " or fentry"
					      : "");
	return 0;
}

static bool need_ksyms(const struct app *a)
{
	/* The clone hooks name their events by function address, on any backend. */
	return a->o.backend != BACKEND_TRACEPOINT || a->o.out.caller || a->o.out.stack ||
	       (a->o.track && a->kf.kprobe);
}

static int load_ksyms(struct app *a)
{
	if (!need_ksyms(a))
		return 0;
	a->ks = ksyms_load(NULL);
	if (!a->ks)
		return fail(a, EXIT_ENV, "cannot read /proc/kallsyms: %s", strerror(errno));
	if (ksyms_hidden(a->ks))
		fprintf(stderr,
			"skbtrace: kernel addresses are hidden (kptr_restrict); functions and "
			"stacks print as addresses\n");
	return 0;
}

static int filter_probeable(struct app *a)
{
	if (a->o.backend == BACKEND_TRACEPOINT)
		return 0;
	if (discover_filter_probeable(&a->probes, a->tracefs, a->ks, &a->unprobeable,
				      &a->probe_source))
		return fail(a, EXIT_ENV, "cannot tell which functions can be probed");
	return 0;
}

static void count_unreadable(struct app *a)
{
	struct tracer probe_only = {.cfg.backend = a->o.backend};

	a->unreadable = 0;
	for (size_t i = 0; i < a->probes.n; i++)
		if (!tracer_prog_name(&probe_only, &a->probes.v[i]))
			a->unreadable++;
}

static const char *unreadable_why(const struct app *a, const struct probe *p)
{
	if (a->o.backend == BACKEND_FENTRY && p->nr_args > SKBT_FENTRY_MAX_ARGS)
		return "(more arguments than a BPF program can be verified against)";
	return "(sk_buff beyond what the backend reads)";
}

static int list_funcs(struct app *a)
{
	struct tracer probe_only = {.cfg.backend = a->o.backend};
	char buf[128];

	printf("%-48s %-4s %-7s %s\n", "NAME", "SKB", "REASON", "PROGRAM");
	for (size_t i = 0; i < a->probes.n; i++) {
		const struct probe *p = &a->probes.v[i];
		const char *prog = tracer_prog_name(&probe_only, p);
		char reason[8] = "-";

		if (p->reason_arg)
			snprintf(reason, sizeof(reason), "%d", p->reason_arg);
		printf("%-48s %-4d %-7s %s%s%s%s\n", probe_display_name(p, buf, sizeof(buf)),
		       p->skb_arg, reason, prog ? prog : unreadable_why(a, p),
		       p->module ? " [" : "", p->module ? p->module : "", p->module ? "]" : "");
	}
	printf("# backend %s: %zu probes, %zu whose sk_buff the backend cannot read",
	       backend_name(a->o.backend), a->probes.n - a->unreadable, a->unreadable);
	if (a->probe_source)
		printf(", %zu not probeable (per %s)", a->unprobeable, a->probe_source);
	printf("\n");
	return 0;
}

static int resolve_filters(struct app *a, struct tracer_cfg *c)
{
	if (a->o.filter_netns &&
	    netns_resolve(a->o.filter_netns, &c->netns, a->err, sizeof(a->err)))
		return fail(a, EXIT_USAGE, "%s", a->err);
	if (a->o.filter_ifname) {
		if (netns_ifindex(a->o.filter_netns, a->o.filter_ifname, &c->ifindex, a->err,
				  sizeof(a->err)))
			return fail(a, EXIT_USAGE, "%s", a->err);
		/* An ifindex only means something inside one namespace. */
		if (!c->netns)
			c->netns = netns_self();
	}
	c->filter_mark = a->o.filter_mark_set;
	c->mark = a->o.mark;
	c->mark_mask = a->o.mark_mask;
	return 0;
}

static int open_output(struct app *a)
{
	a->out_file = stdout;
	if (!a->o.output_file)
		return 0;
	a->out_file = fopen(a->o.output_file, "w");
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

static int setup_output(struct app *a)
{
	struct output *o = &a->out;
	int id;

	a->dr = drop_reasons_load(a->btf, a->mod_btfs, a->nmods);
	if (!a->dr)
		return fail(a, EXIT_ENV, "out of memory");
	o->cfg = a->o.out;
	o->cfg.track = a->o.track;
	o->cfg.group = a->o.group;
	o->f = a->out_file;
	o->probes = &a->probes;
	o->ks = a->ks;
	o->dr = a->dr;
	o->btf = a->btf;
	o->stack_map_fd = -1;
	o->consumed_reason = drop_reason_consumed(a->dr);
	o->mono_to_real_ns = mono_to_real();
	if (o->cfg.skb) {
		id = btf__find_by_name_kind(a->btf, "sk_buff", BTF_KIND_STRUCT);
		if (id < 0)
			return fail(a, EXIT_ENV,
				    "--output-skb: no struct sk_buff in the kernel's BTF");
		o->skb_type_id = id;
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

static int start_tracer(struct app *a)
{
	struct tracer *t = &a->tr;

	t->probes = &a->probes;
	t->cfg.backend = a->o.backend;
	t->cfg.tp_cookie = a->kf.raw_tp_cookie && !getenv("SKBT_NO_TP_COOKIE");
	t->cfg.stack = a->o.out.stack;
	t->cfg.caller = a->o.out.caller;
	t->cfg.skb_size = a->o.out.skb ? skb_struct_size(a) : 0;
	t->cfg.ringbuf_size = a->o.ringbuf_size;
	t->cfg.stack_map_size = a->o.stack_map_size;
	t->cfg.track = a->o.track;
	t->cfg.track_max = a->o.track_max;
	t->cfg.track_tp_free = a->track_tp_free;
	t->cfg.skb_span = discover_skb_span_fits(a->btf, SKBT_SKB_SPAN);
	t->cfg.direct_id = getenv("SKBT_NO_DIRECT") ? 0 : a->kf.rdonly_cast_id;
	t->cfg.show_progress = isatty(STDERR_FILENO) && !a->o.quiet;
	if (tracer_load(t, a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	if (tracer_attach(t, a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	if (!t->attached)
		return fail(a, EXIT_ENV, "no probe could be attached (%zu failed%s%s)", t->failed,
			    t->failed ? ", first error: " : "",
			    t->failed ? strerror(-a->probes.v[0].attach_err) : "");
	if (a->o.out.stack)
		a->out.stack_map_fd = bpf_map__fd(t->skel->maps.stacks);
	if (output_init(&a->out))
		return fail(a, EXIT_ENV, "cannot set up the output formatter");
	if (a->o.group) {
		a->group = group_new(0, 0, on_group, &a->out);
		if (!a->group)
			return fail(a, EXIT_ENV, "out of memory");
	}
	return 0;
}

/* Why probes failed, the first few by name: a count alone helps nobody. */
static void say_failures(const struct app *a)
{
	size_t shown = 0;

	fprintf(stderr, "skbtrace: not attached:");
	for (size_t i = 0; i < a->probes.n; i++) {
		const struct probe *p = &a->probes.v[i];
		int err = -p->attach_err;

		if (p->attached || !err || err == ERANGE)
			continue;
		if (shown++ == 4) {
			fprintf(stderr, " and %zu more", a->tr.failed - 4);
			break;
		}
		fprintf(stderr, "%s %s (%s)", shown > 1 ? "," : "", p->name,
			err == SKBT_ENOTSUPP ? "not supported" : strerror(err));
		if (a->o.backend == BACKEND_FENTRY && p->nr_args > SKBT_TRAMPOLINE_REG_ARGS &&
		    (err == SKBT_ENOTSUPP || err == EOPNOTSUPP))
			fprintf(stderr, " [%d arguments]", p->nr_args);
	}
	fputc('\n', stderr);
}

static void say_started(struct app *a)
{
	const char *what =
		a->o.backend == BACKEND_TRACEPOINT ? "sk_buff tracepoints" : "sk_buff functions";

	if (a->o.quiet)
		return;
	if (a->o.backend == BACKEND_TRACEPOINT && a->kf.kprobe_why[0] && a->kf.fentry_why[0])
		fprintf(stderr, "skbtrace: kprobes unavailable (%s), fentry unavailable (%s); ",
			a->kf.kprobe_why, a->kf.fentry_why);
	else if ((a->o.backend == BACKEND_TRACEPOINT || a->o.backend == BACKEND_FENTRY) &&
		 a->kf.kprobe_why[0])
		fprintf(stderr, "skbtrace: kprobes unavailable (%s); ", a->kf.kprobe_why);
	else if (a->o.backend == BACKEND_KPROBE && a->kf.kprobe_multi_why[0])
		fprintf(stderr, "skbtrace: kprobe-multi unavailable (%s); ",
			a->kf.kprobe_multi_why);
	else
		fprintf(stderr, "skbtrace: ");
	fprintf(stderr, "backend %s: tracing %zu %s", backend_name(a->o.backend), a->tr.attached,
		what);
	if (a->tr.failed)
		fprintf(stderr, ", %zu failed to attach", a->tr.failed);
	if (a->unreadable)
		fprintf(stderr, ", %zu skipped (sk_buff beyond argument %d%s)", a->unreadable,
			a->o.backend == BACKEND_TRACEPOINT ? SKBT_TP_MAX_ARG : SKBT_KPROBE_MAX_ARG,
			a->o.backend == BACKEND_FENTRY ? ", or over 12 arguments" : "");
	if (a->unprobeable)
		fprintf(stderr, ", %zu not probeable (per %s)", a->unprobeable, a->probe_source);
	if (a->track_hooks)
		fprintf(stderr, ", %zu of them hooks of --filter-track-skb", a->track_hooks);
	fprintf(stderr, " (ready in %.0f ms)\n", (now_s() - a->t_start) * 1e3);
	if (a->tr.failed)
		say_failures(a);
	if (getenv("SKBT_DEBUG"))
		fprintf(stderr, "skbtrace: load %.1f ms, attach %.1f ms; packets read %s\n",
			a->tr.load_ms, a->tr.attach_ms,
			a->tr.cfg.direct_id ? "in place (bpf_rdonly_cast)"
					    : "with bpf_probe_read_kernel");
}

static int write_ready_file(struct app *a)
{
	int fd;

	if (!a->o.ready_file)
		return 0;
	fd = open(a->o.ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(a, EXIT_USAGE, "cannot create --ready-file '%s': %s", a->o.ready_file,
			    strerror(errno));
	close(fd);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct app *a = ctx;

	if (size < sizeof(struct skbt_event))
		return 0;
	/* libbpf stops consuming only on a negative return. */
	if (a->o.limit_lines && a->events >= a->o.limit_lines)
		return -ECANCELED;
	if (a->group) {
		if (group_add(a->group, data, size))
			return -ENOMEM;
	} else {
		output_event(&a->out, data, size);
	}
	a->events++;
	if (a->o.limit_lines && a->events >= a->o.limit_lines) {
		stop_flag = 1;
		return -ECANCELED;
	}
	return 0;
}

static unsigned long long read_counter(struct app *a, enum skbt_counter idx)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum = 0, *v;
	__u32 key = idx;

	if (ncpu <= 0)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(a->tr.skel->maps.counters), &key, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

static void report_lost(struct app *a)
{
	unsigned long long lost = read_counter(a, SKBT_CNT_LOST);

	if (lost > a->lost_reported) {
		output_flush(&a->out);
		fprintf(stderr,
			"skbtrace: lost %llu events (ring buffer full; try --ringbuf-size)\n",
			lost - a->lost_reported);
		a->lost_reported = lost;
	}
}

static int event_loop(struct app *a)
{
	double last_report = now_s();
	int rc = 0;

	a->rb = ring_buffer__new(bpf_map__fd(a->tr.skel->maps.events), on_event, a, NULL);
	if (!a->rb)
		return fail(a, EXIT_ENV, "cannot open the event ring buffer: %s", strerror(errno));
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
		if (now_s() - last_report >= 1.0) {
			report_lost(a);
			output_flush(&a->out);
			last_report = now_s();
		}
	}
	return 0;
}

/* Cloning calls whose return was never seen (a missed kretprobe) leave their slot behind. */
static unsigned long long clone_slots_left(struct app *a)
{
	int fd = bpf_map__fd(a->tr.skel->maps.clone_parents);
	unsigned long long n = 0;
	__u64 key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

/* What tracking could not do, in the summary. */
static void report_tracking(struct app *a)
{
	unsigned long long full = read_counter(a, SKBT_CNT_TRACK_FULL);
	unsigned long long clones = read_counter(a, SKBT_CNT_CLONE_LOST) + clone_slots_left(a);

	if (full)
		fprintf(stderr,
			"skbtrace: tracking map full: %llu events of matching skbs were not "
			"tracked (raise --filter-track-max)\n",
			full);
	if (clones)
		fprintf(stderr, "skbtrace: %llu clones of tracked skbs not followed\n", clones);
	if (group_evicted(a->group))
		fprintf(stderr,
			"skbtrace: %llu packets printed before they were freed (--output-group holds "
			"at most 4096 packets and 65536 events)\n",
			group_evicted(a->group));
}

/* Detach first, then drain what is already in the ring, so every event is accounted for. */
static void finish(struct app *a, int status)
{
	unsigned long long lost = 0, stack_lost = 0, missed = 0;
	size_t attached = a->tr.attached, failed = a->tr.failed;
	bool traced = a->tr.skel != NULL;

	if (traced) {
		double t0 = now_s();

		tracer_detach(&a->tr);
		/* bench/vm.sh reads this: detaching thousands of kprobes is slow. */
		if (getenv("SKBT_DEBUG"))
			fprintf(stderr, "skbtrace: detach %.1f ms\n", (now_s() - t0) * 1e3);
		if (a->rb && !(a->o.limit_lines && a->events >= a->o.limit_lines))
			ring_buffer__consume(a->rb);
		lost = read_counter(a, SKBT_CNT_LOST);
		stack_lost = read_counter(a, SKBT_CNT_STACK_LOST);
		missed = tracer_missed(&a->tr);
	}
	group_flush_all(a->group);
	output_flush(&a->out);
	if (traced && a->o.track)
		report_tracking(a);
	/* Even with -q: the exact event and loss counts are the point. */
	if (traced) {
		fprintf(stderr,
			"skbtrace: %llu events, %llu lost, %zu probes attached, %zu failed, "
			"ran %.1f s",
			a->events, lost, attached, failed, now_s() - a->t_start);
		if (stack_lost)
			fprintf(stderr, ", %llu stacks lost (stack map full)", stack_lost);
		if (missed)
			fprintf(stderr,
				", %llu probe hits skipped by the kernel (a program of ours was "
				"already running on that CPU)",
				missed);
		if (status)
			fprintf(stderr, ", exit %d", status);
		fputc('\n', stderr);
	}
}

static void cleanup(struct app *a)
{
	ring_buffer__free(a->rb);
	group_free(a->group);
	tracer_destroy(&a->tr);
	pcap_hook_free(a->pcap);
	output_free(&a->out);
	if (a->out_file && a->out_file != stdout)
		fclose(a->out_file);
	drop_reasons_free(a->dr);
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
	if (pcap_hook_add(&a->tr, &a->pcap, kind, expr, &note, a->err, sizeof(a->err)))
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

/* Everything that can be wrong with the input is found before this returns. */
static int prepare(struct app *a)
{
	int rc;

	if (!a->o.list_funcs && features_check_privileges(a->err, sizeof(a->err)))
		return fail(a, EXIT_ENV, "%s", a->err);
	rc = setup_pcap(a);
	if (!rc)
		rc = load_btf(a);
	if (!rc)
		rc = discover(a);
	if (!rc)
		rc = choose_backend(a);
	if (!rc)
		rc = select_probes(a);
	if (!rc)
		rc = add_track_hooks(a);
	if (!rc)
		rc = load_ksyms(a);
	if (!rc)
		rc = filter_probeable(a);
	if (rc)
		return rc;
	count_unreadable(a);
	return 0;
}

static int run(struct app *a)
{
	struct tracer_cfg *c = &a->tr.cfg;
	int rc;

	rc = prepare(a);
	if (rc || a->o.list_funcs)
		return rc ? rc : list_funcs(a);
	rc = resolve_filters(a, c);
	if (!rc)
		rc = open_output(a);
	if (!rc)
		rc = setup_output(a);
	if (!rc)
		rc = start_tracer(a);
	if (!rc)
		rc = write_ready_file(a);
	if (rc)
		return rc;
	say_started(a);
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
	install_signals();
	rc = run(&a);
	finish(&a, rc);
	cleanup(&a);
	return rc;
}
