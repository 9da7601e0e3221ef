// SPDX-License-Identifier: GPL-2.0
/*
 * Finds the kernel's debug files where distributions put them, in the
 * directories the user names, or through debuginfod, and compares their
 * build ids with the running kernel's.  Nothing here reads DWARF: a file
 * is only checked for a .debug_info section.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <elfutils/debuginfod.h>

#include "diag/debuginfo.h"

struct ko_file {
	char *name; /* module name, from the file name */
	char *path;
};

struct debuginfo {
	char **paths;
	size_t npaths;
	char release[128];
	char *sys_root;
	bool running;
	bool want_id;
	struct build_id vmlinux_id;
	/* vmlinux: found once; a failure is remembered with its message */
	bool vmlinux_done;
	char *vmlinux;
	char *vmlinux_err;
	/* module debug files under the searched directories, listed once */
	bool kos_listed;
	struct ko_file *kos;
	size_t nkos, kos_cap;
	char **vml; /* vmlinux files under the --kernel-debuginfo directories */
	size_t nvml;
	char **fetched; /* paths debuginfod returned, freed with d */
	size_t nfetched;
};

static const char *const default_vmlinux[] = {
	"/usr/lib/debug/boot/vmlinux-%s",
	"/usr/lib/debug/lib/modules/%s/vmlinux",
	"/boot/vmlinux-%s",
	"/lib/modules/%s/build/vmlinux",
};

bool module_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

/* The module a file is the debug file of: "nf_tables" for ".../nf_tables.ko.debug". */
static bool ko_name(const char *path, char *name, size_t len)
{
	static const char *const sfx[] = {".ko", ".ko.debug", ".ko.xz", ".ko.zst", ".ko.gz"};
	const char *base = strrchr(path, '/');
	size_t n, i, s;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		s = strlen(sfx[i]);
		if (n > s && !strcmp(base + n - s, sfx[i]) && n - s < len) {
			memcpy(name, base, n - s);
			name[n - s] = '\0';
			return true;
		}
	}
	return false;
}

static bool is_vmlinux_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "vmlinux") || !strncmp(base, "vmlinux-", 8);
}

static void free_list(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

struct debuginfo *debuginfo_new(const struct debuginfo_opts *o)
{
	struct debuginfo *d = calloc(1, sizeof(*d));
	struct utsname u;
	size_t i;

	if (!d)
		return NULL;
	d->running = o->running;
	if (o->vmlinux_id) {
		d->want_id = true;
		d->vmlinux_id = *o->vmlinux_id;
	}
	d->sys_root = strdup(o->sys_root ? o->sys_root : "/sys");
	if (o->release)
		snprintf(d->release, sizeof(d->release), "%s", o->release);
	else if (!uname(&u))
		snprintf(d->release, sizeof(d->release), "%s", u.release);
	d->paths = calloc(o->npaths + 1, sizeof(*d->paths));
	if (!d->sys_root || !d->paths)
		goto fail;
	for (i = 0; i < o->npaths; i++) {
		d->paths[i] = strdup(o->paths[i]);
		if (!d->paths[i])
			goto fail;
		d->npaths++;
	}
	return d;
fail:
	debuginfo_free(d);
	return NULL;
}

void debuginfo_free(struct debuginfo *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->npaths; i++)
		free(d->paths[i]);
	for (i = 0; i < d->nkos; i++) {
		free(d->kos[i].name);
		free(d->kos[i].path);
	}
	free_list(d->fetched, d->nfetched);
	free_list(d->vml, d->nvml);
	free(d->kos);
	free(d->paths);
	free(d->vmlinux);
	free(d->vmlinux_err);
	free(d->sys_root);
	free(d);
}

const char *debuginfo_release(const struct debuginfo *d)
{
	return d->release;
}

/* True when the ELF file has a .debug_info section with contents. */
static bool elf_has_dwarf(const char *path)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool found = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		goto out;
	while (!found && (scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		found = name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"));
	}
out:
	elf_end(e);
	close(fd);
	return found;
}

