// SPDX-License-Identifier: GPL-2.0
/*
 * The drop hint table: what each kernel drop reason usually means and
 * what to run next.  Data only; hints.c picks a row and fills it.
 *
 * Rows are tried in order: a row with a location pattern comes before
 * its reason's general row.  Location patterns only name sites seen on a
 * kernel (the drop tests print them), not guesses.  Placeholders (hints.c): {reason} {location}
 * {func} {netns} {nsexec} {dev} {proto} {src} {dst} {sport} {dport}
 * {from} {to} {hook} {ipt} {ipt_list} {ipcmd} {ipv} {udpmib} {tcpflags}
 * {sock} {state} {lport}.  Only {reason}, {nsexec} and {udpmib} are
 * always known: every other one sits inside [...|...] so that a drop
 * lacking it still reads as a sentence (tests/unit/test_hints.c checks).
 */
#include "diag/hints.h"

#define IN_NS  "[ in netns {netns}]"
#define ON_DEV "[ on {dev}]"
#define DEV_OR "[{dev}|DEV]"
#define ROUTE_GET                                                                                    \
	"[`{nsexec}{ipcmd} route get {dst} from {src} iif {dev}`|`{nsexec}{ipcmd} route get {dst}`|" \
	"`{nsexec}ip route`]"
#define SOCK_OR "[{sock}|the socket]"
#define SS_PORT "[ sport = :{lport}| sport = :{dport}]"

