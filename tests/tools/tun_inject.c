// SPDX-License-Identifier: GPL-2.0
/*
 * tun_inject IFNAME: create the L3 tun device IFNAME in the current
 * network namespace, bring it up, and write one IPv4 and one IPv6 UDP
 * packet into it (10.252.0.1:4000 -> 10.252.0.2:4001, fd00:252::1 ->
 * fd00:252::2), which the kernel receives on IFNAME with no MAC header:
 * what the capture must record as raw IP.  The device goes away on exit.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned short csum(const unsigned char *p, size_t n)
{
	unsigned long s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* IPv4 + UDP with 4 bytes of payload: 32 bytes. */
static size_t ipv4_udp(unsigned char *p)
{
	unsigned short c;

	memset(p, 0, 32);
	p[0] = 0x45;
	p[3] = 32;
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, "10.252.0.1", p + 12);
	inet_pton(AF_INET, "10.252.0.2", p + 16);
	c = csum(p, 20);
	p[10] = c >> 8;
	p[11] = c & 0xff;
	p[20] = 4000 >> 8, p[21] = 4000 & 0xff, p[22] = 4001 >> 8, p[23] = 4001 & 0xff;
	p[25] = 12;
	memcpy(p + 28, "ping", 4);
	return 32;
}

/* IPv6 + UDP with 4 bytes of payload: 52 bytes. */
static size_t ipv6_udp(unsigned char *p)
{
	memset(p, 0, 52);
	p[0] = 0x60;
	p[5] = 12;
	p[6] = 17;
	p[7] = 64;
	inet_pton(AF_INET6, "fd00:252::1", p + 8);
	inet_pton(AF_INET6, "fd00:252::2", p + 24);
	p[40] = 4000 >> 8, p[41] = 4000 & 0xff, p[42] = 4001 >> 8, p[43] = 4001 & 0xff;
	p[45] = 12;
	memcpy(p + 48, "ping", 4);
	return 52;
}

static int bring_up(const char *name)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

int main(int argc, char **argv)
{
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
	unsigned char pkt[64];
	size_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: tun_inject IFNAME\n");
		return 2;
	}
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) || bring_up(argv[1])) {
		perror("tun_inject");
		return 1;
	}
	n = ipv4_udp(pkt);
	if (write(fd, pkt, n) != (ssize_t)n)
		perror("tun_inject: IPv4");
	n = ipv6_udp(pkt);
	if (write(fd, pkt, n) != (ssize_t)n)
		perror("tun_inject: IPv6");
	close(fd);
	return 0;
}
