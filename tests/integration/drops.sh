#!/usr/bin/env bash
# Drop diagnosis tests (issue 10); sourced by run.sh after tests.sh.
# The kernel is the oracle: counts equal its own counters in the
# namespace (nstat, nft/iptables rule counters, tc qdisc drops) or the
# number of packets sent, exactly.

# The drop modes trace the drop hook alone: --filter-func (the VM narrows
# function backends with it) does not apply to them.
DROP_ARGS=(--backend "$BACKEND")

# need TOOL...: 0 when every tool is here, else a TAP skip for test NAME.
need() {
	local name=$1 t
	shift
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			tap_skip "$name" "no $t here"
			return 1
		fi
	done
}

# Whether the kernel names the socket a received packet was dropped on
# (skb:kfree_skb's rx_sk, 6.12+): before, a receive drop's skb has no
# socket, and a listener's drops have neither socket nor device.
rx_sk_known() {
	grep -qs rx_sk /sys/kernel/tracing/events/skb/kfree_skb/format ||
		grep -qs rx_sk /sys/kernel/debug/tracing/events/skb/kfree_skb/format
}

# kcount NS NAME: a kernel counter of that namespace (nstat, absolute, history untouched).
kcount() {
	ip netns exec "$1" nstat -saz "$2" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}

# summed FILE REASON [JQ_ROW_FILTER]: the drop summary's count for a reason, over every interval.
summed() {
	jq -s --arg r "SKB_DROP_REASON_$2" "[.[] | select(.drop_summary) | .drop_summary.drops[]
		| select(.reason == \$r) | select(${3:-true}) | .count] | add // 0" "$1"
}

# nft_counter NS FAMILY TABLE CHAIN: packets counted by the chain's rule.
nft_counter() {
	ip netns exec "$1" nft list chain "$2" "$3" "$4" | sed -nE 's/.*counter packets ([0-9]+).*/\1/p' | head -n 1
}

# expect_eq NAME WANT GOT [CONTEXT FILE]
expect_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1 ($3)"
	else
		tap_not_ok "$1" "want $2, got $3" "$(head -c 800 "${4:-/dev/null}")"
	fi
}

drops_trace() { # OUT ARGS...: start skbtrace for a drop test, or report why not
	local out=$1
	shift
	start_trace "$out" "${DROP_ARGS[@]}" "$@" || { tap_not_ok "drops: skbtrace starts ($*)" "$(cat "$out.err")"; return 1; }
}

test_drops_nft_input() {
	local out=$TMP/d_nft_in.json sent
	ip netns exec "$NS_B" nft -f - <<-NFT
		table inet skbt_drops {
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport 9996 counter drop
			}
		}
	NFT
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	sent=$(send_udp "$NS_A" $IP_B 9996 5 64 40050)
	stop_trace
	jq_check "nft INPUT: every drop event names nft_do_chain+0x.. and the INPUT hook" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9996)] as $e | ($e | length) == 5
		 and ($e | all(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP"
		   and (.drop_location | test("^nft_do_chain\\+0x[0-9a-f]+( \\[nf_tables\\])?$")) and .drop_hook == "INPUT"))'
	jq_check "nft INPUT: the hint names the hook and the command in that netns" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9996) | .hint] | all(contains("INPUT")
		 and contains("ip netns exec " + $ns + " nft list ruleset"))' --arg ns "$NS_B"
	expect_eq "nft INPUT: summary count == the rule's counter == sent" \
		"$sent $sent" "$(summed "$out" NETFILTER_DROP '.example.dport == 9996') $(nft_counter "$NS_B" inet skbt_drops input)" "$out"
	ip netns exec "$NS_B" nft delete table inet skbt_drops
}

