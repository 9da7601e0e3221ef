// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_peer MODE SERVER_NETNS CLIENT_NETNS ADDR PORT COUNT: TCP traffic
 * between two network namespaces (nsfs paths) for the drop tests; prints
 * one number: what it did COUNT times.
 *   filter   connect, then the server's ESTABLISHED socket gets a socket
 *            filter that refuses everything; the client sends COUNT
 *            one-byte segments (SOCKET_FILTER drops).  Prints segments sent.
 *   refused  COUNT connects to ADDR:PORT, where nothing listens (NO_SOCKET
 *            drops, each answered by a RST).  Prints connects refused.
 *   reset    COUNT connections the server aborts with a RST (SO_LINGER 0)
 *            after the client's first byte.  Prints resets the client saw.
 *   rst      COUNT bare RST segments from the client to the server's
 *            listening socket (IPv4; TCP_RESET drops on a LISTEN socket).
 *            Prints segments sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/ip.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static struct addrinfo *target;

static int enter(const char *ns)
{
	int fd = open(ns, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		perror(ns);
		return -1;
	}
	close(fd);
	return 0;
}

/* A socket created inside ns: it stays there whatever we enter later. */
static int socket_in(const char *ns)
{
	int one = 1, fd;

	if (enter(ns))
		return -1;
	fd = socket(target->ai_family, SOCK_STREAM, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static int listener(const char *ns)
{
	int fd = socket_in(ns);

	if (fd < 0 || bind(fd, target->ai_addr, target->ai_addrlen) || listen(fd, 16)) {
		perror("tcp_peer: listen");
		return -1;
	}
	return fd;
}

static int connect_in(const char *ns)
{
	int one = 1, fd = socket_in(ns);

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, target->ai_addr, target->ai_addrlen)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* An abortive close: a RST, no FIN, no TIME_WAIT. */
static void abort_close(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static long run_filter(const char *sns, const char *cns, long count)
{
	struct sock_filter refuse[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = refuse};
	int lfd = listener(sns), cfd = lfd < 0 ? -1 : connect_in(cns), afd;
	long sent = 0;

	afd = cfd < 0 ? -1 : accept(lfd, NULL, NULL);
	if (afd < 0 || setsockopt(afd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		perror("tcp_peer: filter");
		return -1;
	}
	for (long i = 0; i < count; i++) {
		sent += send(cfd, "x", 1, 0) == 1;
		usleep(20000);
	}
	usleep(200000);
	abort_close(cfd);
	abort_close(afd);
	close(lfd);
	return sent;
}

static long run_refused(const char *cns, long count)
{
	long refused = 0;

	for (long i = 0; i < count; i++) {
		int fd = connect_in(cns);

		if (fd >= 0)
			close(fd);
		else
			refused += errno == ECONNREFUSED;
	}
	return refused;
}

static long run_reset(const char *sns, const char *cns, long count)
{
	int lfd = listener(sns);
	long resets = 0;
	char c;

	for (long i = 0; lfd >= 0 && i < count; i++) {
		int cfd = connect_in(cns), afd = cfd < 0 ? -1 : accept(lfd, NULL, NULL);

		if (afd < 0 || send(cfd, "x", 1, 0) != 1 || recv(afd, &c, 1, 0) != 1) {
			perror("tcp_peer: reset");
			return -1;
		}
		abort_close(afd);
		usleep(50000);
		resets += recv(cfd, &c, 1, 0) < 0 && errno == ECONNRESET;
		close(cfd);
	}
	if (lfd >= 0)
		close(lfd);
	return lfd < 0 ? -1 : resets;
}

static unsigned short csum(const void *p, size_t n, unsigned int sum)
{
	const unsigned char *b = p;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The address the client's namespace sends from towards the target. */
static int source_of(struct sockaddr_in *src)
{
	socklen_t len = sizeof(*src);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	rc = fd < 0 || connect(fd, target->ai_addr, target->ai_addrlen) ||
	     getsockname(fd, (struct sockaddr *)src, &len);
	if (fd >= 0)
		close(fd);
	return rc ? -1 : 0;
}

/* One RST segment: IPv4 header, TCP header, checksums over the pseudo-header. */
static void build_rst(unsigned char *pkt, const struct sockaddr_in *src,
		      const struct sockaddr_in *dst, unsigned short sport)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + sizeof(*ip));
	unsigned char pseudo[12 + sizeof(*th)];

	memset(pkt, 0, sizeof(*ip) + sizeof(*th));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*th));
	ip->saddr = src->sin_addr.s_addr;
	ip->daddr = dst->sin_addr.s_addr;
	ip->check = htons(csum(ip, sizeof(*ip), 0));
	th->source = htons(sport);
	th->dest = dst->sin_port;
	th->seq = htonl(12345);
	th->doff = sizeof(*th) / 4;
	th->rst = 1;
	th->window = htons(1024);
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = sizeof(*th);
	memcpy(pseudo + 12, th, sizeof(*th));
	th->check = htons(csum(pseudo, sizeof(pseudo), 0));
}

static long run_rst(const char *sns, const char *cns, long count)
{
	unsigned char pkt[sizeof(struct iphdr) + sizeof(struct tcphdr)];
	int lfd = listener(sns), raw;
	struct sockaddr_in src;
	long sent = 0;

	if (lfd < 0 || target->ai_family != AF_INET || enter(cns) || source_of(&src))
		return -1;
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (raw < 0) {
		perror("tcp_peer: raw socket");
		return -1;
	}
	for (long i = 0; i < count; i++) {
		build_rst(pkt, &src, (const struct sockaddr_in *)target->ai_addr, 41000 + i);
		sent += sendto(raw, pkt, sizeof(pkt), 0, target->ai_addr, target->ai_addrlen) ==
			(ssize_t)sizeof(pkt);
	}
	usleep(100000);
	close(raw);
	close(lfd);
	return sent;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	long count, n = -1;

	if (argc != 7) {
		fprintf(stderr,
			"usage: tcp_peer filter|refused|reset|rst SERVER_NETNS CLIENT_NETNS "
			"ADDR PORT COUNT\n");
		return 2;
	}
	if (getaddrinfo(argv[4], argv[5], &hints, &target)) {
		fprintf(stderr, "tcp_peer: bad address %s port %s\n", argv[4], argv[5]);
		return 2;
	}
	count = strtol(argv[6], NULL, 0);
	if (!strcmp(argv[1], "filter"))
		n = run_filter(argv[2], argv[3], count);
	else if (!strcmp(argv[1], "refused"))
		n = run_refused(argv[3], count);
	else if (!strcmp(argv[1], "reset"))
		n = run_reset(argv[2], argv[3], count);
	else if (!strcmp(argv[1], "rst"))
		n = run_rst(argv[2], argv[3], count);
	freeaddrinfo(target);
	if (n < 0)
		return 1;
	printf("%ld\n", n);
	return 0;
}
