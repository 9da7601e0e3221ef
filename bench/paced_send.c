// SPDX-License-Identifier: GPL-2.0
/*
 * paced_send ADDR PORT RATE SECONDS [SIZE [SRCPORT]]: send UDP datagrams
 * at RATE packets per second for SECONDS, in 1 ms steps (each step sends
 * what the schedule owes, so a slow step is caught up in the next ones).
 * Prints "sent N elapsed_s E rate R" where R is what was achieved.  Used
 * by bench/storm.sh to find the highest send rate skbtrace keeps up with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "clock.h"
#include "../tests/lib/udp_sock.h"

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	unsigned long long sent = 0, owed;
	unsigned int size = 64, sport = 0;
	struct timespec tick;
	double rate, secs, t0, t;
	char *buf;
	int fd;

	if (argc < 5) {
		fprintf(stderr, "usage: paced_send ADDR PORT RATE SECONDS [SIZE [SRCPORT]]\n");
		return 2;
	}
	rate = atof(argv[3]);
	secs = atof(argv[4]);
	if (argc > 5)
		size = strtoul(argv[5], NULL, 0);
	if (argc > 6)
		sport = strtoul(argv[6], NULL, 0);
	fd = udp_sock_open("paced_send", argv[1], argv[2], sport, &dst, &dlen);
	buf = calloc(1, size ? size : 1);
	if (fd < 0 || !buf)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &tick);
	t0 = bench_now_s();
	for (;;) {
		t = bench_now_s() - t0;
		if (t >= secs)
			break;
		owed = (unsigned long long)(rate * t);
		while (sent < owed) {
			if (sendto(fd, buf, size, 0, (struct sockaddr *)&dst, dlen) ==
			    (ssize_t)size)
				sent++;
			else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
				break;
		}
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_sec++;
			tick.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	t = bench_now_s() - t0;
	printf("sent %llu elapsed_s %.3f rate %.0f\n", sent, t, sent / t);
	free(buf);
	close(fd);
	return 0;
}
