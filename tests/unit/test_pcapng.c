// SPDX-License-Identifier: GPL-2.0
/*
 * pcap-ng files written by out/pcapng.c, read back by Wireshark's own
 * readers (tshark, capinfos): they must open without a warning and show
 * the fields skbtrace puts there.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "out/pcapng.h"

#define OUT_MAX (256 * 1024)
#define TS0	1700000000123456789ULL /* 2023-11-14T22:13:20.123456789Z */

static const struct pcapng_section section = {
	.hardware = "x86_64 test box",
	.os = "Linux 6.18-test",
	.userappl = "skbtrace test",
};

/* Ethernet / IPv4 / UDP 10.0.0.1:1000 -> 10.0.0.2:2000, 4 bytes of payload. */
static const unsigned char eth_udp[] = {
	0x02, 0,    0,	  0,	0, 0x02, 0x02, 0, 0,  0,  0, 0x01, 0x08, 0x00, /* ethernet */
	0x45, 0,    0,	  32,	0, 1,	 0x40, 0, 64, 17, 0, 0,	   10,	 0,
	0,    1,    10,	  0,	0, 2,		  /* ipv4 */
	0x03, 0xe8, 0x07, 0xd0, 0, 12,	 0,    0, /* udp */
	'p',  'i',  'n',  'g',
};

/* IPv4 / ICMP echo request 10.0.0.1 -> 10.0.0.2, no Ethernet header. */
static const unsigned char ip_icmp[] = {
	0x45, 0, 0, 28, 0, 2, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 1, 0, 1,
};

/* IPv6 / UDP fd00::1 -> fd00::2 port 53, no Ethernet header. */
static const unsigned char ip6_udp[] = {
	0x60, 0, 0, 0, 0, 8, 0x11, 64, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0,	0,    0, 0,  0, 0, 0, 1,
	0xfd, 0, 0, 0, 0, 0, 0,	   0,  0,    0, 0, 0, 0, 0, 0, 2, 0x30, 0x39, 0, 53, 0, 8, 0, 0,
};

struct fx {
	char path[64];
	struct pcapng_writer *w;
};

static void fx_open(struct fx *x)
{
	int fd;

	strcpy(x->path, "/tmp/test_pcapng.XXXXXX");
	fd = mkstemp(x->path);
	assert_true(fd >= 0);
	x->w = pcapng_open_fd(fd, true, &section);
	assert_non_null(x->w);
}

static bool have_tshark(void)
{
	if (system("command -v tshark >/dev/null && command -v capinfos >/dev/null") == 0)
		return true;
	fprintf(stderr, "# tshark/capinfos missing: scripts/deps.sh test installs them\n");
	return false;
}

/*
 * Runs "cmd path" and returns its standard output; its standard error,
 * less the line tshark prints whenever it runs as root, must be empty
 * and its exit status 0.
 */
static char *run_on(const char *cmd, const char *path)
{
	static char out[OUT_MAX];
	char errpath[] = "/tmp/test_pcapng_err.XXXXXX", line[4096], full[4096];
	int efd = mkstemp(errpath);
	size_t n;
	FILE *p, *e;

	assert_true(efd >= 0);
	close(efd);
	snprintf(full, sizeof(full), "%s %s 2>%s", cmd, path, errpath);
	p = popen(full, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	e = fopen(errpath, "r");
	assert_non_null(e);
	while (fgets(line, sizeof(line), e)) {
		if (strstr(line, "This could be dangerous."))
			continue;
		fail_msg("%s on %s: %s", cmd, path, line);
	}
	fclose(e);
	unlink(errpath);
	return out;
}

/* tshark's fields of every packet, tab-separated, one line each. */
static char *fields(const char *path, const char *list)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "tshark -T fields -E separator=/t %s -r", list);
	return run_on(cmd, path);
}

static void check_capinfos(const char *path, unsigned long long packets)
{
	char want[64];
	const char *out = run_on("capinfos -M", path);

	assert_non_null(strstr(out, "File type:           pcapng\n"));
	snprintf(want, sizeof(want), "Number of packets:   %llu\n", packets);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "truncated"));
}

