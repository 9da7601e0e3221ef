// SPDX-License-Identifier: GPL-2.0
/*
 * skbtrace kernel side: every program hands (skb, probe, reason) to one
 * shared body, handle_skb(), which filters, then fills one ring-buffer
 * record.  Programs exist per sk_buff argument position because BPF
 * context offsets must be constants.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "bpf/kernel_types.h"
#include "bpf/skbtrace.h"
#include "bpf/drop.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load; the verifier prunes what is unused. */
const volatile __u32 cfg_netns = 0;
const volatile __u32 cfg_mark = 0;
const volatile __u32 cfg_mark_mask = 0;
const volatile __u32 cfg_ifindex = 0;
const volatile __u8 cfg_filter_mark = 0;
const volatile __u8 cfg_stack = 0;
const volatile __u8 cfg_caller = 0;
const volatile __u8 cfg_pcap = 0;
const volatile __u8 cfg_tun = 0; /* enum skbt_tun_filter bits */
/* Per enum skbt_pcap_stub: the packet window its filter reads (pcap_run()). */
const volatile __u32 cfg_pcap_win[SKBT_PCAP_STUBS] = {};
const volatile __u32 cfg_pcap_pad[SKBT_PCAP_STUBS] = {};
const volatile __u32 cfg_skb_size = 0;
/* Raw tracepoint links carry the probe index as a cookie (6.10+). */
const volatile __u8 cfg_tp_cookie = 0;
/* Wake the reader only once this much is queued: a wakeup per event costs ~70%. */
const volatile __u64 cfg_wakeup_bytes = 0;
/* --filter-track-skb: follow a matched skb by address until it is freed. */
const volatile __u8 cfg_track = 0;
/*
 * Tracked skbs are forgotten at the free tracepoints (tracepoint backend)
 * rather than where the struct is freed (function backends, which see
 * functions that still run on the skb after the tracepoint).
 */
const volatile __u8 cfg_track_tp_free = 0;
/* The kernel's sk_buff keeps pkt_read()'s fields within SKBT_SKB_SPAN bytes of len. */
const volatile __u8 cfg_skb_span = 0;
/* Programs may read kernel memory in place: direct_view(). */
const volatile __u8 cfg_direct = 0;
/* -w: packet bytes each record has room for (0: no capture), and which events get one. */
const volatile __u32 cfg_cap_len = 0;
const volatile __u8 cfg_cap_at = SKBT_CAP_ALL;
/* Drop diagnosis: SKB_CONSUMED's value (a free with a reason that is no drop). */
const volatile __u32 cfg_consumed = ~0U;
/* SKB_DROP_REASON_NETFILTER_DROP's value: its drops look for their hook; 0: never. */
const volatile __u32 cfg_nf_drop = 0;
/* --drop-summary: count drops in drop_summary. */
const volatile __u8 cfg_drop_summary = 0;
/* Report drops as events (off for --drop-summary alone). */
const volatile __u8 cfg_drop_events = 1;
/* --drops-only: a free that is no drop is not reported. */
const volatile __u8 cfg_drops_only = 0;
/* Remember each skb's last namespace for the events where it has none left. */
const volatile __u8 cfg_netns_memo = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by --ringbuf-size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SKBT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * -s above SKBT_CAP_INLINE_MAX: one record buffer per CPU (a per-CPU array
 * value cannot be this large), resized to the CPU count by user space, and
 * whether a program of ours is using this CPU's (cap_busy).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct skbt_event) + SKBT_SKB_DATA_MAX + SKBT_CAPTURE_MAX + 1);
} cap_records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cap_busy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1); /* resized when --output-stack is on */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

/* Tracked skbs by address; an entry lives from the first match to the free. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by --filter-track-max */
	__type(key, __u64);
	__type(value, struct skbt_track);
} tracked_skbs SEC(".maps");

/* A tracked parent between the entry and the return of a cloning function. */
struct clone_slot {
	struct skbt_track parent;
	__u64 func; /* the cloning function, names the clone's first event */
};

/*
 * Keyed by the stack pointer at the cloning function's entry: unique per
 * active call on every CPU, so an interrupt that clones on the same task
 * cannot take the slot of the call it interrupted (a pid key would).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized when tracking */
	__type(key, __u64);
	__type(value, struct clone_slot);
} clone_parents SEC(".maps");

/* --drop-summary: drops counted per site; only ever added to (drop_summary.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* resized by --drop-summary-max */
	__type(key, struct skbt_drop_key);
	__type(value, struct skbt_drop_val);
} drop_summary SEC(".maps");

/*
 * The namespace each skb was last seen in: skb_netns()'s fallback.  The
 * struct's address outlives the packet (the slab hands it out again), so
 * the data buffer's address must match too.
 */
struct netns_memo_val {
	__u64 head;
	__u32 netns;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1); /* resized when cfg_netns_memo is on */
	__type(key, __u64);
	__type(value, struct netns_memo_val);
} netns_memo SEC(".maps");

/*
 * Frames walked for a netfilter drop's hook: ours, the tracing glue, the
 * drop function, nft_do_chain(), nft_do_chain_<family>(), nf_hook_slow()
 * and the hook's caller take 8.
 */
#define DROP_FRAMES 10

/* Room for the stack a drop's hook is looked for in: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[DROP_FRAMES]);
} drop_frames SEC(".maps");

/*
 * The copy of a packet's first bytes a pcap filter reads: on the stack it
 * put the drop program's frame, plus the filter's, over 6.1's 512 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[(SKBT_PCAP_WINDOW + 8) / 8]);
} pcap_window SEC(".maps");

/*
 * A new summary row is built here, not on the stack: with the span copy
 * and a pcap filter's scratch, 6.1's verifier finds the drop program's
 * combined stack over 512 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct skbt_drop_val);
} drop_row SEC(".maps");

/*
 * The hook search's results.  A walk costs ~2 us; what tells the hooks
 * apart on the skb is in the key: no route yet (PREROUTING), the route's
 * input function (ip_local_deliver: INPUT, ip_forward: FORWARD), the
 * device (none before OUTPUT's routing picks one; the output device in
 * POSTROUTING).  Entries are walked again once a second.
 */
struct nf_above_key {
	__u64 location;
	__u64 dst_input;
	__u32 netns;
	__u32 ifindex;
};

struct nf_above_val {
	__u64 above[SKBT_DROP_ABOVE];
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct nf_above_key);
	__type(value, struct nf_above_val);
} nf_above_cache SEC(".maps");

#define NF_ABOVE_TTL_NS 1000000000ULL

/* The last packet id handed out; ids start at 1, 0 is "not tracked". */
__u64 track_last_id = 0;

#define ETH_HLEN	 14
#define ETH_P_IP	 0x0800
#define ETH_P_IPV6	 0x86DD
#define ETH_P_8021Q	 0x8100
#define ETH_P_8021AD	 0x88A8
#define ETH_P_TEB	 0x6558 /* GENEVE: an Ethernet frame follows */
#define IPPROTO_IPIP	 4
#define IPPROTO_IPV6	 41
#define IPPROTO_TCP	 6
#define IPPROTO_UDP	 17
#define IPPROTO_SCTP	 132
#define NEXTHDR_HOP	 0
#define NEXTHDR_ROUTING	 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH	 51
#define NEXTHDR_DEST	 60
#define IPV6_EXT_MAX	 6
#define VXLAN_PORT	 4789
#define VXLAN_LINUX_PORT 8472 /* Linux's default before IANA's, flannel's */
#define GENEVE_PORT	 6081
#define AF_UNIX		 1
#define AF_INET		 2
#define AF_INET6	 10
#define SOCK_STREAM	 1
#define TCP_TIME_WAIT	 6
#define TCP_NEW_SYN_RECV 12

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/*
 * The pcap-filter hook.  User space replaces the body of these stubs with
 * the translated filter before load (see src/filter/splice.c); without a filter
 * cfg_pcap is 0 and the calls are pruned.  Arguments: packet start (MAC
 * header for l2, network header for l3), readable linear bytes, skb->len,
 * and the copy of the packet's first bytes the filter reads (pcap_run()).
 * Every argument is used so that the compiler passes each one.  The stub
 * opens with SKBT_PCAP_STUB_ROOM `goto +0`s: a filter that fits is
 * written over the stub instead of being called from it, which saves a
 * call and its return (~6 ns a run where returns go through a return
 * thunk, docs/benchmarks.md section 15).
 */
