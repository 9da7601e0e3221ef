/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --filter-trace-tc / --filter-trace-xdp: fentry and fexit programs on
 * other BPF programs (tc classifiers, XDP), and the iterator that tells
 * user space which programs exist and whether anything but our links
 * still holds them.  Part of skbtrace.bpf.c (included at its end: these
 * programs share its body, maps and configuration).
 *
 * A fentry program is verified against one target, so user space loads
 * a copy of each template per traced program, with attach_prog_fd, and
 * the marker immediate in prog_id() replaced by the target's id.  The
 * templates themselves load against bpf_fentry_test1: the code only reads
 * its argument and return value as plain numbers, so it is the same for
 * any target.
 */

#define TC_ACT_REDIRECT 7
#define XDP_REDIRECT	4

/*
 * Up to 6.10 the redirect target lives in the per-CPU variable
 * bpf_redirect_info.  Typeless externs: libbpf resolves them from
 * /proc/kallsyms, where a typed one would make it read every module's BTF,
 * which takes CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON suffice otherwise).
 * So the variable's address is this CPU's offset plus its own, by hand.
 */
extern const void bpf_redirect_info __ksym __weak;
extern const void __per_cpu_offset __ksym __weak;

static __always_inline struct bpf_redirect_info *redirect_info_percpu(void)
{
	__u64 off = 0, cpu = bpf_get_smp_processor_id();

	if (!&bpf_redirect_info || !&__per_cpu_offset ||
	    bpf_probe_read_kernel(&off, sizeof(off), (const __u64 *)&__per_cpu_offset + cpu))
		return NULL;
	return (struct bpf_redirect_info *)(off + (__u64)&bpf_redirect_info);
}

/*
 * Where a redirect goes: what bpf_redirect()/bpf_redirect_map() recorded
 * for the caller of the program, which acts on it after the return.
 */
static __always_inline void redirect_fill(struct skbt_event *e)
{
	struct bpf_redirect_info *ri = NULL;

	if (bpf_core_field_exists(struct task_struct, bpf_net_context)) {
		struct task_struct *task = (void *)bpf_get_current_task();
		struct bpf_net_context *nc = BPF_CORE_READ(task, bpf_net_context);

		if (nc)
			ri = __builtin_preserve_access_index(&nc->ri);
	} else {
		ri = redirect_info_percpu();
	}
	if (!ri)
		return;
	e->redirect = BPF_CORE_READ(ri, tgt_index);
	e->redirect_flags = BPF_CORE_READ(ri, flags);
	if (e->flags & SKBT_F_XDP)
		e->redirect_map = BPF_CORE_READ(ri, map_id);
}

/* Called by emit() for an fexit event: the program's verdict. */
static __always_inline void prog_ret_fill(void *ctx, struct skbt_event *e)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	e->verdict = (int)ret;
	if (e->flags & SKBT_F_XDP ? ret == XDP_REDIRECT : ret == TC_ACT_REDIRECT)
		redirect_fill(e);
}

/* A tc program's argument is the skb itself: the common body serves it. */
SEC("skbt.fentry")
int skbt_tc_entry(void *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, 1), SKBT_F_PROG, 0, 0, HOW_TRACE, NULL,
			  false);
}

SEC("skbt.fexit")
int skbt_tc_exit(void *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, 1), SKBT_F_PROG | SKBT_F_PROG_RET, 0,
			  0, HOW_TRACE, NULL, false);
}

/*
 * -w: with --capture-at drop, an XDP_DROP is the packet's drop (no skb is
 * ever freed for it); with all, every XDP event keeps its frame.
 */
static __always_inline int xdp_capture_wanted(const struct skbt_event *e)
{
	if (cfg_cap_len && cfg_cap_at == SKBT_CAP_DROP)
		return (e->flags & SKBT_F_PROG_RET) && e->verdict == XDP_DROP;
	return capture_wanted(e->flags, 0);
}

