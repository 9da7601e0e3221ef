// SPDX-License-Identifier: GPL-2.0
/*
 * Event formatting: pwru-style text columns and JSON lines.
 *
 * Formatting runs once per event at up to millions of events a second,
 * so nothing on that path calls printf: hand-written appenders fill a
 * large buffer that is written out with one fwrite when ~64 KiB are
 * pending, and kernel symbol names are cached per address.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "diag/drop_reason.h"
#include "probe/ksyms.h"
#include "out/output.h"

#define OUT_BUF_SIZE (128 * 1024)
#define OUT_FLUSH_AT (64 * 1024)
/* Room for one event's main line: names below are clamped to fit it. */
#define OUT_LINE_MAX 4096
#define OUT_NAME_MAX 512
/* PERF_MAX_STACK_DEPTH: what a BPF stack trace map holds at most. */
#define STACK_FRAMES_MAX 127
#define STACK_CACHE	 16   /* recently read stacks kept, see lookup_stack */
#define SYM_CACHE_SIZE	 2048 /* power of two */
/* The fixed part of a record: skb_data starts inside sizeof's tail padding. */
#define SKBT_EVENT_MIN offsetof(struct skbt_event, skb_data)

/* Text column widths; the header goes through the same padding. */
#define W_TIME	  18
#define W_SKB	  18
#define W_CPU	  3
#define W_PROCESS 20
#define W_NETNS	  10
#define W_MARK	  10
#define W_IFACE	  16
#define W_PROTO	  6
#define W_MTU	  5
#define W_LEN	  5
#define W_TUPLE	  48
#define W_FUNC	  40
#define W_ID	  12
#define W_DELTA	  13

struct obuf {
	char *base, *p, *end;
	FILE *f;
	int err; /* first write error, negative errno */
};

struct sym_slot {
	unsigned long long addr;
	const struct ksym *sym; /* NULL: no symbol, printed as hex */
	unsigned int len;	/* of sym->name, clamped */
	bool used;
};

struct out_priv {
	struct obuf b;
	struct sym_slot syms[SYM_CACHE_SIZE];
	char **tp_names; /* "category:name" per probe index, built on first use */
	size_t ntp;
	long long hms_sec; /* the second hms[] spells, -1 when none */
	char hms[8];
	unsigned long long *stack;
	size_t stack_frames;
	/* Stacks read lately, by id: see fetch_stack. */
	unsigned long long *stack_cache;
	long long stack_cache_id[STACK_CACHE]; /* id + 1, 0: empty */
	struct btf_dump *dump;
	char *dump_buf;
	size_t dump_len, dump_cap;
	bool dump_oom;
	long long delta_ns; /* --output-group: since the packet's previous event */
};

/* ---- buffer ---------------------------------------------------------- */

static int ob_flush(struct obuf *b)
{
	size_t n = b->p - b->base;

	if (n && fwrite(b->base, 1, n, b->f) != n && !b->err)
		b->err = errno ? -errno : -EIO;
	b->p = b->base;
	return b->err;
}

static inline void ob_reserve(struct obuf *b, size_t n)
{
	if ((size_t)(b->end - b->p) < n)
		ob_flush(b);
}

static inline void ap_c(struct obuf *b, char c)
{
	*b->p++ = c;
}

static inline void ap_mem(struct obuf *b, const char *s, size_t n)
{
	memcpy(b->p, s, n);
	b->p += n;
}

#define ap_lit(b, s) ap_mem(b, s, sizeof(s) - 1)

static inline void ap_str(struct obuf *b, const char *s)
{
	ap_mem(b, s, strlen(s));
}

/* A name of unbounded length: clamped so one event fits its reservation. */
static inline void ap_name(struct obuf *b, const char *s, size_t n)
{
	ap_mem(b, s, n < OUT_NAME_MAX ? n : OUT_NAME_MAX);
}

static const char digit_pairs[201] = "00010203040506070809"
				     "10111213141516171819"
				     "20212223242526272829"
				     "30313233343536373839"
				     "40414243444546474849"
				     "50515253545556575859"
				     "60616263646566676869"
				     "70717273747576777879"
				     "80818283848586878889"
				     "90919293949596979899";

static void ap_u64(struct obuf *b, unsigned long long v)
{
	char tmp[20], *q = tmp + sizeof(tmp);

	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * v, 2);
	} else {
		*--q = '0' + v;
	}
	ap_mem(b, q, tmp + sizeof(tmp) - q);
}

static void ap_i64(struct obuf *b, long long v)
{
	if (v < 0) {
		ap_c(b, '-');
		ap_u64(b, -(unsigned long long)v);
		return;
	}
	ap_u64(b, v);
}

/* Exactly width digits, zero padded: for nanoseconds. */
static void ap_u64_w(struct obuf *b, unsigned long long v, int width)
{
	char *q = b->p + width;

	while (q > b->p) {
		*--q = '0' + v % 10;
		v /= 10;
	}
	b->p += width;
}

static const char hex_digits[] = "0123456789abcdef";

