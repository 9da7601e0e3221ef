/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the pcap-filter compiler share; not for callers
 * outside src/filter/, who use pcap_filter.h.
 *
 *   frontend.c   libpcap: expression -> classic BPF; both link types
 */
#ifndef SKBTRACE_FILTER_INTERNAL_H
#define SKBTRACE_FILTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "filter/pcap_filter.h"

/* printf into err (when err is not NULL): the module's error convention. */
void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* SKBTRACE_FILTER_INTERNAL_H */
