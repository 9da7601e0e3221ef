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
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/ksyms.h"

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

/* How far ahead of the reader the parser faults in pages (a multiple of the page size). */
#define PREFAULT_AHEAD (1UL << 20)

/*
 * First sizes of the symbol array and name table, enough for vmlinux
 * alone (~120k symbols, ~60k distinct function names): growing them
 * costs page faults that show in the load time.  Pages never touched
 * cost nothing, so small files do not pay for this.
 */
#define ENTRIES_INIT (1 << 18)
#define HASH_INIT    (1 << 18)

struct kentry {
	struct ksym sym; /* first: lookups hand out &entry->sym */
	uint32_t hash;	 /* of the name, computed while parsing */
	char type;
};

struct ksyms {
	char *text;	  /* the file, names terminated in place */
	size_t text_map;  /* mapped length of text */
	struct kentry *v; /* in file order, which the name table indexes */
	size_t n, cap;
	size_t sorted_prefix; /* v[0..sorted_prefix) is in address order */
	uint32_t *order;      /* v indices by address; NULL when v itself is sorted */
	uint64_t *hash;	      /* hash << 32 | (index + 1) into v, 0 means empty */
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
	bool prefault; /* the parser may populate pages ahead of the reader */
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
	size_t size = ks->hash ? (ks->hash_mask + 1) * 2 : HASH_INIT;
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
		 * Static functions share names across files: the first
		 * listed wins, but a global one wins over any static one.
		 */
		return 0;
	}
	ks->hash[slot] = (uint64_t)e->hash << 32 | (i + 1);
	return 0;
}

/* Room for one more entry.  Large reallocs are mremap()s: no copying. */
static int reserve(struct ksyms *ks)
{
	struct kentry *v;
	size_t ncap;

	if (ks->n < ks->cap)
		return 0;
	ncap = ks->cap ? ks->cap * 2 : ENTRIES_INIT;
	v = realloc(ks->v, ncap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ks->v = v;
	ks->cap = ncap;
	return 0;
}

static int cmp_by_addr(const void *a, const void *b, void *arg)
{
	const struct kentry *v = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

	if (v[i].sym.addr != v[j].sym.addr)
		return v[i].sym.addr < v[j].sym.addr ? -1 : 1;
	/* Equal addresses keep file order, so aliases resolve predictably. */
	return i < j ? -1 : i > j;
}

/*
 * kallsyms is vmlinux in address order, then modules, BPF programs and
 * trampolines, not in order.  Sorting only that tail and merging it with
 * the prefix keeps this linear in practice; the entries themselves stay
 * in file order so the name table built while parsing remains valid.
 */
static int build_order(struct ksyms *ks)
{
	size_t prefix = ks->sorted_prefix, ntail = ks->n - prefix, i = 0, j = 0, k = 0;
	uint32_t *tail, *order;

	tail = malloc(ntail * sizeof(*tail));
	order = malloc(ks->n * sizeof(*order));
	if (!tail || !order) {
		free(tail);
		free(order);
		return -ENOMEM;
	}
	for (size_t t = 0; t < ntail; t++)
		tail[t] = prefix + t;
	qsort_r(tail, ntail, sizeof(*tail), cmp_by_addr, ks->v);
	while (i < prefix && j < ntail)
		order[k++] = ks->v[i].sym.addr <= ks->v[tail[j]].sym.addr ? i++ : tail[j++];
	while (i < prefix)
		order[k++] = i++;
	while (j < ntail)
		order[k++] = tail[j++];
	free(tail);
	ks->order = order;
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
		if (ks->sorted_prefix == ks->n && (!ks->n || e[-1].sym.addr <= e->sym.addr))
			ks->sorted_prefix++;
		ks->n++;
		/* Indexed as it arrives: the table is ready when the read ends. */
		if (is_text(e->type) && hash_add(ks, ks->n - 1))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Page faults taken while the kernel copies kallsyms out are on the
 * critical path (~1300 of them, ~3 ms here); the parser, which waits
 * anyway, faults the pages in ahead of the reader instead.  This does
 * not touch the contents, so it cannot race with the reader's writes.
 */
static void prefault_ahead(struct loader *l, size_t avail, size_t *populated)
{
	size_t target = avail + PREFAULT_AHEAD;

	if (!l->prefault || *populated >= target || target > TEXT_RESERVE)
		return;
	if (madvise(l->buf + *populated, target - *populated, MADV_POPULATE_WRITE))
		l->prefault = false; /* before 5.14: let the reader fault */
	*populated = target;
}

/* Waits for text and parses each batch of whole lines as it arrives. */
static long parse_stream(struct ksyms *ks, struct loader *l)
{
	size_t pos = 0, want = PARSE_BATCH, avail = 0, populated = 0;
	bool done;
	int err;

	do {
		char *limit, *nl = NULL;

		prefault_ahead(l, avail, &populated);
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
	sigset_t all, old;
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
	/* Process signals (Ctrl-C) stay with the caller's threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	threaded = !pthread_create(&tid, NULL, reader_main, &l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	l.prefault = threaded;
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
	if (ks->sorted_prefix < ks->n) {
		err = -build_order(ks);
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
	free(ks->order);
	free(ks->v);
	if (ks->text)
		munmap(ks->text, ks->text_map);
	free(ks);
}

/* The i-th entry in address order. */
static const struct kentry *by_addr(const struct ksyms *ks, size_t i)
{
	return &ks->v[ks->order ? ks->order[i] : i];
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, unsigned long long addr)
{
	const struct kentry *e, *best;
	size_t lo = 0, hi;

	if (!ks || ks->hidden || !ks->n || addr < by_addr(ks, 0)->sym.addr)
		return NULL;
	/* Last entry with addr <= target: invariant addr(lo) <= addr < addr(hi). */
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (by_addr(ks, mid)->sym.addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	best = e = by_addr(ks, lo);
	if (addr - e->sym.addr >= KSYM_MAX_SPAN)
		return NULL;
	/* Aliases share an address: the first function listed names it. */
	while (lo > 0 && by_addr(ks, lo - 1)->sym.addr == e->sym.addr) {
		const struct kentry *prev = by_addr(ks, --lo);

		if (is_text(prev->type) || !is_text(best->type))
			best = prev;
	}
	return &best->sym;
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

struct ksyms_async {
	pthread_t thread;
	char *path;
	struct ksyms *ks;
	int err;
};

static void *load_thread(void *arg)
{
	struct ksyms_async *a = arg;

	a->ks = ksyms_load(a->path);
	a->err = a->ks ? 0 : errno;
	return NULL;
}

struct ksyms_async *ksyms_load_async(const char *path)
{
	struct ksyms_async *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if ((path && !(a->path = strdup(path))) ||
	    pthread_create(&a->thread, NULL, load_thread, a)) {
		free(a->path);
		free(a);
		return NULL;
	}
	return a;
}

struct ksyms *ksyms_join(struct ksyms_async *a)
{
	struct ksyms *ks;
	int err;

	if (!a) {
		errno = EINVAL;
		return NULL;
	}
	pthread_join(a->thread, NULL);
	ks = a->ks;
	err = a->err;
	free(a->path);
	free(a);
	if (!ks)
		errno = err;
	return ks;
}
