/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of skbtrace: what main() wires together, and the output side of
 * it (events, drop summaries, metrics, -w), set up and ticked by
 * app_output.c.
 */
#ifndef SKBT_APP_H
#define SKBT_APP_H

#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "cli/opts.h"
#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "diag/drop_session.h"
#include "host/netns.h"
#include "host/privs.h"
#include "load/attach_bpfprog.h"
#include "load/kernel_features.h"
#include "load/pcap_hook.h"
#include "load/tracer.h"
#include "out/capture.h"
#include "out/exporter.h"
#include "out/group.h"
#include "out/output.h"
#include "probe/ksyms.h"
#include "probe/list.h"
#include "probe/select.h"

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
	struct prog_tracer pt; /* --filter-trace-tc/-xdp */
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

/* "skbtrace: " and the message on stderr; returns code. */
int app_fail(struct app *a, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock. */
unsigned long long app_now_ns(void);

/* Each returns 0, or an exit code after one line on stderr. */
int app_open_output(struct app *a);
int app_setup_output(struct app *a);
int app_open_capture(struct app *a);
int app_start_drop_summary(struct app *a);
int app_start_metrics(struct app *a);

void app_start_ksyms(struct app *a);
void app_join_ksyms(struct app *a);
void app_drop_summary_tick(struct app *a, bool final);
void app_metrics_tick(struct app *a);
void app_close_capture(struct app *a);

#endif
