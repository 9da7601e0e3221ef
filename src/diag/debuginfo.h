/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a kernel's debug files (vmlinux and module .ko with DWARF) are, the
 * way distributions install them, and the running kernel's build ids.
 */
#ifndef SKBT_DEBUGINFO_H
#define SKBT_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>

#define BUILD_ID_MAX 64

struct build_id {
	unsigned char b[BUILD_ID_MAX];
	size_t len;
};

struct debuginfo_opts {
	/* --kernel-debuginfo FILE|DIR, in the order given; none: default places */
	const char *const *paths;
	size_t npaths;
	/* kernel release naming the default places; NULL: the running one */
	const char *release;
	/* where sysfs is (NULL: /sys); tests point it at a tree of their own */
	const char *sys_root;
	/*
	 * The files must be the running kernel's: default places and
	 * debuginfod are used, and build ids are compared with sysfs.
	 */
	bool running;
	/* when set, vmlinux must have this build id (checked offline) */
	const struct build_id *vmlinux_id;
};

struct debuginfo;

/* Copies what it needs of o. NULL only when out of memory. */
struct debuginfo *debuginfo_new(const struct debuginfo_opts *o);
void debuginfo_free(struct debuginfo *d);

/*
 * The debug file of module (NULL or "vmlinux": the kernel image), which has
 * DWARF. NULL when there is none, with one line in err saying where it
 * looked. The string belongs to d.
 */
const char *debuginfo_find(struct debuginfo *d, const char *module, char *err, size_t errlen);

/*
 * Compares the build id of the file at path with the running kernel's (or
 * the module's) in sysfs. 0 when they match or when d is not for the
 * running kernel; -1 with one line in err otherwise.
 */
int debuginfo_check_id(struct debuginfo *d, const char *module, const char *path, char *err,
		       size_t errlen);

/*
 * Checks the --kernel-debuginfo paths up front: each exists, and a file
 * that is no module has DWARF. -1 with one line in err otherwise.
 */
int debuginfo_check_paths(const struct debuginfo *d, char *err, size_t errlen);

/* The release the default places are named after ("6.1.0-57-cloud-amd64"). */
const char *debuginfo_release(const struct debuginfo *d);

/* The build id in the ELF file at path, from its GNU build-id note. */
int build_id_of_file(const char *path, struct build_id *id);
/* Reads a build id from a file of raw ELF notes (/sys/kernel/notes). */
int build_id_of_notes(const char *path, struct build_id *id);
void build_id_hex(const struct build_id *id, char *buf, size_t len);
/* Parses hex digits into id. 0 or -1. */
int build_id_parse(const char *hex, struct build_id *id);
/* Module names compare with '-' and '_' alike, as the kernel does. */
bool module_name_eq(const char *a, const char *b);

#endif
