// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "host/privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int parse_id(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* sudo's record of who ran it; only meaningful when we are root. */
static void owner_from_sudo(struct privs *p)
{
	unsigned long uid, gid;

	if (geteuid() != 0 || parse_id(getenv("SUDO_UID"), &uid) ||
	    parse_id(getenv("SUDO_GID"), &gid) || uid == 0)
		return;
	p->uid = uid;
	p->gid = gid;
	p->owner_set = true;
}

int privs_init(struct privs *p, const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	if (!user) {
		owner_from_sudo(p);
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "-Z %s: %s", user, errno ? strerror(errno) : "no such user");
		return -1;
	}
	p->user = user;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	p->owner_set = true;
	return 0;
}

static int effective_caps(unsigned long long *caps)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &hdr, d))
		return -1;
	*caps = d[0].effective | (unsigned long long)d[1].effective << 32;
	return 0;
}

bool privs_have(int cap)
{
	unsigned long long caps;

	return !effective_caps(&caps) && (caps >> cap & 1);
}

int privs_check(char *err, size_t errlen)
{
	unsigned long long caps;
	bool bpf, perfmon;

	/* Root in a container may hold fewer than all: ask, never assume. */
	if (effective_caps(&caps) || caps >> CAP_SYS_ADMIN & 1)
		return 0;
	bpf = caps >> CAP_BPF & 1;
	perfmon = caps >> CAP_PERFMON & 1;
	if (bpf && perfmon)
		return 0;
	snprintf(err, errlen,
		 "missing %s%s%s: CAP_BPF loads the tracing programs, CAP_PERFMON attaches "
		 "them (or run as root: sudo)",
		 bpf ? "" : "CAP_BPF", bpf || perfmon ? "" : " and ", perfmon ? "" : "CAP_PERFMON");
	return -1;
}

int privs_create(const struct privs *p, const char *path, int flags)
{
	int fd;

	/* Only a file made here changes hands; an existing one keeps its owner. */
	fd = open(path, flags | O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* As tcpdump: where owners cannot change (a FAT stick), root keeps it. */
		if (p && p->owner_set && fchown(fd, p->uid, p->gid) < 0)
			errno = 0;
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return open(path, flags | O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

FILE *privs_fopen(const struct privs *p, const char *path)
{
	int fd = privs_create(p, path, 0);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

int privs_drop(const struct privs *p, char *err, size_t errlen)
{
	if (!p->user)
		return 0;
	if (initgroups(p->user, p->gid) || setgid(p->gid) || setuid(p->uid)) {
		snprintf(err, errlen, "-Z %s: cannot become that user: %s", p->user,
			 strerror(errno));
		return -1;
	}
	if (p->uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "-Z %s: root could be regained; not going on", p->user);
		return -1;
	}
	return 0;
}
