// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces: the inode a --filter-netns names, an ifindex inside
 * one, and the name people know a namespace inode by (for hints and
 * output), cached because a drop storm names the same few again and again.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "host/netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_resolve(const char *spec, unsigned int *inode, char *err, size_t errlen)
{
	struct statfs sfs;
	struct stat st;
	char *end;

	if (!strncmp(spec, "inode:", 6)) {
		unsigned long v;

		errno = 0;
		v = strtoul(spec + 6, &end, 0);
		if (errno || !spec[6] || *end || v == 0 || v > 0xffffffffUL) {
			snprintf(err, errlen, "bad --filter-netns '%s': want inode:N with N > 0",
				 spec);
			return -1;
		}
		*inode = v;
		return 0;
	}
	if (stat(spec, &st)) {
		snprintf(err, errlen,
			 "bad --filter-netns '%s': %s (want /proc/PID/ns/net or inode:N)", spec,
			 strerror(errno));
		return -1;
	}
	/* Only nsfs files name a namespace; anything else has a meaningless inode. */
	if (statfs(spec, &sfs) || sfs.f_type != NSFS_MAGIC) {
		snprintf(
			err, errlen,
			"bad --filter-netns '%s': not a namespace file (want /proc/PID/ns/net or inode:N)",
			spec);
		return -1;
	}
	*inode = st.st_ino;
	return 0;
}

unsigned int netns_self(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

static int enter(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		/* setns() wants CAP_SYS_ADMIN, which skbtrace needs nowhere else. */
		snprintf(err, errlen, "cannot enter network namespace %s: %s%s", path,
			 strerror(errno),
			 errno == EPERM ? " (looking an interface up there needs CAP_SYS_ADMIN)"
					: "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int netns_ifindex(const char *spec, const char *name, unsigned int *ifindex, char *err,
		  size_t errlen)
{
	int self = -1, rc = -1;

	if (spec && !strncmp(spec, "inode:", 6)) {
		snprintf(
			err, errlen,
			"--filter-ifname needs --filter-netns as a path (/proc/PID/ns/net), not %s",
			spec);
		return -1;
	}
	if (spec) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || enter(spec, err, errlen))
			goto out;
	}
	*ifindex = if_nametoindex(name);
	if (*ifindex == 0)
		snprintf(err, errlen, "unknown interface '%s' in %s", name,
			 spec ? spec : "this network namespace");
	else
		rc = 0;
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		snprintf(err, errlen, "cannot return to our network namespace: %s",
			 strerror(errno));
		rc = -1;
	}
out:
	if (self >= 0)
		close(self);
	return rc;
}

/* ---- naming ----------------------------------------------------------- */

#define NS_PER_SEC 1000000000ULL

struct netns_names {
	char *run_dir, *proc_dir;
	bool check_nsfs; /* the real /run/netns: a file without a mount names nothing */
	unsigned int self, init;
	struct netns_id *ids; /* sorted by inode after a scan */
	size_t n, cap;
	unsigned long long scanned_at; /* CLOCK_MONOTONIC ns, 0: never */
};

struct netns_names *netns_names_new(const char *run_dir, const char *proc_dir)
{
	struct netns_names *nn = calloc(1, sizeof(*nn));

	if (!nn)
		return NULL;
	nn->run_dir = strdup(run_dir ? run_dir : "/run/netns");
	nn->proc_dir = strdup(proc_dir ? proc_dir : "/proc");
	if (!nn->run_dir || !nn->proc_dir) {
		netns_names_free(nn);
		return NULL;
	}
	nn->check_nsfs = !run_dir;
	return nn;
}

void netns_names_free(struct netns_names *nn)
{
	if (!nn)
		return;
	free(nn->run_dir);
	free(nn->proc_dir);
	free(nn->ids);
	free(nn);
}

static struct netns_id *find_id(struct netns_names *nn, unsigned int inode)
{
	size_t lo = 0, hi = nn->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (nn->ids[mid].inode == inode)
			return &nn->ids[mid];
		if (nn->ids[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The entry for inode during a scan (unsorted: a linear search), or a new one. */
static struct netns_id *scan_slot(struct netns_names *nn, unsigned int inode)
{
	for (size_t i = 0; i < nn->n; i++)
		if (nn->ids[i].inode == inode)
			return &nn->ids[i];
	if (nn->n == nn->cap) {
		size_t cap = nn->cap ? nn->cap * 2 : 16;
		struct netns_id *v = realloc(nn->ids, cap * sizeof(*v));

		if (!v)
			return NULL;
		nn->ids = v;
		nn->cap = cap;
	}
	memset(&nn->ids[nn->n], 0, sizeof(nn->ids[0]));
	nn->ids[nn->n].inode = inode;
	return &nn->ids[nn->n++];
}

static unsigned int ns_inode(const char *path, bool check_nsfs)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st))
		return 0;
	if (check_nsfs && (statfs(path, &sfs) || sfs.f_type != NSFS_MAGIC))
		return 0;
	return st.st_ino;
}