#define PCAP_STUB(name, marker)                                                                    \
	static __noinline int name(void *data, __u32 caplen, __u32 len, const void *win)           \
	{                                                                                          \
		__u64 m;                                                                           \
                                                                                                   \
		/* The arguments pass through it, so nothing is computed before. */                \
		asm volatile(".rept %4\n\tgoto +0\n\t.endr"                                        \
			     : "+r"(data), "+r"(caplen), "+r"(len), "+r"(win)                      \
			     : "i"(SKBT_PCAP_STUB_ROOM));                                          \
		asm volatile("%0 = %1" : "=r"(m) : "i"(marker));                                   \
		return data != 0 && win != 0 && caplen <= len && m;                                \
	}

PCAP_STUB(skbt_pcap_l2, SKBT_PCAP_L2_MARKER)
PCAP_STUB(skbt_pcap_l3, SKBT_PCAP_L3_MARKER)
/* The same for --filter-tunnel-pcap-l2/-l3, called on the inner headers. */
PCAP_STUB(skbt_pcap_tun_l2, SKBT_PCAP_TUN_L2_MARKER)
PCAP_STUB(skbt_pcap_tun_l3, SKBT_PCAP_TUN_L3_MARKER)

/*
 * A read-only view of kernel memory that the program loads from directly:
 * each load becomes one instruction the kernel guards with an exception
 * entry (a bad address reads as 0) instead of a bpf_probe_read_kernel()
 * call and a copy.  It is the kfunc bpf_rdonly_cast(p, 0); the call is
 * written with a marker that user space turns into the kfunc call on
 * kernels that have it (cfg_direct), because libbpf 1.1 cannot leave an
 * unresolved kfunc in a program.  Elsewhere cfg_direct is 0 and the
 * verifier drops the call as dead code.
 */
static __always_inline void *direct_view(const void *p)
{
	void *v;

	asm volatile("r1 = %[p]\n\t"
		     "r2 = 0\n\t"
		     "call %[m]\n\t"
		     "%[v] = r0"
		     : [v] "=r"(v)
		     : [p] "r"(p), [m] "i"(SKBT_DIRECT_MARKER)
		     : "r0", "r1", "r2", "r3", "r4", "r5");
	return v;
}

/*
 * ptr, to be read in place: a NULL or stale pointer reads as zeros, so a
 * chain of them needs no checks between the links.  Only where
 * skb_in_place(typed).
 *
 * typed: the program is a BTF-typed tracepoint one (tp_btf), a constant
 * per program.  Its sk_buff, and every struct reached from it, is a typed
 * pointer the verifier lets it load from directly on any kernel that has
 * tp_btf, without direct_view(); the packet is not (skb->head is a plain
 * number to the verifier), so its bytes are read in place only with
 * cfg_direct.  Not a setting: the clone hooks of a tp_btf run are kprobe
 * or fexit programs, whose skb is a number.
 */
#define IN_PLACE(ptr, typed) ((typed) ? (ptr) : (typeof(ptr))direct_view(ptr))

/* The sk_buff and the structs it points to are read in place, not probed. */
static __always_inline int skb_in_place(bool typed)
{
	return cfg_direct || typed;
}

/*
 * The device's namespace, else the socket's, from the skb's state now.  Once UDP queues an skb to
 * a socket it reuses skb->dev's storage (dev_scratch): reading through
 * that non-pointer fails (a probe read) or reads as 0 (in place), and the
 * socket answers instead.
 */
static __always_inline __u32 skb_netns_now(struct sk_buff *skb, bool typed)
{
	struct net_device *dev;
	struct sock *sk;
	__u32 inum = 0;

	if (skb_in_place(typed)) {
		/* The typed pointers may be NULL: the verifier wants them checked. */
		dev = IN_PLACE(skb, typed)->dev;
		if (dev)
			inum = IN_PLACE(IN_PLACE(dev, typed)->nd_net.net, typed)->ns.inum;
		sk = IN_PLACE(skb, typed)->sk;
		if (!inum && sk)
			inum = IN_PLACE(IN_PLACE(sk, typed)->__sk_common.skc_net.net, typed)
				       ->ns.inum;
		return inum;
	}
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		inum = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (!inum)
		inum = BPF_CORE_READ(skb, sk, __sk_common.skc_net.net, ns.inum);
	return inum;
}

/*
 * The skb's namespace: its state's, else (cfg_netns_memo) the one it was
 * last seen in.  A UDP skb queued to a socket keeps neither device nor
 * socket, so its last events (the copy to the reader, the free) have no
 * namespace of their own.  Every sighting refreshes the memo, so a packet
 * that moved to another namespace is not kept in the one it left.
 */
static __always_inline __u32 skb_netns(struct sk_buff *skb, bool typed)
{
	__u32 inum = skb_netns_now(skb, typed);
	struct netns_memo_val *m, v = {};
	__u64 key = (__u64)skb;

	if (!cfg_netns_memo)
		return inum;
	v.head = skb_in_place(typed) ? (__u64)IN_PLACE(skb, typed)->head
				     : (__u64)BPF_CORE_READ(skb, head);
	m = bpf_map_lookup_elem(&netns_memo, &key);
	if (!inum)
		return m && m->head == v.head ? m->netns : 0;
	if (m) {
		if (m->netns != inum || m->head != v.head) {
			m->netns = inum;
			m->head = v.head;
		}
	} else if (!cfg_netns || inum == cfg_netns) {
		/* a packet only ever seen elsewhere needs no memo to be told apart */
		v.netns = inum;
		bpf_map_update_elem(&netns_memo, &key, &v, BPF_ANY);
	}
	return inum;
}

/*
 * A drop's namespace: the skb's, else the socket it was dropped on (a
 * listener's drops come with neither device nor socket on the skb).
 */
