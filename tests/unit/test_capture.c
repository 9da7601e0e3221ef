// SPDX-License-Identifier: GPL-2.0
/* -w: hand-made packet records to pcap-ng, read back with tshark. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "host/netns.h"
#include "out/capture.h"

#define NETNS 4000000001U /* no namespace has it: named by its number */

/* Ethernet / IPv4 / UDP 10.0.0.1:1000 -> 10.0.0.2:2000. */
static const unsigned char eth_udp[] = {
	0x02, 0,  0,	0,    0,    0x02, 0x02, 0,  0, 0, 0,   0x01, 0x08, 0x00, 0x45, 0,
	0,    32, 0,	1,    0x40, 0,	  64,	17, 0, 0, 10,  0,    0,	   1,	 10,   0,
	0,    2,  0x03, 0xe8, 0x07, 0xd0, 0,	12, 0, 0, 'p', 'i',  'n',  'g',
};

/* A ring record: the event, then 256 bytes of tail from skb_data on. */
#define REC_SIZE (offsetof(struct skbt_event, skb_data) + 256)

struct rec {
	union {
		struct skbt_event e;
		unsigned char b[REC_SIZE];
	};
};

static struct rec make(unsigned int ifindex, const char *ifname, bool l2, const void *data,
		       unsigned int len, unsigned int off)
{
	struct rec r;

	memset(&r, 0, REC_SIZE);
	r.e.ts = 1000;
	r.e.netns = NETNS;
	r.e.ifindex = ifindex;
	snprintf(r.e.ifname, sizeof(r.e.ifname), "%s", ifname);
	r.e.flags = SKBT_F_CAPTURE;
	r.e.cap_l2 = l2;
	r.e.cap_off = off;
	r.e.cap_len = len;
	r.e.cap_orig_len = len;
	memcpy(r.b + offsetof(struct skbt_event, skb_data) + off, data, len);
	return r;
}

static char *tshark_fields(const char *path, const char *fields)
{
	static char out[8192];
	char cmd[1024];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tshark -T fields -E separator=/t %s -r %s 2>&1", fields, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

static void test_records(void **state)
{
	char path[] = "/tmp/test_capture.XXXXXX", err[256], *out;
	int fd = mkstemp(path);
	struct capture *c;
	struct rec r;

	(void)state;
	if (system("command -v tshark >/dev/null"))
		skip();
	assert_true(fd >= 0);
	close(fd);
	c = capture_open(path, 256, 1700000000000000000ULL, "skbtrace test", NULL, err,
			 sizeof(err));
	assert_non_null(c);

	/* at the MAC header, behind 512 bytes of --output-skb in a real record */
	r = make(3, "veth0", true, eth_udp, sizeof(eth_udp), 16);
	r.e.track_id = 42;
	r.e.func = 0xffffffff81100000ULL; /* the direction is cached per hook */
	r.e.cap_orig_len = 1500;
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, "ip_rcv", 6, 6), 0);
	/* the same device, but from the network header: another interface */
	r = make(3, "veth0", false, eth_udp + 14, sizeof(eth_udp) - 14, 0);
	r.e.func = 0xffffffff81200000ULL;
	capture_lost(c, 5);
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, "ip_output", 9, 9), 0);
	/* not IP at the network header: its length, no bytes */
	r = make(0, "", false, "\x00\x01\x08\x00", 4, 0);
	capture_lost(c, 5);
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, NULL, 0, 0), 0);
	/* a record that claims more than it holds is cut to what it holds */
	r = make(3, "veth0", true, eth_udp, sizeof(eth_udp), 0);
	r.e.cap_off = 250;
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, NULL, 0, 0), 0);
	r.e.flags = 0; /* no packet record in this event */
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, NULL, 0, 0), -EINVAL);
	assert_int_equal(capture_records(c), 4);
	assert_int_equal(capture_close(c), 0);

	out = tshark_fields(path,
			    "-e frame.interface_name -e frame.encap_type -e frame.len "
			    "-e frame.cap_len -e frame.packet_flags_direction -e frame.packet_id "
			    "-e frame.drop_count -e frame.comment -e udp.dstport");
	out = strstr(out, "veth0@"); /* after tshark's notice about root */
	assert_non_null(out);
	assert_string_equal(out, "veth0@4000000001\t1\t1500\t46\t0x00000001\t42\t\tip_rcv\t2000\n"
				 "veth0@4000000001\t129\t32\t32\t0x00000002\t\t5\tip_output\t2000\n"
				 "nodev@4000000001\t7\t4\t0\t\t\t\t\t\n"
				 "veth0@4000000001\t1\t46\t6\t\t\t\t\t\n");
	unlink(path);
}

