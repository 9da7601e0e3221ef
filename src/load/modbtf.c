// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "load/modbtf.h"

/* The kernel BTF object of a loaded module, as an fd; -ENOENT if none. */
static int find_module_btf(const char *name)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char nm[64] = "";
		struct bpf_btf_info info = {.name = (__u64)(unsigned long)nm,
					    .name_len = sizeof(nm)};
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(nm, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static const struct mod_btf *find(const struct mod_btfs *m, const char *name)
{
	for (size_t k = 0; k < m->n; k++)
		if (!strcmp(m->v[k].name, name))
			return &m->v[k];
	return NULL;
}

/* Resolved once, before the parallel loads, for every module in use. */
int modbtf_resolve(struct mod_btfs *m, const struct probe_list *probes)
{
	for (size_t i = 0; i < probes->n; i++) {
		const char *name = probes->v[i].module;
		struct mod_btf *n;

		if (!name || find(m, name))
			continue;
		n = realloc(m->v, (m->n + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->v = n;
		n[m->n].name = name;
		n[m->n].fd = find_module_btf(name);
		m->n++;
	}
	return 0;
}

int modbtf_fd(const struct mod_btfs *m, const struct probe *p)
{
	const struct mod_btf *b;

	if (!p->module)
		return 0;
	b = find(m, p->module);
	return !b || b->fd < 0 ? -1 : b->fd;
}

void modbtf_free(struct mod_btfs *m)
{
	for (size_t k = 0; k < m->n; k++)
		if (m->v[k].fd >= 0)
			close(m->v[k].fd);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}
