// SPDX-License-Identifier: GPL-2.0
/*
 * udp_send ADDR PORT COUNT [SIZE [SRCPORT]]: send COUNT UDP datagrams as
 * fast as the socket takes them and print how many were sent.  Used by
 * the integration tests and the drop-storm benchmark.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../lib/udp_sock.h"

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
	fd = udp_sock_open("udp_send", argv[1], argv[2], sport, &dst, &dlen);
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
