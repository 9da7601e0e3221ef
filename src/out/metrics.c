// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics registry.  Drop rows are merged on the labels kept, in an
 * open-addressing table bounded by --metrics-max-series; rendering sorts
 * the series so that scrapes read alike from one to the next.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/metrics.h"
#include "out/strbuf.h"

enum { BUILD_VERSION, BUILD_BACKEND, BUILD_KERNEL, BUILD_NR };

struct series {
	char *key; /* the kept label values, each ending in '\0' */
	size_t keylen;
	unsigned long long count;
};

struct metrics {
	unsigned int labels;
	size_t max_series;
	struct series *series;
	size_t nseries, cap;
	unsigned int *slots; /* index into series + 1; 0 is empty */
	size_t nslots;	     /* a power of two, at least twice nseries */
	struct series **order;
	bool sorted;
	char *scratch; /* the key being looked up */
	size_t scratch_cap;
	unsigned long long overflow, events, lost, attached, failed;
	char *build[BUILD_NR];
	size_t last_len; /* the previous render's size: the next one's first guess */
};

static const char *const label_names[METRICS_NR_LABELS] = {"reason", "location", "netns", "iface"};

const char *metrics_label_name(enum metrics_label l)
{
	return l < METRICS_NR_LABELS ? label_names[l] : NULL;
}

struct metrics *metrics_new(unsigned int labels, size_t max_series)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->labels = labels & METRICS_ALL_LABELS;
	m->max_series = max_series;
	m->nslots = 64;
	m->slots = calloc(m->nslots, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nseries; i++)
		free(m->series[i].key);
	for (int i = 0; i < BUILD_NR; i++)
		free(m->build[i]);
	free(m->series);
	free(m->slots);
	free(m->order);
	free(m->scratch);
	free(m);
}

static int parse_label(const char *word, size_t len, unsigned int *labels)
{
	for (int i = 0; i < METRICS_NR_LABELS; i++) {
		if (strlen(label_names[i]) == len && !strncmp(word, label_names[i], len)) {
			*labels |= 1u << i;
			return 0;
		}
	}
	return -1;
}

