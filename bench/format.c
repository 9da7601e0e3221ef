// SPDX-License-Identifier: GPL-2.0
/*
 * Formatting throughput: N synthetic but realistic events (IPv4/IPv6,
 * TCP/UDP, function and tracepoint probes, a few drops) written to
 * /dev/null as text and as JSON.  Usage: format [N]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>

#include "diag/drop_desc.h"
#include "diag/drop_reason.h"
#include "host/netns.h"
#include "probe/ksyms.h"
#include "out/output.h"
#include "clock.h"

#define NR_SAMPLES 4096 /* distinct events, cycled */

/* Functions a busy trace of TCP/UDP traffic hits most. */
static const char *const funcs[] = {
	"ip_rcv",
	"ip_rcv_core",
	"ip_rcv_finish",
	"ip_local_deliver",
	"tcp_v4_rcv",
	"tcp_rcv_established",
	"tcp_v4_do_rcv",
	"udp_rcv",
	"__udp4_lib_rcv",
	"ipv6_rcv",
	"ip6_rcv_core",
	"tcp_v6_rcv",
	"__netif_receive_skb_core",
	"netif_receive_skb",
	"dev_queue_xmit",
	"__dev_queue_xmit",
	"ip_output",
	"ip_finish_output",
	"ip_finish_output2",
	"ip6_output",
	"tcp_transmit_skb",
	"__tcp_transmit_skb",
	"skb_clone",
	"consume_skb",
	"kfree_skb_reason",
	"nf_hook_slow",
	"ip_local_out",
	"validate_xmit_skb",
	"skb_release_data",
	"napi_gro_receive",
	"udp_queue_rcv_skb",
	"sock_def_readable",
};

static const char *const comms[] = {"curl",   "nginx", "swapper/0",	  "ksoftirqd/1",
				    "iperf3", "sshd",  "systemd-resolve", "chronyd"};

/* Falls back to made-up addresses when kallsyms is hidden or absent. */
static struct ksyms *load_syms(unsigned long long *addr)
{
	struct ksyms *ks = ksyms_load(NULL);
	size_t n = sizeof(funcs) / sizeof(funcs[0]);

	for (size_t i = 0; i < n; i++) {
		const struct ksym *s = ks && !ksyms_hidden(ks) ? ksyms_by_name(ks, funcs[i]) : NULL;

		addr[i] = s ? s->addr : 0xffffffff81000000ULL + i * 0x1000;
	}
	return ks;
}

static void add_probes(struct probe_list *l)
{
	static const char *const tps[] = {"kfree_skb", "consume_skb", "net_dev_queue",
					  "net_dev_xmit", "netif_receive_skb"};

	for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
		struct probe p = {.name = (char *)tps[i],
				  .category = (char *)(i < 2 ? "skb" : "net"),
				  .kind = PROBE_TRACEPOINT};

		probe_list_add(l, &p);
	}
}

static void fill_tuple(struct skbt_event *e, unsigned int r)
{
	struct skbt_tuple *t = &e->tuple;
	bool v6 = r % 10 >= 7, tcp = r % 3 != 0;

	e->flags |= SKBT_F_HAS_TUPLE | SKBT_F_HAS_PORTS;
	t->l3 = v6 ? 6 : 4;
	t->l4 = tcp ? 6 : 17;
	t->sport = 1024 + r % 50000;
	t->dport = tcp ? 443 : 53;
	t->tcp_flags = tcp ? (r & 1 ? 0x10 : 0x18) : 0;
	e->proto = v6 ? 0x86dd : 0x0800;
	if (v6) {
		inet_pton(AF_INET6, "2001:db8:85a3::8a2e:370:7334", t->saddr);
		inet_pton(AF_INET6, "fd00:1234::42", t->daddr);
		t->daddr[15] = r;
	} else {
		memcpy(t->saddr, (unsigned char[]){192, 168, r >> 8 & 0xff, r & 0xff}, 4);
		memcpy(t->daddr, (unsigned char[]){10, 0, 0, 1 + r % 200}, 4);
	}
}

static void make_event(struct skbt_event *e, unsigned int i, const unsigned long long *addr,
		       unsigned int nr_reasons_named)
{
	unsigned int r = i * 2654435761u >> 7;

	memset(e, 0, sizeof(*e));
	e->ts = 1000000000ULL + i * 1337ULL;
	e->skb = 0xffff888100000000ULL + (r % 512) * 0x100;
	e->cpu = r & 1;
	e->pid = 1000 + r % 300;
	strcpy(e->comm, comms[r % (sizeof(comms) / sizeof(comms[0]))]);
	e->netns = 4026531840u + r % 3;
	e->ifindex = 1 + r % 4;
	snprintf(e->ifname, sizeof(e->ifname), "veth%u", e->ifindex);
	e->len = 60 + r % 1400;
	e->mtu = 1500;
	e->stack_id = -1;
	if (r % 20)
		fill_tuple(e, r);
	if (r % 10 == 3) {
		e->flags |= SKBT_F_TRACEPOINT;
		e->func = r % 5;
	} else {
		e->func = addr[r % (sizeof(funcs) / sizeof(funcs[0]))];
	}
	/* about 2% drops, the rest of the frees are consumed */
	if (r % 50 == 7) {
		e->flags |= SKBT_F_HAS_REASON;
		e->reason = 2 + r % (nr_reasons_named ? nr_reasons_named : 10);
	}
}

