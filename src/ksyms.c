// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms reader.  The file is read once into a buffer that then
 * serves as the string arena: names and module names are terminated in
 * place, so loading costs one mapping for the text, one array for the
 * symbols and one for the name hash.
 *
 * Generating kallsyms costs the kernel ~35 ms here, more than parsing
 * it, so a thread reads while the caller parses what has arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ksyms.h"

/*
 * No kernel function comes near this size; a stack address this far past
 * its nearest symbol lies in a hole (between vmlinux and the module area,
 * or past the end) and naming it after that symbol would be a lie.
 */
#define KSYM_MAX_SPAN (1ULL << 20)

/*
 * Parsing a line may load up to this many bytes past its newline (word
 * loads, the 16-digit address test).  The reader never writes closer than
 * that to a line being parsed, and the text ends in this many zeros.
 */
#define SLACK 16

/*
 * Address space reserved for the text; only what is read gets memory.
 * kallsyms with every module of a distribution kernel is ~20 MB.
 */
#define TEXT_RESERVE (256UL << 20)

/* Wake the parser once this much new text has arrived. */
#define PARSE_BATCH (256UL << 10)

struct kentry {
	struct ksym sym; /* first: lookups hand out &entry->sym */
	uint32_t hash;	 /* of the name, computed while parsing */
	char type;
};

struct ksyms {
	char *text;	 /* the file, names terminated in place */
	size_t text_map; /* mapped length of text */
	struct kentry *v;
	size_t n, cap;
	bool sorted;
	uint64_t *hash; /* hash << 32 | (index + 1) into v, 0 means empty */
	size_t hash_mask, hash_used;
	bool hidden;
};

/* State shared by the reading thread and the parsing caller. */
struct loader {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;
	char *buf;
	size_t avail; /* bytes read so far */
	size_t want;  /* wake the parser when avail reaches this */
	bool done;
	int err;
};