static int add_ko(struct debuginfo *d, const char *name, const char *path)
{
	struct ko_file *k;

	if (d->nkos == d->kos_cap) {
		size_t cap = d->kos_cap ? 2 * d->kos_cap : 64;

		k = realloc(d->kos, cap * sizeof(*k));
		if (!k)
			return -1;
		d->kos = k;
		d->kos_cap = cap;
	}
	k = &d->kos[d->nkos];
	k->name = strdup(name);
	k->path = strdup(path);
	if (!k->name || !k->path) {
		free(k->name);
		free(k->path);
		return -1;
	}
	d->nkos++;
	return 0;
}

/*
 * Walks dir once, listing module debug files and, when vml is not NULL,
 * the files named vmlinux or vmlinux-*.  fts, not nftw: no callback state.
 */
static int walk_dir(struct debuginfo *d, const char *dir, char ***vml, size_t *nvml)
{
	char *argv[] = {(char *)dir, NULL};
	char name[256];
	FTSENT *f;
	FTS *fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	int rc = 0;

	if (!fts)
		return -1;
	while (!rc && (f = fts_read(fts))) {
		if (f->fts_info != FTS_F)
			continue;
		if (ko_name(f->fts_path, name, sizeof(name))) {
			rc = add_ko(d, name, f->fts_path);
		} else if (vml && is_vmlinux_name(f->fts_path)) {
			char **v = realloc(*vml, (*nvml + 1) * sizeof(**vml));

			if (!v || !(v[*nvml] = strdup(f->fts_path)))
				rc = -1;
			if (v) {
				*vml = v;
				*nvml += !rc;
			}
		}
	}
	fts_close(fts);
	return rc;
}

/* Of several vmlinux files, the one named after the release; NULL if none is. */
static const char *pick_vmlinux(const struct debuginfo *d, char **v, size_t n)
{
	char want[160];
	size_t i, wl;

	if (n == 1)
		return v[0];
	snprintf(want, sizeof(want), "vmlinux-%s", d->release);
	wl = strlen(want);
	for (i = 0; i < n; i++) {
		size_t l = strlen(v[i]);

		if (l >= wl && !strcmp(v[i] + l - wl, want) && (l == wl || v[i][l - wl - 1] == '/'))
			return v[i];
	}
	return NULL;
}

static void set_vmlinux_err(struct debuginfo *d, const char *fmt, const char *a, const char *b)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), fmt, a, b);
	d->vmlinux_err = strdup(buf);
}

/*
 * Lists, once, what the --kernel-debuginfo paths hold: module files named
 * directly, and the modules and vmlinux files under the directories.
 */
static void scan_given(struct debuginfo *d)
{
	char name[256];
	struct stat st;
	size_t i;

	if (d->kos_listed)
		return;
	d->kos_listed = true;
	for (i = 0; i < d->npaths; i++) {
		if (stat(d->paths[i], &st))
			continue;
		if (S_ISDIR(st.st_mode))
			walk_dir(d, d->paths[i], &d->vml, &d->nvml);
		else if (ko_name(d->paths[i], name, sizeof(name)))
			add_ko(d, name, d->paths[i]);
	}
}

/* vmlinux from the user's --kernel-debuginfo paths: a file named first wins. */
static void find_vmlinux_given(struct debuginfo *d)
{
	char lk[256];
	size_t i;
	const char *pick = NULL;
	struct stat st;

	for (i = 0; i < d->npaths; i++) {
		const char *p = d->paths[i];

		if (stat(p, &st)) {
			set_vmlinux_err(d, "%s: %s", p, strerror(errno));
			return;
		}
		if (!pick && !S_ISDIR(st.st_mode) && !ko_name(p, lk, sizeof(lk)))
			pick = p;
	}
	scan_given(d);
	if (!pick)
		pick = pick_vmlinux(d, d->vml, d->nvml);
	if (pick && elf_has_dwarf(pick))
		d->vmlinux = strdup(pick);
	else if (pick)
		set_vmlinux_err(d, "%s: no DWARF (.debug_info) in it: %s", pick,
				"not a kernel debug file");
	else if (d->nvml)
		set_vmlinux_err(
			d,
			"several vmlinux files (%s, %s, ...): name one with --kernel-debuginfo FILE",
			d->vml[0], d->vml[1]);
	else
		set_vmlinux_err(d, "no vmlinux in %s%s", d->paths[0],
				d->npaths > 1 ? " nor the other --kernel-debuginfo paths" : "");
}

