/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output buffer: a printf replacement for the per-event path.
 *
 * Formatting runs once per event at up to millions of events a second,
 * so nothing on that path calls printf: these appenders fill a large
 * buffer that is written out with one fwrite when ~64 KiB are pending.
 * An appender does not check its room: the caller reserves it first
 * (ob_reserve), OUT_LINE_MAX for one event's main line.  The small ones
 * are inline because a line calls them once per column.
 */
#ifndef SKBT_OUT_BUF_H
#define SKBT_OUT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define OUT_BUF_SIZE (128 * 1024)
#define OUT_FLUSH_AT (64 * 1024)
/* Room for one event's main line: names below are clamped to fit it. */
#define OUT_LINE_MAX 4096
#define OUT_NAME_MAX 512

struct obuf {
	char *base, *p, *end;
	FILE *f;
	int err; /* first write error, negative errno */
};

/* Writes out what is pending; returns the first write error, or 0. */
int ob_flush(struct obuf *b);

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

void ap_u64(struct obuf *b, unsigned long long v);

static inline void ap_i64(struct obuf *b, long long v)
{
	if (v < 0) {
		ap_c(b, '-');
		ap_u64(b, -(unsigned long long)v);
		return;
	}
	ap_u64(b, v);
}

/* Exactly width digits, zero padded: for nanoseconds. */
static inline void ap_u64_w(struct obuf *b, unsigned long long v, int width)
{
	char *q = b->p + width;

	while (q > b->p) {
		*--q = '0' + v % 10;
		v /= 10;
	}
	b->p += width;
}

/* Exactly digits hex digits, zero padded. */
static inline void ap_hex_w(struct obuf *b, unsigned long long v, int digits)
{
	char *q = b->p + digits;

	while (q > b->p) {
		*--q = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	}
	b->p += digits;
}

/* Hex without leading zeros (at least one digit), no prefix. */
static inline void ap_hex(struct obuf *b, unsigned long long v)
{
	int digits = 1;

	while (digits < 16 && v >> (4 * digits))
		digits++;
	ap_hex_w(b, v, digits);
}

/* Spaces up to width bytes after col (the column's start), then one. */
static inline void ap_pad(struct obuf *b, const char *col, int width)
{
	char *target = (char *)col + width;

	if (b->p < target) {
		memset(b->p, ' ', target - b->p);
		b->p = target;
	}
	ap_c(b, ' ');
}

/* 0x1f */
void ap_hexaddr(struct obuf *b, unsigned long long addr);
/* 1.234us */
void ap_us(struct obuf *b, unsigned long long ns);

#endif