/* Exactly digits hex digits, zero padded. */
static void ap_hex_w(struct obuf *b, unsigned long long v, int digits)
{
	char *q = b->p + digits;

	while (q > b->p) {
		*--q = hex_digits[v & 0xf];
		v >>= 4;
	}
	b->p += digits;
}

/* Hex without leading zeros (at least one digit), no prefix. */
static void ap_hex(struct obuf *b, unsigned long long v)
{
	int digits = 1;

	while (digits < 16 && v >> (4 * digits))
		digits++;
	ap_hex_w(b, v, digits);
}

static void ap_pad(struct obuf *b, const char *col, int width)
{
	char *target = (char *)col + width;

	if (b->p < target) {
		memset(b->p, ' ', target - b->p);
		b->p = target;
	}
	ap_c(b, ' ');
}

/* ---- addresses ------------------------------------------------------- */

static void ap_ipv4(struct obuf *b, const unsigned char *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			ap_c(b, '.');
		ap_u64(b, a[i]);
	}
}

/* The longest run of two or more zero groups (RFC 5952: first on a tie). */
static void zero_run(const unsigned short *w, int *start, int *len)
{
	int cur = -1;

	*start = -1;
	*len = 1;
	for (int i = 0; i <= 8; i++) {
		if (i < 8 && !w[i]) {
			if (cur < 0)
				cur = i;
			continue;
		}
		if (cur >= 0 && i - cur > *len) {
			*start = cur;
			*len = i - cur;
		}
		cur = -1;
	}
}

/* RFC 5952 text form, as inet_ntop gives it, without its cost. */
static void ap_ipv6(struct obuf *b, const unsigned char *a)
{
	unsigned short w[8];
	int start, len;

	for (int i = 0; i < 8; i++)
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
	if (!w[0] && !w[1] && !w[2] && !w[3] && !w[4] && w[5] == 0xffff) {
		ap_lit(b, "::ffff:");
		ap_ipv4(b, a + 12);
		return;
	}
	zero_run(w, &start, &len);
	for (int i = 0; i < 8; i++) {
		if (i == start) {
			ap_lit(b, "::");
			i += len - 1;
			continue;
		}
		if (i && i != start + len)
			ap_c(b, ':');
		ap_hex(b, w[i]);
	}
}

static void ap_addr(struct obuf *b, const unsigned char *a, int l3, bool bracket)
{
	if (l3 == 4) {
		ap_ipv4(b, a);
	} else if (l3 == 6) {
		if (bracket)
			ap_c(b, '[');
		ap_ipv6(b, a);
		if (bracket)
			ap_c(b, ']');
	} else {
		ap_c(b, '?');
	}
}

static void ap_l4(struct obuf *b, int l4)
{
	switch (l4) {
	case 1:
		ap_lit(b, "icmp");
		break;
	case 6:
		ap_lit(b, "tcp");
		break;
	case 17:
		ap_lit(b, "udp");
		break;
	case 58:
		ap_lit(b, "icmpv6");
		break;
	case 132:
		ap_lit(b, "sctp");
		break;
	default:
		ap_u64(b, l4);
	}
}

static void ap_tcp_flags(struct obuf *b, unsigned int flags)
{
	static const char names[8][4] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
	bool first = true;

	for (int i = 0; i < 8; i++) {
		if (!(flags & 1u << i))
			continue;
		if (!first)
			ap_c(b, '|');
		ap_mem(b, names[i], 3);
		first = false;
	}
}

/* ---- strings from the kernel ------------------------------------------ */

/* comm and ifname hold any byte; control bytes would break the line. */
static void ap_text_bytes(struct obuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f) {
			ap_lit(b, "\\x");
			ap_hex_w(b, c, 2);
		} else {
			ap_c(b, c);
		}
	}
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static int utf8_len(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], need, cp, min;

	if (c >= 0xc2 && c <= 0xdf)
		need = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n <= need)
		return 0;
	for (unsigned int i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

static void ap_json_ctl(struct obuf *b, unsigned char c)
{
	switch (c) {
	case '\n':
		ap_lit(b, "\\n");
		break;
	case '\t':
		ap_lit(b, "\\t");
		break;
	case '\r':
		ap_lit(b, "\\r");
		break;
	default:
		/* also bytes that are not UTF-8, read as Latin-1 */
		ap_lit(b, "\\u00");
		ap_hex_w(b, c, 2);
	}
}

/*
 * A quoted JSON string of at most max bytes of s (stopping at NUL).
 * Checks its room per character, so it also serves long dumps.
 */
static void ap_json_str(struct obuf *b, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;

	ap_c(b, '"');
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];
		int n;

		ob_reserve(b, 16);
		if (c >= 0x20 && c < 0x80) {
			if (c == '"' || c == '\\')
				ap_c(b, '\\');
			ap_c(b, c);
		} else if (c >= 0x80 && (n = utf8_len(s + i, max - i)) > 0) {
			ap_mem(b, (const char *)s + i, n);
			i += n - 1;
		} else {
			ap_json_ctl(b, c);
		}
	}
	ap_c(b, '"');
}