/* Fetches the file with build id of module (NULL: vmlinux) from debuginfod. */
static char *fetch_debuginfod(struct debuginfo *d, const char *module)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct build_id id;
	debuginfod_client *c;
	char path[512], *got = NULL, **f;
	int fd;

	if (!urls || !*urls)
		return NULL;
	if (module)
		snprintf(path, sizeof(path), "%s/module/%s/notes/.note.gnu.build-id", d->sys_root,
			 module);
	else
		snprintf(path, sizeof(path), "%s/kernel/notes", d->sys_root);
	if (build_id_of_notes(path, &id) || !(c = debuginfod_begin()))
		return NULL;
	fd = debuginfod_find_debuginfo(c, id.b, (int)id.len, &got);
	debuginfod_end(c);
	if (fd < 0)
		return NULL;
	close(fd);
	f = realloc(d->fetched, (d->nfetched + 1) * sizeof(*f));
	if (!f) {
		free(got);
		return NULL;
	}
	d->fetched = f;
	f[d->nfetched++] = got;
	return got;
}

/* vmlinux at the distributions' places for the release. */
static void find_vmlinux_default(struct debuginfo *d)
{
	char looked[1024] = "", p[512];
	size_t i, n = sizeof(default_vmlinux) / sizeof(default_vmlinux[0]);
	const char *got;
	int w = 0;

	for (i = 0; i < n && !d->vmlinux; i++) {
		snprintf(p, sizeof(p), default_vmlinux[i], d->release);
		if (access(p, R_OK))
			w += snprintf(looked + w, sizeof(looked) - w, "%s%s", i ? ", " : "", p);
		else if (!elf_has_dwarf(p))
			w += snprintf(looked + w, sizeof(looked) - w, "%s%s (no DWARF)",
				      i ? ", " : "", p);
		else
			d->vmlinux = strdup(p);
		if (w >= (int)sizeof(looked))
			w = sizeof(looked) - 1;
	}
	if (d->vmlinux || !d->running)
		goto out;
	got = fetch_debuginfod(d, NULL);
	if (got && elf_has_dwarf(got))
		d->vmlinux = strdup(got);
out:
	if (!d->vmlinux) {
		char tail[256];

		snprintf(tail, sizeof(tail), "%s; Debian's package linux-image-%s-dbg provides it",
			 getenv("DEBUGINFOD_URLS") ? ", debuginfod" : "", d->release);
		set_vmlinux_err(d, "no kernel debug info: looked in %s%s", looked, tail);
	}
}

static const char *find_module(struct debuginfo *d, const char *module, char *err, size_t errlen)
{
	char dir[512];
	const char *got;
	size_t i;

	snprintf(dir, sizeof(dir), "/usr/lib/debug/lib/modules/%s", d->release);
	if (d->npaths) {
		scan_given(d);
	} else if (!d->kos_listed) {
		d->kos_listed = true;
		if (!access(dir, R_OK))
			walk_dir(d, dir, NULL, NULL);
	}
	for (i = 0; i < d->nkos; i++)
		if (module_name_eq(d->kos[i].name, module))
			return d->kos[i].path;
	if (!d->npaths && d->running && (got = fetch_debuginfod(d, module)) &&
	    !add_ko(d, module, got))
		return d->kos[d->nkos - 1].path;
	if (d->npaths)
		snprintf(err, errlen, "no debug file for module %s (%s.ko) in %s%s", module, module,
			 d->paths[0],
			 d->npaths > 1 ? " nor the other --kernel-debuginfo paths" : "");
	else
		snprintf(
			err, errlen,
			"no debug file for module %s: looked in %s%s; Debian's package linux-image-%s-dbg provides it",
			module, dir, getenv("DEBUGINFOD_URLS") ? " and debuginfod" : "",
			d->release);
	return NULL;
}

const char *debuginfo_find(struct debuginfo *d, const char *module, char *err, size_t errlen)
{
	if (module && strcmp(module, "vmlinux"))
		return find_module(d, module, err, errlen);
	if (!d->vmlinux_done) {
		d->vmlinux_done = true;
		if (d->npaths)
			find_vmlinux_given(d);
		else
			find_vmlinux_default(d);
	}
	if (!d->vmlinux)
		snprintf(err, errlen, "%s", d->vmlinux_err ? d->vmlinux_err : strerror(ENOMEM));
	return d->vmlinux;
}