# Same location (nft_do_chain), netns and interface: PREROUTING and INPUT
# drops interleaved must each name their own hook (the hook cache's key).
test_drops_nft_hooks_apart() {
	local out=$TMP/d_nft_pre.json
	ip netns exec "$NS_B" nft -f - <<-NFT
		table inet skbt_hooks {
			chain pre {
				type filter hook prerouting priority 0; policy accept;
				udp dport 9983 drop
			}
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport 9984 drop
			}
		}
	NFT
	drops_trace "$out" --drops-only --output-json --filter-netns "$(ns_path "$NS_B")" || return
	for _ in 1 2 3; do
		send_udp "$NS_A" $IP_B 9983 1 64 40070 >/dev/null
		send_udp "$NS_A" $IP_B 9984 1 64 40071 >/dev/null
	done
	stop_trace
	jq_check "nft hooks: PREROUTING and INPUT drops interleaved keep their own hook" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP")] as $e
		 | ([$e[] | select(.tuple.dport == 9983 and .drop_hook == "PREROUTING")] | length) == 3
		 and ([$e[] | select(.tuple.dport == 9984 and .drop_hook == "INPUT")] | length) == 3
		 and ([$e[] | select(.tuple.dport == 9983) | .hint | contains("iptables-save -c")] | all)'
	ip netns exec "$NS_B" nft delete table inet skbt_hooks
}

test_drops_nft_output() {
	local out=$TMP/d_nft_out.json
	ip netns exec "$NS_A" nft -f - <<-NFT
		table inet skbt_drops_out {
			chain output {
				type filter hook output priority 0; policy accept;
				udp dport 9997 counter drop
			}
		}
	NFT
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_A")" || return
	send_udp "$NS_A" $IP_B 9997 4 64 40051 >/dev/null
	stop_trace
	jq_check "nft OUTPUT: drops name the OUTPUT hook and the sending socket" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9997)] as $e | ($e | length) == 4
		 and ($e | all(.drop_hook == "OUTPUT" and (.hint | contains("OUTPUT"))
		   and .sock.proto == "udp" and .sock.sport == 40051 and .sock.state == "UNCONN"))'
	expect_eq "nft OUTPUT: summary count == the rule's counter" \
		"$(nft_counter "$NS_A" inet skbt_drops_out output)" "$(summed "$out" NETFILTER_DROP '.example.dport == 9997')" "$out"
	ip netns exec "$NS_A" nft delete table inet skbt_drops_out
}

test_drops_iptables() {
	local out=$TMP/d_ipt.json ipt=iptables want
	need "iptables drop" iptables || return
	# legacy iptables when the kernel has it: its drops sit in nf_hook_slow()
	ip netns exec "$NS_B" iptables-legacy -nL INPUT >/dev/null 2>&1 && ipt=iptables-legacy
	ip netns exec "$NS_B" $ipt -A INPUT -p udp --dport 9995 -j DROP
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	send_udp "$NS_A" $IP_B 9995 3 64 40052 >/dev/null
	stop_trace
	want=$(ip netns exec "$NS_B" $ipt -nvxL INPUT | awk '$3 == "DROP" { print $1 }')
	jq_check "$ipt: drops name INPUT and the iptables command" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9995)] as $e | ($e | length) == 3
		 and ($e | all(.drop_hook == "INPUT" and (.hint | contains("iptables -nvL INPUT"))))'
	expect_eq "$ipt: summary count == the rule's counter" "$want" "$(summed "$out" NETFILTER_DROP '.example.dport == 9995')" "$out"
	ip netns exec "$NS_B" $ipt -F INPUT
}

test_drops_udp_no_socket() {
	local out=$TMP/d_noport.json v4 v6 b4 b6
	need "udp no socket" nstat || return
	b4=$(kcount "$NS_B" UdpNoPorts)
	b6=$(kcount "$NS_B" Udp6NoPorts)
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	send_udp "$NS_A" $IP_B 9994 7 64 40053 >/dev/null
	send_udp "$NS_A" $IP6_B 9994 3 64 40054 >/dev/null
	stop_trace
	v4=$(($(kcount "$NS_B" UdpNoPorts) - b4))
	v6=$(($(kcount "$NS_B" Udp6NoPorts) - b6))
	expect_eq "udp no socket: IPv4 summary count == UdpNoPorts" "$v4" "$(summed "$out" NO_SOCKET '.example.daddr == "10.231.0.2"')" "$out"
	expect_eq "udp no socket: IPv6 summary count == Udp6NoPorts" "$v6" "$(summed "$out" NO_SOCKET '.example.daddr == "fd00:5ca1::2"')" "$out"
	expect_eq "udp no socket: the kernel counted what was sent" "7 3" "$v4 $v6"
	jq_check "udp no socket: hints say nothing listens, with the address" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9994) | .hint] as $h | ($h | length) == 10
		 and ($h | any(startswith("nothing listens on udp 10.231.0.2:9994 in netns " + $ns)))
		 and ($h | any(startswith("nothing listens on udp [fd00:5ca1::2]:9994 in netns " + $ns)))' \
		--arg ns "$NS_B"
}

