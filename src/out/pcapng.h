/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pcap-ng file writer: one section, interface descriptions made on
 * demand, enhanced packet blocks with the options skbtrace needs.
 * It knows nothing of skbtrace's events: out/capture.c maps them here.
 */
#ifndef SKBT_PCAPNG_H
#define SKBT_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>

/* Link types (tcpdump.org LINKTYPE_*) of the data skbtrace can record. */
enum pcapng_linktype {
	PCAPNG_LINK_ETHERNET = 1,
	PCAPNG_LINK_RAW = 101, /* IPv4 or IPv6, told by the version nibble */
	PCAPNG_LINK_IPV4 = 228,
	PCAPNG_LINK_IPV6 = 229,
};

/* The most bytes of one packet Wireshark reads (its WTAP_MAX_PACKET_SIZE_STANDARD). */
#define PCAPNG_CAP_MAX 262144

/* epb_flags bits 0-1. */
enum pcapng_dir {
	PCAPNG_DIR_UNKNOWN = 0,
	PCAPNG_DIR_IN = 1,
	PCAPNG_DIR_OUT = 2,
};

/* What the section header says of where the file was made; NULL: left out. */
struct pcapng_section {
	const char *hardware;
	const char *os;
	const char *userappl;
};

/* One interface: the key the writer finds it by, and what its block says. */
struct pcapng_iface {
	unsigned int netns; /* namespace inode */
	unsigned int ifindex;
	enum pcapng_linktype linktype;
	const char *name;	 /* if_name, e.g. "veth0@ns1" */
	const char *description; /* if_description, may be NULL */
	unsigned int snaplen;	 /* 0: no limit */
};

struct pcapng_packet {
	unsigned long long ts_ns; /* wall clock, ns since the epoch */
	unsigned int iface;	  /* an id from pcapng_iface_id() */
	unsigned int orig_len;	  /* length of the whole packet */
	unsigned int cap_len;	  /* bytes at data, <= orig_len, <= PCAPNG_CAP_MAX */
	const void *data;
	enum pcapng_dir dir;
	unsigned long long packet_id; /* epb_packetid; 0: none */
	unsigned long long drops;     /* epb_dropcount: records lost before this one */
	bool has_drops;
	const char *comment; /* opt_comment, UTF-8; NULL: none */
	size_t comment_len;
};

struct pcapng_writer;

/*
 * Writes the section header to fd (which the writer then owns when
 * own_fd).  Returns a writer or NULL with errno set.
 */
struct pcapng_writer *pcapng_open_fd(int fd, bool own_fd, const struct pcapng_section *s);
/* The same on a file created at path, "-" being standard output. */
struct pcapng_writer *pcapng_open_path(const char *path, const struct pcapng_section *s);

/*
 * The id of the interface with i's (netns, ifindex, linktype); the first
 * time, its description block is written from i.  Returns the id or a
 * negative errno.
 */
long pcapng_iface_id(struct pcapng_writer *w, const struct pcapng_iface *i);
/* True when that interface already has a block (its name need not be built). */
bool pcapng_iface_known(const struct pcapng_writer *w, unsigned int netns, unsigned int ifindex,
			enum pcapng_linktype linktype, unsigned int *id);

/*
 * Appends one enhanced packet block.  Returns 0 or a negative errno;
 * after a write error every call returns that error and writes nothing
 * more, and the file ends at the last whole block.
 */
int pcapng_packet(struct pcapng_writer *w, const struct pcapng_packet *p);
/* Writes out what is buffered. */
int pcapng_flush(struct pcapng_writer *w);
/* The first write error (negative errno), or 0. */
int pcapng_error(const struct pcapng_writer *w);
/* Packets appended so far; after a write error, those the file holds. */
unsigned long long pcapng_packets(const struct pcapng_writer *w);
/* Flushes, closes an owned fd and frees.  Returns 0 or the first error. */
int pcapng_close(struct pcapng_writer *w);

#endif