/*
 * The XDP event: emit() without an skb (no mark, no tracking, no
 * --output-skb).
 */
static __always_inline int emit_xdp(void *ctx, struct net_device *dev, const struct pkt *p,
				    __u32 netns, __u32 flags)
{
	struct skbt_event *e = record_get();

	if (!e) {
		count(SKBT_CNT_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->func = prog_id();
	e->flags = flags;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->netns = netns;
	e->len = p->len;
	e->proto = p->proto;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->mtu = BPF_CORE_READ(dev, mtu);
	bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), &dev->name);
	parse_tuple(&e->tuple, &e->flags, p);
	fill_frames(ctx, e, flags, 0);
	if (flags & SKBT_F_PROG_RET)
		prog_ret_fill(ctx, e);
	if (xdp_capture_wanted(e))
		capture(e, p, cfg_skb_size ? SKBT_SKB_DATA_MAX : 0);
	/* The verdict is in already: -w's choice depends on it. */
	return submit(ctx, e, flags & ~SKBT_F_PROG_RET);
}

/*
 * An XDP program sees the frame as bytes from data to data_end on the
 * receiving device; the filters apply as to an skb whose MAC header is
 * data.  Such a packet has no mark yet: it is 0 to --filter-mark.
 */
static __always_inline int handle_xdp(void *ctx, __u32 flags)
{
	struct xdp_buff *x = (struct xdp_buff *)fe_arg(ctx, 1);
	struct net_device *dev = BPF_CORE_READ(x, rxq, dev);
	unsigned char *data = BPF_CORE_READ(x, data);
	unsigned char *end = BPF_CORE_READ(x, data_end);
	struct pkt p = {};
	__u32 netns;
	__be16 type;

	if (!dev || !data || end <= data + ETH_HLEN)
		return 0;
	netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (cfg_netns && netns != cfg_netns)
		return 0;
	if (cfg_filter_mark && cfg_mark != 0)
		return 0;
	if (cfg_ifindex && BPF_CORE_READ(dev, ifindex) != cfg_ifindex)
		return 0;
	/*
	 * Offsets count from one byte before the frame: offset 0 means "no
	 * header" to hdr_set(), and -w's records should start at the MAC
	 * header as an skb's do.  The byte itself is never read.
	 */
	p.head = data - 1;
	p.data = data;
	p.len = end - data;
	p.tail = p.len + 1;
	p.mac = 1;
	p.nh = 1 + ETH_HLEN;
	if (cfg_pcap && !pcap_run(SKBT_PCAP_L2, data, p.len, p.len))
		return 0;
	if (bpf_probe_read_kernel(&type, sizeof(type), data + 12))
		return 0;
	p.proto = bpf_ntohs(type);
	/* No skb: pass_tunnel() finds the inner headers by parsing. */
	if (cfg_tun && !pass_tunnel(NULL, &p))
		return 0;
	return emit_xdp(ctx, dev, &p, netns, flags | SKBT_F_PROG | SKBT_F_XDP);
}

SEC("skbt.fentry")
int skbt_xdp_entry(void *ctx)
{
	return handle_xdp(ctx, 0);
}

SEC("skbt.fexit")
int skbt_xdp_exit(void *ctx)
{
	return handle_xdp(ctx, SKBT_F_PROG_RET);
}

/*
 * One record per loaded program: its id, type and references.  Each of
 * our links on a program holds one, and the iterator one while it looks:
 * a program nothing else holds has been unloaded by its owner.
 */
SEC("iter/bpf_prog")
int skbt_prog_iter(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_prog *prog = ctx->prog;
	struct skbt_prog_ref r;

	if (!prog)
		return 0;
	r.id = BPF_CORE_READ(prog, aux, id);
	r.type = BPF_CORE_READ(prog, type);
	r.refcnt = BPF_CORE_READ(prog, aux, refcnt.counter);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