test_drops_tcp_no_socket() {
	local out=$TMP/d_tcpno.json before refused rsts
	need "tcp no socket" nstat || return
	before=$(kcount "$NS_B" TcpOutRsts)
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	refused=$(ip netns exec "$NS_A" "$TOOLS/tcp_peer" refused "$(ns_path "$NS_B")" "$(ns_path "$NS_A")" $IP_B 9993 4)
	stop_trace
	rsts=$(($(kcount "$NS_B" TcpOutRsts) - before))
	expect_eq "tcp no socket: 4 connects refused, 4 RSTs sent by the kernel" "4 4" "$refused $rsts"
	expect_eq "tcp no socket: summary count == TcpOutRsts" "$rsts" \
		"$(summed "$out" NO_SOCKET '.example.l4 == "tcp" and (.location | startswith("tcp_v4_rcv"))')" "$out"
	jq_check "tcp no socket: SYNs with the tcp hint" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9993)] | length == 4 and
		 all(.tuple.tcp_flags == "SYN" and (.hint | startswith("no TCP socket for 10.231.0.2:9993")))'
}

test_drops_rcvbuf() {
	local out=$TMP/d_rcvbuf.json before errs rpid
	need "rcvbuf" nstat || return
	ip netns exec "$NS_B" "$TOOLS/udp_recv" 9992 0 6000 2>"$TMP/hold.err" &
	rpid=$!
	for _ in $(seq 1 100); do grep -qs ready "$TMP/hold.err" && break; sleep 0.1; done
	before=$(kcount "$NS_B" UdpRcvbufErrors)
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || { kill $rpid; return; }
	send_udp "$NS_A" $IP_B 9992 3000 1000 40055 >/dev/null
	stop_trace
	errs=$(($(kcount "$NS_B" UdpRcvbufErrors) - before))
	kill $rpid 2>/dev/null
	wait $rpid 2>/dev/null
	check "rcvbuf: the kernel dropped some for a full buffer" test "$errs" -gt 0
	expect_eq "rcvbuf: summary count == UdpRcvbufErrors" "$errs" "$(summed "$out" SOCKET_RCVBUFF)" "$out"
	jq_check "rcvbuf: drops carry the receiving socket and the SO_RCVBUF hint" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_SOCKET_RCVBUFF")] as $e | ($e | length) == $n
		 and ($e | all(.sock.proto == "udp" and .sock.sport == 9992 and .sock.state == "UNCONN"
		   and (.hint | contains("SO_RCVBUF"))))' --argjson n "$errs"
}

