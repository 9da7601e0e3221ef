/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --filter-trace-tc / --filter-trace-xdp: the table of loaded tc and XDP
 * BPF programs skbtrace has seen, by program id.  Entries stay after the
 * program is released, so its late events are still named.
 */
#ifndef SKBT_BPFPROGS_H
#define SKBT_BPFPROGS_H

#include <stdbool.h>
#include <stddef.h>

enum bpfprog_kind {
	BPFPROG_TC = 0,	 /* BPF_PROG_TYPE_SCHED_CLS */
	BPFPROG_XDP = 1, /* BPF_PROG_TYPE_XDP */
	BPFPROG_KINDS,
};

enum bpfprog_state {
	BPFPROG_TRACED = 0, /* fentry and fexit attached */
	BPFPROG_FAILED,	    /* could not be traced: err says why */
	BPFPROG_RELEASED,   /* its owner unloaded it; our links are gone */
};

/* Room for BPF_OBJ_NAME_LEN (16) bytes and a NUL. */
#define BPFPROG_NAME_MAX 17

struct bpfprog {
	unsigned int id;
	enum bpfprog_kind kind;
	enum bpfprog_state state;
	char name[BPFPROG_NAME_MAX];
	unsigned char tag[8];
	unsigned int func_type_id; /* its main function in its own BTF, 0: no BTF */
	bool late;		   /* appeared after skbtrace started */
	int err;		   /* BPFPROG_FAILED: the negative errno */
	const char *why;	   /* BPFPROG_FAILED: what failed ("load", "attach", ...) */
	int prog_fd[2];		   /* our fentry and fexit copies, -1: none */
	int link_fd[2];
};

struct bpfprogs {
	struct bpfprog *v;
	size_t n, cap;
};

/* The kind of a program type; false when it is neither tc nor XDP. */
bool bpfprog_kind_of(unsigned int prog_type, enum bpfprog_kind *kind);
const char *bpfprog_kind_name(enum bpfprog_kind kind);
struct bpfprog *bpfprogs_find(const struct bpfprogs *l, unsigned int id);
/* A new entry for id, its fds -1; NULL without memory. */
struct bpfprog *bpfprogs_add(struct bpfprogs *l, unsigned int id, enum bpfprog_kind kind);
/*
 * Fills name, tag and func_type_id from the kernel's bpf_prog_info of fd.
 * Returns 0 or a negative errno.
 */
int bpfprog_read_info(struct bpfprog *p, int fd);
void bpfprogs_free(struct bpfprogs *l);

/* "TC_ACT_SHOT", "XDP_DROP"...; NULL for a value without a name. */
const char *bpfprog_verdict_name(enum bpfprog_kind kind, int verdict);

#endif
