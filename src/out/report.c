// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/kernel_features.h"
#include "load/tracer.h"
#include "out/output.h"
#include "out/report.h"
#include "probe/select.h"

/* Why probes failed, the first few by name: a count alone helps nobody. */
static void report_failures(const struct selection *s, const struct tracer *tr)
{
	size_t shown = 0;

	fprintf(stderr, "skbtrace: not attached:");
	for (size_t i = 0; i < s->probes->n; i++) {
		const struct probe *p = &s->probes->v[i];
		int err = -p->attach_err;

		if (p->attached || !err || err == ERANGE)
			continue;
		if (shown++ == 4) {
			fprintf(stderr, " and %zu more", tr->failed - 4);
			break;
		}
		fprintf(stderr, "%s %s (%s)", shown > 1 ? "," : "", p->name,
			err == SKBT_ENOTSUPP ? "not supported" : strerror(err));
		if (s->backend == BACKEND_FENTRY && p->nr_args > SKBT_TRAMPOLINE_REG_ARGS &&
		    (err == SKBT_ENOTSUPP || err == EOPNOTSUPP))
			fprintf(stderr, " [%d arguments]", p->nr_args);
	}
	fputc('\n', stderr);
}

/* Why not a faster backend, as the start of the line. */
static void report_why_backend(enum backend b, const struct kernel_features *kf)
{
	bool tp = backend_on_tracepoints(b);

	if (tp && kf->kprobe_why[0] && kf->fentry_why[0])
		fprintf(stderr, "skbtrace: kprobes unavailable (%s), fentry unavailable (%s); ",
			kf->kprobe_why, kf->fentry_why);
	else if ((tp || b == BACKEND_FENTRY) && kf->kprobe_why[0])
		fprintf(stderr, "skbtrace: kprobes unavailable (%s); ", kf->kprobe_why);
	else if (b == BACKEND_KPROBE && kf->kprobe_multi_why[0])
		fprintf(stderr, "skbtrace: kprobe-multi unavailable (%s); ", kf->kprobe_multi_why);
	else
		fprintf(stderr, "skbtrace: ");
	/* Which of the two tracepoint backends, when auto chose. */
	if (tp && kf->tp_choice[0])
		fprintf(stderr, "%s; ", kf->tp_choice);
}

void report_started(const struct selection *s, const struct kernel_features *kf,
		    const struct tracer *tr, double ready_ms)
{
	enum backend b = s->backend;
	const char *what = backend_on_tracepoints(b) ? "sk_buff tracepoints" : "sk_buff functions";

	report_why_backend(b, kf);
	fprintf(stderr, "backend %s: tracing %zu %s", backend_name(b), tr->attached, what);
	if (tr->failed)
		fprintf(stderr, ", %zu failed to attach", tr->failed);
	if (s->unreadable)
		fprintf(stderr, ", %zu skipped (sk_buff beyond argument %d%s)", s->unreadable,
			backend_on_tracepoints(b) ? SKBT_TP_MAX_ARG : SKBT_KPROBE_MAX_ARG,
			b == BACKEND_FENTRY ? ", or over 12 arguments" : "");
	if (s->unprobeable)
		fprintf(stderr, ", %zu not probeable (per %s)", s->unprobeable, s->probe_source);
	if (s->track_hooks)
		fprintf(stderr, ", %zu of them hooks of --filter-track-skb", s->track_hooks);
	fprintf(stderr, " (ready in %.0f ms)\n", ready_ms);
	if (tr->failed)
		report_failures(s, tr);
	if (getenv("SKBT_DEBUG"))
		fprintf(stderr, "skbtrace: load %.1f ms, attach %.1f ms; packets read %s\n",
			tr->load_ms, tr->attach_ms,
			tr->cfg.direct_id ? "in place (bpf_rdonly_cast)"
					  : "with bpf_probe_read_kernel");
}

unsigned long long report_lost(struct output *out, unsigned long long lost,
			       unsigned long long reported)
{
	if (lost <= reported)
		return reported;
	output_flush(out);
	fprintf(stderr, "skbtrace: lost %llu events (ring buffer full; try --ringbuf-size)\n",
		lost - reported);
	return lost;
}

void report_capture(const char *path, unsigned long long records, int err)
{
	const char *name = strcmp(path, "-") ? path : "standard output";

	if (err == -EPIPE)
		fprintf(stderr,
			"skbtrace: -w %s: the reader closed the pipe; stopped after %llu packet "
			"records\n",
			name, records);
	else if (err)
		fprintf(stderr,
			"skbtrace: -w %s: write failed: %s; stopped, the file holds the %llu whole "
			"packet records before\n",
			name, strerror(-err), records);
	else
		fprintf(stderr, "skbtrace: %llu packet records written to %s\n", records, name);
}

void report_tracking(unsigned long long map_full, unsigned long long clones_lost,
		     unsigned long long evicted)
{
	if (map_full)
		fprintf(stderr,
			"skbtrace: tracking map full: %llu events of matching skbs were not "
			"tracked (raise --filter-track-max)\n",
			map_full);
	if (clones_lost)
		fprintf(stderr, "skbtrace: %llu clones of tracked skbs not followed\n",
			clones_lost);
	if (evicted)
		fprintf(stderr,
			"skbtrace: %llu packets printed before they were freed (--output-group holds "
			"at most 4096 packets and 65536 events)\n",
			evicted);
}

/* Even with -q: the exact event and loss counts are the point. */
void report_summary(const struct summary *s)
{
	fprintf(stderr,
		"skbtrace: %llu events, %llu lost, %zu probes attached, %zu failed, ran %.1f s",
		s->events, s->lost, s->attached, s->failed, s->ran_s);
	if (s->stack_lost)
		fprintf(stderr, ", %llu stacks lost (stack map full)", s->stack_lost);
	if (s->missed)
		fprintf(stderr,
			", %llu probe hits skipped by the kernel (a program of ours was "
			"already running on that CPU)",
			s->missed);
	if (s->status)
		fprintf(stderr, ", exit %d", s->status);
	fputc('\n', stderr);
}

void report_drop_summary_full(unsigned long long uncounted, unsigned int rows)
{
	fprintf(stderr,
		"skbtrace: %llu drops not counted: the drop summary's %u rows were all taken "
		"(raise --drop-summary-max)\n",
		uncounted, rows);
}