static long iface(struct pcapng_writer *w, unsigned int netns, unsigned int ifindex,
		  enum pcapng_linktype lt, const char *name)
{
	struct pcapng_iface i = {netns, ifindex, lt, name, "a test interface", 256};

	return pcapng_iface_id(w, &i);
}

static struct pcapng_packet pkt(unsigned int iface, const void *data, unsigned int len)
{
	return (struct pcapng_packet){
		.ts_ns = TS0, .iface = iface, .orig_len = len, .cap_len = len, .data = data};
}

static void test_fields(void **state)
{
	const char *c1 = "ip_rcv netns 4026531840 mark 0x0 [1234] nc";
	const char *c2 = "kfree_skb_reason SKB_DROP_REASON_NETFILTER_DROP nft_do_chain+0x5a";
	struct pcapng_packet p;
	const char *out;
	struct fx x;
	long a, b, c;

	(void)state;
	if (!have_tshark())
		skip();
	fx_open(&x);
	a = iface(x.w, 4026531840U, 2, PCAPNG_LINK_ETHERNET, "veth0@ns1");
	b = iface(x.w, 4026531840U, 2, PCAPNG_LINK_IPV4, "veth0@ns1");
	c = iface(x.w, 4026532000U, 1, PCAPNG_LINK_IPV6, "lo@ns2");
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 2);
	assert_int_equal(iface(x.w, 4026531840U, 2, PCAPNG_LINK_IPV4, "ignored"), 1);

	p = pkt(a, eth_udp, sizeof(eth_udp));
	p.dir = PCAPNG_DIR_IN;
	p.packet_id = 7;
	p.comment = c1;
	p.comment_len = strlen(c1);
	assert_int_equal(pcapng_packet(x.w, &p), 0);

	/* a GSO packet: headers captured, the true length kept */
	p = pkt(b, ip_icmp, sizeof(ip_icmp));
	p.ts_ns = TS0 + 1;
	p.orig_len = 64000;
	p.dir = PCAPNG_DIR_OUT;
	p.comment = c2;
	p.comment_len = strlen(c2);
	p.has_drops = true;
	p.drops = 3;
	assert_int_equal(pcapng_packet(x.w, &p), 0);

	p = pkt(c, ip6_udp, sizeof(ip6_udp));
	p.ts_ns = TS0 + 1000000000ULL;
	assert_int_equal(pcapng_packet(x.w, &p), 0);
	assert_int_equal(pcapng_packets(x.w), 3);
	assert_int_equal(pcapng_close(x.w), 0);

	check_capinfos(x.path, 3);
	out = run_on("capinfos", x.path);
	assert_non_null(strstr(out, "Capture hardware:    x86_64 test box\n"
				    "Capture oper-sys:    Linux 6.18-test\n"
				    "Capture application: skbtrace test\n"
				    "Number of interfaces in file: 3\n"));
	assert_non_null(strstr(out, "Encapsulation = Ethernet (1 - ether)"));
	assert_non_null(strstr(out, "Encapsulation = Raw IPv4 (129 - rawip4)"));
	assert_non_null(strstr(out, "Encapsulation = Raw IPv6 (130 - rawip6)"));
	assert_non_null(strstr(out, "Time precision = nanoseconds (9)"));
	assert_string_equal(
		fields(x.path,
		       "-e frame.interface_id -e frame.interface_name -e frame.encap_type "
		       "-e frame.len -e frame.cap_len -e frame.time_epoch "
		       "-e frame.packet_flags_direction -e frame.packet_id -e frame.drop_count "
		       "-e frame.comment -e ip.src -e ipv6.dst -e udp.dstport"),
		"0\tveth0@ns1\t1\t46\t46\t1700000000.123456789\t0x00000001\t7\t\t"
		"ip_rcv netns 4026531840 mark 0x0 [1234] nc\t10.0.0.1\t\t2000\n"
		"1\tveth0@ns1\t129\t64000\t28\t1700000000.123456790\t0x00000002\t\t3\t"
		"kfree_skb_reason SKB_DROP_REASON_NETFILTER_DROP nft_do_chain+0x5a\t10.0.0.1\t\t\n"
		"2\tlo@ns2\t130\t48\t48\t1700000001.123456789\t\t\t\t\t\tfd00::2\t53\n");
	unlink(x.path);
}

