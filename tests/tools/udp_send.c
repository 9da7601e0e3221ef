// SPDX-License-Identifier: GPL-2.0
/*
 * udp_send ADDR PORT COUNT [SIZE [SRCPORT]]: send COUNT UDP datagrams as
 * fast as the socket takes them and print how many were sent.  Used by
 * the integration tests and the drop-storm benchmark.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int open_socket(const char *addr, const char *port, unsigned int sport,
		       struct sockaddr_storage *dst, socklen_t *dlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;
	int fd, rc;

	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "udp_send: %s: %s\n", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	memcpy(dst, ai->ai_addr, ai->ai_addrlen);
	*dlen = ai->ai_addrlen;
	if (fd >= 0 && sport) {
		struct sockaddr_storage src = {.ss_family = ai->ai_family};

		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&src)->sin_port = htons(sport);
		else
			((struct sockaddr_in6 *)&src)->sin6_port = htons(sport);
		if (bind(fd, (struct sockaddr *)&src, ai->ai_addrlen))
			perror("udp_send: bind");
	}
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	unsigned long long count, sent = 0, failed = 0;
	unsigned int size = 64, sport = 0;
	socklen_t dlen;
	char *buf;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: udp_send ADDR PORT COUNT [SIZE [SRCPORT]]\n");
		return 2;
	}
	count = strtoull(argv[3], NULL, 0);
	if (argc > 4)
		size = strtoul(argv[4], NULL, 0);
	if (argc > 5)
		sport = strtoul(argv[5], NULL, 0);
	buf = calloc(1, size ? size : 1);
	fd = open_socket(argv[1], argv[2], sport, &dst, &dlen);
	if (fd < 0 || !buf)
		return 1;
	for (unsigned long long i = 0; i < count; i++) {
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&dst, dlen) == (ssize_t)size)
			sent++;
		else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
			failed++;
	}
	printf("%llu\n", sent);
	close(fd);
	free(buf);
	return failed && !sent ? 1 : 0;
}