/* ---- symbols ---------------------------------------------------------- */

static struct sym_slot *sym_get(struct output *o, unsigned long long addr)
{
	struct out_priv *pv = o->priv;
	size_t h = (addr ^ addr >> 12 ^ addr >> 24) & (SYM_CACHE_SIZE - 1);
	struct sym_slot *s = &pv->syms[h];

	if (s->used && s->addr == addr)
		return s;
	s->addr = addr;
	s->used = true;
	s->sym = o->ks ? ksyms_lookup(o->ks, addr) : NULL;
	s->len = s->sym ? strnlen(s->sym->name, OUT_NAME_MAX) : 0;
	return s;
}

static void ap_hexaddr(struct obuf *b, unsigned long long addr)
{
	ap_lit(b, "0x");
	ap_hex(b, addr);
}

/* "sym+0xoff", with " [module]" when asked and the symbol has one. */
static void ap_frame(struct output *o, unsigned long long addr, bool module)
{
	struct sym_slot *s = sym_get(o, addr);
	struct obuf *b = &((struct out_priv *)o->priv)->b;

	if (!s->sym) {
		ap_hexaddr(b, addr);
		return;
	}
	ap_mem(b, s->sym->name, s->len);
	ap_lit(b, "+0x");
	ap_hex(b, addr - s->sym->addr);
	if (module && s->sym->module) {
		ap_lit(b, " [");
		ap_name(b, s->sym->module, strnlen(s->sym->module, OUT_NAME_MAX));
		ap_c(b, ']');
	}
}

static const char *tp_name(struct output *o, unsigned long long idx)
{
	struct out_priv *pv = o->priv;
	char buf[256];

	if (!o->probes || idx >= o->probes->n)
		return NULL;
	if (idx >= pv->ntp) {
		char **v = realloc(pv->tp_names, o->probes->n * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + pv->ntp, 0, (o->probes->n - pv->ntp) * sizeof(*v));
		pv->tp_names = v;
		pv->ntp = o->probes->n;
	}
	if (!pv->tp_names[idx])
		pv->tp_names[idx] =
			strdup(probe_display_name(&o->probes->v[idx], buf, sizeof(buf)));
	return pv->tp_names[idx];
}

/* The probed function or tracepoint, without the drop reason. */
static void ap_func(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	struct sym_slot *s;

	if (e->flags & SKBT_F_TRACEPOINT) {
		const char *n = tp_name(o, e->func);

		if (n) {
			ap_name(b, n, strlen(n));
		} else {
			ap_lit(b, "tracepoint#");
			ap_u64(b, e->func);
		}
		return;
	}
	s = sym_get(o, e->func);
	if (s->sym)
		ap_mem(b, s->sym->name, s->len);
	else
		ap_hexaddr(b, e->func);
}

static bool is_drop(const struct output *o, const struct skbt_event *e)
{
	return (e->flags & SKBT_F_HAS_REASON) && (long long)e->reason != o->consumed_reason;
}

static void ap_reason(struct output *o, unsigned int reason)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	char buf[16];
	const char *n = drop_reason_name(o->dr, reason, buf, sizeof(buf));

	ap_name(b, n, strlen(n));
}

/*
 * How many leading frames belong to the tracing machinery: on a raw
 * tracepoint the stack starts in our own program and bpf_trace_runN
 * (and __bpf_trace_<tp> on older kernels); the frame after the last of
 * those is the function that hit the tracepoint.
 */
static size_t tracing_frames(const struct output *o, const unsigned long long *f, size_t n)
{
	static const char *const prefixes[] = {"bpf_trace_run", "__bpf_trace_", "__traceiter_"};
	size_t skip = 0;

	for (size_t i = 0; o->ks && i < n && i < 6; i++) {
		const struct ksym *k = ksyms_lookup(o->ks, f[i]);

		for (size_t p = 0; k && p < sizeof(prefixes) / sizeof(prefixes[0]); p++)
			if (!strncmp(k->name, prefixes[p], strlen(prefixes[p])))
				skip = i + 1;
	}
	return skip;
}

/*
 * A fentry program's stack starts in its trampoline (the program's own
 * frame is skipped in BPF), called from the traced function's first
 * instruction; trampolines are newer than our kallsyms snapshot, so they
 * are told by position, not name: the frames before the traced
 * function's own.  n when it is not among them.
 */
static size_t trampoline_frames(const struct output *o, const unsigned long long *f, size_t n,
				unsigned long long func)
{
	const struct ksym *fk = o->ks ? ksyms_lookup(o->ks, func) : NULL;

	for (size_t i = 0; fk && i < n && i < 6; i++)
		if (ksyms_lookup(o->ks, f[i]) == fk)
			return i;
	return n;
}