static void *reader_main(void *arg)
{
	struct loader *l = arg;
	size_t n = 0, room;
	ssize_t r;
	int err = 0;

	for (;;) {
		room = TEXT_RESERVE - SLACK - n;
		if (!room) {
			err = EFBIG;
			break;
		}
		r = read(l->fd, l->buf + n, room < (1UL << 20) ? room : (1UL << 20));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r ? errno : 0;
			break;
		}
		n += r;
		pthread_mutex_lock(&l->lock);
		l->avail = n;
		if (n >= l->want)
			pthread_cond_signal(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	pthread_mutex_lock(&l->lock);
	l->err = err;
	l->done = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static uint64_t load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/*
 * Bit 7 set in each byte of x that is below n (n <= 0x80).  Setting the
 * high bits first keeps the subtraction from borrowing across bytes.
 */
static uint64_t bytes_below(uint64_t x, unsigned char n)
{
	return ~((x | HIGHS) - ONES * n) & ~x & HIGHS;
}

/*
 * Eight hex digits, most significant first, to their value; 0 with
 * *bad set if any is not a hex digit.
 */
static uint32_t hex8(const char *p, bool *bad)
{
	uint64_t v = load64(p), lo = v | (ONES * 0x20);
	uint64_t digit = bytes_below(v, '9' + 1) & ~bytes_below(v, '0');
	uint64_t alpha = bytes_below(lo, 'f' + 1) & ~bytes_below(lo, 'a');

	if ((digit | alpha) != HIGHS) {
		*bad = true;
		return 0;
	}
	/* Letters have bit 6 set: their low nibble + 9 is their value. */
	v = (v & 0x0f0f0f0f0f0f0f0fULL) + 9 * ((v >> 6) & ONES);
	v = ((v << 4) | (v >> 8)) & 0x00ff00ff00ff00ffULL;
	v = ((v << 8) | (v >> 16)) & 0x0000ffff0000ffffULL;
	return (uint32_t)((v << 16) | (v >> 32));
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The address at *pp; 64-bit kernels print exactly 16 digits. */
static unsigned long long parse_addr(char **pp)
{
	unsigned long long addr = 0;
	char *p = *pp;
	bool bad = false;
	int d;

	if (p[16] == ' ') {
		addr = (unsigned long long)hex8(p, &bad) << 32 | hex8(p + 8, &bad);
		if (!bad) {
			*pp = p + 16;
			return addr;
		}
		addr = 0;
	}
	while ((d = hexval(*p)) >= 0) {
		addr = addr << 4 | d;
		p++;
	}
	*pp = p;
	return addr;
}

/* Length of the name at p: up to the first byte <= ' ' (tab, newline, NUL). */
static size_t name_len(const char *p)
{
	size_t len = 0;
	uint64_t m;

	/* Names are ASCII, so the word test cannot be fooled by bytes >= 0x80. */
	while (!(m = bytes_below(load64(p + len), '!')))
		len += 8;
	return len + __builtin_ctzll(m) / 8;
}

/* Word-at-a-time hash; the tail is assembled bytewise to never over-read. */
static uint32_t hash_name_len(const char *s, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ULL, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		h = (h ^ load64(s + i)) * 0xff51afd7ed558ccdULL;
	w = 0;
	for (size_t k = 0; i + k < len; k++)
		w |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static uint32_t hash_name(const char *s)
{
	return hash_name_len(s, strlen(s));
}

/*
 * Parses "ADDR T name[\t[module]]" at p.  Returns the start of the next
 * line; e->sym.name is NULL when the line is malformed.
 */
static char *parse_line(char *p, char *end, struct kentry *e)
{
	char *name, *name_end = NULL;
	unsigned long long addr;
	size_t len;

	e->sym.name = NULL;
	e->sym.module = NULL;
	addr = parse_addr(&p);
	/* The buffer ends in zeros, so these reads stay inside it. */
	if (p[0] != ' ' || !p[1] || p[1] == '\n' || p[2] != ' ')
		goto next;
	e->sym.addr = addr;
	e->type = p[1];
	name = p + 3;
	len = name_len(name);
	p = name + len;
	if (!len || (*p != '\n' && *p != '\t' && *p))
		goto next;
	e->sym.name = name;
	e->hash = hash_name_len(name, len);
	name_end = p;
	if (*p == '\t' && p[1] == '[') {
		char *mod = p + 2;

		for (p = mod; *p && *p != '\n' && *p != ']'; p++)
			;
		if (*p == ']') {
			*p++ = '\0';
			e->sym.module = mod;
		}
	}
next:
	while (*p && *p != '\n')
		p++;
	if (*p)
		*p++ = '\0';
	/* Only now: an early '\0' would have stopped the scan above. */
	if (name_end)
		*name_end = '\0';
	return p < end ? p : end;
}

static bool is_text(char type)
{
	/* 'W' is a weak function (nm prints weak objects as 'V'). */
	return type == 't' || type == 'T' || type == 'W';
}

#define SLOT_IDX(s) ((uint32_t)(s)-1)

/*
 * The slot holding name, or the empty slot where it would go.  Stored
 * hashes are compared first so a probe rarely touches the names.
 */
static size_t hash_slot(const struct ksyms *ks, const char *name, uint32_t h)
{
	size_t i = h & ks->hash_mask;
	uint64_t s;

	while ((s = ks->hash[i])) {
		if (s >> 32 == h && !strcmp(ks->v[SLOT_IDX(s)].sym.name, name))
			break;
		i = (i + 1) & ks->hash_mask;
	}
	return i;
}

static int hash_grow(struct ksyms *ks)
{
	size_t size = ks->hash ? (ks->hash_mask + 1) * 2 : 1 << 12;
	uint64_t *old = ks->hash, *nh;

	nh = calloc(size, sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	/* Names in the table are unique: reinsert by stored hash alone. */
	for (size_t i = 0; old && i <= ks->hash_mask; i++) {
		size_t j;

		if (!old[i])
			continue;
		for (j = (old[i] >> 32) & (size - 1); nh[j]; j = (j + 1) & (size - 1))
			;
		nh[j] = old[i];
	}
	free(old);
	ks->hash = nh;
	ks->hash_mask = size - 1;
	return 0;
}

static int hash_add(struct ksyms *ks, size_t i)
{
	const struct kentry *e = &ks->v[i];
	size_t slot;

	if ((ks->hash_used + 1) * 2 > (ks->hash ? ks->hash_mask + 1 : 0) && hash_grow(ks))
		return -ENOMEM;
	slot = hash_slot(ks, e->sym.name, e->hash);
	if (!ks->hash[slot]) {
		ks->hash_used++;
	} else if (ks->v[SLOT_IDX(ks->hash[slot])].type == 'T' || e->type != 'T') {
		/*
		 * Static functions share names across files: the first by
		 * address wins, but a global one wins over any static one.
		 */
		return 0;
	}
	ks->hash[slot] = (uint64_t)e->hash << 32 | (i + 1);
	return 0;
}

/* (Re)builds the name table from scratch, after sorting moved entries. */
static int build_hash(struct ksyms *ks)
{
	free(ks->hash);
	ks->hash = NULL;
	ks->hash_used = 0;
	for (size_t i = 0; i < ks->n; i++)
		if (is_text(ks->v[i].type) && hash_add(ks, i))
			return -ENOMEM;
	return 0;
}

/* Room for one more entry.  Large reallocs are mremap()s: no copying. */
static int reserve(struct ksyms *ks)
{
	struct kentry *v;
	size_t ncap;

	if (ks->n < ks->cap)
		return 0;
	ncap = ks->cap ? ks->cap * 2 : 1 << 16;
	v = realloc(ks->v, ncap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ks->v = v;
	ks->cap = ncap;
	return 0;
}

static void merge(struct kentry *dst, const struct kentry *a, size_t na, const struct kentry *b,
		  size_t nb)
{
	size_t i = 0, j = 0;

	/* "<=" takes from the left run on ties: equal addresses keep file order. */
	while (i < na && j < nb)
		*dst++ = a[i].sym.addr <= b[j].sym.addr ? a[i++] : b[j++];
	memcpy(dst, a + i, (na - i) * sizeof(*a));
	memcpy(dst + (na - i), b + j, (nb - j) * sizeof(*b));
}

/* End of the ascending run that starts at a. */
static size_t run_end(const struct kentry *v, size_t a, size_t n)
{
	while (++a < n && v[a - 1].sym.addr <= v[a].sym.addr)
		;
	return a;
}

/*
 * Stable merge sort of the runs found in the data.  kallsyms is long
 * sorted runs (vmlinux, then one per module), so a few passes do, and
 * stability keeps aliases in file order.
 */
static int sort_entries(struct ksyms *ks)
{
	struct kentry *src = ks->v, *dst, *swap;
	size_t n = ks->n;

	dst = malloc(n * sizeof(*dst));
	if (!dst)
		return -ENOMEM;
	while (run_end(src, 0, n) < n) {
		for (size_t a = 0, b, c; a < n; a = c) {
			b = run_end(src, a, n);
			c = b < n ? run_end(src, b, n) : n;
			merge(dst + a, src + a, b - a, src + b, c - b);
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	ks->v = src;
	free(dst);
	return 0;
}

static int parse_range(struct ksyms *ks, char *p, char *end)
{
	while (p < end) {
		struct kentry *e;

		if (reserve(ks))
			return -ENOMEM;
		e = &ks->v[ks->n];
		p = parse_line(p, end, e);
		if (!e->sym.name)
			continue;
		if (e->sym.addr)
			ks->hidden = false;
		if (ks->n && e->sym.addr < e[-1].sym.addr)
			ks->sorted = false;
		ks->n++;
		/* While in order, index now: the table is ready when the read ends. */
		if (ks->sorted && is_text(e->type) && hash_add(ks, ks->n - 1))
			return -ENOMEM;
	}
	return 0;
}

/* Waits for text and parses each batch of whole lines as it arrives. */
static long parse_stream(struct ksyms *ks, struct loader *l)
{
	size_t pos = 0, want = PARSE_BATCH, avail;
	bool done;
	int err;

	do {
		char *limit, *nl = NULL;

		pthread_mutex_lock(&l->lock);
		l->want = want;
		while (!l->done && l->avail < l->want)
			pthread_cond_wait(&l->cond, &l->lock);
		avail = l->avail;
		done = l->done;
		pthread_mutex_unlock(&l->lock);
		if (!done && avail - pos > SLACK)
			nl = memrchr(l->buf + pos, '\n', avail - SLACK - pos);
		if (!done && !nl) {
			/* No whole line yet (a very long one?): wait for more. */
			want = avail + 1;
			continue;
		}
		limit = done ? l->buf + avail : nl + 1;
		err = parse_range(ks, l->buf + pos, limit);
		if (err)
			return err;
		pos = limit - l->buf;
		want = pos + PARSE_BATCH;
	} while (!done);
	return l->err ? -l->err : (long)pos;
}

/* Reads path on a thread into ks->text while parsing it; returns its length. */
static long load_text(struct ksyms *ks, const char *path)
{
	struct loader l = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	pthread_t tid;
	bool threaded;
	long ret;

	l.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l.fd < 0)
		return -errno;
	l.buf = mmap(NULL, TEXT_RESERVE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (l.buf == MAP_FAILED) {
		ret = -errno;
		close(l.fd);
		return ret;
	}
	ks->text = l.buf;
	ks->text_map = TEXT_RESERVE;
	threaded = !pthread_create(&tid, NULL, reader_main, &l);
	if (!threaded)
		reader_main(&l);
	ret = parse_stream(ks, &l);
	if (threaded) {
		/* On a parse error the reader still runs to EOF; wait for it. */
		pthread_join(tid, NULL);
	}
	close(l.fd);
	pthread_cond_destroy(&l.cond);
	pthread_mutex_destroy(&l.lock);
	return ret;
}

/* Returns the unused end of the reservation to the system. */
static void trim_text(struct ksyms *ks, size_t len)
{
	size_t page = sysconf(_SC_PAGESIZE);
	size_t used = (len + SLACK + page - 1) / page * page;

	if (used < ks->text_map) {
		munmap(ks->text + used, ks->text_map - used);
		ks->text_map = used;
	}
}

struct ksyms *ksyms_load(const char *path)
{
	struct ksyms *ks;
	long len;
	int err;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return NULL;
	ks->hidden = true;
	ks->sorted = true;
	len = load_text(ks, path ? path : "/proc/kallsyms");
	if (len < 0) {
		err = -len;
		goto fail;
	}
	trim_text(ks, len);
	if (!ks->n) {
		err = ENODATA;
		goto fail;
	}
	/* kallsyms lists vmlinux in address order; modules need not be. */
	if (!ks->sorted) {
		err = -sort_entries(ks);
		if (!err)
			err = -build_hash(ks);
		if (err)
			goto fail;
	}
	return ks;
fail:
	ksyms_free(ks);
	errno = err;
	return NULL;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->hash);
	free(ks->v);
	if (ks->text)
		munmap(ks->text, ks->text_map);
	free(ks);
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, unsigned long long addr)
{
	size_t lo = 0, hi, best;

	if (!ks || ks->hidden || !ks->n || addr < ks->v[0].sym.addr)
		return NULL;
	/* Last entry with addr <= target: invariant v[lo].addr <= addr < v[hi].addr. */
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->v[mid].sym.addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (addr - ks->v[lo].sym.addr >= KSYM_MAX_SPAN)
		return NULL;
	/* Aliases share an address: a function name reads better than a marker. */
	best = lo;
	while (lo > 0 && ks->v[lo - 1].sym.addr == ks->v[best].sym.addr) {
		lo--;
		if (is_text(ks->v[lo].type))
			best = lo;
	}
	if (!is_text(ks->v[best].type))
		best = lo;
	return &ks->v[best].sym;
}

const struct ksym *ksyms_by_name(const struct ksyms *ks, const char *name)
{
	size_t slot;

	if (!ks || !ks->hash || !name)
		return NULL;
	slot = hash_slot(ks, name, hash_name(name));
	return ks->hash[slot] ? &ks->v[SLOT_IDX(ks->hash[slot])].sym : NULL;
}

bool ksyms_hidden(const struct ksyms *ks)
{
	return !ks || ks->hidden;
}

size_t ksyms_count(const struct ksyms *ks)
{
	return ks ? ks->n : 0;
}