static void test_many_ifaces(void **state)
{
	char name[32], want[64];
	struct pcapng_packet p;
	unsigned int id;
	struct fx x;

	(void)state;
	if (!have_tshark())
		skip();
	fx_open(&x);
	for (unsigned int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "if%u@ns%u", i % 100, i / 100);
		assert_int_equal(iface(x.w, 1000 + i / 100, i % 100, PCAPNG_LINK_RAW, name), i);
	}
	for (unsigned int i = 0; i < 300; i++) {
		assert_true(pcapng_iface_known(x.w, 1000 + i / 100, i % 100, PCAPNG_LINK_RAW, &id));
		assert_int_equal(id, i);
		p = pkt(id, ip_icmp, sizeof(ip_icmp));
		assert_int_equal(pcapng_packet(x.w, &p), 0);
	}
	assert_false(pcapng_iface_known(x.w, 1000, 0, PCAPNG_LINK_ETHERNET, &id));
	assert_int_equal(pcapng_close(x.w), 0);
	check_capinfos(x.path, 300);
	snprintf(want, sizeof(want), "Number of interfaces in file: %d\n", 300);
	assert_non_null(strstr(run_on("capinfos", x.path), want));
	assert_non_null(strstr(fields(x.path, "-e frame.interface_name"), "if0@ns0\nif1@ns0\n"));
	assert_non_null(strstr(fields(x.path, "-e frame.interface_name"), "if99@ns2\n"));
	unlink(x.path);
}

/* A packet larger than the buffer, a comment longer than an option holds. */
static void test_big_blocks(void **state)
{
	size_t big = PCAPNG_CAP_MAX, clen = 70000;
	unsigned char *data = malloc(big);
	char *comment = malloc(clen);
	struct pcapng_packet p;
	const char *out;
	struct fx x;
	long id;

	(void)state;
	if (!have_tshark())
		skip();
	assert_non_null(data);
	assert_non_null(comment);
	memset(data, 0, big);
	memcpy(data, ip_icmp, sizeof(ip_icmp));
	/* "é" is two bytes: the option's 65535-byte limit falls inside one */
	for (size_t i = 0; i + 1 < clen; i += 2)
		memcpy(comment + i, "\xc3\xa9", 2);
	fx_open(&x);
	id = iface(x.w, 1, 1, PCAPNG_LINK_IPV4, "big@ns");
	p = pkt(id, data, big);
	p.comment = comment;
	p.comment_len = clen;
	assert_int_equal(pcapng_packet(x.w, &p), 0);
	assert_int_equal(pcapng_close(x.w), 0);
	check_capinfos(x.path, 1);
	out = fields(x.path, "-e frame.cap_len -e frame.comment");
	assert_int_equal(strncmp(out, "262144\t\xc3\xa9", 9), 0);
	/* cut to 65534 bytes: 32767 characters, then the newline */
	assert_int_equal(strlen(out), 7 + 65534 + 1);
	unlink(x.path);
	free(data);
	free(comment);
}