static __always_inline __u32 netns_of(struct sk_buff *skb, struct sock *sk, bool typed)
{
	__u32 inum = skb_netns(skb, typed);

	if (inum || !sk)
		return inum;
	/* tp_btf's rx_sk is typed like its skb */
	if (skb_in_place(typed))
		return IN_PLACE(IN_PLACE(sk, typed)->__sk_common.skc_net.net, typed)->ns.inum;
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline __u32 skb_mark(struct sk_buff *skb, bool typed)
{
	return skb_in_place(typed) ? IN_PLACE(skb, typed)->mark : BPF_CORE_READ(skb, mark);
}

static __always_inline int skb_ifindex(struct sk_buff *skb, bool typed)
{
	struct net_device *dev;

	if (!skb_in_place(typed))
		return BPF_CORE_READ(skb, dev, ifindex);
	dev = IN_PLACE(skb, typed)->dev;
	return dev ? IN_PLACE(dev, typed)->ifindex : 0;
}

/* Where the packet's headers are, read once per event. */
struct pkt {
	unsigned char *head;
	unsigned char *data;
	__u32 len;
	__u32 tail;
	__u16 mac;
	__u16 nh;
	__u16 proto; /* host order */
};

/* The fields from s: a copy of the skb's span, or the skb read in place. */
static __always_inline void pkt_pick(const struct sk_buff *s, struct pkt *p)
{
	p->head = s->head;
	p->data = s->data;
	p->len = s->len;
	p->tail = s->tail;
	p->mac = s->mac_header;
	p->nh = s->network_header;
	p->proto = bpf_ntohs(s->protocol);
}

/*
 * Every field pkt_read() needs lies in the ~100 bytes of sk_buff from len
 * to data (5.x and 6.x kernels): one probe read of that span instead of
 * seven halves the cost of an event the filters reject (docs/benchmarks.md).
 * User space checks the running kernel's layout (cfg_skb_span); the span
 * is then looked at through a pointer placed where the skb would be, so
 * each field is one load at its CO-RE relocated offset, with no checks
 * left to run for every event.
 */
static __always_inline int pkt_read_span(struct sk_buff *skb, struct pkt *p)
{
	__u8 b[SKBT_SKB_SPAN];
	__s64 back = 0;
	struct sk_buff *s;
	__u32 size =
		bpf_core_field_offset(skb->data) + sizeof(void *) - bpf_core_field_offset(skb->len);

	if (!cfg_skb_span ||
	    bpf_probe_read_kernel(b, size, (void *)skb + bpf_core_field_offset(skb->len)))
		return 0;
	/*
	 * The verifier refuses "stack pointer -= x", and 6.1's does not follow
	 * a negation: "back = 0; back -= x; fp += back", each step opaque to
	 * the compiler so it cannot fold them back into a subtraction.
	 */
	asm volatile("" : "+r"(back));
	back -= bpf_core_field_offset(skb->len);
	asm volatile("" : "+r"(back));
	s = (void *)b + back;
	pkt_pick(s, p);
	return 1;
}

static __always_inline void pkt_read_direct(struct sk_buff *skb, struct pkt *p, bool typed)
{
	pkt_pick(IN_PLACE(skb, typed), p);
}

static __always_inline void pkt_read(struct sk_buff *skb, struct pkt *p, bool typed)
{
	if (skb_in_place(typed)) {
		pkt_read_direct(skb, p, typed);
		return;
	}
	if (pkt_read_span(skb, p))
		return;
	p->head = BPF_CORE_READ(skb, head);
	p->data = BPF_CORE_READ(skb, data);
	p->len = BPF_CORE_READ(skb, len);
	p->tail = BPF_CORE_READ(skb, tail);
	p->mac = BPF_CORE_READ(skb, mac_header);
	p->nh = BPF_CORE_READ(skb, network_header);
	p->proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
}

static __always_inline int hdr_set(__u16 off)
{
	return off != (__u16)~0U && off != 0;
}

/*
 * The view a filter gets of the packet from offset start (from head):
 * caplen stops at the end of the linear data; len is what tcpdump calls
 * the wire length of that view.  0 when start is past the linear data.
 */
static __always_inline int pkt_view(const struct pkt *p, __u32 start, __u32 *caplen, __u32 *len)
{
	long lead;

	if (p->tail <= start)
		return 0;
	*caplen = p->tail - start;
	lead = (long)(p->data - (p->head + start));
	*len = (__u32)((long)p->len + lead);
	return 1;
}

/* Calls the stub of which: the translated filter spliced in its place. */
static __always_inline int pcap_call(enum skbt_pcap_stub which, unsigned char *data, __u32 caplen,
				     __u32 len, const void *win)
{
	switch (which) {
	case SKBT_PCAP_L2:
		return skbt_pcap_l2(data, caplen, len, win);
	case SKBT_PCAP_L3:
		return skbt_pcap_l3(data, caplen, len, win);
	case SKBT_PCAP_TUN_L2:
		return skbt_pcap_tun_l2(data, caplen, len, win);
	default:
		return skbt_pcap_tun_l3(data, caplen, len, win);
	}
}

/*
 * Runs one translated filter on the view [data, data + caplen).  The
 * filter's loads read a copy of the packet's first bytes (the window it
 * asked for, cfg_pcap_win) made here, with one probe read, rather than in
 * the filter: the copy costs the filter 7-12 instructions of its own
 * (issue 3 counts the filter's instructions against the classic ones).
 * pad puts the copy where the filter's loads are aligned.  A failed read
 * rejects the packet, as the filter would.  Where the kernel allows it
 * (cfg_direct) there is no copy: the filter reads the packet in place.
 */
static __always_inline int pcap_run(enum skbt_pcap_stub which, unsigned char *data, __u32 caplen,
				    __u32 len)
{
	__u32 zero = 0;
	__u64 *buf;
	void *win;
	__u64 n, cap = caplen;

	if (cfg_direct)
		return pcap_call(which, data, caplen, len, direct_view(data));
	buf = bpf_map_lookup_elem(&pcap_window, &zero);
	if (!buf)
		return 0;
	win = (void *)buf + cfg_pcap_pad[which];
	n = cfg_pcap_win[which];
	/*
	 * The compiler may otherwise pass the helper a caplen register whose
	 * upper half it never cleared, and compare a cleared copy: the
	 * verifier then sees an unbounded size.
	 */
	asm volatile("" : "+r"(cap));
	if (n) {
		if (n > cap)
			n = cap;
		if (bpf_probe_read_kernel(win, n, data))
			return 0;
	}
	return pcap_call(which, data, caplen, len, win);
}

/*
 * Calls the translated filter on the MAC header when the skb has one
 * before its network header, else on the network header.
 */
static __always_inline int pass_pcap(const struct pkt *p)
{
	__u32 start, caplen, len;

	if (hdr_set(p->mac) && hdr_set(p->nh) && p->nh > p->mac)
		start = p->mac;
	else if (hdr_set(p->nh))
		start = p->nh;
	else
		return 0;
	if (!pkt_view(p, start, &caplen, &len))
		return 0;
	if (start == p->mac)
		return pcap_run(SKBT_PCAP_L2, p->head + start, caplen, len);
	return pcap_run(SKBT_PCAP_L3, p->head + start, caplen, len);
}

/* Offsets from skb->head of a tunnel's inner headers; 0: none. */
struct inner {
	__u32 mac; /* inner Ethernet header */
	__u32 nh;  /* inner IPv4/IPv6 header */
};

/*
 * After encapsulation (transmit side) the skb records where the inner
 * headers are; they are stale unless encapsulation is set.  Until the
 * outer IP header is pushed the network header is the inner one (equal),
 * after that it lies before; one past it would be a stale record.
 * The inner MAC header counts only with room for Ethernet before the
 * inner network header (an IPIP device's is equal to it).
 */
static __always_inline int tun_recorded(struct sk_buff *skb, const struct pkt *p, struct inner *in)
{
	__u16 imh, inh;

	if (!BPF_CORE_READ_BITFIELD_PROBED(skb, encapsulation))
		return 0;
	inh = BPF_CORE_READ(skb, inner_network_header);
	if (!hdr_set(inh) || inh < p->nh)
		return 0;
	imh = BPF_CORE_READ(skb, inner_mac_header);
	in->nh = inh;
	if (hdr_set(imh) && (__u32)imh + ETH_HLEN <= inh)
		in->mac = imh;
	return 1;
}

/*
 * Before decapsulation (receive side) the inner headers are found by
 * parsing the outer ones: IPv4 or IPv6 (no extension headers, no
 * fragments) carrying IPIP, IPv6-in-IP, or UDP to the VXLAN or GENEVE
 * port.  Every read stays inside the linear data.
 */
static __always_inline int tun_parse(const struct pkt *p, struct inner *in)
{
	__u8 b[40];
	__u32 l4, off;
	__u16 type;
	__u8 proto;

	if (!hdr_set(p->nh))
		return 0;
	off = p->nh;
	if (p->proto == ETH_P_IP) {
		if (off + 20 > p->tail || bpf_probe_read_kernel(b, 20, p->head + off) ||
		    (b[0] >> 4) != 4 || ((b[6] & 0x3f) | b[7]))
			return 0;
		l4 = off + (b[0] & 0xf) * 4;
		proto = b[9];
	} else if (p->proto == ETH_P_IPV6) {
		if (off + 40 > p->tail || bpf_probe_read_kernel(b, 40, p->head + off) ||
		    (b[0] >> 4) != 6)
			return 0;
		l4 = off + 40;
		proto = b[6];
	} else {
		return 0;
	}
	if (proto == IPPROTO_IPIP || proto == IPPROTO_IPV6) {
		in->nh = l4;
		return 1;
	}
	/* UDP header and the first 8 bytes of the tunnel header. */
	if (proto != IPPROTO_UDP || l4 + 16 > p->tail || bpf_probe_read_kernel(b, 16, p->head + l4))
		return 0;
	type = (b[2] << 8) | b[3];
	if (type == VXLAN_PORT || type == VXLAN_LINUX_PORT) {
		if (!(b[8] & 0x08)) /* the VNI-valid flag */
			return 0;
		in->mac = l4 + 16;
	} else if (type == GENEVE_PORT && (b[8] >> 6) == 0) {
		off = l4 + 16 + (b[8] & 0x3f) * 4;
		type = (b[10] << 8) | b[11];
		if (type == ETH_P_IP || type == ETH_P_IPV6) {
			in->nh = off;
			return 1;
		}
		if (type != ETH_P_TEB)
			return 0;
		in->mac = off;
	} else {
		return 0;
	}
	/* An inner Ethernet frame: the IP header follows an untagged one. */
	if (in->mac + ETH_HLEN > p->tail || bpf_probe_read_kernel(b, 2, p->head + in->mac + 12))
		return 1;
	type = (b[0] << 8) | b[1];
	if (type == ETH_P_IP || type == ETH_P_IPV6)
		in->nh = in->mac + ETH_HLEN;
	return 1;
}

/*
 * The tunnel filters on the inner headers; a packet without the inner
 * header a filter needs does not pass it.
 */
static __always_inline int pass_tunnel(struct sk_buff *skb, const struct pkt *p)
{
	struct inner in = {};
	__u32 caplen, len;

	if (!tun_recorded(skb, p, &in) && !tun_parse(p, &in))
		return 0;
	if (cfg_tun & SKBT_TUN_L2) {
		if (!in.mac || !pkt_view(p, in.mac, &caplen, &len) ||
		    !pcap_run(SKBT_PCAP_TUN_L2, p->head + in.mac, caplen, len))
			return 0;
	}
	if (cfg_tun & SKBT_TUN_L3) {
		if (!in.nh || !pkt_view(p, in.nh, &caplen, &len) ||
		    !pcap_run(SKBT_PCAP_TUN_L3, p->head + in.nh, caplen, len))
			return 0;
	}
	return 1;
}

static __always_inline void parse_ports(struct skbt_tuple *t, __u16 *flags, unsigned char *l4,
					__u8 proto)
{
	__u8 th[14];

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP)
		return;
	if (bpf_probe_read_kernel(th, proto == IPPROTO_TCP ? 14 : 4, l4))
		return;
	t->sport = (th[0] << 8) | th[1];
	t->dport = (th[2] << 8) | th[3];
	if (proto == IPPROTO_TCP)
		t->tcp_flags = th[13];
	*flags |= SKBT_F_HAS_PORTS;
}

