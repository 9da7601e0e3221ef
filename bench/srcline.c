// SPDX-License-Identifier: GPL-2.0
/*
 * Source-line resolver speed on a real debug vmlinux (and a module):
 * time to the first resolved frame from nothing open (what a user waits
 * for on the first stack), then frames resolved per second when each is
 * new (cache miss) and when it was seen before (cache hit).
 *
 * Usage: build/bench/srcline DEBUG_DIR [PAIRS] [SEED]
 *   DEBUG_DIR  vmlinux, and modules/ with the .ko files (tests/srcline/debuginfo.sh)
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag/debuginfo.h"
#include "diag/srcline.h"

/* A netfilter drop's stack, innermost first (offsets fitted to the VM's 6.1 kernel). */
static const char *const stack[] = {
	"kfree_skb_reason+0x4e",
	"nft_do_chain+0x3e8 [nf_tables]",
	"nft_do_chain_inet+0x43 [nf_tables]",
	"nf_hook_slow+0x43",
	"ip_local_deliver+0xd5",
	"__netif_receive_skb_one_core+0x8d",
	"process_backlog+0x83",
	"__napi_poll+0x31",
	"net_rx_action+0x13b",
	"__do_softirq+0x8",
	"do_softirq+0x1b",
	"__local_bh_enable_ip+0x64",
	"__dev_queue_xmit+0x34c",
	"ip_finish_output2+0x2c1",
	"ip_output+0x5f",
	"ip_send_skb+0x41",
	"udp_send_skb+0x1a7",
	"udp_sendmsg+0x9e6",
	"sock_write_iter+0xe9",
	"vfs_write+0x398",
	"ksys_write+0xba",
	"do_syscall_64+0x71",
	"entry_SYSCALL_64_after_hwframe+0x76",
};

struct fsym {
	const char *name;
	unsigned long long size;
};

/* FUNC symbols of vmlinux with a size, read with libelf (not our code). */
static size_t read_funcs(const char *path, struct fsym **out, Elf **keep)
{
	int fd = open(path, O_RDONLY);
	Elf_Scn *scn = NULL;
	struct fsym *v = NULL;
	size_t n = 0, i;
	GElf_Shdr sh;
	Elf *e;

	elf_version(EV_CURRENT);
	e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		GElf_Sym s;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		v = calloc(sh.sh_size / sh.sh_entsize, sizeof(*v));
		for (i = 0; v && d && gelf_getsym(d, (int)i, &s); i++)
			if (GELF_ST_TYPE(s.st_info) == STT_FUNC && s.st_size > 1)
				v[n++] = (struct fsym){elf_strptr(e, sh.sh_link, s.st_name),
						       s.st_size};
		break;
	}
	*out = v;
	*keep = e;
	return n;
}

static struct srcline *open_resolver(const char *dir)
{
	const char *paths[] = {dir};
	struct debuginfo_opts o = {.paths = paths, .npaths = 1};

	return srcline_new(debuginfo_new(&o));
}

/* Resolves q; exits when it does not. */
static void must(struct srcline *s, const struct srcline_query *q)
{
	const struct srcline_result *r = srcline_lookup(s, q);

	if (r->status != SRCLINE_OK && r->status != SRCLINE_NO_SYMBOL) {
		fprintf(stderr, "srcline bench: %s\n", r->err);
		exit(1);
	}
}

static double resolve_stack(struct srcline *s, size_t from, size_t to)
{
	double t0 = bench_now_s();
	struct srcline_query q;
	char buf[256];
	size_t i;

	for (i = from; i < to; i++) {
		if (srcline_parse(stack[i], &q, buf, sizeof(buf)))
			exit(1);
		q.return_addr = true;
		must(s, &q);
	}
	return bench_now_s() - t0;
}

int main(int argc, char **argv)
{
	size_t pairs = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000, nf, i, nstack;
	unsigned int seed = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) : 1;
	struct srcline_query *qs;
	struct srcline *s;
	char path[512];
	struct fsym *f;
	double t, t1, tmod;
	Elf *keep;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DEBUG_DIR [PAIRS] [SEED]\n", argv[0]);
		return 2;
	}
	nstack = sizeof(stack) / sizeof(stack[0]);
	/* Cold: nothing open, the first frame of a drop's stack. */
	s = open_resolver(argv[1]);
	t1 = resolve_stack(s, 0, 1);
	tmod = resolve_stack(s, 1, 2);
	t = resolve_stack(s, 2, nstack);
	printf("first frame (vmlinux, cold)      %8.1f ms\n", t1 * 1e3);
	printf("first module frame (nf_tables)   %8.1f ms\n", tmod * 1e3);
	printf("rest of a %zu-frame stack          %8.2f ms\n", nstack, t * 1e3);
	srcline_free(s);

	snprintf(path, sizeof(path), "%s/vmlinux", argv[1]);
	nf = read_funcs(path, &f, &keep);
	qs = calloc(pairs, sizeof(*qs));
	if (!nf || !qs)
		return 1;
	srand(seed);
	for (i = 0; i < pairs; i++) {
		const struct fsym *p = &f[(size_t)rand() % nf];

		qs[i] = (struct srcline_query){.sym = p->name, .off = (size_t)rand() % p->size};
	}
	s = open_resolver(argv[1]);
	must(s, &qs[0]);
	t = bench_now_s();
	for (i = 1; i < pairs; i++)
		must(s, &qs[i]);
	t = bench_now_s() - t;
	printf("cache miss: %zu random frames    %8.0f frames/s (%.1f us each)\n", pairs - 1,
	       (pairs - 1) / t, t / (pairs - 1) * 1e6);
	t = bench_now_s();
	for (i = 0; i < pairs; i++)
		must(s, &qs[i]);
	t = bench_now_s() - t;
	printf("cache hit:  the same again        %8.0f frames/s (%.2f us each)\n", pairs / t,
	       t / pairs * 1e6);
	srcline_free(s);
	free(qs);
	free(f);
	elf_end(keep);
	return 0;
}
