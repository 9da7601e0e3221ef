/* SPDX-License-Identifier: GPL-2.0 */
/* Packet header values spelled alike in text and JSON. */
#ifndef SKBT_OUT_NET_H
#define SKBT_OUT_NET_H

#include <stdbool.h>
#include "out/buf.h"

struct skbt_tuple;

/* An IPv4 (l3 4) or IPv6 (l3 6, in [] when bracket) address, else "?". */
void ap_addr(struct obuf *b, const unsigned char *a, int l3, bool bracket);
/* The IP protocol: tcp, udp, icmp, icmpv6, sctp, or its number. */
void ap_l4(struct obuf *b, int l4);
/* SYN|ACK */
void ap_tcp_flags(struct obuf *b, unsigned int flags);
/* "saddr:sport" SEP "daddr:dport" (IPv6 in [] with ports), as text lines show a flow. */
void ap_flow_ends(struct obuf *b, const struct skbt_tuple *t, bool ports, const char *sep);

#endif