static __always_inline void parse_ipv4(struct skbt_tuple *t, __u16 *flags, unsigned char *nh)
{
	__u8 ip[20];

	if (bpf_probe_read_kernel(ip, sizeof(ip), nh) || (ip[0] >> 4) != 4)
		return;
	__builtin_memcpy(t->saddr, &ip[12], 4);
	__builtin_memcpy(t->daddr, &ip[16], 4);
	t->l3 = 4;
	t->l4 = ip[9];
	*flags |= SKBT_F_HAS_TUPLE;
	/* Later fragments carry no L4 header. */
	if (((ip[6] & 0x1f) | ip[7]) == 0)
		parse_ports(t, flags, nh + (ip[0] & 0xf) * 4, ip[9]);
}

static __always_inline void parse_ipv6(struct skbt_tuple *t, __u16 *flags, unsigned char *nh)
{
	__u8 ip[40], ext[4];
	unsigned char *p = nh + 40;
	__u8 next;

	if (bpf_probe_read_kernel(ip, sizeof(ip), nh) || (ip[0] >> 4) != 6)
		return;
	__builtin_memcpy(t->saddr, &ip[8], 16);
	__builtin_memcpy(t->daddr, &ip[24], 16);
	t->l3 = 6;
	*flags |= SKBT_F_HAS_TUPLE;
	next = ip[6];
#pragma unroll
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_FRAGMENT &&
		    next != NEXTHDR_AUTH && next != NEXTHDR_DEST)
			break;
		if (bpf_probe_read_kernel(ext, sizeof(ext), p))
			return;
		if (next == NEXTHDR_FRAGMENT) {
			next = ext[0];
			/* Only the first fragment holds the L4 header. */
			if (((ext[2] << 8) | (ext[3] & 0xf8)) != 0) {
				t->l4 = next;
				return;
			}
			p += 8;
			continue;
		}
		p += next == NEXTHDR_AUTH ? (ext[1] + 2) * 4 : (ext[1] + 1) * 8;
		next = ext[0];
	}
	t->l4 = next;
	parse_ports(t, flags, p, next);
}

static __always_inline void parse_tuple(struct skbt_tuple *t, __u16 *flags, const struct pkt *p)
{
	unsigned char *nh;
	__u16 proto = p->proto;

	if (!hdr_set(p->nh))
		return;
	nh = p->head + p->nh;
	/* A tag left in the packet: the network header points at it. */
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		__be16 inner;

		if (bpf_probe_read_kernel(&inner, sizeof(inner), nh + 2))
			return;
		proto = bpf_ntohs(inner);
		nh += 4;
	}
	if (proto == ETH_P_IP)
		parse_ipv4(t, flags, nh);
	else if (proto == ETH_P_IPV6)
		parse_ipv6(t, flags, nh);
}

static __always_inline void fill_dev(struct skbt_event *e, struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	if (!dev)
		return;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->mtu = BPF_CORE_READ(dev, mtu);
	bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), &dev->name);
}

static __always_inline int pass_filters(struct sk_buff *skb, __u32 *netns, struct sock *sk,
					bool typed)
{
	if (cfg_netns) {
		*netns = netns_of(skb, sk, typed);
		if (*netns != cfg_netns)
			return 0;
	}
	if (cfg_filter_mark && (skb_mark(skb, typed) & cfg_mark_mask) != cfg_mark)
		return 0;
	if (cfg_ifindex && skb_ifindex(skb, typed) != cfg_ifindex)
		return 0;
	return 1;
}

/*
 * -w: a bounded copy of the linear data, from the MAC header when the skb
 * has one before its network header (the same rule the pcap filter
 * follows), else from the network header, else from data.  Paged data is
 * out of reach of a probe read: a GSO packet shows its headers, and its
 * true length in cap_orig_len.
 */