static void scan_run_dir(struct netns_names *nn)
{
	DIR *d = opendir(nn->run_dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct netns_id *id;
		unsigned int ino;

		/* a name cut short would be a wrong command in a hint */
		if (de->d_name[0] == '.' || strlen(de->d_name) >= NETNS_NAME_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s", nn->run_dir, de->d_name);
		ino = ns_inode(path, nn->check_nsfs);
		if (!ino)
			continue;
		id = scan_slot(nn, ino);
		/* two names for one namespace: keep the first in name order */
		if (!id || (id->kind == NETNS_NAMED && strcmp(id->name, de->d_name) <= 0))
			continue;
		id->kind = NETNS_NAMED;
		memcpy(id->name, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
}

static void read_comm(const char *proc_dir, int pid, char *comm, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(comm, len, "?");
	snprintf(path, sizeof(path), "%s/%d/comm", proc_dir, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = 0;
	fclose(f);
}

static void name_by_pid(struct netns_names *nn, struct netns_id *id, int pid)
{
	char comm[17];

	read_comm(nn->proc_dir, pid, comm, sizeof(comm));
	id->kind = NETNS_PID;
	id->pid = pid;
	snprintf(id->name, sizeof(id->name), "pid:%d:%s", pid, comm);
}

static int pid_of(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return 0;
	v = strtol(s, &end, 10);
	return *end || v <= 0 || v > 0x7fffffff ? 0 : (int)v;
}

static void scan_proc(struct netns_names *nn)
{
	DIR *d = opendir(nn->proc_dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid = pid_of(de->d_name);
		struct netns_id *id;
		unsigned int ino;

		if (!pid)
			continue;
		snprintf(path, sizeof(path), "%s/%d/ns/net", nn->proc_dir, pid);
		/* a process that exits meanwhile is simply not seen */
		ino = ns_inode(path, false);
		if (!ino)
			continue;
		if (pid == 1)
			nn->init = ino;
		id = scan_slot(nn, ino);
		if (!id || id->kind > NETNS_PID || (id->kind == NETNS_PID && id->pid < pid))
			continue;
		name_by_pid(nn, id, pid);
	}
	closedir(d);
}

static int by_inode(const void *a, const void *b)
{
	const struct netns_id *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static void mark_self(struct netns_names *nn)
{
	struct netns_id *id;

	if (!nn->self)
		return;
	id = scan_slot(nn, nn->self);
	if (!id || id->kind == NETNS_NAMED)
		return;
	id->kind = NETNS_SELF;
	id->pid = 0;
	snprintf(id->name, sizeof(id->name), "%s", nn->self == nn->init ? "host" : "self");
}

static void rescan(struct netns_names *nn, unsigned long long now)
{
	char path[PATH_MAX];

	nn->n = 0;
	nn->init = 0;
	snprintf(path, sizeof(path), "%s/self/ns/net", nn->proc_dir);
	nn->self = ns_inode(path, false);
	scan_run_dir(nn);
	scan_proc(nn);
	mark_self(nn);
	qsort(nn->ids, nn->n, sizeof(nn->ids[0]), by_inode);
	/* 0 means "never": a clock that reads 0 still counts as a scan */
	nn->scanned_at = now ? now : 1;
}

void netns_name_at(struct netns_names *nn, unsigned int inode, unsigned long long now_ns,
		   struct netns_id *out)
{
	const struct netns_id *id = find_id(nn, inode);

	if (!id && inode && (!nn->scanned_at || now_ns >= nn->scanned_at + NS_PER_SEC)) {
		rescan(nn, now_ns);
		id = find_id(nn, inode);
	}
	if (id) {
		*out = *id;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->inode = inode;
	/* 0: the event had no device and no socket to ask */
	if (inode)
		snprintf(out->name, sizeof(out->name), "inode:%u", inode);
	else
		snprintf(out->name, sizeof(out->name), "?");
}

void netns_name(struct netns_names *nn, unsigned int inode, struct netns_id *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	netns_name_at(nn, inode, ts.tv_sec * NS_PER_SEC + ts.tv_nsec, out);
}

size_t netns_exec_prefix(const struct netns_id *id, char *buf, size_t len)
{
	switch (id->kind) {
	case NETNS_NAMED:
		return snprintf(buf, len, "ip netns exec %s ", id->name);
	case NETNS_PID:
		return snprintf(buf, len, "nsenter -t %d -n ", id->pid);
	case NETNS_SELF:
		return snprintf(buf, len, "%s", "");
	default:
		return snprintf(buf, len, "nsenter -t <a pid in netns %s> -n ", id->name);
	}
}
