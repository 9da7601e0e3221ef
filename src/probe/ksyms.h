/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbols from /proc/kallsyms: address to name and name to address. */
#ifndef SKBT_KSYMS_H
#define SKBT_KSYMS_H

#include <stdbool.h>

struct ksym {
	unsigned long long addr;
	const char *name;
	const char *module; /* NULL for vmlinux */
};

struct ksyms;
struct ksyms_async;

/* path NULL means /proc/kallsyms. Returns NULL with errno set on failure. */
struct ksyms *ksyms_load(const char *path);
void ksyms_free(struct ksyms *ks);
/*
 * The same on a thread of its own, for a caller with other work to do
 * meanwhile; ksyms_join() waits and returns what ksyms_load() would
 * (NULL with errno set).  NULL when no thread could be started.
 */
struct ksyms_async *ksyms_load_async(const char *path);
struct ksyms *ksyms_join(struct ksyms_async *a);
/* The symbol containing addr (nearest at or below it), or NULL. */
const struct ksym *ksyms_lookup(const struct ksyms *ks, unsigned long long addr);
/* A function symbol (t/T) by exact name, or NULL. */
const struct ksym *ksyms_by_name(const struct ksyms *ks, const char *name);
/* True when every address reads as 0 (kptr_restrict hides them). */
bool ksyms_hidden(const struct ksyms *ks);
size_t ksyms_count(const struct ksyms *ks);

#endif
