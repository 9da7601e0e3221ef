// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of the pcap-filter translation (needs root).
 *
 * For each expression: classic instructions (libpcap, optimised), eBPF
 * instructions of the translation (and of its prologue alone), the same
 * with no window (one helper call per load, as a naive translation
 * would do), stack used, the verifier's processed instructions (the
 * wrapper's own subtracted), and
 * nanoseconds per run from BPF_PROG_TEST_RUN with repeat = 1e6 on a
 * packet it matches, minus the test wrapper's own cost (the same wrapper
 * around "return 0"), best of 7 rounds taken in turns.  libpcap's user-space interpreter on the same
 * packet is timed for reference.
 *
 *   bench/filter [REPEAT]        (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/pcap/harness.h"

struct bench_case {
	const char *expr;
	const char *packet; /* which frame below it runs on */
};

static const struct bench_case cases[] = {
	{"tcp and dst port 80 and (tcp[tcpflags] & tcp-syn != 0)", "syn"},
	{"host 10.1.1.1 and udp", "udp"},
	{"tcp port 80", "syn"},
	{"ip6 and tcp dst port 443", "syn6"},
	{"ip6 protochain 6", "syn6ext"},
	{"vlan and host 10.1.1.1", "vlanudp"},
	{"not arp and not port 22", "udp"},
	{"ether src 00:11:22:33:44:55 and len >= 42", "udp"},
	{"ip[2:2] - ((ip[0]&0xf)<<2) > 16", "udp"},
};

/* Build the named frame into p. */
static void frame(const char *name, struct dh_pkt *p)
{
	struct pg_buf b = {.p = p->data, .cap = PG_MAXPKT};
	static const uint8_t dst[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
	static const uint8_t src[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
	bool v6 = !strncmp(name, "syn6", 4), udp = strstr(name, "udp") != 0;

	memset(p, 0, sizeof(*p));
	pg_put(&b, dst, 6);
	pg_put(&b, src, 6);
	if (!strcmp(name, "vlanudp")) {
		pg_u16(&b, 0x8100);
		pg_u16(&b, 100);
	}
	if (v6) {
		pg_u16(&b, 0x86dd);
		pg_u32(&b, 0x60000000);
		pg_u16(&b, !strcmp(name, "syn6ext") ? 36 : 20);
		pg_u8(&b, !strcmp(name, "syn6ext") ? 0 : 6);
		pg_u8(&b, 64);
		pg_put(&b, a6, 16);
		pg_put(&b, b6, 16);
		if (!strcmp(name, "syn6ext")) { /* hop-by-hop, 16 bytes */
			pg_u8(&b, 6);
			pg_u8(&b, 1);
			pg_put(&b, (uint8_t[14]){1, 12}, 14);
		}
	} else {
		pg_u16(&b, 0x0800);
		pg_u32(&b, 0x45000028);
		pg_u32(&b, 0x12344000);
		pg_u8(&b, 64);
		pg_u8(&b, udp ? 17 : 6);
		pg_u16(&b, 0);
		pg_u32(&b, 0x0a010101);
		pg_u32(&b, 0x0a010102);
	}
	if (udp) {
		pg_u16(&b, 12345);
		pg_u16(&b, 53);
		pg_u16(&b, 8);
		pg_u16(&b, 0);
	} else {
		pg_u16(&b, 40000);
		pg_u16(&b, v6 ? 443 : 80);
		pg_u32(&b, 1);
		pg_u32(&b, 0);
		pg_u16(&b, 0x5002); /* doff 5, SYN */
		pg_u16(&b, 65535);
		pg_u32(&b, 0);
	}
	p->caplen = p->len = (uint32_t)b.n;
}

#define ROUNDS 7

static int load_l2(struct dh *h, const struct pcap_filter_prog *f)
{
	int fd = dh_load(h, f, DH_L2);

	if (fd < 0)
		fprintf(stderr, "bench: load: %s\n", h->err);
	return fd;
}

/*
 * Minimum over ROUNDS of the kernel's ns per run for each fd, measured
 * in turns so that noise from the rest of the machine hits all alike.
 */
static void time_fds(struct dh *h, const int *fd, size_t n, int repeat, long long *best)
{
	for (size_t j = 0; j < n; j++) {
		best[j] = -1;
		dh_time(h, fd[j], repeat / 100); /* warm up */
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t j = 0; j < n; j++) {
			long long ns = dh_time(h, fd[j], repeat);

			if (ns >= 0 && (best[j] < 0 || ns < best[j]))
				best[j] = ns;
		}
	}
}

static double time_libpcap(const struct sock_filter *c, size_t n, const struct dh_pkt *p,
			   int repeat)
{
	struct timespec a, b;
	volatile unsigned int sink = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < repeat; i++)
		sink += dh_expect(c, n, p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	(void)sink;
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / repeat;
}

/* Instructions the verifier processed to load fd (kernel 5.16+). */
static unsigned int verified(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.verified_insns;
}

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 1000000;
	struct pcap_filter_opts naive = {.no_window = true};
	struct pcap_filter_prog none;
	struct dh h;

	if (geteuid() != 0) {
		fprintf(stderr, "bench/filter: needs root\n");
		return 1;
	}
	if (repeat < 100 || dh_open(&h, 1, 0)) {
		fprintf(stderr, "bench/filter: %s\n", repeat < 100 ? "REPEAT >= 100" : h.err);
		return 1;
	}
	pcap_filter_match_nothing(&none);
	printf("# ns: kernel ns per run (BPF_PROG_TEST_RUN, repeat %d, best of %d)\n"
	       "# minus the wrapper around \"return 0\"; naive: one helper call\n"
	       "# per load; libpcap: its user-space interpreter, same packet\n",
	       repeat, ROUNDS);
	printf("%-56s %5s %5s %6s %5s %6s %5s %6s %6s %8s %8s\n", "expression", "cBPF", "eBPF",
	       "ratio", "prolg", "naive", "stack", "vinsn", "ns", "ns-naive", "libpcap");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcap_filter_prog p, q;
		struct sock_filter *c;
		long long best[3];
		unsigned int vinsn;
		int fd[3];
		char err[512];
		size_t n;

		frame(cases[i].packet, &h.pkt[DH_L2][0]);
		if (pcap_filter_cbpf(cases[i].expr, DLT_EN10MB, 0, &c, &n, err, sizeof(err)) ||
		    pcap_filter_translate(c, n, NULL, &p, err, sizeof(err)) ||
		    pcap_filter_translate(c, n, &naive, &q, err, sizeof(err))) {
			fprintf(stderr, "bench: %s: %s\n", cases[i].expr, err);
			return 1;
		}
		if (!dh_expect(c, n, &h.pkt[DH_L2][0]))
			fprintf(stderr, "bench: %s does not match its packet\n", cases[i].expr);
		fd[0] = load_l2(&h, &none);
		fd[1] = load_l2(&h, &p);
		fd[2] = load_l2(&h, &q);
		if (fd[0] < 0 || fd[1] < 0 || fd[2] < 0)
			return 1;
		/* The wrapper's own share is constant: what differs is the filter's. */
		vinsn = verified(fd[1]) - verified(fd[0]);
		time_fds(&h, fd, 3, repeat, best);
		for (int j = 0; j < 3; j++)
			close(fd[j]);
		printf("%-56s %5zu %5zu %6.2f %5zu %6zu %5u %6u %6lld %8lld %8.1f\n", cases[i].expr,
		       n, p.cnt, (double)p.cnt / (double)n, p.prologue_cnt, q.cnt, p.stack_size,
		       vinsn, best[1] - best[0], best[2] - best[0],
		       time_libpcap(c, n, &h.pkt[DH_L2][0], repeat / 10));
		pcap_filter_prog_free(&p);
		pcap_filter_prog_free(&q);
		free(c);
	}
	pcap_filter_prog_free(&none);
	dh_close(&h);
	return 0;
}
