/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF programs (skbtrace.bpf.c) and user space.
 * Kept free of any include so both sides can use it as is.
 */
#ifndef SKBTRACE_H
#define SKBTRACE_H

#define SKBT_IFNAMSIZ	   16
#define SKBT_COMMLEN	   16
#define SKBT_CALLER_FRAMES 4
/* Return addresses kept above a netfilter drop's site: up to the hook's caller. */
#define SKBT_DROP_ABOVE 3

/* Bits of skbt_event.flags. */
enum skbt_event_flags {
	SKBT_F_TRACEPOINT = 1 << 0,   /* func is an index into the probe table */
	SKBT_F_HAS_REASON = 1 << 1,   /* reason is valid (a free with a reason) */
	SKBT_F_HAS_TUPLE = 1 << 2,    /* an IPv4/IPv6 header was parsed */
	SKBT_F_HAS_PORTS = 1 << 3,    /* TCP/UDP/SCTP ports were parsed */
	SKBT_F_HAS_STACK = 1 << 4,    /* stack_id is valid */
	SKBT_F_HAS_CALLER = 1 << 5,   /* caller[] holds kernel addresses */
	SKBT_F_HAS_SKB_DATA = 1 << 6, /* struct sk_buff bytes follow */
	SKBT_F_STACK_LOST = 1 << 7,   /* a stack was wanted but the map was full */
	SKBT_F_CLONE = 1 << 8,	      /* skb is a clone or copy of a tracked skb */
	SKBT_F_FREED = 1 << 9,	      /* skb is being freed: last event of this skb */
	SKBT_F_FENTRY = 1 << 10,      /* from a BPF trampoline: its frames top the stack */
	SKBT_F_DROP = 1 << 11,	      /* a drop (a reason but SKB_CONSUMED): drop_* fields valid */
	SKBT_F_HAS_SOCK = 1 << 12,    /* sock holds the drop's socket */
	SKBT_F_CAPTURE = 1 << 13,     /* a packet record for -w: cap_* are valid */
	SKBT_F_PROG = 1 << 14,	      /* in a tc/XDP BPF program: func is its program id */
	SKBT_F_PROG_RET = 1 << 15,    /* at its return: verdict (and redirect) are valid */
	SKBT_F_XDP = 1 << 16,	      /* an XDP program's packet: there is no skb yet */
};

/* Value of the tracked_skbs map (--filter-track-skb), key: the skb address. */
struct skbt_track {
	unsigned long long id; /* per-packet id, the same for its clones */
	unsigned int flags;    /* SKBT_F_CLONE or 0 */
	unsigned int pad;
};

/*
 * One record in the ring buffer.  The layout is fixed: user space reads
 * it without copying.  Addresses are kernel virtual addresses.
 */
struct skbt_tuple {
	unsigned char saddr[16]; /* IPv4 in the first 4 bytes */
	unsigned char daddr[16];
	unsigned short sport; /* host order */
	unsigned short dport;
	unsigned char l3;	 /* 4 or 6, 0 when unknown */
	unsigned char l4;	 /* IPPROTO_* */
	unsigned char tcp_flags; /* FIN=0x01 ... CWR=0x80 */
	unsigned char pad;
};

/* What a socket said when a packet was dropped on it. */
struct skbt_sock {
	unsigned char saddr[16]; /* local (rcv_saddr); IPv4 in the first 4 bytes */
	unsigned char daddr[16]; /* remote */
	unsigned short sport;	 /* local port, host order */
	unsigned short dport;	 /* remote port, host order */
	unsigned short family;	 /* AF_INET, AF_INET6, AF_UNIX ... */
	unsigned char proto;	 /* IPPROTO_*; 0 when the socket did not say */
	unsigned char state;	 /* TCP_ESTABLISHED ... (the kernel's numbering) */
	unsigned short type;	 /* SOCK_STREAM, SOCK_DGRAM ... */
	unsigned short pad;
};

struct skbt_event {
	unsigned long long ts;	 /* bpf_ktime_get_ns() */
	unsigned long long skb;	 /* struct sk_buff address */
	unsigned long long func; /* probed address, or probe index */
	unsigned long long caller[SKBT_CALLER_FRAMES];
	unsigned long long track_id; /* packet id with --filter-track-skb, else 0 */
	unsigned int cpu;
	unsigned int pid;
	char comm[SKBT_COMMLEN];
	unsigned int netns; /* inode of the skb's network namespace */
	unsigned int mark;
	unsigned int ifindex;
	char ifname[SKBT_IFNAMSIZ];
	unsigned int len;    /* skb->len */
	unsigned int mtu;    /* dev->mtu, 0 without a device */
	unsigned int reason; /* enum skb_drop_reason, see flags */
	int stack_id;
	unsigned int flags;	     /* enum skbt_event_flags */
	unsigned short proto;	     /* skb->protocol, host order */
	unsigned short skb_data_len; /* bytes of struct sk_buff that follow */
	unsigned short cap_len;	     /* packet bytes captured, at skb_data + cap_off */
	unsigned short pad;
	struct skbt_tuple tuple;
	/*
	 * SKBT_F_DROP: the kernel's drop site; for netfilter drops the return
	 * addresses above it, among which the one into the function that ran
	 * the hook (nft_do_chain <- nft_do_chain_inet <- nf_hook_slow <-
	 * ip_local_deliver: INPUT); zeros otherwise.
	 */
	unsigned long long drop_location;
	unsigned long long drop_above[SKBT_DROP_ABOVE];
	struct skbt_sock sock; /* SKBT_F_HAS_SOCK */
	/* SKBT_F_PROG_RET: what a tc or XDP program returned, and where to. */
	int verdict;		     /* TC_ACT_* or XDP_* */
	unsigned int redirect;	     /* a redirect's target: ifindex, or map key */
	unsigned int redirect_map;   /* id of the map redirected through, 0: none */
	unsigned int redirect_flags; /* bpf_redirect()'s flags (BPF_F_INGRESS) */
	unsigned int cap_orig_len;   /* the packet's length from where the capture starts */
	unsigned short cap_off;	     /* where the captured bytes start in skb_data[] */
	unsigned char cap_l2;	     /* 1: from the MAC header, 0: from the network header */
	unsigned char cap_pad;
	unsigned char skb_data[]; /* --output-skb, then -w's packet bytes */
};