/* Finds the GNU build-id in a buffer of ELF notes (4-byte aligned, as in sysfs). */
static int build_id_in_notes(const unsigned char *p, size_t len, struct build_id *id)
{
	size_t off = 0;

	while (off + 12 <= len) {
		unsigned int namesz, descsz, type;
		size_t name_at = off + 12, desc_at;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		desc_at = name_at + ((namesz + 3) & ~3u);
		if (desc_at + descsz > len || desc_at < name_at)
			return -1;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + name_at, "GNU", 4) &&
		    descsz && descsz <= BUILD_ID_MAX) {
			memcpy(id->b, p + desc_at, descsz);
			id->len = descsz;
			return 0;
		}
		off = desc_at + ((descsz + 3) & ~3u);
	}
	return -1;
}

int build_id_of_notes(const char *path, struct build_id *id)
{
	unsigned char buf[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return build_id_in_notes(buf, n, id);
}

int build_id_of_file(const char *path, struct build_id *id)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int rc = -1, fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *e;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (e && rc && (scn = elf_nextscn(e, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (data && data->d_buf)
			rc = build_id_in_notes(data->d_buf, data->d_size, id);
	}
	elf_end(e);
	close(fd);
	return rc;
}

void build_id_hex(const struct build_id *id, char *buf, size_t len)
{
	size_t i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < id->len && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", id->b[i]);
}

int debuginfo_check_id(struct debuginfo *d, const char *module, const char *path, char *err,
		       size_t errlen)
{
	char notes[512], want[2 * BUILD_ID_MAX + 1], have[2 * BUILD_ID_MAX + 1];
	struct build_id run, file;
	bool kernel = !module || !strcmp(module, "vmlinux");

	if (kernel && d->want_id) {
		run = d->vmlinux_id;
		goto compare;
	}
	if (!d->running)
		return 0;
	if (kernel)
		snprintf(notes, sizeof(notes), "%s/kernel/notes", d->sys_root);
	else
		snprintf(notes, sizeof(notes), "%s/module/%s/notes/.note.gnu.build-id", d->sys_root,
			 module);
	/* A module that is not loaded has nothing to compare with. */
	if (build_id_of_notes(notes, &run))
		return 0;
compare:
	if (build_id_of_file(path, &file)) {
		snprintf(err, errlen,
			 "%s: no build id in it, so it cannot be matched with the running %s", path,
			 kernel ? "kernel" : "module");
		return -1;
	}
	if (file.len == run.len && !memcmp(file.b, run.b, run.len))
		return 0;
	build_id_hex(&run, want, sizeof(want));
	build_id_hex(&file, have, sizeof(have));
	if (kernel && d->want_id)
		snprintf(err, errlen, "%s: build id %s is not %s: debug info of another build",
			 path, have, want);
	else
		snprintf(
			err, errlen,
			"%s: build id %s is not the running %s%s's (%s): debug info of another build",
			path, have, kernel ? "kernel" : "module ", kernel ? "" : module, want);
	return -1;
}

int build_id_parse(const char *hex, struct build_id *id)
{
	size_t n = strlen(hex), i;

	if (!n || n % 2 || n / 2 > BUILD_ID_MAX)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) || sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		id->b[i] = (unsigned char)v;
	}
	id->len = n / 2;
	return 0;
}

int debuginfo_check_paths(const struct debuginfo *d, char *err, size_t errlen)
{
	char name[256];
	struct stat st;
	size_t i;

	for (i = 0; i < d->npaths; i++) {
		const char *p = d->paths[i];

		if (stat(p, &st)) {
			snprintf(err, errlen, "--kernel-debuginfo %s: %s", p, strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			continue;
		if (!elf_has_dwarf(p)) {
			snprintf(err, errlen,
				 "--kernel-debuginfo %s: no DWARF (.debug_info) in it: %s", p,
				 ko_name(p, name, sizeof(name)) ? "not a module debug file"
								: "not a kernel debug file");
			return -1;
		}
	}
	return 0;
}