static const struct hint_rule rules[] = {
	/* ---- netfilter ---- */
	{"NETFILTER_DROP", "nft_do_chain*",
	 "an nftables rule dropped it[ in the {hook} hook]" IN_NS ": `{nsexec}nft list ruleset`"
	 "[ (iptables-nft rules are listed there too, or: `{ipt_list}`)]"},
	/* legacy iptables, ebtables, conntrack: the drop site is nf_hook_slow() */
	{"NETFILTER_DROP", NULL,
	 "a netfilter hook dropped it[ in the {hook} hook]" IN_NS ": `{nsexec}nft list ruleset`"
	 "[ and `{ipt_list}`| and `{nsexec}iptables-save -c`]"},
	/* ---- sockets ---- */
	{"NO_SOCKET", "*udp*",
	 "nothing listens on udp [{to}|this port]" IN_NS
	 ": `{nsexec}ss -uanp[ sport = :{dport}]`, counted in `{nsexec}nstat -az {udpmib}NoPorts`"},
	{"NO_SOCKET", "tcp*",
	 "no TCP socket for [{to}|this segment]" IN_NS
	 " (nothing listens, or the connection is gone; the kernel answers with a RST): "
	 "`{nsexec}ss -tanp[ sport = :{dport}]`"},
	{"NO_SOCKET", NULL,
	 "no socket for [{proto} {to}|this packet]" IN_NS ": `{nsexec}ss -anp[ sport = :{dport}]`"},
	{"SOCKET_FILTER", NULL,
	 "a socket filter (SO_ATTACH_FILTER / SO_ATTACH_BPF) on " SOCK_OR " refused it" IN_NS
	 ": `{nsexec}ss -anpe" SS_PORT "` names the process that set it"},
	{"SOCKET_RCVBUFF", "*udp*",
	 "the receive buffer of [{sock}|the UDP socket] is full, its reader is too slow" IN_NS
	 ": raise SO_RCVBUF (capped by net.core.rmem_max) or read faster; "
	 "`{nsexec}ss -uanm" SS_PORT "` (skmem rb), `{nsexec}nstat -az {udpmib}RcvbufErrors`"},
	{"SOCKET_RCVBUFF", NULL,
	 "the receive buffer of " SOCK_OR " is full, its reader is too slow" IN_NS
	 ": raise SO_RCVBUF (capped by net.core.rmem_max) or read faster; `{nsexec}ss -anm" SS_PORT
	 "` (skmem rb)"},
	{"PROTO_MEM", NULL,
	 "[{proto}|the protocol]'s memory for all sockets" IN_NS
	 " is exhausted: sysctl net.ipv4.[{proto}_mem|tcp_mem / net.ipv4.udp_mem] (in pages), "
	 "`{nsexec}cat /proc/net/sockstat`"},
	{"SOCKET_BACKLOG", NULL,
	 "the backlog of " SOCK_OR
	 " is full (packets came faster than its owner released it; limit rcvbuf + sndbuf)" IN_NS
	 ": raise SO_RCVBUF / net.core.rmem_max; `{nsexec}nstat -az TcpExtTCPBacklogDrop`"},
	{"SOCKET_CLOSE", NULL,
	 SOCK_OR " was closed with this packet still queued (data its application never read)"},
	{"UNIX_DISCONNECT", NULL, "the peer of a unix socket disconnected with this data queued"},
	{"UNIX_SKIP_OOB", NULL, "out-of-band data on a unix socket skipped by its reader"},
	{"PACKET_SOCK_ERROR", NULL,
	 "a packet socket (tcpdump, AF_PACKET) could not queue its copy: its buffer is full"},
	/* ---- tc, qdisc, XDP, backlog ---- */
	{"TC_INGRESS", NULL,
	 "a tc ingress filter" ON_DEV " dropped it (TC_ACT_SHOT, e.g. a BPF program in "
	 "direct-action mode)" IN_NS ": `{nsexec}tc filter show dev " DEV_OR " ingress`"},
	{"TC_EGRESS", NULL,
	 "a tc egress filter" ON_DEV " dropped it (TC_ACT_SHOT)" IN_NS
	 ": `{nsexec}tc filter show dev " DEV_OR " egress`"},
	{"TC_CHAIN_NOTFOUND", NULL,
	 "a tc filter" ON_DEV " jumped to a chain that does not exist" IN_NS
	 ": `{nsexec}tc chain show dev " DEV_OR " ingress` (and egress)"},
	{"TC_RECLASSIFY_LOOP", NULL,
	 "tc reclassified it too often (a loop between filters)" ON_DEV
	 ": `{nsexec}tc filter show dev " DEV_OR " ingress`"},
	{"TC_COOKIE_ERROR", NULL,
	 "a tc action cookie could not be attached" ON_DEV ": `{nsexec}tc -s actions ls`"},
	{"QDISC_DROP", NULL,
	 "the queueing discipline" ON_DEV " dropped it (queue full)" IN_NS
	 ": `{nsexec}tc -s qdisc show dev " DEV_OR "` (dropped, backlog)"},
	{"QDISC_OVERLIMIT", NULL,
	 "over the qdisc's limit" ON_DEV IN_NS ": `{nsexec}tc -s qdisc show dev " DEV_OR "`"},
	{"QDISC_CONGESTED", NULL,
	 "the qdisc's congestion control (CoDel, PIE, RED ...) dropped it" ON_DEV IN_NS
	 ": `{nsexec}tc -s qdisc show dev " DEV_OR "`"},
	{"CAKE_FLOOD", NULL,
	 "CAKE's flood protection dropped it" ON_DEV ": `{nsexec}tc -s qdisc show dev " DEV_OR "`"},
	{"FQ_*", NULL,
	 "the fq qdisc's {reason} limit" ON_DEV " (flow_limit, horizon, band limit): "
	 "`{nsexec}tc -s qdisc show dev " DEV_OR "`"},
	{"CPU_BACKLOG", NULL,
	 "the per-CPU input backlog is full (RPS, veth or loopback traffic faster than softirq "
	 "drains it): raise net.core.netdev_max_backlog; `cat /proc/net/softnet_stat` "
	 "(second column)"},
	{"XDP", NULL,
	 "an XDP program" ON_DEV " returned XDP_DROP or XDP_ABORTED" IN_NS
	 ": `{nsexec}bpftool net show[ dev {dev}]`"},
	/* ---- IP input, routing, neighbours ---- */
	{"IP_RPFILTER", NULL,
	 "reverse-path filter: the route back to [{src}|the source] does not leave through "
	 "[{dev}|the receiving interface]" IN_NS ": `{nsexec}ip route get [{src}|SRC]`, "
	 "`{nsexec}sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf." DEV_OR ".rp_filter` "
	 "(the larger applies; 2 = loose)"},
	{"OTHERHOST", NULL,
	 "the frame was for another MAC address than [{dev}|the interface]'s (PACKET_OTHERHOST)" IN_NS
	 ": compare the sender's `ip neigh` with `{nsexec}ip link show[ {dev}]`"},
	{"IP_INADDRERRORS", NULL,
	 "no valid route for [{dst}|the destination]" ON_DEV
	 " (an unreachable, prohibit or blackhole route, or an address refused on input)" IN_NS
	 ": " ROUTE_GET},
	{"IP_INNOROUTES", NULL,
	 "no route for [{dst}|the destination]" ON_DEV " (or forwarding is off)" IN_NS
	 ": " ROUTE_GET ", `{nsexec}sysctl net.[{ipv}|ipv4].conf.all.forwarding`"},
	{"IP_OUTNOROUTES", NULL,
	 "no route to send to [{dst}|the destination]" IN_NS
	 ": [`{nsexec}{ipcmd} route get {dst}`|`{nsexec}ip route`]"},
	{"IP_LOCAL_SOURCE", NULL,
	 "the source [{src}|address] is this host's own, arriving from outside" ON_DEV
	 " (a loop or spoofing)" IN_NS ": `{nsexec}ip -br addr`; sysctl net.ipv4.conf." DEV_OR
	 ".accept_local"},
	{"IP_INVALID_SOURCE", NULL,
	 "martian source [{src}|address]" ON_DEV " (multicast, broadcast, 0.0.0.0 or 127/8)" IN_NS
	 ": `{nsexec}sysctl -w net.ipv4.conf.all.log_martians=1` logs them"},
	{"IP_LOCALNET", NULL,
	 "127.0.0.0/8 traffic on a non-loopback device[ ({dev})]"
	 ": sysctl net.ipv4.conf." DEV_OR ".route_localnet"},
	{"IP_INVALID_DEST", NULL,
	 "invalid destination [{dst}|address] (multicast, loopback or zero net where the route "
	 "refuses it)" IN_NS ": " ROUTE_GET},
	{"IP_CSUM", NULL,
	 "bad IPv4 header checksum[ from {src}]" ON_DEV
	 ": a broken sender or checksum offload (`ethtool -k " DEV_OR "`); "
	 "`{nsexec}nstat -az IpInHdrErrors`"},
	{"IP_INHDR", NULL,
	 "invalid IP header (version, length, TTL)[ from {src}]" ON_DEV
	 ": `{nsexec}nstat -az IpInHdrErrors Ip6InHdrErrors`"},
	{"IP_NOPROTO", NULL,
	 "no handler for [{proto}|its IP protocol] (its module, e.g. sctp or gre, is not loaded)" IN_NS
	 ": `{nsexec}nstat -az IpInUnknownProtos`"},
	{"UNICAST_IN_L2_MULTICAST", NULL,
	 "a unicast IP packet in a link-layer multicast frame" ON_DEV
	 ": refused by sysctl net.[{ipv}|ipv4].conf." DEV_OR ".drop_unicast_in_l2_multicast"},
	{"XFRM_POLICY", NULL,
	 "an IPsec (xfrm) policy refused it[ ({from} > {to})]" IN_NS
	 ": `{nsexec}ip xfrm policy`, `{nsexec}cat /proc/net/xfrm_stat`"},
	{"IPV6DISABLED", NULL,
	 "IPv6 is disabled" ON_DEV IN_NS
	 ": `{nsexec}sysctl net.ipv6.conf.[{dev}|all].disable_ipv6`"},
	{"NEIGH_FAILED", NULL,
	 "the next hop's link-layer address could not be resolved (ARP/NDP failed)[ for {dst}]" ON_DEV
		 IN_NS ": `{nsexec}ip neigh show[ dev {dev}]` (FAILED/INCOMPLETE entries)"},
	{"NEIGH_QUEUEFULL", NULL,
	 "too many packets wait for ARP/NDP resolution" ON_DEV IN_NS
	 ": find why the neighbour does not answer (`{nsexec}ip neigh show[ dev {dev}]`); "
	 "sysctl net.[{ipv}|ipv4].neigh." DEV_OR ".unres_qlen_bytes"},
	{"NEIGH_CREATEFAIL", NULL,
	 "no neighbour entry could be created" ON_DEV " (table full?)" IN_NS
	 ": sysctl net.[{ipv}|ipv4].neigh.default.gc_thresh3, `{nsexec}ip -s neigh show`"},
	{"NEIGH_DEAD", NULL,
	 "its neighbour entry was removed while it waited" ON_DEV
	 " (interface down or neighbours flushed)"},
	{"NEIGH_HH_FILLFAIL", NULL, "the link-layer header could not be built" ON_DEV},
	{"PKT_TOO_BIG", NULL,
	 "larger than the MTU" ON_DEV " and not fragmentable" IN_NS
	 ": `{nsexec}ip link show[ {dev}]` (mtu); the sender should get ICMP "
	 "fragmentation-needed / packet-too-big"},
	{"FRAG_REASM_TIMEOUT", NULL,
	 "IP fragments[ from {src}] never completed within the reassembly time (a fragment was "
	 "lost or filtered)" IN_NS ": `{nsexec}nstat -az IpReasmFails Ip6ReasmFails`"},
	{"DUP_FRAG", NULL, "a duplicate IP fragment[ from {src}]"},
	{"FRAG_TOO_FAR", NULL,
	 "an IP fragment[ from {src}] too far ahead of the rest (sysctl net.ipv4.ipfrag_max_dist)"},
	{"IPV6_NDISC_*", NULL,
	 "an invalid IPv6 neighbour discovery message ({reason})[ from {src}]" ON_DEV},
	{"IPV6_BAD_EXTHDR", NULL, "an invalid IPv6 extension header[ from {src}]"},
	{"IPV6_TOO_MANY_EXTHDRS", NULL, "too many IPv6 extension headers[ from {src}]"},
	/* ---- checksums, lengths, devices ---- */
	{"TCP_CSUM", NULL,
	 "bad TCP checksum[ from {from}]" ON_DEV
	 ": a broken sender or checksum offload (`ethtool -k " DEV_OR
	 "`); `{nsexec}nstat -az TcpInCsumErrors`"},
	{"UDP_CSUM", NULL,
	 "bad UDP checksum[ from {from}]" ON_DEV
	 ": a broken sender or checksum offload (`ethtool -k " DEV_OR
	 "`); `{nsexec}nstat -az {udpmib}InCsumErrors`"},
	{"ICMP_CSUM", NULL,
	 "bad ICMP checksum[ from {src}]" ON_DEV ": `{nsexec}nstat -az IcmpInCsumErrors`"},
	{"SKB_CSUM", NULL, "checksum computation failed[ for {proto}]" ON_DEV},
	{"PKT_TOO_SMALL", NULL,
	 "shorter than its headers say (truncated or malformed)[ from {from}]" ON_DEV},
	{"HDR_TRUNC", NULL, "truncated headers[ from {from}]" ON_DEV},
	{"DEV_READY", NULL,
	 "[{dev}|the device] is not up or has no carrier" IN_NS ": `{nsexec}ip link show[ {dev}]`"},
	{"DEV_HDR", NULL, "the device header is invalid" ON_DEV},
	{"FULL_RING", NULL,
	 "a device ring is full" ON_DEV " (its consumer, e.g. a VM or tap reader, is slow)"},
	{"NOMEM", NULL,
	 "memory allocation failed while handling it: see `grep -E 'MemFree|Slab' /proc/meminfo`"},
	{"UNHANDLED_PROTO", NULL,
	 "no handler for its protocol" ON_DEV
	 " (a module not loaded, or a VLAN without its device)"},
	{"INVALID_PROTO", NULL, "an invalid protocol field" ON_DEV},
	{"TAP_FILTER", NULL, "the tap device's filter refused it" ON_DEV},
	{"TAP_TXFILTER", NULL, "the tap device's transmit filter refused it" ON_DEV},
	{"SKB_GSO_SEG", NULL, "segmentation (GSO) failed" ON_DEV},
	{"SKB_UCOPY_FAULT", NULL,
	 "copying it to user space failed (a bad buffer from the application)"},
	{"QUEUE_PURGE", NULL, "freed while a queue was purged (socket or device going away)"},
	{"PFMEMALLOC", NULL,
	 "dropped under memory pressure (pfmemalloc reserve) for a socket not allowed to use it"},
	{"RECURSION_LIMIT", NULL,
	 "the transmit path recursed too deep (a tunnel looping into itself?)" ON_DEV},
	/* ---- tunnels, bridges ---- */
	{"VXLAN_VNI_NOT_FOUND", NULL,
	 "no VXLAN device for its VNI" ON_DEV IN_NS ": `{nsexec}ip -d link show type vxlan`"},
	{"VXLAN_*", NULL,
	 "the VXLAN device refused it ({reason})" ON_DEV IN_NS ": `{nsexec}bridge fdb show`"},
	{"MAC_INVALID_SOURCE", NULL, "an invalid source MAC address" ON_DEV},
	{"LOCAL_MAC", NULL, "its source MAC is one of this host's own" ON_DEV " (a loop?)"},
	{"NO_TX_TARGET", NULL,
	 "the tunnel has no destination for it" ON_DEV IN_NS
	 ": `{nsexec}bridge fdb show[ dev {dev}]`"},
	{"IP_TUNNEL_ECN", NULL, "invalid ECN bits while decapsulating" ON_DEV},
	{"TUNNEL_TXINFO", NULL, "a metadata-mode tunnel got a packet without tunnel info" ON_DEV},
	{"BRIDGE_INGRESS_STP_STATE", NULL,
	 "the bridge port[ {dev}] is not forwarding (STP blocking or learning)" IN_NS
	 ": `{nsexec}bridge link show[ dev {dev}]`"},
	{"ARP_PVLAN_DISABLE", NULL,
	 "ARP reply suppressed by private VLAN proxy ARP settings" ON_DEV},
	{"MAC_IEEE_MAC_CONTROL", NULL,
	 "an IEEE 802.3 MAC control frame" ON_DEV " (not for the stack)"},
	/* ---- TCP ---- */
	{"TCP_LISTEN_OVERFLOW", NULL,
	 "the accept queue of the listener[ on port {lport}| on port {dport}] is full: the "
	 "application does not accept() fast enough" IN_NS
	 "; raise listen()'s backlog and net.core.somaxconn; `{nsexec}ss -ltn" SS_PORT
	 "` (Recv-Q vs Send-Q), `{nsexec}nstat -az TcpExtListenOverflows`"},
	{"TCP_RESET", NULL,
	 "a RST[ from {from}] that " SOCK_OR
	 " did not take: a listener ignores RSTs, a connection only takes one at exactly the "
	 "expected sequence number (else it answers with a challenge ACK, RFC 5961)"},
	{"TCP_INVALID_SEQUENCE", NULL,
	 "a TCP segment[ from {from}] outside the receive window of " SOCK_OR
	 " (NAT or conntrack rewriting, a middlebox, or a stale peer)"},
	{"TCP_INVALID_END_SEQUENCE", NULL,
	 "a TCP segment[ from {from}] ending beyond the receive window of " SOCK_OR},
	{"TCP_INVALID_ACK_SEQUENCE", NULL,
	 "a TCP ACK[ from {from}] for data never sent by " SOCK_OR " (invalid ACK number)"},
	{"TCP_OLD_SEQUENCE", NULL,
	 "a TCP segment[ from {from}] entirely before the receive window of " SOCK_OR
	 " (a duplicate or a stale connection)"},
	{"TCP_OLD_DATA", NULL,
	 "the segment[ from {from}] only carried data already received by " SOCK_OR
	 " (a retransmission: an ACK was lost or late)"},
	{"TCP_OLD_ACK", NULL, "an old duplicate ACK[ from {from}] on " SOCK_OR},
	{"TCP_TOO_OLD_ACK", NULL, "an ACK[ from {from}] older than the send window of " SOCK_OR},
	{"TCP_ACK_UNSENT_DATA", NULL,
	 "an ACK[ from {from}] for data not yet sent by " SOCK_OR
	 " (a middlebox or a confused peer)"},
	{"TCP_FLAGS", NULL,
	 "TCP flags[ {tcpflags}] not valid in the state of " SOCK_OR "[ (from {from})]"},
	{"TCP_ZEROWINDOW", NULL,
	 "the receive window of " SOCK_OR " is zero: its application does not read" IN_NS
	 "; `{nsexec}ss -tnmi" SS_PORT "` (Recv-Q)"},
	{"TCP_OVERWINDOW", NULL,
	 "data[ from {from}] beyond the window advertised by " SOCK_OR " (the peer ignores it)"},
	{"TCP_OFOMERGE", NULL, "an out-of-order segment[ from {from}] that was already queued"},
	{"TCP_OFO_DROP", NULL,
	 "an out-of-order segment[ from {from}] beyond what the receive buffer of " SOCK_OR
	 " holds: `{nsexec}nstat -az TcpExtTCPOFODrop`"},
	{"TCP_OFO_QUEUE_PRUNE", NULL,
	 "the out-of-order queue of " SOCK_OR " was pruned under memory pressure" IN_NS
	 ": raise net.ipv4.tcp_rmem or SO_RCVBUF; `{nsexec}nstat -az TcpExtOfoPruned`"},
	{"TCP_RFC7323_*", NULL,
	 "PAWS: the TCP timestamp[ from {from}] is older than the last one seen ({reason}; "
	 "NAT mixing hosts behind one address, or a reused connection)" IN_NS
	 ": `{nsexec}nstat -az TcpExtPAWSEstab TcpExtPAWSActive`"},
	{"TCP_INVALID_SYN", NULL,
	 "an unexpected SYN[ from {from}] on " SOCK_OR " (the peer restarted the connection?)"},
	{"TCP_CLOSE", NULL, "the segment[ from {from}] came after " SOCK_OR " was closed"},
	{"TCP_ABORT_ON_DATA", NULL,
	 "data[ from {from}] arrived after the application closed " SOCK_OR
	 ": the kernel aborts with a RST"},
	{"TCP_FASTOPEN", NULL, "TCP Fast Open data[ from {from}] the listener could not take"},
	{"TCP_MINTTL", NULL, "TTL below the socket's IP_MINTTL (GTSM)[ from {from}]"},
	{"TCP_MD5*", NULL,
	 "TCP-MD5 signature missing, unexpected or wrong ({reason})[ from {from}]: compare both "
	 "ends' keys"},
	{"TCP_AO*", NULL,
	 "TCP-AO signature missing, unexpected or wrong ({reason})[ from {from}]: compare both "
	 "ends' keys"},
	{"TCP_AUTH_HDR", NULL, "invalid TCP-MD5/AO option[ from {from}]"},
	/* ---- policy, security, others ---- */
	{"BPF_CGROUP_EGRESS", NULL,
	 "a cgroup BPF egress program refused it[ ({sock})]: `bpftool cgroup tree`"},
	{"SECURITY_HOOK", NULL,
	 "a security module (SELinux, AppArmor, Smack) refused it: look for denials in "
	 "`journalctl -k`"},
	{"PSP_*", NULL, "PSP encryption policy refused it ({reason})" ON_DEV},
	{"DUALPI2_STEP_DROP", NULL, "the DualPI2 qdisc's step threshold dropped it" ON_DEV},
	{"SKB_RX_HEADROOM", NULL, "not enough headroom on receive" ON_DEV},
	{"CAN*_RX_INVALID_FRAME", NULL, "an invalid CAN frame" ON_DEV},
	{"OVS_DROP_*", NULL,
	 "Open vSwitch dropped it ({reason}): `ovs-appctl dpctl/dump-flows`, "
	 "`ovs-appctl coverage/show`"},
	{"RX_DROP_*", NULL,
	 "the wireless stack (mac80211) dropped it on receive ({reason})" ON_DEV},
	{"TX_DROP_*", NULL,
	 "the wireless stack (mac80211) dropped it on transmit ({reason})" ON_DEV},
	{"NOT_SPECIFIED", NULL,
	 "the kernel gave no reason[; the drop site {location} is the clue] (--output-stack "
	 "shows the path to it)"},
	/* the last row matches everything: never an empty hint */
	{"*", NULL,
	 "{reason}[ at {location}]" IN_NS ON_DEV
	 ": no hint for this reason yet; the kernel describes it in include/net/dropreason*.h"},
};

const struct hint_rule *drop_hint_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}
