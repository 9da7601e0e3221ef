// SPDX-License-Identifier: GPL-2.0
/*
 * pfdump: show what skbtrace makes of a pcap-filter expression.
 *   pfdump [-3] [-n] [-w WINDOW] [-l] [-v LEVEL] EXPR...
 * -v LEVEL: load with that verifier log level (4: statistics only).
 * -3: raw IP (DLT_RAW) instead of Ethernet; -n: no window (one helper
 * call per load); -w: largest window in bytes; -l: also load it in the
 * kernel (needs root).  Built by `make tools` as build/tools/pfdump.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/filter/pcap_filter.h"
#include "ebpf_dis.h"
#include "../../src/filter/bpf_insn.h"

#include <bpf/bpf.h>

/* Load in a raw_tp wrapper and print the verifier's statistics line. */
static void verifier_stats(const struct pcap_filter_prog *p, int level)
{
	size_t sz = 64 << 20, cnt;
	char *log = calloc(1, sz), *tail;
	struct bpf_insn *prog;
	int fd;

	if (!log || pcap_filter_wrap(p, &prog, &cnt)) {
		free(log);
		return;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sz, .log_level = level);
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "pfdump", "GPL", prog, cnt, &o);
	if (level > 4) {
		fputs(log, stdout);
	} else {
		tail = strstr(log, "processed ");
		printf("verifier: %s%s", fd >= 0 ? "ok " : "FAILED ", tail ? tail : "\n");
	}
	if (fd >= 0)
		close(fd);
	free(prog);
	free(log);
}

static void dump_classic(const struct sock_filter *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("(%03zu) code 0x%04x jt %u jf %u k 0x%x\n", i, c[i].code, c[i].jt, c[i].jf,
		       c[i].k);
}

int main(int argc, char **argv)
{
	struct pcap_filter_opts o = {0};
	struct pcap_filter_prog p;
	int dlt = DLT_EN10MB, opt, load = 0, vlevel = 0;
	char err[512], *expr;
	size_t elen = 1;
	struct sock_filter *c;
	size_t n;

	while ((opt = getopt(argc, argv, "3nw:lv:")) != -1) {
		switch (opt) {
		case '3':
			dlt = DLT_RAW;
			break;
		case 'n':
			o.no_window = true;
			break;
		case 'w':
			o.window = (unsigned int)atoi(optarg);
			break;
		case 'l':
			load = 1;
			break;
		case 'v':
			vlevel = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-3] [-n] [-w N] [-l] [-v LEVEL] EXPR\n",
				argv[0]);
			return 2;
		}
	}
	for (int i = optind; i < argc; i++)
		elen += strlen(argv[i]) + 1;
	expr = calloc(1, elen);
	if (!expr)
		return 2;
	for (int i = optind; i < argc; i++) {
		strcat(expr, argv[i]);
		if (i + 1 < argc)
			strcat(expr, " ");
	}
	if (pcap_filter_cbpf(expr, dlt, 0, &c, &n, err, sizeof(err))) {
		fprintf(stderr, "pfdump: %s\n", err);
		free(expr);
		return 2;
	}
	free(expr);
	dump_classic(c, n);
	if (pcap_filter_translate(c, n, &o, &p, err, sizeof(err))) {
		fprintf(stderr, "pfdump: %s\n", err);
		free(c);
		return 2;
	}
	ebpf_dis(stdout, p.insns, p.cnt);
	printf("classic %zu -> eBPF %zu insns, stack %u, window %u at %u mod 8\n", n, p.cnt,
	       p.stack_size, p.window, p.win_pad);
	if (load) {
		if (pcap_filter_check_load(&p, err, sizeof(err)))
			printf("load: FAILED: %s\n", err);
		else
			printf("load: ok\n");
	}
	if (vlevel)
		verifier_stats(&p, vlevel);
	pcap_filter_prog_free(&p);
	free(c);
	return 0;
}
