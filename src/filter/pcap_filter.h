/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcap-filter expressions for skbtrace's BPF programs.
 *
 * libpcap compiles an expression to classic BPF; this module validates
 * that program and translates it to eBPF code meant to be spliced into a
 * tracing program as a BPF-to-BPF subprogram:
 *
 *   entry:  r1 = kernel address of the first packet byte (MAC header for
 *                L2 / DLT_EN10MB, network header for L3 / DLT_RAW)
 *           r2 = caplen: bytes readable from r1 (u32)
 *           r3 = wire length of the packet, for "len", "less", "greater"
 *           r4 = the window: a pointer into the caller's stack, equal to
 *                win_pad modulo 8, where the caller copied the first
 *                min(caplen, window) bytes from r1 (when window != 0)
 *   return: r0 != 0 if the packet matches, 0 if not.
 *
 * The code reads the window, and past it the packet with
 * bpf_probe_read_kernel (helper 113), uses r0-r9 and at most
 * PCAP_FILTER_MAX_STACK bytes of stack of its own, and needs no map.
 * Semantics are those of libpcap's interpreter: A and X are 32-bit,
 * loads are big-endian, a load outside [0, caplen) or a division by
 * X == 0 rejects the packet.
 *
 * How it runs: the caller copies the first bytes of the packet (the
 * "window", at most opts.window bytes, enough for what the constant
 * offsets need) to its stack with one helper call, rejecting the packet
 * if that fails, so the filter needs no copy of its own (a 7-12
 * instruction prologue less); loads inside the window are reads through
 * r4, which the verifier tracks as a pointer into the caller's frame.  Loads past it (far constant offsets, X-relative offsets the
 * translator cannot bound) read the packet with their own helper call.
 * Bounds checks that earlier loads already proved are left out, and a
 * check is hoisted to the largest length every accepting path needs;
 * the same for X-relative loads, in lengths past X, until X changes.
 * A loaded value that only meets jeq/jset/and/or/xor with constants is
 * left in wire byte order and the constants are swapped instead.  An
 * unaligned value inside one aligned 8 bytes of the window is one 8-byte
 * read, shifted.  Where nothing calls a helper, window + X and
 * caplen - X are kept in r6 and r5 for X-relative reads.
 *
 * Backward jumps (libpcap emits them for "protochain") are allowed: a
 * counter on the stack bounds the number of backward jumps one packet
 * may take (opts.max_back_jumps, default PCAP_FILTER_BACK_JUMPS); one
 * more rejects the packet.  Each backward jump also makes the verifier
 * forget A, X, caplen and M[] (copied onto themselves with the helper)
 * so its states prune; jumps to one loop head share that code.  Loops must be simple (no loop inside or across
 * another, as libpcap makes them), and programs whose loops would still
 * cost the verifier over its 1M-instruction limit are refused with an
 * error naming BPF_COMPLEXITY_LIMIT_INSNS, as are classic programs over
 * BPF_MAXINSNS (4096) instructions.  The kernel must allow bounded loops
 * (5.3+).  X-relative loads read the stack at a variable offset (5.12+);
 * conditional jumps use BPF_JMP32 (5.1+).  The caller needs
 * CAP_BPF + CAP_PERFMON (root) for all of these.
 */
#ifndef SKBTRACE_PCAP_FILTER_H
#define SKBTRACE_PCAP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#ifndef DLT_EN10MB
#define DLT_EN10MB 1
#endif
#ifndef DLT_RAW
#define DLT_RAW 12
#endif

/* Snapshot length handed to libpcap; only the accept value depends on it. */
#define PCAP_FILTER_SNAPLEN 262144
/* Default and largest packet window the caller copies, in bytes. */
#define PCAP_FILTER_WINDOW     128
#define PCAP_FILTER_WINDOW_MAX 256
/* A caller's buffer for any window: win_pad (< 8) + PCAP_FILTER_WINDOW_MAX. */
#define PCAP_FILTER_BUF (PCAP_FILTER_WINDOW_MAX + 8)
/*
 * Default bound on backward jumps per packet (protochain headers walked):
 * libpcap's own interpreter allows 64 since 1.11 and rejects the packet
 * at the 65th (1.10 has no bound and can loop forever, see protochain's
 * AH case); the same limit and verdict here.
 */