static __always_inline void capture(struct skbt_event *e, const struct pkt *p, __u32 off)
{
	__u32 start, caplen = 0, len = p->len;
	__u64 n;

	if (hdr_set(p->mac) && hdr_set(p->nh) && p->nh > p->mac) {
		start = p->mac;
		e->cap_l2 = 1;
	} else if (hdr_set(p->nh)) {
		start = p->nh;
	} else {
		start = p->data - p->head;
	}
	e->flags |= SKBT_F_CAPTURE;
	e->cap_off = off;
	if (!pkt_view(p, start, &caplen, &len)) {
		e->cap_orig_len = p->len;
		return;
	}
	e->cap_orig_len = len;
	n = caplen < cfg_cap_len ? caplen : cfg_cap_len;
	/* Keeps the bound the verifier checks against the record's size. */
	asm volatile("" : "+r"(n));
	if (n > cfg_cap_len)
		return;
	if (!bpf_probe_read_kernel(e->skb_data + off, n, p->head + start))
		e->cap_len = n;
}

/* Whether this event carries a packet record (--capture-at). */
static __always_inline int capture_wanted(__u16 flags, int first)
{
	if (!cfg_cap_len)
		return 0;
	if (cfg_cap_at == SKBT_CAP_FIRST)
		return first;
	if (cfg_cap_at == SKBT_CAP_DROP)
		return !!(flags & SKBT_F_DROP);
	return 1;
}

/*
 * Where an event is built: in a ring reservation of the largest record,
 * or, when -s is large, in this CPU's buffer, to be copied to the ring at
 * its real size (record_put): a 64 KiB reservation per record would leave
 * the ring room for a few dozen.  NULL: no room, or the buffer is taken by
 * the program this one interrupted on this CPU.
 */
static __always_inline struct skbt_event *record_get(void)
{
	__u32 size = sizeof(struct skbt_event) + cfg_cap_len, zero = 0, cpu;
	struct skbt_event *e;
	__u32 *busy;

	if (cfg_skb_size)
		size += SKBT_SKB_DATA_MAX;
	if (cfg_cap_len <= SKBT_CAP_INLINE_MAX)
		return bpf_ringbuf_reserve(&events, size, 0);
	busy = bpf_map_lookup_elem(&cap_busy, &zero);
	if (!busy || *busy)
		return NULL;
	cpu = bpf_get_smp_processor_id();
	e = bpf_map_lookup_elem(&cap_records, &cpu);
	if (e)
		*busy = 1;
	return e;
}

/* Hands the event to user space; 0, or -1 when the ring had no room. */
static __always_inline int record_put(struct skbt_event *e)
{
	__u64 wake = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes
			     ? BPF_RB_FORCE_WAKEUP
			     : BPF_RB_NO_WAKEUP;
	__u32 zero = 0, *busy;
	__u64 size;
	int err;

	if (cfg_cap_len <= SKBT_CAP_INLINE_MAX) {
		bpf_ringbuf_submit(e, wake);
		return 0;
	}
	size = sizeof(*e) + (cfg_skb_size ? SKBT_SKB_DATA_MAX : 0) + e->cap_len;
	err = bpf_ringbuf_output(&events, e, size, wake);
	busy = bpf_map_lookup_elem(&cap_busy, &zero);
	if (busy)
		*busy = 0;
	return err ? -1 : 0;
}

/* What a drop hook knows besides the skb and its reason. */
struct drop_in {
	__u64 location;	 /* the kernel's drop site */
	struct sock *sk; /* the socket it was dropped on; NULL: skb->sk */
};

/* ... and what the event and the summary get: the above, the hook's caller, where. */
struct drop_out {
	__u64 location;
	__u64 above[SKBT_DROP_ABOVE];
	struct sock *sk;
	__u32 netns;
	__u32 ifindex;
};

/*
 * Which netfilter hook dropped the packet: it ran from the function that
 * called nf_hook_slow() (ip_local_deliver: INPUT ...), a few frames above
 * the drop site on the stack.  The site is itself a return address, so
 * it is found among the frames without knowing any symbol; the frames
 * above it go to user space, which names them.
 */
static __always_inline void nf_above(void *ctx, __u64 location, __u64 *above)
{
	__u32 zero = 0;
	__u64 *f = bpf_map_lookup_elem(&drop_frames, &zero);
	long n;

	if (!f || !location)
		return;
	n = bpf_get_stack(ctx, f, DROP_FRAMES * sizeof(__u64), 0);
#pragma unroll
	for (int i = 0; i < DROP_FRAMES - SKBT_DROP_ABOVE; i++) {
		if ((i + 1) * (long)sizeof(__u64) > n)
			break;
		if (f[i] != location)
			continue;
#pragma unroll
		for (int j = 0; j < SKBT_DROP_ABOVE; j++)
			if ((i + 2 + j) * (long)sizeof(__u64) <= n)
				above[j] = f[i + 1 + j];
		return;
	}
}

/* nf_above(), through the nf_above_cache cache. */
static __always_inline void nf_above_cached(void *ctx, struct sk_buff *skb, struct drop_out *d)
{
	unsigned long refdst = BPF_CORE_READ(skb, _skb_refdst);
	struct nf_above_key k = {.location = d->location, .netns = d->netns, .ifindex = d->ifindex};
	struct nf_above_val *v, nv = {};
	__u64 now = bpf_ktime_get_ns();

	if (refdst)
		k.dst_input = (__u64)BPF_CORE_READ((struct dst_entry *)(refdst & ~1UL), input);
	v = bpf_map_lookup_elem(&nf_above_cache, &k);
	if (v && now - v->ts < NF_ABOVE_TTL_NS) {
		__builtin_memcpy(d->above, v->above, sizeof(d->above));
		return;
	}
	nf_above(ctx, d->location, nv.above);
	nv.ts = now;
	bpf_map_update_elem(&nf_above_cache, &k, &nv, BPF_ANY);
	__builtin_memcpy(d->above, nv.above, sizeof(d->above));
}

