/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces: resolving --filter-netns and --filter-ifname before
 * anything is attached, and naming a namespace inode for people.
 */
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

/* How a namespace got its name, best first. */
enum netns_kind {
	NETNS_UNKNOWN = 0, /* "inode:N": no bind mount, no process names it */
	NETNS_PID,	   /* "pid:PID:COMM": the lowest pid living in it */
	NETNS_SELF,	   /* skbtrace's own: "host" when pid 1's too, else "self" */
	NETNS_NAMED,	   /* a /run/netns/NAME bind mount (ip netns add NAME) */
};

#define NETNS_NAME_MAX 64

struct netns_id {
	enum netns_kind kind;
	unsigned int inode;
	int pid; /* NETNS_PID: the process named */
	char name[NETNS_NAME_MAX];
};

struct netns_names;

/*
 * A cache of inode -> name.  run_dir and proc_dir are /run/netns and
 * /proc when NULL (tests point them elsewhere; only the real /run/netns
 * is checked for nsfs bind mounts).  NULL on allocation failure.
 */
struct netns_names *netns_names_new(const char *run_dir, const char *proc_dir);
void netns_names_free(struct netns_names *nn);
/*
 * Names inode into out; never fails (unnamed: NETNS_UNKNOWN, "inode:N").
 * A miss rescans both directories, at most once a second.
 */
void netns_name(struct netns_names *nn, unsigned int inode, struct netns_id *out);
/* The same with the clock given (CLOCK_MONOTONIC ns): for tests. */
void netns_name_at(struct netns_names *nn, unsigned int inode, unsigned long long now_ns,
		   struct netns_id *out);
/*
 * The command prefix that runs a command inside it: "ip netns exec NAME ",
 * "nsenter -t PID -n ", "" for our own; for an unnamed one a prefix that
 * says what to fill in.
 */
size_t netns_exec_prefix(const struct netns_id *id, char *buf, size_t len);

#endif