static unsigned long long first_caller(const struct output *o, const struct skbt_event *e)
{
	size_t i = 0;

	if (e->flags & SKBT_F_TRACEPOINT)
		i = tracing_frames(o, e->caller, SKBT_CALLER_FRAMES);
	else if (e->flags & SKBT_F_FENTRY)
		i = trampoline_frames(o, e->caller, SKBT_CALLER_FRAMES, e->func) + 1;
	for (; i < SKBT_CALLER_FRAMES; i++)
		if (e->caller[i])
			return e->caller[i];
	return 0;
}

/* ---- time ------------------------------------------------------------ */

static void ap_wall(struct output *o, unsigned long long ts)
{
	struct out_priv *pv = o->priv;
	unsigned long long wall = ts + o->mono_to_real_ns;
	long long sec = wall / 1000000000ULL;

	/* localtime_r takes a lock and reads the zone: once a second is plenty */
	if (sec != pv->hms_sec) {
		time_t t = sec;
		struct tm tm;
		struct obuf tmp = {.p = pv->hms};

		localtime_r(&t, &tm);
		ap_u64_w(&tmp, tm.tm_hour, 2);
		ap_c(&tmp, ':');
		ap_u64_w(&tmp, tm.tm_min, 2);
		ap_c(&tmp, ':');
		ap_u64_w(&tmp, tm.tm_sec, 2);
		pv->hms_sec = sec;
	}
	ap_mem(&pv->b, pv->hms, 8);
	ap_c(&pv->b, '.');
	ap_u64_w(&pv->b, wall % 1000000000ULL, 9);
}

static long long rel_ts(const struct output *o, unsigned long long ts)
{
	return (long long)(ts - o->first_ts);
}

static void ap_time_text(struct output *o, unsigned long long ts)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;

	switch (o->cfg.ts) {
	case TS_CURRENT:
		ap_wall(o, ts);
		break;
	case TS_RELATIVE:
		ap_i64(b, rel_ts(o, ts));
		break;
	default:
		ap_u64(b, ts);
	}
}

/* ---- stack and skb dump ------------------------------------------------ */

/*
 * The stack map is created after the formatter, so the buffer is sized
 * from the map itself on first use: a lookup writes the map's whole
 * value size, whatever we would like to print.
 */
static bool stack_buf(struct output *o)
{
	struct out_priv *pv = o->priv;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (pv->stack)
		return true;
	pv->stack_frames = STACK_FRAMES_MAX;
	if (!bpf_obj_get_info_by_fd(o->stack_map_fd, &info, &len) && info.value_size >= 8)
		pv->stack_frames = info.value_size / 8;
	pv->stack = calloc((1 + STACK_CACHE) * pv->stack_frames, sizeof(*pv->stack));
	pv->stack_cache = pv->stack ? pv->stack + pv->stack_frames : NULL;
	return pv->stack != NULL;
}

/*
 * The stack map stores an identical stack once, under one id, and we free
 * each id once read: an event that shares the id of one just printed
 * (a loop over a backlog, say) finds it gone, so recent ones are kept.
 */
static bool lookup_stack(struct output *o, int id)
{
	struct out_priv *pv = o->priv;
	size_t slot = (unsigned int)id % STACK_CACHE, bytes = pv->stack_frames * sizeof(*pv->stack);
	unsigned long long *c = pv->stack_cache + slot * pv->stack_frames;

	if (!bpf_map_lookup_elem(o->stack_map_fd, &id, pv->stack)) {
		/* ids are reused by the kernel once freed: the map never fills */
		bpf_map_delete_elem(o->stack_map_fd, &id);
		memcpy(c, pv->stack, bytes);
		pv->stack_cache_id[slot] = (long long)id + 1;
		return true;
	}
	if (pv->stack_cache_id[slot] != (long long)id + 1)
		return false;
	memcpy(pv->stack, c, bytes);
	return true;
}

/* Reads one stack; returns the frame count, 0 if gone. */
static size_t fetch_stack(struct output *o, const struct skbt_event *e)
{
	struct out_priv *pv = o->priv;
	size_t n, skip = 0;

	if (o->stack_map_fd < 0 || e->stack_id < 0 || !stack_buf(o))
		return 0;
	if (!lookup_stack(o, e->stack_id))
		return 0;
	for (n = 0; n < pv->stack_frames && pv->stack[n]; n++)
		;
	if (e->flags & SKBT_F_TRACEPOINT)
		skip = tracing_frames(o, pv->stack, n);
	else if (e->flags & SKBT_F_FENTRY)
		skip = trampoline_frames(o, pv->stack, n, e->func) % (n + 1);
	memmove(pv->stack, pv->stack + skip, (n - skip) * sizeof(*pv->stack));
	return n - skip;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	struct out_priv *pv = ctx;
	va_list copy;
	int n;

	if (pv->dump_oom)
		return;
	va_copy(copy, args);
	n = vsnprintf(pv->dump_buf + pv->dump_len, pv->dump_cap - pv->dump_len, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= pv->dump_cap - pv->dump_len) {
		size_t cap = (pv->dump_len + n + 1) * 2;
		char *p = realloc(pv->dump_buf, cap);

		if (!p) {
			pv->dump_oom = true;
			return;
		}
		pv->dump_buf = p;
		pv->dump_cap = cap;
		vsnprintf(p + pv->dump_len, cap - pv->dump_len, fmt, args);
	}
	pv->dump_len += n;
}

