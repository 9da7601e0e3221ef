/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privileges, as tcpdump handles them: the capabilities skbtrace needs,
 * checked with the missing ones named; files it creates handed to the
 * user who ran sudo (or to -Z USER); -Z dropping to USER once attached.
 */
#ifndef SKBT_PRIVS_H
#define SKBT_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct privs {
	const char *user; /* -Z USER, or NULL */
	uid_t uid;	  /* who gets the files skbtrace creates, when owner_set */
	gid_t gid;
	bool owner_set;
};

/*
 * Resolves -Z USER (an unknown user is a usage error) or, for root run by
 * sudo, SUDO_UID/SUDO_GID.  Returns 0, or -1 with a reason in err.
 */
int privs_init(struct privs *p, const char *user, char *err, size_t errlen);
/*
 * What loading and attaching need: CAP_BPF and CAP_PERFMON (or
 * CAP_SYS_ADMIN, which covers both).  Returns 0, or -1 with the missing
 * capabilities named in err.
 */
int privs_check(char *err, size_t errlen);
/* Whether the effective set holds cap (a CAP_* number). */
bool privs_have(int cap);
/*
 * open(2) for writing (O_CREAT | O_TRUNC); a file this call created goes to
 * p's owner.  Returns the fd or -1 with errno set.
 */
int privs_create(const struct privs *p, const char *path, int flags);
/* fopen(path, "w") through privs_create. */
FILE *privs_fopen(const struct privs *p, const char *path);
/*
 * -Z: become p->user (its groups, then its uid; every capability goes),
 * and check that root cannot be had back.  No -Z: nothing.  Returns 0 or
 * -1 with a reason in err.
 */
int privs_drop(const struct privs *p, char *err, size_t errlen);

#endif