#define PCAP_FILTER_BACK_JUMPS 64
/* Largest stack the generated code uses: M[], loop slots, len, helper slot, data. */
#define PCAP_FILTER_MAX_STACK (64 + 48)
/* Largest translated program; jumps must also fit eBPF's 16-bit offset. */
#define PCAP_FILTER_MAX_INSNS 32767

struct pcap_filter_opts {
	/* Largest window: 0 = default, else 8..WINDOW_MAX. */
	unsigned int window;
	/* Backward jumps allowed per packet: 0 = default. */
	unsigned int max_back_jumps;
	/* Copy nothing up front: every load is its own helper call (bench). */
	bool no_window;
};

struct pcap_filter_prog {
	struct bpf_insn *insns; /* malloc'd eBPF code, see the top comment */
	size_t cnt;
	bool match_nothing;	 /* the code is "return 0" (e.g. arp on raw IP) */
	size_t cbpf_cnt;	 /* classic instructions translated (0 if none) */
	unsigned int stack_size; /* bytes of its own stack the code uses */
	unsigned int window;	 /* bytes the caller copies to r4 (0: none) */
	unsigned int win_pad;	 /* r4 modulo 8 the code is built for */
	size_t prologue_cnt;	 /* instructions before the classic code's */
};

/* A pair for one expression, as skbtrace uses it. */
struct pcap_filter {
	struct pcap_filter_prog l2; /* DLT_EN10MB: data = MAC header */
	struct pcap_filter_prog l3; /* DLT_RAW: data = network header */
	/* Why l3 matches nothing (libpcap's message), or "". */
	char l3_reason[256];
};

/*
 * Compile expr with libpcap (optimised) for linktype and return the
 * classic program in *insns (free() it).  On error returns -1 with
 * libpcap's own message in err.
 */
int pcap_filter_cbpf(const char *expr, int linktype, int snaplen, struct sock_filter **insns,
		     size_t *cnt, char *err, size_t errlen);

/*
 * Check a classic program the way the kernel does before running one:
 * known opcodes, 1..BPF_MAXINSNS instructions, jumps inside the program
 * (backward only as an unconditional jump, never to itself), a RET last,
 * scratch index < BPF_MEMWORDS written before it is read on every path,
 * no constant division by 0, no constant shift by 32 or more.
 * Returns 0, or -1 with the reason in err.
 */
int pcap_filter_validate(const struct sock_filter *insns, size_t cnt, char *err, size_t errlen);

/*
 * Validate and translate a classic program (pure: no syscall, no
 * libpcap).  opts may be NULL.  Returns 0 and fills out, or -1 with a
 * message in err (out is then empty).
 */
int pcap_filter_translate(const struct sock_filter *insns, size_t cnt,
			  const struct pcap_filter_opts *opts, struct pcap_filter_prog *out,
			  char *err, size_t errlen);

/* pcap_filter_cbpf() + pcap_filter_translate(). */
int pcap_filter_compile(const char *expr, int linktype, int snaplen, struct pcap_filter_prog *out,
			char *err, size_t errlen);

/* Fill out with "return 0" (match nothing). Returns 0 or -1 (ENOMEM). */
int pcap_filter_match_nothing(struct pcap_filter_prog *out);

/*
 * Both programs for expr.  A libpcap or translation error for L2 is the
 * expression's error: returns -1 with the message in err (the caller
 * prints it and exits 2).  When only L3 fails to compile (arp, ether
 * host, ...), l3 matches nothing and l3_reason says why, so the caller
 * can say so once.  Returns 0 on success.
 */