static void dump_str(struct out_priv *pv, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	dump_printf(pv, fmt, args);
	va_end(args);
}

/* The event's struct sk_buff bytes as btf_dump prints them, or NULL. */
static const char *dump_skb(struct output *o, const struct skbt_event *e, size_t size, bool compact)
{
	struct out_priv *pv = o->priv;
	size_t len = size - SKBT_EVENT_MIN;
	/*
	 * emit_zeroes: without it libbpf (1.1.2 here, and releases until
	 * the fix) drops a whole struct or union whose first member is zero,
	 * its zero check comparing with ENODATA instead of -ENODATA:
	 * sk_buff's leading union (next, prev, dev) vanished whenever next
	 * was NULL.
	 */
	LIBBPF_OPTS(btf_dump_type_data_opts, opts, .compact = compact, .indent_str = "    ",
		    .indent_level = compact ? 0 : 1, .emit_zeroes = true);
	int err;

	if (!pv->dump || !(e->flags & SKBT_F_HAS_SKB_DATA))
		return NULL;
	if (e->skb_data_len < len)
		len = e->skb_data_len;
	pv->dump_len = 0;
	pv->dump_oom = false;
	if (pv->dump_buf)
		pv->dump_buf[0] = '\0';
	err = btf_dump__dump_type_data(pv->dump, o->skb_type_id, e->skb_data, len, &opts);
	/* the copy was shorter than the struct: say so where it stops */
	if (err == -E2BIG)
		dump_str(pv, "%s", compact ? " (truncated)" : "    (truncated)");
	else if (err < 0)
		return NULL;
	return pv->dump_oom || !pv->dump_buf ? NULL : pv->dump_buf;
}

/* ---- text ------------------------------------------------------------- */

static void text_process(struct obuf *b, const struct skbt_event *e)
{
	ap_c(b, '[');
	ap_u64(b, e->pid);
	ap_lit(b, "] ");
	ap_text_bytes(b, e->comm, SKBT_COMMLEN);
}

static void text_iface(struct obuf *b, const struct skbt_event *e)
{
	ap_u64(b, e->ifindex);
	if (!e->ifindex || !e->ifname[0])
		return;
	ap_c(b, '(');
	ap_text_bytes(b, e->ifname, SKBT_IFNAMSIZ);
	ap_c(b, ')');
}

static void text_meta(struct obuf *b, const struct skbt_event *e)
{
	char *col = b->p;

	ap_u64(b, e->netns);
	ap_pad(b, col, W_NETNS);
	col = b->p;
	ap_hexaddr(b, e->mark);
	ap_pad(b, col, W_MARK);
	col = b->p;
	text_iface(b, e);
	ap_pad(b, col, W_IFACE);
	col = b->p;
	ap_lit(b, "0x");
	ap_hex_w(b, e->proto, 4);
	ap_pad(b, col, W_PROTO);
	col = b->p;
	ap_u64(b, e->mtu);
	ap_pad(b, col, W_MTU);
	col = b->p;
	ap_u64(b, e->len);
	ap_pad(b, col, W_LEN);
}

/* 10.0.0.1:53->10.0.0.2:9999(udp), [fd00::1]:80->[fd00::2]:1234(tcp:SYN|ACK) */
static void text_tuple(struct obuf *b, const struct skbt_event *e)
{
	const struct skbt_tuple *t = &e->tuple;
	bool ports = e->flags & SKBT_F_HAS_PORTS;

	if (!(e->flags & SKBT_F_HAS_TUPLE)) {
		ap_c(b, '-');
		return;
	}
	ap_addr(b, t->saddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->sport);
	}
	ap_lit(b, "->");
	ap_addr(b, t->daddr, t->l3, ports);
	if (ports) {
		ap_c(b, ':');
		ap_u64(b, t->dport);
	}
	ap_c(b, '(');
	ap_l4(b, t->l4);
	if (t->l4 == 6 && t->tcp_flags) {
		ap_c(b, ':');
		ap_tcp_flags(b, t->tcp_flags);
	}
	ap_c(b, ')');
}

static void text_stack(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	size_t n;

	if (e->flags & SKBT_F_STACK_LOST) {
		ob_reserve(b, 64);
		ap_lit(b, "    (stack lost: stack map full)\n");
	}
	if (!(e->flags & SKBT_F_HAS_STACK))
		return;
	n = fetch_stack(o, e);
	for (size_t i = 0; i < n; i++) {
		ob_reserve(b, 2 * OUT_NAME_MAX + 64);
		ap_lit(b, "    ");
		ap_frame(o, ((struct out_priv *)o->priv)->stack[i], true);
		ap_c(b, '\n');
	}
}

