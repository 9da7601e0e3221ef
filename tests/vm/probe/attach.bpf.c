// SPDX-License-Identifier: GPL-2.0
/*
 * One tiny program per attach mechanism that skbtrace's backends rely on.
 * Each only counts its hits, so the VM smoke test can tell "this kernel
 * lets a program of this kind load, attach and fire" apart from
 * "skbtrace has a bug".  Loaded one at a time by attach.c.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline int count(void)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

/* backend "kprobe" */
SEC("kprobe/ip_rcv")
int kprobe_ip_rcv(void *ctx)
{
	return count();
}

/*
 * backend "kprobe-multi" (needs CONFIG_FPROBE).  One exact name: a glob
 * like ip_rcv* also takes ip_rcv_finish_core.constprop.0.cold from
 * kallsyms, a cold text part ftrace cannot patch, and the kernel refuses
 * the whole set with EINVAL.
 */
SEC("kprobe.multi/ip_rcv")
int kprobe_multi_ip_rcv(void *ctx)
{
	return count();
}

/* backend "fentry" (BPF trampolines) */
SEC("fentry/ip_rcv")
int fentry_ip_rcv(void *ctx)
{
	return count();
}

/* backend "tracepoint", BTF-typed form */
SEC("tp_btf/kfree_skb")
int tp_btf_kfree_skb(void *ctx)
{
	return count();
}

/* backend "tracepoint", raw form */
SEC("raw_tp/kfree_skb")
int raw_tp_kfree_skb(void *ctx)
{
	return count();
}

char LICENSE[] SEC("license") = "GPL";