/* The socket a packet was dropped on: family, protocol, state, addresses. */
static __always_inline void fill_sock(struct skbt_event *e, struct sock *sk)
{
	struct skbt_sock *s = &e->sock;
	unsigned short fam;

	if (!sk)
		return;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNIX)
		return;
	s->family = fam;
	s->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	s->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	s->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* the addresses by size: BPF_CORE_READ_INTO would read sizeof(char) */
	if (fam == AF_INET) {
		bpf_core_read(s->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(s->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (fam == AF_INET6) {
		bpf_core_read(s->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(s->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	/* request and time-wait socks end after sock_common: TCP by definition */
	if (s->state == TCP_TIME_WAIT || s->state == TCP_NEW_SYN_RECV) {
		s->proto = IPPROTO_TCP;
		s->type = SOCK_STREAM;
	} else {
		s->proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
		s->type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	}
	e->flags |= SKBT_F_HAS_SOCK;
}

static __always_inline void fill_drop(struct skbt_event *e, struct sk_buff *skb,
				      const struct drop_out *d)
{
	e->drop_location = d->location;
	__builtin_memcpy(e->drop_above, d->above, sizeof(e->drop_above));
	fill_sock(e, d->sk ? d->sk : BPF_CORE_READ(skb, sk));
}

/* A row's example: the last dropped packet, at most once a millisecond. */
#define EXAMPLE_EVERY_NS 1000000

static __always_inline void drop_example(struct skbt_drop_val *v, struct sk_buff *skb,
					 const struct pkt *p, const struct skbt_drop_key *k,
					 const struct drop_out *d, __u64 now)
{
	v->last_ts = now;
	v->flags = 0;
	__builtin_memset(&v->example, 0, sizeof(v->example));
	parse_tuple(&v->example, &v->flags, p);
	__builtin_memcpy(v->above, d->above, sizeof(v->above));
	v->ifname[0] = 0;
	if (k->ifindex)
		bpf_probe_read_kernel_str(v->ifname, sizeof(v->ifname),
					  BPF_CORE_READ(skb, dev)->name);
}

/*
 * --drop-summary: one more drop at this site.  Per-CPU values need no
 * atomics; a full map leaves the drop uncounted, and counted as such.
 * Only a row's first drop and one a millisecond pay for the example.
 */
static __always_inline void count_drop(struct sk_buff *skb, const struct pkt *p, __u32 reason,
				       const struct drop_out *d)
{
	struct skbt_drop_key k = {
		.location = d->location,
		.reason = reason,
		.netns = d->netns,
		.ifindex = d->ifindex,
	};
	struct skbt_drop_val *v = bpf_map_lookup_elem(&drop_summary, &k);
	__u64 now = bpf_ktime_get_ns();

	if (!v) {
		__u32 zero = 0;
		struct skbt_drop_val *nv = bpf_map_lookup_elem(&drop_row, &zero);

		if (!nv) {
			count(SKBT_CNT_DROP_UNCOUNTED);
			return;
		}
		nv->count = 1;
		drop_example(nv, skb, p, &k, d, now);
		if (!bpf_map_update_elem(&drop_summary, &k, nv, BPF_NOEXIST))
			return;
		/* another CPU added the key first, with a zero count for this one */
		v = bpf_map_lookup_elem(&drop_summary, &k);
		if (!v) {
			count(SKBT_CNT_DROP_UNCOUNTED);
			return;
		}
	}
	v->count++;
	if (now - v->last_ts >= EXAMPLE_EVERY_NS)
		drop_example(v, skb, p, &k, d, now);
}

/* Fills and submits one event; the caller has checked the filters. */
static __always_inline int emit(void *ctx, struct sk_buff *skb, struct pkt *p, __u32 netns,
				__u64 func, __u16 flags, __u32 reason, __u64 caller,
				const struct skbt_track *tr, const struct drop_out *d, bool typed,
				int first)
{
	struct skbt_event *e = record_get();
	__u32 skb_size = cfg_skb_size;

	if (!e) {
		count(SKBT_CNT_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->skb = (__u64)skb;
	e->func = func;
	e->flags = flags | tr->flags;
	e->track_id = tr->id;
	e->reason = reason;
	e->cpu = bpf_get_smp_processor_id();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* A tracked skb skipped the filters: nobody read its netns yet. */
	e->netns = netns ? netns : netns_of(skb, d ? d->sk : NULL, typed);
	e->mark = skb_mark(skb, typed);
	e->len = p->len;
	e->proto = p->proto;
	fill_dev(e, skb);
	parse_tuple(&e->tuple, &e->flags, p);
	if (d)
		fill_drop(e, skb, d);
	if (cfg_caller) {
		if (caller) {
			e->caller[0] = caller;
		} else {
			/* Under fentry the program's own frame comes first: skipped. */
			bpf_get_stack(ctx, e->caller, sizeof(e->caller),
				      flags & SKBT_F_FENTRY ? 1 : 0);
		}
		e->flags |= SKBT_F_HAS_CALLER;
	}
	if (cfg_stack) {
		e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
		if (e->stack_id >= 0) {
			e->flags |= SKBT_F_HAS_STACK;
		} else {
			e->flags |= SKBT_F_STACK_LOST;
			count(SKBT_CNT_STACK_LOST);
		}
	}
	if (skb_size) {
		if (skb_size > SKBT_SKB_DATA_MAX)
			skb_size = SKBT_SKB_DATA_MAX;
		if (!bpf_probe_read_kernel(e->skb_data, skb_size, skb)) {
			e->skb_data_len = skb_size;
			e->flags |= SKBT_F_HAS_SKB_DATA;
		}
	}
	if (capture_wanted(e->flags, first))
		capture(e, p, cfg_skb_size ? SKBT_SKB_DATA_MAX : 0);
	count(record_put(e) ? SKBT_CNT_LOST : SKBT_CNT_MATCHED);
	return 0;
}

/* What a program does with the skb besides reporting it. */
enum how {
	HOW_TRACE = 0, /* report it; start tracking it when it matches */
	HOW_FREE,      /* it is being freed: report it if it matches, forget it */
	HOW_FORGET,    /* it is being freed: report it only if tracked, forget it */
};

static __always_inline int track_lookup(struct sk_buff *skb, struct skbt_track *tr)
{
	__u64 key = (__u64)skb;
	struct skbt_track *v = bpf_map_lookup_elem(&tracked_skbs, &key);

	if (!v)
		return 0;
	*tr = *v;
	return 1;
}

/* A full map leaves the skb untracked, id 0: counted, never silent. */
static __always_inline void track_insert(struct sk_buff *skb, struct skbt_track *tr)
{
	__u64 key = (__u64)skb;

	if (bpf_map_update_elem(&tracked_skbs, &key, tr, BPF_ANY)) {
		count(SKBT_CNT_TRACK_FULL);
		tr->id = 0;
	}
}

/* A new packet: an id, and a map entry unless it is being freed anyway. */
static __always_inline void track_start(struct sk_buff *skb, struct skbt_track *tr, enum how how)
{
	tr->id = __sync_fetch_and_add(&track_last_id, 1) + 1;
	if (how == HOW_TRACE)
		track_insert(skb, tr);
}

/*
 * The filter's verdict alone when the skb is read in place: nothing of it
 * is kept for the event, so nothing is saved across the filter's call,
 * and a packet that passes is read again in full.  Most runs end here.
 */
static __always_inline int pass_pcap_direct(struct sk_buff *skb, bool typed)
{
	struct pkt p;

	pkt_read_direct(skb, &p, typed);
	return pass_pcap(&p);
}

static __always_inline int matches(struct sk_buff *skb, struct pkt *p, __u32 *netns,
				   struct sock *sk, bool typed)
{
	if (!pass_filters(skb, netns, sk, typed))
		return 0;
	if (cfg_direct && cfg_pcap && !pass_pcap_direct(skb, typed))
		return 0;
	pkt_read(skb, p, typed);
	if (!cfg_direct && cfg_pcap && !pass_pcap(p))
		return 0;
	return !cfg_tun || pass_tunnel(skb, p);
}

/*
 * The probe index of a tracepoint program.  Kernels 6.10+ hand it over as
 * the link's cookie.  Elsewhere the immediate is a marker that user space
 * rewrites in each copy of the program it loads, one per tracepoint,
 * since such a program cannot tell which tracepoint it is attached to.
 */
static __always_inline __u64 probe_id(void *ctx)
{
	__u64 id;

	if (cfg_tp_cookie)
		return bpf_get_attach_cookie(ctx);
	asm volatile("%0 = %1" : "=r"(id) : "i"(SKBT_PROBE_ID_MARKER));
	return id;
}

/*
 * What names the event: the probe index for tracepoints, else the
 * function's address.  Asked only for an event that is reported: most
 * runs are filtered out, and both can be helper calls.
 */
static __always_inline __u64 event_func(void *ctx, __u16 flags)
{
	return flags & SKBT_F_TRACEPOINT ? probe_id(ctx) : bpf_get_func_ip(ctx);
}

static __always_inline int is_drop(__u16 flags, __u32 reason)
{
	return (flags & SKBT_F_HAS_REASON) && reason != cfg_consumed;
}

/*
 * Drops are counted (--drop-summary) and reported with their site,
 * socket and netfilter hook, found once for both.
 */
static __always_inline int handle_drop(void *ctx, struct sk_buff *skb, struct pkt *p, __u32 netns,
				       __u16 flags, __u32 reason, __u64 caller,
				       const struct skbt_track *tr, const struct drop_in *in,
				       bool typed, int first)
{
	struct drop_out d = {.location = in ? in->location : 0, .sk = in ? in->sk : NULL};

	d.netns = netns ? netns : netns_of(skb, d.sk, typed);
	d.ifindex = skb_ifindex(skb, typed);
	if (cfg_nf_drop && reason == cfg_nf_drop)
		nf_above_cached(ctx, skb, &d);
	if (cfg_drop_summary)
		count_drop(skb, p, reason, &d);
	if (!cfg_drop_events)
		return 0;
	return emit(ctx, skb, p, d.netns, event_func(ctx, flags), flags | SKBT_F_DROP, reason,
		    caller, tr, &d, typed, first);
}

/*
 * --drops-only attaches the drop hook and the free points (how), never a
 * program that only traces: those need not test cfg_drops_only, and a
 * test is a load and a branch on every run, rejected or not.
 */
static __always_inline int drops_only_applies(__u16 flags, enum how how)
{
	return how != HOW_TRACE || (flags & SKBT_F_HAS_REASON);
}

static __always_inline int handle_skb(void *ctx, struct sk_buff *skb, __u16 flags, __u32 reason,
				      __u64 caller, enum how how, const struct drop_in *in,
				      bool typed)
{
	struct skbt_track tr = {};
	__u32 netns = 0;
	__u64 key = (__u64)skb;
	int drop = is_drop(flags, reason);
	struct pkt p;
	int first = 0;

	if (!skb || (drops_only_applies(flags, how) && cfg_drops_only && !drop))
		return 0;
	/* A tracked skb bypasses the filters: its headers may have changed. */
	if (cfg_track && track_lookup(skb, &tr)) {
		pkt_read(skb, &p, typed);
	} else {
		if (how == HOW_FORGET || !matches(skb, &p, &netns, in ? in->sk : NULL, typed))
			return 0;
		if (cfg_track)
			track_start(skb, &tr, how);
		first = 1;
	}
	if (cfg_track && how != HOW_TRACE)
		flags |= SKBT_F_FREED;
	if (drop)
		handle_drop(ctx, skb, &p, netns, flags, reason, caller, &tr, in, typed, first);
	else
		emit(ctx, skb, &p, netns, event_func(ctx, flags), flags, reason, caller, &tr, NULL,
		     typed, first);
	/* After the event: the last event of a packet is still reported. */
	if (cfg_track && how != HOW_TRACE)
		bpf_map_delete_elem(&tracked_skbs, &key);
	return 0;
}

#define TP_PROG(n)                                                                                 \
	SEC("skbt.raw_tp")                                                                         \
	int skbt_tp##n(struct bpf_raw_tracepoint_args *ctx)                                        \
	{                                                                                          \
		return handle_skb(ctx, (struct sk_buff *)ctx->args[n - 1], SKBT_F_TRACEPOINT, 0,   \
				  0, HOW_TRACE, NULL, false);                                      \
	}

TP_PROG(1)
TP_PROG(2)
TP_PROG(3)
TP_PROG(4)
TP_PROG(5)

/*
 * skb:kfree_skb(skb, location, reason[, rx_sk]): reason since 5.17, rx_sk
 * (the socket a received packet was dropped on) since 6.12.
 */
SEC("skbt.raw_tp")
int skbt_tp_kfree_skb(struct bpf_raw_tracepoint_args *ctx)
{
	struct drop_in in = {.location = ctx->args[1]};

	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb *)0)->rx_sk))
		in.sk = (struct sock *)ctx->args[3];
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0],
			  SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON, (__u32)ctx->args[2], 0,
			  cfg_track_tp_free ? HOW_FREE : HOW_TRACE, &in, false);
}

/* skb:consume_skb(skb[, location]) when tracking: the skb's last event. */
SEC("skbt.raw_tp")
int skbt_tp_consume_skb(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FREE,
			  NULL, false);
}

