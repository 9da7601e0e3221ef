/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel BTF objects of loaded modules, for fentry on their functions. */
#ifndef SKBT_MODBTF_H
#define SKBT_MODBTF_H

#include <stddef.h>
#include "probe/probes.h"

struct mod_btf {
	const char *name; /* the probe's module string, not owned */
	int fd;		  /* -ENOENT: the module has no BTF */
};

struct mod_btfs {
	struct mod_btf *v;
	size_t n;
};

/*
 * fentry on a module function names it by (module BTF object, id in it):
 * finds the object of every module probes use.  0 or -ENOMEM.
 */
int modbtf_resolve(struct mod_btfs *m, const struct probe_list *probes);
/* 0 for vmlinux; -1 (refused by the kernel as a bad fd) for a module without BTF. */
int modbtf_fd(const struct mod_btfs *m, const struct probe *p);
void modbtf_free(struct mod_btfs *m);

#endif