test_drops_tc_ingress() {
	local out=$TMP/d_tc.json dropped
	need "tc drop" clang gcc || return
	cat >"$TMP/shot.c" <<-'C'
		#include <linux/bpf.h>
		#include <linux/pkt_cls.h>
		__attribute__((section("tc"), used)) int shot(struct __sk_buff *skb) { return TC_ACT_SHOT; }
		char _license[] __attribute__((section("license"), used)) = "GPL";
	C
	if ! clang -O2 -target bpf -I/usr/include/"$(gcc -dumpmachine)" -c "$TMP/shot.c" -o "$TMP/shot.o" 2>"$TMP/clang.err"; then
		tap_not_ok "tc: a cls_bpf program compiles" "$(cat "$TMP/clang.err")"
		return
	fi
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	ip netns exec "$NS_B" tc qdisc add dev veth-b clsact
	ip netns exec "$NS_B" tc filter add dev veth-b ingress bpf da obj "$TMP/shot.o" sec tc
	send_udp "$NS_A" $IP_B 9991 6 64 40056 >/dev/null
	dropped=$(ip netns exec "$NS_B" tc -s qdisc show dev veth-b ingress | sed -nE 's/.*dropped ([0-9]+).*/\1/p')
	ip netns exec "$NS_B" tc qdisc del dev veth-b clsact
	stop_trace
	expect_eq "tc: summary count == clsact's dropped == sent" "6 6" \
		"$(summed "$out" TC_INGRESS '.iface == "veth-b" and .example.dport == 9991') $dropped" "$out"
	jq_check "tc: drops name the device and the tc command" "$out" \
		'[.[] | select(.func) | select(.tuple.dport == 9991)] | length == 6 and all(.iface == "veth-b"
		 and (.hint | contains("tc filter show dev veth-b ingress")))'
}

test_drops_socket_filter() {
	local out=$TMP/d_sfilter.json sent
	drops_trace "$out" --drops-only --output-json --filter-netns "$(ns_path "$NS_B")" || return
	sent=$(ip netns exec "$NS_B" "$TOOLS/tcp_peer" filter "$(ns_path "$NS_B")" "$(ns_path "$NS_A")" $IP_B 9990 3)
	stop_trace
	jq_check "socket filter: the data segments are dropped by the filter" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_SOCKET_FILTER" and .tuple.dport == 9990)]
		 | length >= $n' --argjson n "${sent:-3}"
	if ! rx_sk_known; then
		tap_skip "socket filter: the ESTABLISHED socket in the event" "this kernel's drops do not name the receiving socket (rx_sk, 6.12+)"
		return
	fi
	jq_check "socket filter: dropped on the ESTABLISHED socket" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_SOCKET_FILTER" and .sock.state == "ESTABLISHED"
		  and .sock.proto == "tcp" and .sock.sport == 9990 and .sock.dport == .tuple.sport
		  and .sock.saddr == "10.231.0.2" and .sock.daddr == "10.231.0.1")] | length >= $n' \
		--argjson n "${sent:-3}"
}

# A listener's drops carry neither device nor socket on the skb: the
# packet filter picks them, the namespace comes from rx_sk where known.
test_drops_tcp_reset() {
	local out=$TMP/d_rst.json sent
	drops_trace "$out" --drops-only --drop-summary --output-json tcp port 9989 || return
	sent=$(ip netns exec "$NS_B" "$TOOLS/tcp_peer" rst "$(ns_path "$NS_B")" "$(ns_path "$NS_A")" $IP_B 9989 5)
	stop_trace
	expect_eq "tcp reset: summary count == RSTs sent" "$sent" "$(summed "$out" TCP_RESET)" "$out"
	jq_check "tcp reset: the RSTs are dropped, with the hint" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_TCP_RESET")] | length == 5 and
		 all(.tuple.tcp_flags == "RST" and (.hint | contains("did not take")))'
	if ! rx_sk_known; then
		tap_skip "tcp reset: the LISTEN socket and its netns" "this kernel's drops do not name the receiving socket (rx_sk, 6.12+)"
		return
	fi
	jq_check "tcp reset: dropped on the LISTEN socket, in B" "$out" \
		'[.[] | select(.drop_reason == "SKB_DROP_REASON_TCP_RESET")] | length == 5 and
		 all(.sock.state == "LISTEN" and .sock.sport == 9989 and .netns == $ino)' \
		--argjson ino "$(ns_inode "$NS_B")"
}

test_drops_ipv6_nft() {
	local out=$TMP/d_v6.json sent
	drops_trace "$out" --drops-only --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" || return
	sent=$(send_udp "$NS_A" $IP6_B $DROP_PORT 4 64 40057)
	stop_trace
	expect_eq "ipv6 nft: summary count == sent" "$sent" "$(summed "$out" NETFILTER_DROP '.example.daddr == "fd00:5ca1::2"')" "$out"
	jq_check "ipv6 nft: drops name ip6's INPUT hook" "$out" \
		'[.[] | select(.func) | select(.tuple.daddr == "fd00:5ca1::2")] | length == 4
		 and all(.drop_hook == "INPUT" and (.hint | contains("ip6tables -nvL INPUT")))'
}