/* Indexes of the per-CPU counters in the "counters" map. */
enum skbt_counter {
	SKBT_CNT_LOST = 0,	 /* ring buffer full: event dropped */
	SKBT_CNT_STACK_LOST,	 /* stack map full: event sent without stack */
	SKBT_CNT_MATCHED,	 /* events that passed every filter */
	SKBT_CNT_TRACK_FULL,	 /* tracked_skbs map full: packet not tracked */
	SKBT_CNT_CLONE_LOST,	 /* clone not tracked: per-task parent slot busy or lost */
	SKBT_CNT_DROP_UNCOUNTED, /* --drop-summary map full: drop not counted */
	SKBT_CNT_MAX,
};

/* Bytes of struct sk_buff from len that one probe read takes for pkt_read(). */
#define SKBT_SKB_SPAN 128

/* Most packet bytes one record carries (-s 0): cap_len is 16 bits. */
#define SKBT_CAPTURE_MAX 65535
/*
 * Up to this -s a record is built in a ring reservation of its largest
 * size; above it, in a per-CPU buffer copied to the ring at its real size.
 */
#define SKBT_CAP_INLINE_MAX 1024

/* Which events carry a packet record (--capture-at). */
enum skbt_capture_at {
	SKBT_CAP_ALL = 0,
	SKBT_CAP_FIRST, /* a packet's first event (with --filter-track-skb) */
	SKBT_CAP_DROP,	/* drop events: SKBT_F_DROP */
};

/* Largest struct sk_buff copied for --output-skb. */
#define SKBT_SKB_DATA_MAX 512

/*
 * The per-program marker immediate: user space replaces it with the
 * probe index when it loads one copy of a tracepoint program per
 * tracepoint (raw tracepoints have no way to tell which one fired).
 */
#define SKBT_PROBE_ID_MARKER 0x5ca1ab1e

/* The immediate user space replaces with the traced tc/XDP program's id. */
#define SKBT_PROG_ID_MARKER 0x5ca1ab41

/*
 * One program the iterator over BPF programs saw (--filter-trace-tc/-xdp):
 * the references tell whether anything but our own links keeps it.
 */
struct skbt_prog_ref {
	unsigned int id;
	unsigned int type; /* enum bpf_prog_type */
	long long refcnt;
};

/* The helper-call immediate user space turns into a bpf_rdonly_cast kfunc call. */
#define SKBT_DIRECT_MARKER 0x5ca1ab31

/* Markers that let user space find the packet-filter stubs in final code. */
#define SKBT_PCAP_L2_MARKER 0x5ca1ab12
#define SKBT_PCAP_L3_MARKER 0x5ca1ab13
/* ... and the stubs run on a tunnel's inner Ethernet frame / IP header. */
#define SKBT_PCAP_TUN_L2_MARKER 0x5ca1ab22
#define SKBT_PCAP_TUN_L3_MARKER 0x5ca1ab23

/*
 * The stubs' index in cfg_pcap_win[] / cfg_pcap_pad[]: the packet window
 * each translated filter wants its caller to copy (pcap_filter.h).
 */
enum skbt_pcap_stub {
	SKBT_PCAP_L2,
	SKBT_PCAP_L3,
	SKBT_PCAP_TUN_L2,
	SKBT_PCAP_TUN_L3,
	SKBT_PCAP_STUBS,
};

/* Largest window a caller copies: PCAP_FILTER_WINDOW, the translator's default. */
#define SKBT_PCAP_WINDOW 128
/*
 * Instructions of `ja +0` each filter stub opens with: a translated filter
 * up to this long is written into the stub instead of being called from
 * it (pcap_filter_splice()), one call level less per run.  The verifier
 * removes what is left of them.
 */
#define SKBT_PCAP_STUB_ROOM 128

/* Bits of cfg_tun: which tunnel filters are spliced in. */
enum skbt_tun_filter {
	SKBT_TUN_L2 = 1 << 0,
	SKBT_TUN_L3 = 1 << 1,
};

#endif /* SKBTRACE_H */