/*
 * The free tracepoints when --filter-func did not select them: tracked
 * skbs are still reported and forgotten there, nothing else.  No reason:
 * the drop itself was reported by the drop hook.
 */
SEC("skbt.raw_tp")
int skbt_tp_forget(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx->args[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FORGET,
			  NULL, false);
}

/*
 * tp_btf backend: the same, with typed arguments (typed).  Each program
 * is verified against one tracepoint's prototype, so user space loads a
 * copy per tracepoint, with its probe index and its btf_trace_<name> id.
 */
#define TB_PROG(n)                                                                                 \
	SEC("skbt.tp_btf")                                                                         \
	int skbt_tb##n(__u64 *ctx)                                                                 \
	{                                                                                          \
		return handle_skb(ctx, (struct sk_buff *)ctx[n - 1], SKBT_F_TRACEPOINT, 0, 0,      \
				  HOW_TRACE, NULL, true);                                          \
	}

TB_PROG(1)
TB_PROG(2)
TB_PROG(3)
TB_PROG(4)
TB_PROG(5)

/* skbt_tp_kfree_skb's arguments, typed: rx_sk is read in place. */
SEC("skbt.tp_btf")
int skbt_tb_kfree_skb(__u64 *ctx)
{
	struct drop_in in = {.location = ctx[1]};

	if (bpf_core_field_exists(((struct trace_event_raw_kfree_skb *)0)->rx_sk))
		in.sk = (struct sock *)ctx[3];
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT | SKBT_F_HAS_REASON,
			  (__u32)ctx[2], 0, cfg_track_tp_free ? HOW_FREE : HOW_TRACE, &in, true);
}

SEC("skbt.tp_btf")
int skbt_tb_consume_skb(__u64 *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FREE, NULL,
			  true);
}

SEC("skbt.tp_btf")
int skbt_tb_forget(__u64 *ctx)
{
	return handle_skb(ctx, (struct sk_buff *)ctx[0], SKBT_F_TRACEPOINT, 0, 0, HOW_FORGET, NULL,
			  true);
}

static __always_inline __u64 kp_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 1:
		return PT_REGS_PARM1(regs);
	case 2:
		return PT_REGS_PARM2(regs);
	case 3:
		return PT_REGS_PARM3(regs);
	case 4:
		return PT_REGS_PARM4(regs);
	default:
		return PT_REGS_PARM5(regs);
	}
}

static __always_inline __u64 kp_caller(struct pt_regs *regs)
{
	__u64 ret = 0;

	/* At function entry the return address is on top of the stack. */
	if (cfg_caller)
		bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
}

static __always_inline int kp_handle(struct pt_regs *regs, int n)
{
	return handle_skb(regs, (struct sk_buff *)kp_arg(regs, n), 0, 0, kp_caller(regs), HOW_TRACE,
			  NULL, false);
}

#define KP_PROG(n)                                                                                 \
	SEC("skbt.kprobe")                                                                         \
	int skbt_kp##n(struct pt_regs *regs)                                                       \
	{                                                                                          \
		return kp_handle(regs, n);                                                         \
	}                                                                                          \
	SEC("skbt.kprobe_multi")                                                                   \
	int skbt_kpm##n(struct pt_regs *regs)                                                      \
	{                                                                                          \
		return kp_handle(regs, n);                                                         \
	}

KP_PROG(1)
KP_PROG(2)
KP_PROG(3)
KP_PROG(4)
KP_PROG(5)

/* At a function's entry the return address into its caller tops the stack. */
static __always_inline __u64 kp_ret_addr(struct pt_regs *regs)
{
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
}

