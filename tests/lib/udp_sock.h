/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UDP sender's socket, shared by tests/tools/udp_send.c and
 * bench/paced_send.c: included by both (header only, so that neither
 * build needs another object).
 */
#ifndef SKBT_TESTS_UDP_SOCK_H
#define SKBT_TESTS_UDP_SOCK_H

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

/*
 * A UDP socket towards numeric addr and port, bound to source port sport
 * when not 0; the destination goes to *dst and *dlen.  Errors are printed
 * prefixed with who.  Returns the socket, or -1.
 */
static inline int udp_sock_open(const char *who, const char *addr, const char *port,
				unsigned int sport, struct sockaddr_storage *dst, socklen_t *dlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;
	int fd, rc;

	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", who, addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0)
		perror(who);
	memcpy(dst, ai->ai_addr, ai->ai_addrlen);
	*dlen = ai->ai_addrlen;
	if (fd >= 0 && sport) {
		struct sockaddr_storage src = {.ss_family = ai->ai_family};

		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&src)->sin_port = htons(sport);
		else
			((struct sockaddr_in6 *)&src)->sin6_port = htons(sport);
		if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen))
			fprintf(stderr, "%s: bind: %s\n", who, strerror(errno));
	}
	freeaddrinfo(ai);
	return fd;
}

#endif
