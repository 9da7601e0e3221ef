/* SPDX-License-Identifier: GPL-2.0 */
/* Text for what a drop's socket and packet say: states, protocols, addresses. */
#ifndef SKBT_SOCK_H
#define SKBT_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include "bpf/drop.h"

/* Longest address:port text ("[v6]:65535") plus its NUL. */
#define SOCK_ADDR_PORT_MAX 56

/*
 * The socket's state as ss(8) spells it for TCP ("ESTABLISHED", "LISTEN",
 * "TIME_WAIT" ...); a datagram socket is "UNCONN" until it is connected.
 * "STATE#N" for a number the kernel added after this table.
 */
const char *sock_state_name(const struct skbt_sock *sk, char *buf, size_t len);
/* "tcp", "udp", "icmp" ... or NULL for a protocol without a common name. */
const char *l4_name(unsigned int proto);
/* "inet", "inet6", "unix" ... or NULL. */
const char *family_name(unsigned int family);
/* 4 or 6 for AF_INET / AF_INET6, else 0. */
int family_l3(unsigned int family);
/* Dotted IPv4 or RFC 5952 IPv6 (l3 = 4 or 6); "?" for another l3. */
size_t addr_str(char *buf, size_t len, const unsigned char *a, int l3);
/* "198.18.0.2:7790" or "[fd00::2]:7790". */
size_t addr_port_str(char *buf, size_t len, const unsigned char *a, int l3, unsigned int port);
/*
 * One line for a socket: "udp UNCONN 0.0.0.0:7790",
 * "tcp ESTABLISHED 198.18.0.2:22 peer 198.18.0.1:40112".
 */
size_t sock_str(char *buf, size_t len, const struct skbt_sock *sk);

/* "SYN|ACK": the names of the TCP flag bits set (FIN = 0x01 ... CWR = 0x80). */
size_t tcp_flags_str(char *buf, size_t len, unsigned int flags);
/*
 * A packet's addresses as the event lines print them:
 * "10.0.0.1:53->10.0.0.2:9999(udp)", "[fd00::1]:80->[fd00::2]:1234(tcp:SYN|ACK)".
 */
size_t tuple_str(char *buf, size_t len, const struct skbt_tuple *t, bool ports);

/* Longest tuple_str(). */
#define SOCK_TUPLE_MAX (2 * SOCK_ADDR_PORT_MAX + 48)

#endif
