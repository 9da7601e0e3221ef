// SPDX-License-Identifier: GPL-2.0
/*
 * Prints a --drop-summary interval: a text table with a hint under each
 * row, or one JSON object.  Once per interval, so plain stdio.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diag/drop_desc.h"
#include "diag/drop_summary.h"
#include "diag/sock.h"
#include "out/color.h"

#define HINT_MAX 1024

/* The facts of a row, as drop_describe() wants them. */
static void row_facts(const struct ds_row *r, struct drop_facts *f)
{
	*f = (struct drop_facts){
		.reason = r->key.reason,
		.location = r->key.location,
		.above = r->above,
		.netns = r->key.netns,
		.ifname = r->key.ifindex ? r->ifname : NULL,
		.tuple = r->flags & SKBT_F_HAS_TUPLE ? &r->example : NULL,
		.has_ports = r->flags & SKBT_F_HAS_PORTS,
	};
}

static void example_str(const struct ds_row *r, char *buf, size_t len)
{
	if (r->flags & SKBT_F_HAS_TUPLE)
		tuple_str(buf, len, &r->example, r->flags & SKBT_F_HAS_PORTS);
	else
		snprintf(buf, len, "-");
}

static void iface_str(const struct ds_row *r, char *buf, size_t len)
{
	if (!r->key.ifindex)
		snprintf(buf, len, "-");
	else if (r->ifname[0])
		snprintf(buf, len, "%.16s", r->ifname);
	else
		snprintf(buf, len, "if%u", r->key.ifindex);
}

/* ---- text ---------------------------------------------------------------- */

/* An SGR sequence when colouring, else nothing: escapes go outside padded fields. */
static const char *sgr(const struct ds_print *p, const char *seq)
{
	return p->color ? seq : "";
}

struct widths {
	int count, reason, location, netns, iface;
};

static void wall(const struct ds_print *p, unsigned long long ts, char *buf, size_t len)
{
	time_t sec = (ts + p->mono_to_real_ns) / 1000000000ULL;
	struct tm tm;

	if (!p->mono_to_real_ns || !localtime_r(&sec, &tm)) {
		snprintf(buf, len, "%llu", ts);
		return;
	}
	strftime(buf, len, "%H:%M:%S", &tm);
}

static int max_i(int a, int b)
{
	return a > b ? a : b;
}

static void measure(const struct ds_print *p, const struct ds_table *t, struct widths *w)
{
	*w = (struct widths){5, 6, 8, 5, 5};
	for (size_t i = 0; i < t->n; i++) {
		struct drop_facts f;
		struct drop_desc d;
		char buf[32];

		row_facts(&t->rows[i], &f);
		drop_describe(p->nm, &f, &d);
		w->count = max_i(w->count, snprintf(buf, sizeof(buf), "%llu", t->rows[i].count));
		w->reason = max_i(w->reason, strlen(d.reason_short));
		w->location = max_i(w->location, strlen(d.location[0] ? d.location : "-"));
		w->netns = max_i(w->netns, strlen(d.ns.name));
		iface_str(&t->rows[i], buf, sizeof(buf));
		w->iface = max_i(w->iface, strlen(buf));
	}
}

static void text_row(const struct ds_print *p, const struct ds_row *r, const struct widths *w)
{
	char iface[32], ex[SOCK_TUPLE_MAX], hint[HINT_MAX];
	struct drop_facts f;
	struct drop_desc d;

	row_facts(r, &f);
	drop_describe(p->nm, &f, &d);
	iface_str(r, iface, sizeof(iface));
	example_str(r, ex, sizeof(ex));
	drop_hint(&d.ctx, hint, sizeof(hint));
	/* the count and reason in a drop's red, the hint as in a trace's */
	fprintf(p->f, "%s%*llu  %-*s%s  %-*s  %-*s  %-*s  %s\n", sgr(p, COLOR_DROP), w->count,
		r->count, w->reason, d.reason_short, sgr(p, COLOR_RESET), w->location,
		d.location[0] ? d.location : "-", w->netns, d.ns.name, w->iface, iface, ex);
	fprintf(p->f, "%*s  %shint: %s%s\n", w->count, "", sgr(p, COLOR_HINT), hint,
		sgr(p, COLOR_RESET));
}