static void text_skb(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	const char *d = dump_skb(o, e, size, false);
	size_t len;

	if (!d)
		return;
	len = strlen(d);
	ob_reserve(b, len + 1);
	if ((size_t)(b->end - b->p) < len + 1) {
		ob_flush(b);
		if (fwrite(d, 1, len, b->f) != len && !b->err)
			b->err = -EIO;
	} else {
		ap_mem(b, d, len);
	}
	ap_c(b, '\n');
}

/* 1.234us */
static void ap_us(struct obuf *b, unsigned long long ns)
{
	ap_u64(b, ns / 1000);
	ap_c(b, '.');
	ap_u64_w(b, ns % 1000, 3);
	ap_lit(b, "us");
}

/* +1.234us: the time since the packet's previous event (never negative: sorted). */
static void ap_delta(struct obuf *b, long long ns)
{
	ap_c(b, '+');
	ap_us(b, ns < 0 ? 0 : ns);
}

/* The packet id; a clone or copy of the packet's skb says so. */
static void text_id(struct obuf *b, const struct skbt_event *e)
{
	char *col = b->p;

	if (e->track_id)
		ap_u64(b, e->track_id);
	else
		ap_c(b, '-');
	if (e->flags & SKBT_F_CLONE)
		ap_lit(b, "(clone)");
	ap_pad(b, col, W_ID);
}

static void text_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	char *col;

	if (o->cfg.group) {
		col = b->p;
		ap_delta(b, ((struct out_priv *)o->priv)->delta_ns);
		ap_pad(b, col, W_DELTA);
	}
	if (o->cfg.ts != TS_NONE) {
		col = b->p;
		ap_time_text(o, e->ts);
		ap_pad(b, col, W_TIME);
	}
	ap_lit(b, "0x");
	ap_hex_w(b, e->skb, 16);
	ap_c(b, ' ');
	if (o->cfg.track)
		text_id(b, e);
	col = b->p;
	ap_u64(b, e->cpu);
	ap_pad(b, col, W_CPU);
	col = b->p;
	text_process(b, e);
	ap_pad(b, col, W_PROCESS);
	if (o->cfg.meta)
		text_meta(b, e);
	if (o->cfg.tuple) {
		col = b->p;
		text_tuple(b, e);
		ap_pad(b, col, W_TUPLE);
	}
	col = b->p;
	ap_func(o, e);
	if (is_drop(o, e)) {
		ap_c(b, '(');
		ap_reason(o, e->reason);
		ap_c(b, ')');
	}
	if (o->cfg.caller) {
		unsigned long long c = first_caller(o, e);

		ap_pad(b, col, W_FUNC);
		if (c && (e->flags & SKBT_F_HAS_CALLER))
			ap_frame(o, c, false);
		else
			ap_c(b, '-');
	}
	ap_c(b, '\n');
	if (o->cfg.stack)
		text_stack(o, e);
	if (o->cfg.skb)
		text_skb(o, e, size);
}

/* ---- JSON ------------------------------------------------------------- */

static unsigned long long json_time(const struct output *o, unsigned long long ts)
{
	if (o->cfg.ts == TS_CURRENT)
		return ts + o->mono_to_real_ns;
	return ts;
}

static void json_tuple(struct obuf *b, const struct skbt_event *e)
{
	const struct skbt_tuple *t = &e->tuple;

	ap_lit(b, ",\"tuple\":{\"saddr\":\"");
	ap_addr(b, t->saddr, t->l3, false);
	ap_lit(b, "\",\"daddr\":\"");
	ap_addr(b, t->daddr, t->l3, false);
	ap_lit(b, "\",\"sport\":");
	ap_u64(b, e->flags & SKBT_F_HAS_PORTS ? t->sport : 0);
	ap_lit(b, ",\"dport\":");
	ap_u64(b, e->flags & SKBT_F_HAS_PORTS ? t->dport : 0);
	ap_lit(b, ",\"l4\":\"");
	ap_l4(b, t->l4);
	ap_c(b, '"');
	if (t->l4 == 6) {
		ap_lit(b, ",\"tcp_flags\":\"");
		ap_tcp_flags(b, t->tcp_flags);
		ap_c(b, '"');
	}
	ap_c(b, '}');
}

static void json_head(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;

	ap_lit(b, "{\"time\":");
	if (o->cfg.ts == TS_RELATIVE)
		ap_i64(b, rel_ts(o, e->ts));
	else
		ap_u64(b, json_time(o, e->ts));
	ap_lit(b, ",\"skb\":\"0x");
	ap_hex_w(b, e->skb, 16);
	ap_c(b, '"');
	if (o->cfg.track) {
		ap_lit(b, ",\"id\":");
		ap_u64(b, e->track_id);
		if (e->flags & SKBT_F_CLONE)
			ap_lit(b, ",\"clone\":true");
	}
	ap_lit(b, ",\"cpu\":");
	ap_u64(b, e->cpu);
	ap_lit(b, ",\"pid\":");
	ap_u64(b, e->pid);
	ap_lit(b, ",\"process\":");
	ap_json_str(b, e->comm, SKBT_COMMLEN);
	ap_lit(b, ",\"func\":\"");
	/* symbol and probe names are identifiers: nothing to escape */
	ap_func(o, e);
	ap_c(b, '"');
}