int metrics_parse_labels(const char *spec, unsigned int *labels, char *err, size_t errlen)
{
	const char *p = spec;

	*labels = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (parse_label(p, len, labels)) {
			snprintf(err, errlen,
				 "--metrics-labels '%s': '%.*s' is not one of reason, location, "
				 "netns, iface",
				 spec, (int)len, p);
			return -1;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* FNV-1a: short keys, no adversary worth a keyed hash (the kernel names them). */
static uint64_t key_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The kept labels' values, each with its '\0', in m->scratch. */
static int build_key(struct metrics *m, const struct metrics_drop *d, size_t *len)
{
	size_t need = 0, off = 0;

	for (int i = 0; i < METRICS_NR_LABELS; i++)
		if (m->labels & (1u << i))
			need += (d->label[i] ? strlen(d->label[i]) : 0) + 1;
	if (need > m->scratch_cap) {
		char *p = realloc(m->scratch, need);

		if (!p)
			return -ENOMEM;
		m->scratch = p;
		m->scratch_cap = need;
	}
	for (int i = 0; i < METRICS_NR_LABELS; i++) {
		const char *v = d->label[i] ? d->label[i] : "";
		size_t n = strlen(v) + 1;

		if (!(m->labels & (1u << i)))
			continue;
		memcpy(m->scratch + off, v, n);
		off += n;
	}
	*len = off;
	return 0;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct metrics *m, const char *key, size_t len)
{
	size_t mask = m->nslots - 1, i = key_hash(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		const struct series *s;

		if (!m->slots[i])
			return i;
		s = &m->series[m->slots[i] - 1];
		if (s->keylen == len && !memcmp(s->key, key, len))
			return i;
	}
}

static int grow_slots(struct metrics *m)
{
	unsigned int *old = m->slots;
	size_t oldn = m->nslots;

	m->slots = calloc(oldn * 2, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->nslots = oldn * 2;
	for (size_t i = 0; i < oldn; i++) {
		const struct series *s;

		if (!old[i])
			continue;
		s = &m->series[old[i] - 1];
		m->slots[find_slot(m, s->key, s->keylen)] = old[i];
	}
	free(old);
	return 0;
}

static int grow_series(struct metrics *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct series *s;
	struct series **o;

	s = realloc(m->series, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	m->series = s;
	o = realloc(m->order, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	m->order = o;
	m->cap = cap;
	return 0;
}

/* A new series in slot; returns it, or NULL when memory runs out. */
static struct series *new_series(struct metrics *m, size_t slot, size_t keylen)
{
	struct series *s;
	char *key;

	if (m->nseries == m->cap && grow_series(m))
		return NULL;
	key = malloc(keylen);
	if (!key)
		return NULL;
	memcpy(key, m->scratch, keylen);
	s = &m->series[m->nseries];
	*s = (struct series){.key = key, .keylen = keylen};
	m->slots[slot] = ++m->nseries;
	m->sorted = false;
	/* Keep the table at most half full, so probes stay short. */
	if (m->nseries * 2 > m->nslots)
		grow_slots(m);
	return s;
}

enum metrics_added metrics_add_drop(struct metrics *m, const struct metrics_drop *d)
{
	struct series *s = NULL;
	size_t len, slot;

	if (build_key(m, d, &len))
		goto overflow;
	slot = find_slot(m, m->scratch, len);
	if (m->slots[slot])
		s = &m->series[m->slots[slot] - 1];
	else if (m->nseries < m->max_series)
		s = new_series(m, slot, len);
	if (!s)
		goto overflow;
	s->count += d->delta;
	return METRICS_IN_SERIES;
overflow:
	m->overflow += d->delta;
	return METRICS_OVERFLOW;
}

void metrics_add_overflow(struct metrics *m, unsigned long long delta)
{
	m->overflow += delta;
}

void metrics_set_events(struct metrics *m, unsigned long long events, unsigned long long lost)
{
	if (events > m->events)
		m->events = events;
	if (lost > m->lost)
		m->lost = lost;
}

void metrics_set_probes(struct metrics *m, unsigned long long attached, unsigned long long failed)
{
	m->attached = attached;
	m->failed = failed;
}

int metrics_set_build_info(struct metrics *m, const char *version, const char *backend,
			   const char *kernel)
{
	const char *v[BUILD_NR] = {version, backend, kernel};

	for (int i = 0; i < BUILD_NR; i++) {
		char *p;

		if (!v[i])
			continue;
		p = strdup(v[i]);
		if (!p)
			return -ENOMEM;
		free(m->build[i]);
		m->build[i] = p;
	}
	return 0;
}

size_t metrics_series(const struct metrics *m)
{
	return m->nseries;
}

unsigned long long metrics_overflow(const struct metrics *m)
{
	return m->overflow;
}

/* By hand: snprintf cost 15% of a 1,000-series render (bench/metrics). */
static void buf_u64(struct strbuf *b, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	strbuf_put(b, tmp + i, sizeof(tmp) - i);
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A label value as the exposition format wants it: backslash, quote and
 * newline escaped, and UTF-8 only (a scrape with one bad byte is rejected
 * whole, and interface or namespace names may hold any byte): a byte that
 * is not UTF-8 becomes U+FFFD.
 */
static void buf_label_value(struct strbuf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v);

	while (n) {
		size_t plain = 0, k;

		/* Most values are plain ASCII: copy such runs at once. */
		while (plain < n && s[plain] < 0x80 && s[plain] != '\\' && s[plain] != '"' &&
		       s[plain] != '\n')
			plain++;
		strbuf_put(b, (const char *)s, plain);
		s += plain;
		n -= plain;
		if (!n)
			break;
		k = utf8_seq(s, n);
		if (*s == '\\')
			strbuf_put(b, "\\\\", 2);
		else if (*s == '"')
			strbuf_put(b, "\\\"", 2);
		else if (*s == '\n')
			strbuf_put(b, "\\n", 2);
		else if (!k)
			strbuf_put(b, "\xef\xbf\xbd", 3);
		else
			strbuf_put(b, (const char *)s, k);
		s += k ? k : 1;
		n -= k ? k : 1;
	}
}

static void family(struct strbuf *b, const char *name, const char *type, const char *help)
{
	strbuf_str(b, "# HELP ");
	strbuf_str(b, name);
	strbuf_put(b, " ", 1);
	strbuf_str(b, help);
	strbuf_str(b, "\n# TYPE ");
	strbuf_str(b, name);
	strbuf_put(b, " ", 1);
	strbuf_str(b, type);
	strbuf_put(b, "\n", 1);
}

static void sample(struct strbuf *b, const char *name, unsigned long long v)
{
	strbuf_str(b, name);
	strbuf_put(b, " ", 1);
	buf_u64(b, v);
	strbuf_put(b, "\n", 1);
}

static int series_cmp(const void *x, const void *y)
{
	const struct series *a = *(struct series *const *)x, *b = *(struct series *const *)y;
	int c = memcmp(a->key, b->key, a->keylen < b->keylen ? a->keylen : b->keylen);

	if (c)
		return c;
	return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

static void render_series(struct strbuf *b, const struct metrics *m, const struct series *s)
{
	const char *v = s->key;
	bool first = true;

	strbuf_str(b, "skbtrace_drops_total{");
	for (int i = 0; i < METRICS_NR_LABELS; i++) {
		if (!(m->labels & (1u << i)))
			continue;
		if (!first)
			strbuf_put(b, ",", 1);
		first = false;
		strbuf_str(b, label_names[i]);
		strbuf_str(b, "=\"");
		buf_label_value(b, v);
		strbuf_put(b, "\"", 1);
		v += strlen(v) + 1;
	}
	strbuf_str(b, "} ");
	buf_u64(b, s->count);
	strbuf_put(b, "\n", 1);
}

static void render_drops(struct strbuf *b, struct metrics *m)
{
	/* qsort() wants an array even for no element: there is none before the first series */
	if (!m->sorted && m->nseries) {
		for (size_t i = 0; i < m->nseries; i++)
			m->order[i] = &m->series[i];
		qsort(m->order, m->nseries, sizeof(*m->order), series_cmp);
		m->sorted = true;
	}
	family(b, "skbtrace_drops_total", "counter",
	       "Packets the kernel dropped, counted in BPF, by drop reason, location, network "
	       "namespace and interface.");
	for (size_t i = 0; i < m->nseries; i++)
		render_series(b, m, m->order[i]);
	family(b, "skbtrace_drops_overflow_total", "counter",
	       "Drops counted but left out of skbtrace_drops_total: no room for their series "
	       "(--metrics-max-series, or the BPF map's rows).");
	sample(b, "skbtrace_drops_overflow_total", m->overflow);
}

static void render_build_info(struct strbuf *b, const struct metrics *m)
{
	static const char *const names[BUILD_NR] = {"version", "backend", "kernel"};

	family(b, "skbtrace_build_info", "gauge",
	       "Always 1: the skbtrace version, its tracing backend and the running kernel.");
	strbuf_str(b, "skbtrace_build_info{");
	for (int i = 0; i < BUILD_NR; i++) {
		if (i)
			strbuf_put(b, ",", 1);
		strbuf_str(b, names[i]);
		strbuf_str(b, "=\"");
		buf_label_value(b, m->build[i] ? m->build[i] : "");
		strbuf_put(b, "\"", 1);
	}
	strbuf_str(b, "} 1\n");
}

char *metrics_render(struct metrics *m, size_t *len)
{
	struct strbuf b = {.cap = m->last_len + m->last_len / 8 + 4096};

	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	render_drops(&b, m);
	family(&b, "skbtrace_events_total", "counter",
	       "Events skbtrace read from the kernel's ring buffer.");
	sample(&b, "skbtrace_events_total", m->events);
	family(&b, "skbtrace_events_lost_total", "counter",
	       "Events the kernel could not queue because the ring buffer was full.");
	sample(&b, "skbtrace_events_lost_total", m->lost);
	family(&b, "skbtrace_probes", "gauge", "Probes skbtrace attached, and those that failed.");
	strbuf_str(&b, "skbtrace_probes{state=\"attached\"} ");
	buf_u64(&b, m->attached);
	strbuf_str(&b, "\nskbtrace_probes{state=\"failed\"} ");
	buf_u64(&b, m->failed);
	strbuf_put(&b, "\n", 1);
	render_build_info(&b, m);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	m->last_len = b.len;
	*len = b.len;
	return b.p;
}