static void text_table(const struct ds_print *p, const struct ds_table *t)
{
	unsigned long long span = t->end > t->start ? t->end - t->start : 0;
	char from[32], to[32];
	struct widths w;

	wall(p, t->start, from, sizeof(from));
	wall(p, t->end, to, sizeof(to));
	fprintf(p->f, "%sdrop summary %s-%s (%llu.%03llus): %llu drops, %llu uncounted%s\n",
		sgr(p, COLOR_HEAD), from, to, span / 1000000000ULL, span / 1000000ULL % 1000,
		t->total, t->uncounted, sgr(p, COLOR_RESET));
	if (t->uncounted)
		fprintf(p->f,
			"%sWARNING: %llu drops were not counted: the summary map's %u rows are all "
			"taken (--drop-summary-max)%s\n",
			sgr(p, COLOR_HINT), t->uncounted, p->map_max, sgr(p, COLOR_RESET));
	if (!t->n)
		return;
	measure(p, t, &w);
	fprintf(p->f, "%*s  %-*s  %-*s  %-*s  %-*s  %s\n", w.count, "COUNT", w.reason, "REASON",
		w.location, "LOCATION", w.netns, "NETNS", w.iface, "IFACE", "EXAMPLE");
	for (size_t i = 0; i < t->n; i++)
		text_row(p, &t->rows[i], &w);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f) /* names are bytes: always valid JSON */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_example(FILE *f, const struct ds_row *r)
{
	const struct skbt_tuple *t = &r->example;
	bool ports = r->flags & SKBT_F_HAS_PORTS;
	char s[SOCK_ADDR_PORT_MAX], d[SOCK_ADDR_PORT_MAX], fl[40];
	const char *l4 = l4_name(t->l4);

	addr_str(s, sizeof(s), t->saddr, t->l3);
	addr_str(d, sizeof(d), t->daddr, t->l3);
	fprintf(f, ",\"example\":{\"saddr\":\"%s\",\"daddr\":\"%s\",\"sport\":%u,\"dport\":%u", s,
		d, ports ? t->sport : 0, ports ? t->dport : 0);
	if (l4)
		fprintf(f, ",\"l4\":\"%s\"", l4);
	else
		fprintf(f, ",\"l4\":\"%u\"", t->l4);
	if (t->l4 == IPPROTO_TCP) {
		tcp_flags_str(fl, sizeof(fl), t->tcp_flags);
		fprintf(f, ",\"tcp_flags\":\"%s\"", fl);
	}
	fputc('}', f);
}

static void json_row(const struct ds_print *p, const struct ds_row *r)
{
	char iface[32], hint[HINT_MAX];
	struct drop_facts f;
	struct drop_desc d;

	row_facts(r, &f);
	drop_describe(p->nm, &f, &d);
	drop_hint(&d.ctx, hint, sizeof(hint));
	fprintf(p->f, "{\"reason\":");
	json_str(p->f, d.reason);
	if (d.subsys) {
		fprintf(p->f, ",\"drop_subsys\":");
		json_str(p->f, d.subsys);
	}
	fprintf(p->f, ",\"location\":");
	json_str(p->f, d.location);
	if (d.hook)
		fprintf(p->f, ",\"hook\":\"%s\"", d.hook->hook);
	fprintf(p->f, ",\"netns\":%u,\"netns_name\":", r->key.netns);
	json_str(p->f, d.ns.name);
	snprintf(iface, sizeof(iface), "%.16s", r->key.ifindex ? r->ifname : "");
	fprintf(p->f, ",\"ifindex\":%u,\"iface\":", r->key.ifindex);
	json_str(p->f, iface);
	fprintf(p->f, ",\"count\":%llu", r->count);
	if (r->flags & SKBT_F_HAS_TUPLE)
		json_example(p->f, r);
	fprintf(p->f, ",\"hint\":");
	json_str(p->f, hint);
	fputc('}', p->f);
}

static void json_table(const struct ds_print *p, const struct ds_table *t)
{
	unsigned long long off = p->json_realtime ? p->mono_to_real_ns : 0;

	fprintf(p->f,
		"{\"drop_summary\":{\"start\":%llu,\"end\":%llu,\"total\":%llu,\"uncounted\":%llu,"
		"\"drops\":[",
		t->start + off, t->end + off, t->total, t->uncounted);
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			fputc(',', p->f);
		json_row(p, &t->rows[i]);
	}
	fprintf(p->f, "]}}\n");
}

int drop_summary_print(const struct ds_print *p, const struct ds_table *t)
{
	if (p->json)
		json_table(p, t);
	else
		text_table(p, t);
	return fflush(p->f) || ferror(p->f) ? -EIO : 0;
}
