// SPDX-License-Identifier: GPL-2.0
/*
 * udp_recv PORT COUNT TIMEOUT_MS: receive up to COUNT datagrams on PORT
 * (IPv4 and IPv6) and print how many arrived before TIMEOUT_MS of quiet.
 * It writes "ready" to stderr once bound, so tests can start sending.
 * COUNT 0 holds the socket for TIMEOUT_MS without reading: what arrives
 * stays queued (a test needs skbs that live on).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	unsigned long long count, got = 0;
	struct pollfd pfd;
	int timeout, fd, off = 0;
	char buf[65536];

	if (argc < 4) {
		fprintf(stderr, "usage: udp_recv PORT COUNT TIMEOUT_MS\n");
		return 2;
	}
	a.sin6_port = htons(atoi(argv[1]));
	count = strtoull(argv[2], NULL, 0);
	timeout = atoi(argv[3]);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("udp_recv");
		return 1;
	}
	fprintf(stderr, "ready\n");
	if (!count)
		usleep(timeout * 1000);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < count && poll(&pfd, 1, timeout) > 0)
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			got++;
	printf("%llu\n", got);
	close(fd);
	return 0;
}