int pcap_filter_build(const char *expr, struct pcap_filter *f, char *err, size_t errlen);
void pcap_filter_free(struct pcap_filter *f);

void pcap_filter_prog_free(struct pcap_filter_prog *p);

/*
 * Splice filter code into a program, for a libbpf prog_prepare_load_fn
 * callback.  prog[stub_off, stub_off + stub_len) must be the body of a
 * __noinline stub subprogram taking (data, caplen, len, window) (stub_len >= 2).
 * The result, in *out (malloc'd, *out_cnt instructions), is prog with the
 * stub rewritten in place as
 *     call <cnt>; ja +0 ...; exit
 * and f's code appended at index cnt, so no other instruction moves and
 * no jump offset in prog changes.  The appended code is a new
 * subprogram: when the program is loaded with BTF, func_info and
 * line_info need a record for it too (see pcap_filter_splice_btf_ext()).
 * A stub that opens with `ja +0` padding takes a filter that fits (no
 * longer than the stub, no call, no 64-bit immediate) in its own body
 * instead: `ja +0 ...` then f's code, ending where the stub did, so the
 * filter runs without a call of its own; then *out_cnt == cnt and there
 * is no new subprogram.  Returns 0, or a negative errno.
 */
int pcap_filter_splice(const struct bpf_insn *prog, size_t cnt, size_t stub_off, size_t stub_len,
		       const struct pcap_filter_prog *f, struct bpf_insn **out, size_t *out_cnt);

/*
 * Extend a program's BTF func_info and line_info after
 * pcap_filter_splice() appended a subprogram at index new_off: the new
 * function gets a func_info record with the stub's type (the record whose
 * insn_off is stub_off) and a copy of the stub's first line_info record.
 * rec sizes are those the arrays were built with (>= 8 / >= 16 bytes).
 * On success *func_out / *line_out are malloc'd copies with one more
 * record each (*line_out is NULL when line is NULL).  Returns 0 or a
 * negative errno (-ENOENT: no func_info record for the stub).
 */
int pcap_filter_splice_btf_ext(const void *func, size_t func_cnt, size_t func_rec, const void *line,
			       size_t line_cnt, size_t line_rec, size_t stub_off, size_t new_off,
			       void **func_out, void **line_out);

/*
 * The caller's side of the convention, for hand-written wrappers: with
 * the packet's kernel address in r6, caplen (u32) in r7 and len in r8,
 * and a buffer of PCAP_FILTER_BUF bytes at r10 + buf_off (8-aligned),
 * writes to out (room for PCAP_FILTER_CALL_MAX instructions) the window
 * copy, then the call of the filter at index stub, out[0] being at index
 * at.  A failed copy leaves r0 = 0 and skips the call.  Returns the
 * number of instructions written.
 */
#define PCAP_FILTER_CALL_MAX 17
size_t pcap_filter_emit_call(const struct pcap_filter_prog *f, int buf_off, size_t at, size_t stub,
			     struct bpf_insn *out);

/*
 * f's code called from a minimal raw tracepoint program that passes it
 * unknown (data, caplen, len) and the window: what check_load and tools
 * verify.
 * *prog is malloc'd.  Returns 0 or a negative errno.
 */
int pcap_filter_wrap(const struct pcap_filter_prog *f, struct bpf_insn **prog, size_t *cnt);

/*
 * Load f's code in a minimal raw tracepoint program (needs root) so the
 * caller learns at start-up, with a clear message naming the limit when
 * it is one, whether the verifier accepts it.  log (optional) receives
 * the verifier log.  Returns 0, or -1 with err filled.
 */
int pcap_filter_check_load(const struct pcap_filter_prog *f, char *err, size_t errlen);

/* Explain a failed program load (errno value, verifier log) in err. */
void pcap_filter_explain_load_error(int error, const char *log, char *err, size_t errlen);

#endif /* SKBTRACE_PCAP_FILTER_H */
