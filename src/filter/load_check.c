// SPDX-License-Identifier: GPL-2.0
/*
 * The load check: translated code wrapped in a minimal raw tracepoint
 * program (the caller's side of the convention included) and loaded, so
 * a filter the verifier refuses is reported at start-up, in words.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "filter/bpf_insn.h"
#include "filter/internal.h"

void pcap_filter_explain_load_error(int error, const char *log, char *err, size_t errlen)
{
	const char *last = NULL;
	char line[200] = "";

	if (error < 0)
		error = -error;
	if (log &&
	    (strstr(log, "BPF program is too large") || strstr(log, "processed 1000001 insn"))) {
		set_err(err, errlen,
			"filter too complex for the kernel verifier: more than 1000000 instructions processed (BPF_COMPLEXITY_LIMIT_INSNS); simplify the expression");
		return;
	}
	if (error == E2BIG) {
		set_err(err, errlen,
			"filter too large for the kernel: program over its instruction limit (E2BIG)");
		return;
	}
	if (error == EPERM || error == EACCES) {
		if (log && (strstr(log, "back-edge") || strstr(log, "loop"))) {
			set_err(err, errlen,
				"the kernel refuses bounded loops in this filter (protochain needs Linux 5.3+ and CAP_BPF)");
			return;
		}
		if (!log || !*log) {
			set_err(err, errlen,
				"loading BPF programs needs root (CAP_BPF and CAP_PERFMON)");
			return;
		}
	}
	/* The verifier's reason is the last non-empty line but its summary. */
	if (log) {
		const char *p = log;

		while (*p) {
			const char *e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			if (len && strncmp(p, "processed ", 10) &&
			    strncmp(p, "verification time", 17))
				last = p;
			if (last == p) {
				size_t l = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

				memcpy(line, p, l);
				line[l] = 0;
			}
			p += len + (e ? 1 : 0);
		}
	}
	set_err(err, errlen, "kernel verifier rejected the filter: %s (%s)",
		line[0] ? line : "no log", strerror(error));
}

size_t pcap_filter_emit_call(const struct pcap_filter_prog *f, int buf_off, size_t at, size_t stub,
			     struct bpf_insn *out)
{
	int win = buf_off + (int)f->win_pad;
	size_t n = 0;

	if (f->window) {
		/*
		 * The size must be bounded: min(caplen, window).  The "and"
		 * changes nothing but makes r2 a value of its own: a plain
		 * copy of r7 would have the verifier narrow caplen on both
		 * sides of the clamp and check the filter once for each.
		 */
		out[n++] = EI_MOV64_REG(BPF_REG_1, BPF_REG_10);
		out[n++] = EI_ALU64_IMM(BPF_ADD, BPF_REG_1, win);
		out[n++] = EI_MOV64_REG(BPF_REG_2, BPF_REG_7);
		out[n++] = EI_ALU64_IMM(BPF_AND, BPF_REG_2, -1);
		out[n++] = EI_JMP_IMM(BPF_JLE, BPF_REG_2, (int32_t)f->window, 1);
		out[n++] = EI_MOV64_IMM(BPF_REG_2, (int32_t)f->window);
		out[n++] = EI_MOV64_REG(BPF_REG_3, BPF_REG_6);
		out[n++] = EI_CALL_HELPER(BPF_FUNC_probe_read_kernel);
		out[n++] = EI_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2);
		out[n++] = EI_MOV64_IMM(BPF_REG_0, 0);
		out[n++] = EI_JA(6); /* over the 6 below: a failed copy rejects */
	}
	out[n++] = EI_MOV64_REG(BPF_REG_1, BPF_REG_6);
	out[n++] = EI_MOV64_REG(BPF_REG_2, BPF_REG_7);
	out[n++] = EI_MOV64_REG(BPF_REG_3, BPF_REG_8);
	out[n++] = EI_MOV64_REG(BPF_REG_4, BPF_REG_10);
	out[n++] = EI_ALU64_IMM(BPF_ADD, BPF_REG_4, win);
	out[n] = EI_CALL_REL((int32_t)((int64_t)stub - (int64_t)(at + n) - 1));
	return n + 1;
}

int pcap_filter_wrap(const struct pcap_filter_prog *f, struct bpf_insn **prog, size_t *cnt)
{
	/* Unknown data, caplen and len in r6-r8, then the call and the stub. */
	struct bpf_insn w[6 + PCAP_FILTER_CALL_MAX + 4] = {
		EI_CALL_HELPER(BPF_FUNC_get_prandom_u32),
		EI_MOV64_REG(BPF_REG_6, BPF_REG_0), /* data */
		EI_CALL_HELPER(BPF_FUNC_get_prandom_u32),
		EI_MOV64_REG(BPF_REG_7, BPF_REG_0), /* caplen */
		EI_CALL_HELPER(BPF_FUNC_get_prandom_u32),
		EI_MOV64_REG(BPF_REG_8, BPF_REG_0), /* len */
	};
	size_t n = 6, stub;

	if (!f)
		return -EINVAL;
	stub = n + pcap_filter_emit_call(f, -PCAP_FILTER_BUF, n, 0, w + n) + 2;
	/* Again, now that the stub's index is known. */
	n += pcap_filter_emit_call(f, -PCAP_FILTER_BUF, n, stub, w + n);
	w[n++] = EI_MOV64_IMM(BPF_REG_0, 0);
	w[n++] = EI_EXIT();
	w[n++] = EI_MOV64_IMM(BPF_REG_0, 0);
	w[n++] = EI_EXIT();
	return pcap_filter_splice(w, n, stub, 2, f, prog, cnt);
}

int pcap_filter_check_load(const struct pcap_filter_prog *f, char *err, size_t errlen)
{
	const size_t log_size = 1 << 20;
	struct bpf_insn *prog;
	size_t cnt;
	char *log;
	int fd, e;

	e = pcap_filter_wrap(f, &prog, &cnt);
	if (e) {
		set_err(err, errlen, "cannot splice the filter: %s", strerror(-e));
		return -1;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "pcap_filter", "GPL", prog, cnt, NULL);
	if (fd >= 0) {
		close(fd);
		free(prog);
		return 0;
	}
	e = errno;
	/* Load again with a log only to explain the failure. */
	log = calloc(1, log_size);
	if (log) {
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = log_size,
			    .log_level = 1);

		fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "pcap_filter", "GPL", prog, cnt,
				   &o);
		if (fd >= 0)
			close(fd);
	}
	pcap_filter_explain_load_error(e, log, err, errlen);
	free(log);
	free(prog);
	return -1;
}
