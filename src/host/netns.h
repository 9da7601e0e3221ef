/* SPDX-License-Identifier: GPL-2.0 */
/* Resolving --filter-netns and --filter-ifname before anything is attached. */
#ifndef SKBT_NETNS_H
#define SKBT_NETNS_H

#include <stddef.h>

/*
 * "/proc/PID/ns/net" (any nsfs path) or "inode:N" to the namespace inode.
 * Returns 0, or -1 with a one-line reason in err.
 */
int netns_resolve(const char *spec, unsigned int *inode, char *err, size_t errlen);
/* The inode of this process's own network namespace, 0 on failure. */
unsigned int netns_self(void);
/*
 * The ifindex of name inside the namespace at spec (NULL: our own).
 * "inode:N" cannot be entered, so it needs a path.  Returns 0 or -1.
 */
int netns_ifindex(const char *spec, const char *name, unsigned int *ifindex, char *err,
		  size_t errlen);

#endif
