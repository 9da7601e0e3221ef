// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "load/kernel_features.h"
#include "probe/kernel_syms.h"

static bool kprobe_pmu_present(const char *tracefs)
{
	char path[256];

	if (access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0)
		return true;
	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	return access(path, F_OK) == 0;
}

/*
 * Loads the smallest kprobe.multi program and asks for a link on a
 * symbol that cannot exist: a kernel with kprobe-multi fails the lookup
 * (ENOENT/EINVAL); one without CONFIG_FPROBE says EOPNOTSUPP.
 */
static int kprobe_multi_probe(char *why, size_t len)
{
	struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
		{.code = 0x95},				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	const char *syms[] = {"skbtrace_no_such_symbol__"};
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "skbt_probe", "GPL", insns, 2, &popts);
	if (prog < 0) {
		snprintf(why, len, "kernel cannot load kprobe-multi programs (%s; needs 5.18+)",
			 strerror(errno));
		return 0;
	}
	lopts.kprobe_multi.syms = syms;
	lopts.kprobe_multi.cnt = 1;
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lopts);
	err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	if (err == EOPNOTSUPP || err == SKBT_ENOTSUPP) {
		snprintf(why, len, "kernel built without CONFIG_FPROBE");
		return 0;
	}
	return 1;
}

/* The BPF_RAW_TRACEPOINT_OPEN attributes with the cookie 6.10 added. */
union raw_tp_attr {
	struct {
		__u64 name;
		__u32 prog_fd;
		__u32 pad;
		__u64 cookie;
	} rt;
	char bytes[32];
};

int raw_tp_open_cookie(const char *name, int prog_fd, unsigned long long cookie)
{
	union raw_tp_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.rt.name = (__u64)(unsigned long)name;
	attr.rt.prog_fd = prog_fd;
	attr.rt.cookie = cookie;
	fd = syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * A raw tracepoint program calling bpf_get_attach_cookie loads only on
 * kernels that also take a cookie when attaching it (6.10+).
 */
static bool raw_tp_cookie_probe(void)
{
	struct bpf_insn insns[] = {
		{.code = 0x85, .imm = BPF_FUNC_get_attach_cookie}, /* call */
		{.code = 0xb7, .dst_reg = 0, .imm = 0},		   /* r0 = 0 */
		{.code = 0x95},					   /* exit */
	};
	int fd, link;

	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "skbt_probe", "GPL", insns, 3, NULL);
	if (fd < 0)
		return false;
	link = raw_tp_open_cookie(KSYM_DROP_TRACEPOINT, fd, 1);
	close(fd);
	if (link < 0)
		return false;
	close(link);
	return true;
}

void features_probe(struct kernel_features *f, const char *tracefs)
{
	memset(f, 0, sizeof(*f));
	f->raw_tp_cookie = raw_tp_cookie_probe();
	f->kprobe = kprobe_pmu_present(tracefs);
	if (!f->kprobe)
		snprintf(f->kprobe_why, sizeof(f->kprobe_why),
			 "kernel built without CONFIG_KPROBES (no kprobe PMU)");
	if (!f->kprobe) {
		snprintf(f->kprobe_multi_why, sizeof(f->kprobe_multi_why),
			 "kernel built without CONFIG_KPROBES");
		return;
	}
	f->kprobe_multi = kprobe_multi_probe(f->kprobe_multi_why, sizeof(f->kprobe_multi_why));
}

/*
 * bpf_fentry_test1 exists for BPF_PROG_TEST_RUN and is never called
 * otherwise, so the probe's trampoline costs no one anything.
 */
static int fentry_target(const struct btf *btf)
{
	static const char *const names[] = {"bpf_fentry_test1", "consume_skb"};
	int id = -ENOENT;

	for (size_t i = 0; btf && id < 0 && i < sizeof(names) / sizeof(names[0]); i++)
		id = btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC);
	return id;
}

void features_probe_fentry(struct kernel_features *f, const struct btf *btf)
{
	struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
		{.code = 0x95},				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = fentry_target(btf), prog, link;

	f->fentry_probed = true;
	f->fentry = false;
	if (id < 0) {
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "no function to try fentry on in the kernel's BTF");
		return;
	}
	popts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "skbt_probe", "GPL", insns, 2, &popts);
	if (prog < 0) {
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "kernel refuses fentry programs (%s)", strerror(errno));
		return;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "kernel cannot attach fentry programs (%s%s)", strerror(errno),
			 errno == SKBT_ENOTSUPP || errno == EOPNOTSUPP
				 ? ": no BPF trampolines on this architecture or config"
				 : "");
		close(prog);
		return;
	}
	close(link);
	close(prog);
	f->fentry = true;
}

void features_probe_tp_btf(struct kernel_features *f, const struct btf *btf)
{
	struct bpf_insn insns[] = {
		{.code = 0xb7, .dst_reg = 0, .imm = 0}, /* r0 = 0 */
		{.code = 0x95},				/* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, popts, .expected_attach_type = BPF_TRACE_RAW_TP);
	int id, prog, link;

	f->tp_btf = false;
	id = btf ? btf__find_by_name_kind(btf, "btf_trace_" KSYM_DROP_TRACEPOINT, BTF_KIND_TYPEDEF)
		 : -ENOENT;
	if (id < 0) {
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why),
			 "no btf_trace_" KSYM_DROP_TRACEPOINT " in the kernel's BTF");
		return;
	}
	popts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "skbt_probe", "GPL", insns, 2, &popts);
	if (prog < 0) {
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why),
			 "kernel refuses tp_btf programs (%s)", strerror(errno));
		return;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		snprintf(f->tp_btf_why, sizeof(f->tp_btf_why),
			 "kernel cannot attach tp_btf programs (%s)", strerror(errno));
		close(prog);
		return;
	}
	close(link);
	close(prog);
	f->tp_btf = true;
}

/* A program of type that casts its context's first word and reads a byte. */
static bool cast_loads(enum bpf_prog_type type, int kfunc_id)
{
	struct bpf_insn insns[] = {
		{.code = 0x79, .dst_reg = 1, .src_reg = 1}, /* r1 = *(u64 *)(r1 + 0) */
		{.code = 0xb7, .dst_reg = 2, .imm = 0},	    /* r2 = 0 */
		{.code = 0x85, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = kfunc_id}, /* call */
		{.code = 0x71, .dst_reg = 0, .src_reg = 0}, /* r0 = *(u8 *)(r0 + 0) */
		{.code = 0xb7, .dst_reg = 0, .imm = 0},	    /* r0 = 0 */
		{.code = 0x95},				    /* exit */
	};
	int fd = bpf_prog_load(type, "skbt_probe", "GPL", insns, sizeof(insns) / sizeof(insns[0]),
			       NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Kernels whose bpf_rdonly_cast(p, 0) yields memory a program may load
 * from directly (BPF_FEAT_RDONLY_CAST_TO_VOID, 2025 on); tried for real,
 * as the two program types that run everywhere: raw tracepoints and
 * kprobes (fentry programs are the kfuncs' first users).
 */
void features_probe_direct(struct kernel_features *f, const struct btf *btf)
{
	int id = btf ? btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) : -ENOENT;

	f->rdonly_cast_id = 0;
	if (id > 0 && cast_loads(BPF_PROG_TYPE_RAW_TRACEPOINT, id) &&
	    cast_loads(BPF_PROG_TYPE_KPROBE, id))
		f->rdonly_cast_id = id;
}