static void run(const char *name, struct output *tmpl, struct output_cfg cfg,
		const struct skbt_event *ev, unsigned long n)
{
	struct output o = *tmpl;
	double t0, dt;

	o.cfg = cfg;
	o.f = fopen("/dev/null", "w");
	if (!o.f || output_init(&o)) {
		fprintf(stderr, "%s: cannot set up\n", name);
		exit(1);
	}
	output_header(&o);
	t0 = bench_now_s();
	for (unsigned long i = 0; i < n; i++)
		output_event(&o, &ev[i % NR_SAMPLES], sizeof(ev[0]));
	output_flush(&o);
	dt = bench_now_s() - t0;
	printf("%-28s %lu events in %.3f s: %.0f events/s, %.0f ns/event\n", name, n, dt, n / dt,
	       dt * 1e9 / n);
	output_free(&o);
	fclose(o.f);
}

static void bench_startup(const struct btf *btf)
{
	double best = 1e9;

	for (int i = 0; i < 20; i++) {
		double t0 = bench_now_s();
		struct drop_reasons *dr = drop_reasons_load(btf, NULL, 0);
		double dt = bench_now_s() - t0;

		drop_reasons_free(dr);
		if (dt < best)
			best = dt;
	}
	printf("%-28s %.0f us (best of 20)\n", "drop_reasons_load(vmlinux)", best * 1e6);
}

static void bench_inet_ntop(void)
{
	unsigned char a[16];
	char s[INET6_ADDRSTRLEN];
	unsigned long n = 1000000;
	double t0;

	inet_pton(AF_INET6, "2001:db8:85a3::8a2e:370:7334", a);
	t0 = bench_now_s();
	for (unsigned long i = 0; i < n; i++) {
		a[15] = i;
		inet_ntop(AF_INET6, a, s, sizeof(s));
	}
	printf("%-28s %.0f ns/call (for comparison)\n", "inet_ntop(AF_INET6)",
	       (bench_now_s() - t0) * 1e9 / n);
}

/*
 * The NETNS column by name, as skbtrace prints it: namespaces nothing
 * names (a rescan of /run/netns and /proc at most once a second), then
 * our own, named "host" from the cache.
 */
static void bench_netns_names(const struct output *tmpl, struct skbt_event *ev, unsigned long n)
{
	struct drop_namer nm = {.dr = tmpl->dr, .ks = tmpl->ks, .nn = netns_names_new(NULL, NULL)};
	struct output_cfg cfg = {.meta = true, .tuple = true, .ts = TS_CURRENT};
	struct output named = *tmpl;

	if (!nm.nn)
		return;
	named.nm = &nm;
	run("text --output-meta/tuple, inode:N", &named, cfg, ev, n);
	for (unsigned int i = 0; i < NR_SAMPLES; i++)
		ev[i].netns = netns_self();
	run("text --output-meta/tuple, host", &named, cfg, ev, n);
	netns_names_free(nm.nn);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 5000000;
	unsigned long long addr[sizeof(funcs) / sizeof(funcs[0])];
	struct skbt_event *ev = calloc(NR_SAMPLES, sizeof(*ev));
	struct probe_list probes = {};
	struct btf *btf = btf__load_vmlinux_btf();
	struct output tmpl = {.stack_map_fd = -1, .consumed_reason = -1};

	if (!ev || !n)
		return 1;
	setenv("TZ", "UTC", 0);
	tmpl.ks = load_syms(addr);
	tmpl.dr = drop_reasons_load(btf, NULL, 0);
	tmpl.consumed_reason = drop_reason_consumed(tmpl.dr);
	tmpl.mono_to_real_ns = 1700000000ULL * 1000000000ULL;
	add_probes(&probes);
	tmpl.probes = &probes;
	for (unsigned int i = 0; i < NR_SAMPLES; i++)
		make_event(&ev[i], i, addr, btf ? 100 : 0);
	if (btf)
		bench_startup(btf);
	bench_inet_ntop();
	run("text", &tmpl, (struct output_cfg){0}, ev, n);
	run("text --output-meta/tuple", &tmpl,
	    (struct output_cfg){.meta = true, .tuple = true, .ts = TS_CURRENT}, ev, n);
	run("json", &tmpl, (struct output_cfg){.json = true}, ev, n);
	run("json --timestamp current", &tmpl, (struct output_cfg){.json = true, .ts = TS_CURRENT},
	    ev, n);
	bench_netns_names(&tmpl, ev, n);
	drop_reasons_free((struct drop_reasons *)tmpl.dr);
	ksyms_free((struct ksyms *)tmpl.ks);
	probe_list_free(&probes);
	btf__free(btf);
	free(ev);
	return 0;
}
