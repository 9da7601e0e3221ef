/* SPDX-License-Identifier: GPL-2.0 */
/* -w: skbtrace's packet records as pcap-ng, one interface per (netns, device, link type). */
#ifndef SKBT_CAPTURE_H
#define SKBT_CAPTURE_H

#include <stddef.h>
#include "bpf/skbtrace.h"
#include "out/pcapng.h"

struct capture;
struct netns_names;

/*
 * Creates path ("-": standard output) and writes the section header.
 * snaplen is what the interfaces announce (0: no limit); mono_to_real_ns
 * turns event times into wall-clock times; appl names the writer; nn
 * (may be NULL: inode numbers) names the namespaces in interface names,
 * and must outlive c.  Returns NULL with a one-line reason in err.
 */
struct capture *capture_open(const char *path, unsigned int snaplen,
			     unsigned long long mono_to_real_ns, const char *appl,
			     struct netns_names *nn, char *err, size_t errlen);

/*
 * Writes the packet record of e (size bytes, SKBT_F_CAPTURE set) with the
 * event's text as its comment (output_comment()), whose first func_len
 * bytes name the hook: its direction.  Returns 0, or a negative errno: a
 * write error stops the capture for good (capture_error()).
 */
int capture_event(struct capture *c, const struct skbt_event *e, size_t size, const char *comment,
		  size_t comment_len, size_t func_len);

/* The kernel has lost lost events in all so far: the next record says how many since. */
void capture_lost(struct capture *c, unsigned long long lost);

/* The direction a hook's packets travel, from its name; unknown when it cannot tell. */
enum pcapng_dir capture_direction(const char *name);

int capture_flush(struct capture *c);
/* The first write error (negative errno), or 0. */
int capture_error(const struct capture *c);
/* Records in the file (after a write error: the whole ones it holds). */
unsigned long long capture_records(const struct capture *c);
/* Flushes and closes.  Returns 0 or the first error. */
int capture_close(struct capture *c);

#endif
