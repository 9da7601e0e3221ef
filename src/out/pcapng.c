// SPDX-License-Identifier: GPL-2.0
/*
 * pcap-ng writer (the block layout of the pcap-ng specification,
 * draft-ietf-opsawg-pcapng).  Blocks are built in host byte order, which
 * the section header's byte-order magic announces, in a buffer written
 * out with write(2) when full or on demand.  A buffer holds whole blocks
 * only, so after a short write the file can be cut back to the last
 * block that was written whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out/pcapng.h"

#define BT_SHB		 0x0a0d0d0aU
#define BT_IDB		 0x00000001U
#define BT_EPB		 0x00000006U
#define BYTE_ORDER_MAGIC 0x1a2b3c4dU

#define OPT_ENDOFOPT 0
#define OPT_COMMENT  1
#define SHB_HARDWARE 2
#define SHB_OS	     3
#define SHB_USERAPPL 4
#define IF_NAME	     2
#define IF_DESCR     3
#define IF_TSRESOL   9
#define EPB_FLAGS    2
#define EPB_DROPS    4
#define EPB_PACKETID 5

#define CAP_MAX	    PCAPNG_CAP_MAX
#define OPT_MAX	    0xffff /* an option's length field is 16 bits */
#define BUF_SIZE    (256 * 1024)
#define IFACE_SLOTS 64 /* first size of the interface table, a power of two */

struct iface_slot {
	unsigned int netns, ifindex, linktype;
	unsigned int id;
	bool used;
};