test_drop_summary_intervals() {
	local out=$TMP/d_int.json before got
	need "summary intervals" nstat || return
	before=$(kcount "$NS_B" UdpNoPorts)
	drops_trace "$out" --drop-summary=1 --output-json --filter-netns "$(ns_path "$NS_B")" || return
	send_udp "$NS_A" $IP_B 9994 5 64 40058 >/dev/null
	sleep 2.3
	send_udp "$NS_A" $IP_B 9994 3 64 40058 >/dev/null
	stop_trace
	got=$(($(kcount "$NS_B" UdpNoPorts) - before))
	expect_eq "intervals: the tables add up to UdpNoPorts" "$got" "$(summed "$out" NO_SOCKET)" "$out"
	jq_check "intervals: one table a second, back to back, at least two with drops" "$out" \
		'[.[] | .drop_summary] as $t | ($t | length) >= 3
		 and ([$t[] | select(.total > 0)] | length) >= 2
		 and ([range(1; $t | length) | $t[.].start == $t[. - 1].end] | all)
		 and all($t[]; .uncounted == 0 and .total == ([.drops[].count] | add // 0))'
	jq_check "intervals: no events without --drops-only" "$out" 'all(.[]; has("drop_summary"))'
}

test_drop_summary_text() {
	local out=$TMP/d_text.out
	# udp: the exact total must not count the namespace's IPv6 chatter.
	drops_trace "$out" --drop-summary --filter-netns "$(ns_path "$NS_B")" udp || return
	send_udp "$NS_A" $IP_B 9994 2 64 40059 >/dev/null
	stop_trace
	check "summary text: a heading with the total" grep -Eq '^drop summary .*: 2 drops, 0 uncounted$' "$out"
	check "summary text: the column header" grep -Eq '^COUNT +REASON +LOCATION +NETNS +IFACE +EXAMPLE$' "$out"
	check "summary text: the row, then its hint" grep -A1 -E "^ +2 +NO_SOCKET +__udp4_lib_rcv\+0x[0-9a-f]+ +$NS_B +veth-b +10\.231\.0\.1:40059->10\.231\.0\.2:9994\(udp\)$" "$out"
	check "summary text: the hint line" grep -Eq "^ +hint: nothing listens on udp 10\.231\.0\.2:9994 in netns $NS_B" "$out"
}

test_drop_summary_full() {
	local out=$TMP/d_full.json counted unc
	# udp only: the namespace's own IPv6 housekeeping must not take the row
	drops_trace "$out" --drop-summary --drop-summary-max 1 --output-json --filter-netns "$(ns_path "$NS_B")" udp || return
	send_udp "$NS_A" $IP_B 9994 5 64 40060 >/dev/null
	send_udp "$NS_A" $IP_B $DROP_PORT 4 64 40060 >/dev/null
	stop_trace
	counted=$(jq -s '[.[].drop_summary.total] | add' "$out")
	unc=$(jq -s '[.[].drop_summary.uncounted] | add' "$out")
	expect_eq "full map: counted + uncounted == sent, and some uncounted" "9 yes" "$((counted + unc)) $([ "$unc" -gt 0 ] && echo yes)" "$out"
	check "full map: said on stderr too" grep -Eq 'drops? not counted' "$out.err"
}

test_drop_summary_filters() {
	local out=$TMP/d_filt.json
	drops_trace "$out" --drop-summary --output-json --filter-netns "$(ns_path "$NS_B")" udp dst port 9994 || return
	send_udp "$NS_A" $IP_B 9994 3 64 40061 >/dev/null
	send_udp "$NS_A" $IP_B $DROP_PORT 3 64 40061 >/dev/null
	stop_trace
	jq_check "filters: the pcap filter applies to what is counted" "$out" \
		'[.[].drop_summary.drops[]] as $d | ($d | length) == 1 and $d[0].count == 3
		 and $d[0].reason == "SKB_DROP_REASON_NO_SOCKET"'
}

test_drops_only_text() {
	local out=$TMP/d_only.out
	# udp: the namespace's own IPv6 chatter (an MLD report to ff02::16 that
	# ip6_mc_input drops) would be a third drop now and then.
	drops_trace "$out" --drops-only --filter-netns "$(ns_path "$NS_B")" udp || return
	send_udp "$NS_A" $IP_B $DROP_PORT 2 64 40062 >/dev/null
	stop_trace
	# A modular nf_tables (the VM's) names its module after the site.
	check "drops-only text: one line per drop, tcpdrop-like" test "$(grep -cE \
		"^[0-9:.]+ +$NS_B +veth-b +10\.231\.0\.1:40062 > 10\.231\.0\.2:9999 +- \(udp\) +NETFILTER_DROP +nft_do_chain\+0x[0-9a-f]+( \[nf_tables\])?$" "$out")" -eq 2
	check "drops-only text: each followed by its hint" test "$(grep -cE '^ +hint: an nftables rule dropped it in the INPUT hook' "$out")" -eq 2
	# (grep prints the lines that are neither, for the failure's diagnostic)
	check "drops-only text: nothing but drops and hints" \
		bash -c '! grep -vE "(NETFILTER_DROP|hint: |^TIME )" "$1"' _ "$out"
}

# Where a packet ends: a UDP socket's reader frees what it read on its own
# CPU; when the packet arrived on another CPU the free is deferred to that
# one (skb_defer_free_flush, at its next receive) and comes with neither
# device nor socket on the skb.  Reader on CPU 1, sender on CPU 0, then a
# second send from CPU 0 flushes.  No event of those packets may lack its
# netns; on the tracepoint backends their consume_skb events must be in B.
test_packet_end_netns() {
	local out=$TMP/d_end.json rpid
	need "packet end" taskset || return
	if [ "$(nproc)" -lt 2 ]; then
		tap_skip "packet end: the deferred free's netns" "needs two CPUs"
		return
	fi
	# a long quiet timeout: emulated, attaching can take a while; 5 end it
	ip netns exec "$NS_B" taskset -c 1 "$TOOLS/udp_recv" $PASS_PORT 5 60000 >"$TMP/end.out" 2>"$TMP/end.err" &
	rpid=$!
	for _ in $(seq 1 100); do grep -qs ready "$TMP/end.err" && break; sleep 0.1; done
	start_trace "$out" "${BACKEND_ARGS[@]}" --output-json udp port $PASS_PORT or udp port $DROP_PORT ||
		{ tap_not_ok "packet end: skbtrace starts" "$(cat "$out.err")"; kill $rpid; return; }
	ip netns exec "$NS_A" taskset -c 0 "$TOOLS/udp_send" $IP_B $PASS_PORT 5 64 40063 >/dev/null
	wait $rpid
	ip netns exec "$NS_A" taskset -c 0 "$TOOLS/udp_send" $IP_B $DROP_PORT 2 64 40064 >/dev/null
	stop_trace
	check "packet end: the reader got all 5" grep -qx 5 "$TMP/end.out"
	jq_check "packet end: every event of the delivered packets names its netns" "$out" \
		'[.[] | select(.tuple.sport == 40063)] as $e | ($e | length) > 0
		 and ($e | all(.netns == $a or .netns == $b))' \
		--argjson a "$(ns_inode "$NS_A")" --argjson b "$(ns_inode "$NS_B")"
	if [ "$ON_TRACEPOINTS" = 1 ]; then
		jq_check "packet end: each delivered packet's deferred free (consume_skb) is in B" "$out" \
			'[.[] | select(.func == "skb:consume_skb" and .tuple.sport == 40063)] as $c
			 | ($c | length) == 5 and ($c | all(.netns == $ino))' --argjson ino "$(ns_inode "$NS_B")"
	fi
}