static void test_bad_packets(void **state)
{
	struct pcapng_packet p;
	struct fx x;
	long id;

	(void)state;
	fx_open(&x);
	id = iface(x.w, 1, 1, PCAPNG_LINK_IPV4, "lo@ns");
	p = pkt(id, ip_icmp, sizeof(ip_icmp));
	p.orig_len = 10; /* fewer than captured */
	assert_int_equal(pcapng_packet(x.w, &p), -EINVAL);
	p.orig_len = p.cap_len = PCAPNG_CAP_MAX + 1; /* more than Wireshark reads */
	assert_int_equal(pcapng_packet(x.w, &p), -EINVAL);
	p = pkt(id + 1, ip_icmp, sizeof(ip_icmp)); /* no such interface */
	assert_int_equal(pcapng_packet(x.w, &p), -EINVAL);
	/* a bad call writes nothing and is not a write error */
	p = pkt(id, ip_icmp, sizeof(ip_icmp));
	assert_int_equal(pcapng_packet(x.w, &p), 0);
	assert_int_equal(pcapng_error(x.w), 0);
	assert_int_equal(pcapng_close(x.w), 0);
	if (have_tshark())
		check_capinfos(x.path, 1);
	unlink(x.path);
	assert_null(pcapng_open_path("/nonexistent/dir/x.pcapng", &section));
	assert_int_equal(errno, ENOENT);
}

/* The reader of a pipe goes away (skbtrace -w - | head -c 100). */
static void test_closed_pipe(void **state)
{
	struct pcapng_writer *w;
	struct pcapng_packet p;
	int fds[2], err = 0;
	long id;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	w = pcapng_open_fd(fds[1], true, &section);
	assert_non_null(w);
	id = iface(w, 1, 1, PCAPNG_LINK_IPV4, "lo@ns");
	assert_true(id >= 0);
	close(fds[0]);
	p = pkt(id, ip_icmp, sizeof(ip_icmp));
	/* the buffer fills, its write fails, and the error sticks */
	for (int i = 0; i < 100000 && !err; i++)
		err = pcapng_packet(w, &p);
	if (!err)
		err = pcapng_flush(w);
	assert_int_equal(err, -EPIPE);
	assert_int_equal(pcapng_packet(w, &p), -EPIPE);
	assert_int_equal(pcapng_error(w), -EPIPE);
	assert_int_equal(pcapng_close(w), -EPIPE);

	/* a reader gone before the header: no writer, the fd stays the caller's */
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_null(pcapng_open_fd(fds[1], true, &section));
	assert_int_equal(errno, EPIPE);
	assert_int_equal(close(fds[1]), 0);
}

/*
 * Writes packets until the file size limit stops it, as a full disk
 * would, in a child (the limit is per process); the child's exit status
 * is the number of packets the writer says the file holds.
 */
static int fill_file(const char *path, rlim_t limit)
{
	struct rlimit rl = {limit, limit};
	const char *c = "a comment that makes blocks of an odd size";
	struct pcapng_writer *w;
	struct pcapng_packet p;
	unsigned long long n;
	int err = 0;
	long id;

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 255;
	w = pcapng_open_path(path, &section);
	if (!w)
		return 254;
	id = iface(w, 1, 1, PCAPNG_LINK_ETHERNET, "veth0@ns");
	for (int i = 0; i < 100000 && !err; i++) {
		p = pkt(id, eth_udp, sizeof(eth_udp));
		p.comment = c;
		p.comment_len = strlen(c) - i % 4;
		err = pcapng_packet(w, &p);
	}
	if (!err)
		err = pcapng_flush(w);
	n = pcapng_packets(w);
	if (err != -EFBIG || pcapng_close(w) != -EFBIG)
		return 253;
	return n > 200 ? 252 : (int)n;
}

static void test_file_full(void **state)
{
	char path[] = "/tmp/test_pcapng_full.XXXXXX", want[64];
	rlim_t limit = 9999; /* not on a block boundary */
	int fd = mkstemp(path), status;
	struct stat st;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fill_file(path, limit));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_in_range(WEXITSTATUS(status), 1, 200);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= (off_t)limit);
	assert_true(st.st_size > (off_t)limit - 200);
	if (have_tshark()) {
		check_capinfos(path, WEXITSTATUS(status));
		snprintf(want, sizeof(want), "%d\n", WEXITSTATUS(status));
		assert_non_null(strstr(fields(path, "-e frame.number"), want));
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),	    cmocka_unit_test(test_many_ifaces),
		cmocka_unit_test(test_big_blocks),  cmocka_unit_test(test_bad_packets),
		cmocka_unit_test(test_closed_pipe), cmocka_unit_test(test_file_full),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
