// SPDX-License-Identifier: GPL-2.0
/*
 * The front end: a pcap-filter expression compiled by libpcap to classic
 * BPF, translated for both link types skbtrace reads (Ethernet and raw
 * IP); and the programs' lifetime.  See pcap_filter.h for the calling
 * convention of the code, codegen.c for the translation.
 *
 * libpcap's <pcap/bpf.h> and <linux/bpf.h> both define struct bpf_insn
 * (classic and extended); libpcap's is renamed while it is included and
 * only struct sock_filter (same layout) is used for classic code here.
 */
#define bpf_insn    pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/bpf_insn.h"
#include "filter/internal.h"

void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int pcap_filter_cbpf(const char *expr, int linktype, int snaplen, struct sock_filter **insns,
		     size_t *cnt, char *err, size_t errlen)
{
	struct pcap_bpf_program prog;
	struct sock_filter *v;
	pcap_t *p;

	*insns = NULL;
	*cnt = 0;
	p = pcap_open_dead(linktype, snaplen > 0 ? snaplen : PCAP_FILTER_SNAPLEN);
	if (!p) {
		set_err(err, errlen, "pcap_open_dead failed for link type %d", linktype);
		return -1;
	}
	if (pcap_compile(p, &prog, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		set_err(err, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	v = calloc(prog.bf_len ? prog.bf_len : 1, sizeof(*v));
	if (!v) {
		pcap_freecode(&prog);
		pcap_close(p);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < prog.bf_len; i++) {
		v[i].code = prog.bf_insns[i].code;
		v[i].jt = prog.bf_insns[i].jt;
		v[i].jf = prog.bf_insns[i].jf;
		v[i].k = prog.bf_insns[i].k;
	}
	*insns = v;
	*cnt = prog.bf_len;
	pcap_freecode(&prog);
	pcap_close(p);
	return 0;
}

int pcap_filter_compile(const char *expr, int linktype, int snaplen, struct pcap_filter_prog *out,
			char *err, size_t errlen)
{
	struct sock_filter *c;
	size_t n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (pcap_filter_cbpf(expr, linktype, snaplen, &c, &n, err, errlen))
		return -1;
	ret = pcap_filter_translate(c, n, NULL, out, err, errlen);
	free(c);
	return ret;
}

int pcap_filter_match_nothing(struct pcap_filter_prog *out)
{
	memset(out, 0, sizeof(*out));
	out->insns = calloc(2, sizeof(*out->insns));
	if (!out->insns)
		return -1;
	out->insns[0] = EI_MOV32_IMM(BPF_REG_0, 0);
	out->insns[1] = EI_EXIT();
	out->cnt = 2;
	out->match_nothing = true;
	return 0;
}

int pcap_filter_build(const char *expr, struct pcap_filter *f, char *err, size_t errlen)
{
	struct sock_filter *c;
	size_t n;

	memset(f, 0, sizeof(*f));
	if (pcap_filter_compile(expr, DLT_EN10MB, PCAP_FILTER_SNAPLEN, &f->l2, err, errlen))
		return -1;
	if (pcap_filter_cbpf(expr, DLT_RAW, PCAP_FILTER_SNAPLEN, &c, &n, f->l3_reason,
			     sizeof(f->l3_reason))) {
		if (!f->l3_reason[0])
			snprintf(f->l3_reason, sizeof(f->l3_reason),
				 "cannot be compiled for raw IP");
		if (pcap_filter_match_nothing(&f->l3))
			goto oom;
		return 0;
	}
	if (pcap_filter_translate(c, n, NULL, &f->l3, err, errlen)) {
		free(c);
		pcap_filter_free(f);
		return -1;
	}
	free(c);
	return 0;
oom:
	pcap_filter_free(f);
	set_err(err, errlen, "out of memory");
	return -1;
}

void pcap_filter_prog_free(struct pcap_filter_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	memset(p, 0, sizeof(*p));
}

void pcap_filter_free(struct pcap_filter *f)
{
	if (!f)
		return;
	pcap_filter_prog_free(&f->l2);
	pcap_filter_prog_free(&f->l3);
}