static void json_meta(struct obuf *b, const struct skbt_event *e)
{
	ap_lit(b, ",\"netns\":");
	ap_u64(b, e->netns);
	ap_lit(b, ",\"mark\":");
	ap_u64(b, e->mark);
	ap_lit(b, ",\"ifindex\":");
	ap_u64(b, e->ifindex);
	ap_lit(b, ",\"iface\":");
	ap_json_str(b, e->ifindex ? e->ifname : "", SKBT_IFNAMSIZ);
	ap_lit(b, ",\"proto\":");
	ap_u64(b, e->proto);
	ap_lit(b, ",\"len\":");
	ap_u64(b, e->len);
	ap_lit(b, ",\"mtu\":");
	ap_u64(b, e->mtu);
}

static void json_stack(struct output *o, const struct skbt_event *e)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;
	size_t n;

	if (e->flags & SKBT_F_STACK_LOST)
		ap_lit(b, ",\"stack_lost\":true");
	if (!(e->flags & SKBT_F_HAS_STACK))
		return;
	n = fetch_stack(o, e);
	ap_lit(b, ",\"stack\":[");
	for (size_t i = 0; i < n; i++) {
		ob_reserve(b, 2 * OUT_NAME_MAX + 64);
		if (i)
			ap_c(b, ',');
		ap_c(b, '"');
		ap_frame(o, ((struct out_priv *)o->priv)->stack[i], true);
		ap_c(b, '"');
	}
	ap_c(b, ']');
}

static void json_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct obuf *b = &((struct out_priv *)o->priv)->b;

	json_head(o, e);
	json_meta(b, e);
	if (e->flags & SKBT_F_HAS_TUPLE)
		json_tuple(b, e);
	if (is_drop(o, e)) {
		ap_lit(b, ",\"drop_reason\":\"");
		ap_reason(o, e->reason);
		ap_c(b, '"');
	}
	if (o->cfg.caller && (e->flags & SKBT_F_HAS_CALLER) && first_caller(o, e)) {
		ap_lit(b, ",\"caller\":\"");
		ap_frame(o, first_caller(o, e), false);
		ap_c(b, '"');
	}
	if (o->cfg.stack)
		json_stack(o, e);
	if (o->cfg.skb) {
		const char *d = dump_skb(o, e, size, true);

		if (d) {
			ap_lit(b, ",\"skb_dump\":");
			ap_json_str(b, d, (size_t)-1);
		}
	}
	ob_reserve(b, 32);
	if (o->cfg.group) {
		ap_lit(b, ",\"delta_ns\":");
		ap_i64(b, ((struct out_priv *)o->priv)->delta_ns);
	}
	ap_c(b, '}');
}

/* ---- interface --------------------------------------------------------- */

static int init_dump(struct output *o, struct out_priv *pv)
{
	if (!o->cfg.skb || !o->btf || o->skb_type_id <= 0)
		return 0;
	pv->dump = btf_dump__new(o->btf, dump_printf, pv, NULL);
	return pv->dump ? 0 : -errno;
}

int output_init(struct output *o)
{
	struct out_priv *pv = calloc(1, sizeof(*pv));
	int err = -ENOMEM;

	if (!pv)
		return -ENOMEM;
	o->priv = pv;
	pv->hms_sec = -1;
	pv->b.base = malloc(OUT_BUF_SIZE);
	if (!pv->b.base)
		goto fail;
	pv->b.p = pv->b.base;
	pv->b.end = pv->b.base + OUT_BUF_SIZE;
	pv->b.f = o->f;
	err = init_dump(o, pv);
	if (err)
		goto fail;
	return 0;
fail:
	output_free(o);
	return err;
}

void output_header(struct output *o)
{
	struct obuf *b;
	char *col;

	if (!o->priv || o->cfg.json)
		return;
	b = &((struct out_priv *)o->priv)->b;
	ob_reserve(b, OUT_LINE_MAX);
	if (o->cfg.ts != TS_NONE) {
		col = b->p;
		ap_lit(b, "TIME");
		ap_pad(b, col, W_TIME);
	}
	if (o->cfg.group) {
		col = b->p;
		ap_lit(b, "DELTA");
		ap_pad(b, col, W_DELTA);
	}
	col = b->p;
	ap_lit(b, "SKB");
	ap_pad(b, col, W_SKB);
	if (o->cfg.track) {
		col = b->p;
		ap_lit(b, "ID");
		ap_pad(b, col, W_ID);
	}
	col = b->p;
	ap_lit(b, "CPU");
	ap_pad(b, col, W_CPU);
	col = b->p;
	ap_lit(b, "PROCESS");
	ap_pad(b, col, W_PROCESS);
	if (o->cfg.meta) {
		static const char *const names[] = {"NETNS", "MARK", "IFACE",
						    "PROTO", "MTU",  "LEN"};
		static const int widths[] = {W_NETNS, W_MARK, W_IFACE, W_PROTO, W_MTU, W_LEN};

		for (int i = 0; i < 6; i++) {
			col = b->p;
			ap_mem(b, names[i], strlen(names[i]));
			ap_pad(b, col, widths[i]);
		}
	}
	if (o->cfg.tuple) {
		col = b->p;
		ap_lit(b, "TUPLE");
		ap_pad(b, col, W_TUPLE);
	}
	col = b->p;
	ap_lit(b, "FUNC");
	if (o->cfg.caller) {
		ap_pad(b, col, W_FUNC);
		ap_lit(b, "CALLER");
	}
	ap_c(b, '\n');
}

