// SPDX-License-Identifier: GPL-2.0
/*
 * pkt_tap TIMEOUT_MS: a packet socket on every interface of the current
 * network namespace that reads what arrives until TIMEOUT_MS of quiet.
 * The kernel hands a packet socket a clone of each received skb, which
 * is what the clone-tracking test needs.  Writes "ready" to stderr once
 * the socket is open; prints how many packets it read.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long long got = 0;
	struct pollfd pfd;
	char buf[65536];
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: pkt_tap TIMEOUT_MS\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("pkt_tap");
		return 1;
	}
	fprintf(stderr, "ready\n");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, atoi(argv[1])) > 0)
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			got++;
	printf("%llu\n", got);
	close(fd);
	return 0;
}