/* kfree_skb_reason(skb, reason), kernels 5.17 to 6.10: the caller is the drop site. */
SEC("skbt.kprobe")
int skbt_kp_drop_r2(struct pt_regs *regs)
{
	struct drop_in in = {.location = kp_ret_addr(regs)};

	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), SKBT_F_HAS_REASON,
			  (__u32)PT_REGS_PARM2(regs), cfg_caller ? in.location : 0, HOW_TRACE, &in,
			  false);
}

/* sk_skb_reason_drop(sk, skb, reason), kernels 6.11 and later. */
SEC("skbt.kprobe")
int skbt_kp_drop_r3(struct pt_regs *regs)
{
	struct drop_in in = {.location = kp_ret_addr(regs),
			     .sk = (struct sock *)PT_REGS_PARM1(regs)};

	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM2(regs), SKBT_F_HAS_REASON,
			  (__u32)PT_REGS_PARM3(regs), cfg_caller ? in.location : 0, HOW_TRACE, &in,
			  false);
}

/*
 * Function backends with tracking: where an skb's struct goes back to the
 * allocator (kfree_skbmem, napi_skb_cache_put, kfree_skb_partial).
 * skbt_kp_free serves a selected function, skbt_kp_forget one that
 * --filter-func left out: it reports tracked skbs only.
 */
SEC("skbt.kprobe")
int skbt_kp_free(struct pt_regs *regs)
{
	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), 0, 0, kp_caller(regs),
			  HOW_FREE, NULL, false);
}

SEC("skbt.kprobe")
int skbt_kp_forget(struct pt_regs *regs)
{
	return handle_skb(regs, (struct sk_buff *)PT_REGS_PARM1(regs), 0, 0, kp_caller(regs),
			  HOW_FORGET, NULL, false);
}

/*
 * Entry of skb_clone(), skb_copy(), __pskb_copy_fclone(), skb_copy_expand()
 * (the source skb is argument 1): a tracked source is kept for the return.
 * sp at entry points at the return address; the return sees sp + 8.
 */
SEC("skbt.kprobe")
int skbt_clone_entry(struct pt_regs *regs)
{
	struct clone_slot s = {.func = bpf_get_func_ip(regs)};
	__u64 key = PT_REGS_SP(regs);

	if (!cfg_track)
		return 0;
	/*
	 * A slot already here is stale (its return was missed), and the next
	 * return at this stack depth would take it: drop it, count it.
	 */
	if (!bpf_map_delete_elem(&clone_parents, &key))
		count(SKBT_CNT_CLONE_LOST);
	if (!track_lookup((struct sk_buff *)PT_REGS_PARM1(regs), &s.parent))
		return 0;
	if (bpf_map_update_elem(&clone_parents, &key, &s, BPF_ANY))
		count(SKBT_CNT_CLONE_LOST);
	return 0;
}

/* Return of a cloning function: the new skb joins its source's packet. */
SEC("skbt.kprobe")
int skbt_clone_ret(struct pt_regs *regs)
{
	struct sk_buff *child = (struct sk_buff *)PT_REGS_RC(regs);
	__u64 key = PT_REGS_SP(regs) - 8;
	struct clone_slot *v, s;
	struct pkt p;

	if (!cfg_track)
		return 0;
	v = bpf_map_lookup_elem(&clone_parents, &key);
	if (!v)
		return 0;
	s = *v;
	bpf_map_delete_elem(&clone_parents, &key);
	/* NULL: the allocation failed, there is no clone. */
	if (!child)
		return 0;
	s.parent.flags |= SKBT_F_CLONE;
	track_insert(child, &s.parent);
	pkt_read(child, &p, false);
	return emit(regs, child, &p, 0, s.func, 0, 0, 0, &s.parent, NULL, false, 0);
}

/*
 * fentry backend.  A fentry program is verified against one function, so
 * user space loads a copy per function; bpf_get_func_arg reads the
 * argument as a plain value (the verifier inlines it) so that handle_skb
 * works unchanged, with probe reads, as under a kprobe.
 */
static __always_inline __u64 fe_arg(void *ctx, __u32 n)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, n - 1, &v);
	return v;
}

static __always_inline int fe_handle(void *ctx, __u32 n, __u16 flags, enum how how)
{
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, n), SKBT_F_FENTRY | flags, 0, 0, how,
			  NULL, false);
}

/*
 * The drop site under fentry: the stack holds the trampoline, then the
 * return address into the traced function's first instructions (where
 * it called the trampoline), then the one into its caller.
 */
static __always_inline __u64 fe_location(void *ctx)
{
	__u64 ip = bpf_get_func_ip(ctx), *f;
	__u32 zero = 0;
	long n;

	f = bpf_map_lookup_elem(&drop_frames, &zero);
	if (!f)
		return 0;
	n = bpf_get_stack(ctx, f, 6 * sizeof(__u64), 0);
#pragma unroll
	for (int i = 0; i < 5; i++) {
		if ((i + 2) * (long)sizeof(__u64) > n)
			break;
		if (f[i] - ip < 32)
			return f[i + 1];
	}
	return 0;
}

/* kfree_skb_reason / sk_skb_reason_drop under fentry; sk_arg 0: no socket argument. */
static __always_inline int fe_drop(void *ctx, __u32 skb_arg, __u32 reason_arg, __u32 sk_arg)
{
	struct drop_in in = {.location = fe_location(ctx)};

	if (sk_arg)
		in.sk = (struct sock *)fe_arg(ctx, sk_arg);
	return handle_skb(ctx, (struct sk_buff *)fe_arg(ctx, skb_arg),
			  SKBT_F_FENTRY | SKBT_F_HAS_REASON, (__u32)fe_arg(ctx, reason_arg), 0,
			  HOW_TRACE, &in, false);
}

#define FE_PROG(n)                                                                                 \
	SEC("skbt.fentry")                                                                         \
	int skbt_fe##n(void *ctx)                                                                  \
	{                                                                                          \
		return fe_handle(ctx, n, 0, HOW_TRACE);                                            \
	}

FE_PROG(1)
FE_PROG(2)
FE_PROG(3)
FE_PROG(4)
FE_PROG(5)

SEC("skbt.fentry")
int skbt_fe_drop_r2(void *ctx)
{
	return fe_drop(ctx, 1, 2, 0);
}

SEC("skbt.fentry")
int skbt_fe_drop_r3(void *ctx)
{
	return fe_drop(ctx, 2, 3, 1);
}

/* The free points of --filter-track-skb, as skbt_kp_free and skbt_kp_forget. */
SEC("skbt.fentry")
int skbt_fe_free(void *ctx)
{
	return fe_handle(ctx, 1, 0, HOW_FREE);
}

SEC("skbt.fentry")
int skbt_fe_forget(void *ctx)
{
	return fe_handle(ctx, 1, 0, HOW_FORGET);
}

/*
 * fexit of a cloning function: the source is still argument 1 and the
 * result is at hand, so one program does what a kprobe/kretprobe pair
 * and its slot map do.
 */
SEC("skbt.fexit")
int skbt_fx_clone(void *ctx)
{
	struct skbt_track tr;
	__u64 child = 0;
	struct pkt p;

	if (!cfg_track)
		return 0;
	bpf_get_func_ret(ctx, &child);
	/* 0: the allocation failed, there is no clone. */
	if (!child || !track_lookup((struct sk_buff *)fe_arg(ctx, 1), &tr))
		return 0;
	tr.flags |= SKBT_F_CLONE;
	track_insert((struct sk_buff *)child, &tr);
	pkt_read((struct sk_buff *)child, &p, false);
	return emit(ctx, (struct sk_buff *)child, &p, 0, bpf_get_func_ip(ctx), SKBT_F_FENTRY, 0, 0,
		    &tr, NULL, false, 0);
}