/* Interfaces are named IFNAME@NETNS by the netns cache: run/blue names its inode. */
static void test_iface_names(void **state)
{
	char dir[] = "/tmp/test_capture_ns.XXXXXX", p[160], run[96], err[256], *out;
	struct netns_names *nn;
	struct capture *c;
	struct stat st;
	struct rec r;

	(void)state;
	if (system("command -v tshark >/dev/null"))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(run, sizeof(run), "%s/run", dir);
	assert_int_equal(mkdir(run, 0755), 0);
	snprintf(p, sizeof(p), "%s/blue", run);
	assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
	assert_int_equal(stat(p, &st), 0);
	nn = netns_names_new(run, dir); /* dir as proc: no process names a namespace */
	assert_non_null(nn);
	snprintf(p, sizeof(p), "%s/f.pcapng", dir);
	c = capture_open(p, 256, 0, "t", nn, err, sizeof(err));
	assert_non_null(c);
	r = make(3, "veth0", true, eth_udp, sizeof(eth_udp), 0);
	r.e.netns = st.st_ino;
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, NULL, 0, 0), 0);
	r.e.netns = NETNS; /* unnamed: its number */
	assert_int_equal(capture_event(c, &r.e, REC_SIZE, NULL, 0, 0), 0);
	assert_int_equal(capture_close(c), 0);
	netns_names_free(nn);
	out = strstr(tshark_fields(p, "-e frame.interface_name"), "veth0@");
	assert_non_null(out);
	assert_string_equal(out, "veth0@blue\nveth0@4000000001\n");
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	assert_int_equal(system(p), 0);
}

static void test_bad_path(void **state)
{
	char err[256];

	(void)state;
	assert_null(capture_open("/nonexistent/x.pcapng", 0, 0, "t", NULL, err, sizeof(err)));
	assert_string_equal(err,
			    "cannot write -w '/nonexistent/x.pcapng': No such file or directory");
}

static void test_direction(void **state)
{
	(void)state;
	assert_int_equal(capture_direction("net:netif_receive_skb"), PCAPNG_DIR_IN);
	assert_int_equal(capture_direction("net:net_dev_start_xmit"), PCAPNG_DIR_OUT);
	assert_int_equal(capture_direction("net:net_dev_queue"), PCAPNG_DIR_OUT);
	assert_int_equal(capture_direction("icmp:icmp_send"), PCAPNG_DIR_IN);
	assert_int_equal(capture_direction("ip_rcv"), PCAPNG_DIR_IN);
	assert_int_equal(capture_direction("ip_local_deliver"), PCAPNG_DIR_IN);
	assert_int_equal(capture_direction("ip_finish_output2"), PCAPNG_DIR_OUT);
	assert_int_equal(capture_direction("__dev_queue_xmit"), PCAPNG_DIR_OUT);
	assert_int_equal(capture_direction("skb:kfree_skb"), PCAPNG_DIR_UNKNOWN);
	assert_int_equal(capture_direction("ip_forward"), PCAPNG_DIR_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_iface_names),
		cmocka_unit_test(test_bad_path),
		cmocka_unit_test(test_direction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