struct pcapng_writer {
	int fd;
	bool own_fd;
	int err; /* first error, negative errno */
	unsigned char *buf;
	size_t used, cap;
	unsigned long long packets;	/* in whole blocks on the file */
	unsigned long long buf_packets; /* in the buffer */
	struct iface_slot *slots;
	size_t nslots, nifaces;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* ---- writing out ------------------------------------------------------ */

/* Packet blocks among the whole blocks of buf[0..len). */
static unsigned long long count_packets(const unsigned char *buf, size_t len)
{
	unsigned long long n = 0;
	uint32_t type, blen;

	for (size_t off = 0; off + 8 <= len; off += blen) {
		memcpy(&type, buf + off, 4);
		memcpy(&blen, buf + off + 4, 4);
		if (off + blen > len)
			break;
		n += type == BT_EPB;
	}
	return n;
}

/* The end of the last block of buf that lies wholly in its first done bytes. */
static size_t whole_blocks(const unsigned char *buf, size_t done)
{
	size_t off = 0;
	uint32_t blen;

	while (off + 8 <= done) {
		memcpy(&blen, buf + off + 4, 4);
		if (off + blen > done)
			break;
		off += blen;
	}
	return off;
}

/*
 * A write stopped after done bytes of the buffer: cut a seekable file back
 * to its last whole block so readers see a clean end, not a torn block.
 */
static void cut_torn_block(struct pcapng_writer *w, size_t done)
{
	size_t keep = whole_blocks(w->buf, done);
	off_t end;

	w->packets += count_packets(w->buf, keep);
	if (keep == done)
		return;
	end = lseek(w->fd, 0, SEEK_CUR);
	if (end >= (off_t)(done - keep) && ftruncate(w->fd, end - (off_t)(done - keep)) == 0)
		lseek(w->fd, end - (off_t)(done - keep), SEEK_SET);
}

int pcapng_flush(struct pcapng_writer *w)
{
	size_t done = 0;
	ssize_t n;

	if (w->err)
		return w->err;
	while (done < w->used) {
		n = write(w->fd, w->buf + done, w->used - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? -errno : -EIO;
			cut_torn_block(w, done);
			return w->err;
		}
		done += n;
	}
	w->packets += w->buf_packets;
	w->buf_packets = 0;
	w->used = 0;
	return 0;
}

/* Room for a block of len bytes at the end of the buffer, or NULL. */
static unsigned char *reserve(struct pcapng_writer *w, size_t len)
{
	unsigned char *p;

	if (w->err)
		return NULL;
	if (w->cap - w->used < len && pcapng_flush(w))
		return NULL;
	if (w->cap < len) {
		p = realloc(w->buf, len);
		if (!p) {
			w->err = -ENOMEM;
			return NULL;
		}
		w->buf = p;
		w->cap = len;
	}
	p = w->buf + w->used;
	w->used += len;
	return p;
}

/* ---- block building --------------------------------------------------- */

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

static unsigned char *put_bytes(unsigned char *p, const void *data, size_t len)
{
	if (len)
		memcpy(p, data, len);
	memset(p + len, 0, pad4(len) - len);
	return p + pad4(len);
}

static unsigned char *put_opt(unsigned char *p, uint16_t code, const void *data, size_t len)
{
	uint16_t hdr[2] = {code, (uint16_t)len};

	memcpy(p, hdr, 4);
	return put_bytes(p + 4, data, len);
}

static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

/* Strings longer than an option holds are cut on a UTF-8 character boundary. */
static size_t opt_str_len(const char *s, size_t len)
{
	if (len <= OPT_MAX)
		return len;
	len = OPT_MAX;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

static size_t str_opt_size(const char *s)
{
	return s ? opt_size(opt_str_len(s, strlen(s))) : 0;
}

static unsigned char *put_str_opt(unsigned char *p, uint16_t code, const char *s)
{
	return s ? put_opt(p, code, s, opt_str_len(s, strlen(s))) : p;
}

/* Closes a block at p: the end of its options, its length again. */
static void end_block(unsigned char *p, size_t len, bool opts)
{
	if (opts)
		p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	put32(p, (uint32_t)len);
}

static int write_shb(struct pcapng_writer *w, const struct pcapng_section *s)
{
	size_t opts = str_opt_size(s->hardware) + str_opt_size(s->os) + str_opt_size(s->userappl);
	size_t len = 28 + opts + (opts ? 4 : 0);
	unsigned char *b = reserve(w, len), *p;

	if (!b)
		return w->err;
	p = put32(b, BT_SHB);
	p = put32(p, (uint32_t)len);
	p = put32(p, BYTE_ORDER_MAGIC);
	p = put32(p, 1);	    /* major 1, minor 0 */
	p = put64(p, (uint64_t)-1); /* section length not given */
	p = put_str_opt(p, SHB_HARDWARE, s->hardware);
	p = put_str_opt(p, SHB_OS, s->os);
	p = put_str_opt(p, SHB_USERAPPL, s->userappl);
	end_block(p, len, opts);
	return 0;
}

static int write_idb(struct pcapng_writer *w, const struct pcapng_iface *i)
{
	static const unsigned char nanoseconds = 9;
	size_t opts = str_opt_size(i->name) + str_opt_size(i->description) + opt_size(1);
	size_t len = 20 + opts + 4;
	unsigned char *b = reserve(w, len), *p;
	uint16_t lt[2] = {(uint16_t)i->linktype, 0};

	if (!b)
		return w->err;
	p = put32(b, BT_IDB);
	p = put32(p, (uint32_t)len);
	memcpy(p, lt, 4);
	p = put32(p + 4, i->snaplen);
	p = put_str_opt(p, IF_NAME, i->name);
	p = put_str_opt(p, IF_DESCR, i->description);
	p = put_opt(p, IF_TSRESOL, &nanoseconds, 1);
	end_block(p, len, true);
	return 0;
}

/* ---- interfaces -------------------------------------------------------- */

static size_t slot_of(const struct iface_slot *slots, size_t nslots, unsigned int netns,
		      unsigned int ifindex, unsigned int linktype)
{
	uint64_t h = ((uint64_t)netns << 32 | ifindex) * 0x9e3779b97f4a7c15ULL ^ linktype;
	size_t mask = nslots - 1, s = (h >> 32) & mask;

	while (slots[s].used && (slots[s].netns != netns || slots[s].ifindex != ifindex ||
				 slots[s].linktype != linktype))
		s = (s + 1) & mask;
	return s;
}

/* Doubles the table once it is half full, so probes stay short. */
static int grow_slots(struct pcapng_writer *w)
{
	size_t n = w->nslots * 2;
	struct iface_slot *t = calloc(n, sizeof(*t)), *o;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < w->nslots; i++) {
		o = &w->slots[i];
		if (o->used)
			t[slot_of(t, n, o->netns, o->ifindex, o->linktype)] = *o;
	}
	free(w->slots);
	w->slots = t;
	w->nslots = n;
	return 0;
}

bool pcapng_iface_known(const struct pcapng_writer *w, unsigned int netns, unsigned int ifindex,
			enum pcapng_linktype linktype, unsigned int *id)
{
	const struct iface_slot *s =
		&w->slots[slot_of(w->slots, w->nslots, netns, ifindex, linktype)];