int output_event(struct output *o, const struct skbt_event *e, size_t size)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return -EINVAL;
	if (size < SKBT_EVENT_MIN)
		return -EINVAL;
	if (!o->first_ts)
		o->first_ts = e->ts;
	ob_reserve(&pv->b, OUT_LINE_MAX);
	if (o->cfg.json) {
		json_event(o, e, size);
		ap_c(&pv->b, '\n');
	} else {
		text_event(o, e, size);
	}
	o->events++;
	if (pv->b.p - pv->b.base >= OUT_FLUSH_AT)
		ob_flush(&pv->b);
	return pv->b.err;
}

static const char *const group_end_names[] = {
	[GROUP_FREED] = "freed",
	[GROUP_EVICTED] = "evicted",
	[GROUP_AT_EXIT] = "in_flight",
	[GROUP_UNTRACKED] = "untracked",
};

static unsigned long long group_span(const struct group_pkt *p)
{
	return p->n ? p->ev[p->n - 1]->e.ts - p->ev[0]->e.ts : 0;
}

/* --- packet 5: 9 events on 2 skbs in 12.345us (freed) */
static void text_group_head(struct obuf *b, const struct group_pkt *p, enum group_end why)
{
	ap_lit(b, "--- packet ");
	ap_u64(b, p->id);
	ap_lit(b, ": ");
	ap_u64(b, p->n);
	ap_str(b, p->n == 1 ? " event on " : " events on ");
	ap_u64(b, p->nskbs);
	ap_str(b, p->nskbs == 1 ? " skb in " : " skbs in ");
	ap_us(b, group_span(p));
	ap_lit(b, " (");
	ap_str(b, group_end_names[why]);
	ap_lit(b, ")\n");
}

/* {"id":5,"end":"freed","skbs":2,"duration_ns":12345,"events":[{...},...]} */
static void json_group_head(struct obuf *b, const struct group_pkt *p, enum group_end why)
{
	ap_lit(b, "{\"id\":");
	ap_u64(b, p->id);
	ap_lit(b, ",\"end\":\"");
	ap_str(b, group_end_names[why]);
	ap_lit(b, "\",\"skbs\":");
	ap_u64(b, p->nskbs);
	ap_lit(b, ",\"duration_ns\":");
	ap_u64(b, group_span(p));
	ap_lit(b, ",\"events\":[");
}

int output_group(struct output *o, const struct group_pkt *p, enum group_end why)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return -EINVAL;
	ob_reserve(&pv->b, OUT_LINE_MAX);
	if (o->cfg.json)
		json_group_head(&pv->b, p, why);
	else
		text_group_head(&pv->b, p, why);
	for (size_t i = 0; i < p->n; i++) {
		const struct group_ev *v = p->ev[i];

		pv->delta_ns = i ? (long long)(v->e.ts - p->ev[i - 1]->e.ts) : 0;
		if (!o->first_ts)
			o->first_ts = v->e.ts;
		ob_reserve(&pv->b, OUT_LINE_MAX);
		if (o->cfg.json) {
			if (i)
				ap_c(&pv->b, ',');
			json_event(o, &v->e, v->size);
		} else {
			text_event(o, &v->e, v->size);
		}
		o->events++;
	}
	if (o->cfg.json)
		ap_lit(&pv->b, "]}\n");
	if (pv->b.p - pv->b.base >= OUT_FLUSH_AT)
		ob_flush(&pv->b);
	return pv->b.err;
}

int output_flush(struct output *o)
{
	struct out_priv *pv = o->priv;
	int err;

	if (!pv)
		return 0;
	err = ob_flush(&pv->b);
	if (fflush(o->f) && !err)
		err = pv->b.err = -errno;
	return err;
}

void output_free(struct output *o)
{
	struct out_priv *pv = o->priv;

	if (!pv)
		return;
	if (pv->b.base)
		output_flush(o);
	for (size_t i = 0; i < pv->ntp; i++)
		free(pv->tp_names[i]);
	free(pv->tp_names);
	btf_dump__free(pv->dump);
	free(pv->dump_buf);
	free(pv->stack);
	free(pv->b.base);
	free(pv);
	o->priv = NULL;
}
