// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		snprintf(err, errlen, "cannot enter network namespace %s: %s", path,
			 strerror(errno));
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