	if (!s->used)
		return false;
	*id = s->id;
	return true;
}

long pcapng_iface_id(struct pcapng_writer *w, const struct pcapng_iface *i)
{
	struct iface_slot *s;
	unsigned int id;
	int err;

	if (pcapng_iface_known(w, i->netns, i->ifindex, i->linktype, &id))
		return id;
	if (w->nifaces >= UINT32_MAX)
		return -ENOSPC;
	if ((w->nifaces + 1) * 2 > w->nslots && (err = grow_slots(w)))
		return err;
	err = write_idb(w, i);
	if (err)
		return err;
	s = &w->slots[slot_of(w->slots, w->nslots, i->netns, i->ifindex, i->linktype)];
	*s = (struct iface_slot){i->netns, i->ifindex, i->linktype, (unsigned int)w->nifaces, true};
	return w->nifaces++;
}

/* ---- packets ----------------------------------------------------------- */

int pcapng_packet(struct pcapng_writer *w, const struct pcapng_packet *pk)
{
	size_t clen = pk->comment ? opt_str_len(pk->comment, pk->comment_len) : 0;
	size_t opts = 0, len;
	unsigned char *b, *p;

	if (pk->cap_len > pk->orig_len || pk->cap_len > CAP_MAX || pk->iface >= w->nifaces)
		return -EINVAL;
	if (pk->comment)
		opts += opt_size(clen);
	if (pk->dir)
		opts += opt_size(4);
	if (pk->packet_id)
		opts += opt_size(8);
	if (pk->has_drops)
		opts += opt_size(8);
	len = 28 + pad4(pk->cap_len) + opts + (opts ? 4 : 0) + 4;
	b = reserve(w, len);
	if (!b)
		return w->err;
	p = put32(b, BT_EPB);
	p = put32(p, (uint32_t)len);
	p = put32(p, pk->iface);
	p = put32(p, (uint32_t)(pk->ts_ns >> 32));
	p = put32(p, (uint32_t)pk->ts_ns);
	p = put32(p, pk->cap_len);
	p = put32(p, pk->orig_len);
	p = put_bytes(p, pk->data, pk->cap_len);
	if (pk->comment)
		p = put_opt(p, OPT_COMMENT, pk->comment, clen);
	if (pk->dir) {
		uint32_t flags = pk->dir & 3;

		p = put_opt(p, EPB_FLAGS, &flags, 4);
	}
	if (pk->packet_id) {
		uint64_t id = pk->packet_id;

		p = put_opt(p, EPB_PACKETID, &id, 8);
	}
	if (pk->has_drops) {
		uint64_t d = pk->drops;

		p = put_opt(p, EPB_DROPS, &d, 8);
	}
	end_block(p, len, opts);
	w->buf_packets++;
	return 0;
}

/* ---- life -------------------------------------------------------------- */

struct pcapng_writer *pcapng_open_fd(int fd, bool own_fd, const struct pcapng_section *s)
{
	struct pcapng_writer *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		goto fail;
	w->fd = fd;
	w->own_fd = own_fd;
	w->cap = BUF_SIZE;
	w->nslots = IFACE_SLOTS;
	w->buf = malloc(w->cap);
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	if (!w->buf || !w->slots)
		goto fail;
	/* The header goes out at once: a reader of a pipe learns the format. */
	err = write_shb(w, s);
	if (!err)
		err = pcapng_flush(w);
	if (err) {
		w->own_fd = false; /* the caller still owns fd on failure */
		pcapng_close(w);
		errno = -err;
		return NULL;
	}
	return w;
fail:
	if (w) {
		free(w->buf);
		free(w->slots);
		free(w);
	}
	errno = ENOMEM;
	return NULL;
}

struct pcapng_writer *pcapng_open_path(const char *path, const struct pcapng_section *s)
{
	struct pcapng_writer *w;
	int fd, err;

	if (!strcmp(path, "-"))
		return pcapng_open_fd(STDOUT_FILENO, false, s);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	w = pcapng_open_fd(fd, true, s);
	if (!w) {
		err = errno;
		close(fd);
		errno = err;
	}
	return w;
}

int pcapng_error(const struct pcapng_writer *w)
{
	return w->err;
}

unsigned long long pcapng_packets(const struct pcapng_writer *w)
{
	return w->packets + (w->err ? 0 : w->buf_packets);
}

int pcapng_close(struct pcapng_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = pcapng_flush(w);
	if (w->own_fd && close(w->fd) && !err)
		err = -errno;
	free(w->buf);
	free(w->slots);
	free(w);
	return err;
}
