#!/usr/bin/env bash
# --filter-trace-tc / --filter-trace-xdp: a tc program and an XDP program
# (tests/bpf/drop_port.bpf.c) on the receiving veth, each dropping one UDP
# port; sourced by run.sh after tests.sh.

PROG_OBJ=$TOOLS/drop_port.bpf.o
TC_DROP_PORT=9101
XDP_DROP_PORT=9102
TC_REDIRECT_PORT=9103

tc_prog_on() {
	ip netns exec "$NS_B" tc qdisc add dev veth-b clsact &&
		ip netns exec "$NS_B" tc filter add dev veth-b ingress bpf da obj "$PROG_OBJ" sec tc
}

tc_prog_off() {
	ip netns exec "$NS_B" tc qdisc del dev veth-b clsact 2>/dev/null
	return 0
}

xdp_prog_on() {
	ip -n "$NS_B" link set dev veth-b xdp obj "$PROG_OBJ" sec xdp
}

xdp_prog_off() {
	ip -n "$NS_B" link set dev veth-b xdp off 2>/dev/null
	return 0
}

# wait_line FILE REGEX SECONDS: 0 once a line of FILE matches.
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The kernel refuses fentry (this development host): one line says so and
# the rest of the trace goes on.
progs_refused() {
	local out=$1
	check "progs: without fentry, exactly one line says why" \
		test "$(grep -c 'not tracing BPF programs: ' "$out.err")" -eq 1
	send_udp "$NS_A" $IP_B $TC_DROP_PORT 1 64 41101 >/dev/null
	stop_trace
	check "progs: without fentry the trace goes on and exits 0" test "$TRACE_STATUS" -eq 0
	jq_check "progs: without fentry the tc drop is still seen" "$out" \
		'any(.[]; .drop_reason == "SKB_DROP_REASON_TC_INGRESS" and .tuple.sport == 41101)'
}

progs_checks() {
	local out=$1 tag
	jq_check "progs: tc program's entry and exit both SHOT for the dropped port" "$out" \
		'[.[] | select(.bpf_prog.type == "tc" and .tuple.sport == 41101)] as $e
		 | ($e | length) == 4 and ([$e[] | select(.verdict == "TC_ACT_SHOT")] | length) == 2'
	jq_check "progs: each TC_ACT_SHOT is followed by kfree_skb(TC_INGRESS) of its skb" "$out" \
		'[.[] | select(.tuple.sport == 41101)] as $e
		 | [$e[] | select(.verdict == "TC_ACT_SHOT")] as $shot
		 | ($shot | length) == 2 and all($shot[]; . as $s
		   | any($e[]; .skb == $s.skb and .time >= $s.time
		     and .drop_reason == "SKB_DROP_REASON_TC_INGRESS"))'
	jq_check "progs: XDP program returned XDP_DROP, and tc never saw those packets" "$out" \
		'[.[] | select(.tuple.sport == 41102 and .bpf_prog)] as $e
		 | ([$e[] | select(.bpf_prog.type == "xdp" and .verdict == "XDP_DROP")] | length) == 2
		 and all($e[]; .bpf_prog.type == "xdp")'
	jq_check "progs: other traffic passes: XDP_PASS then TC_ACT_OK" "$out" \
		'[.[] | select(.tuple.sport == 41104 and .verdict)] as $e
		 | ([$e[] | select(.verdict == "XDP_PASS")] | length) == 2
		 and ([$e[] | select(.verdict == "TC_ACT_OK")] | length) == 2'
	jq_check "progs: a redirect names its target (lo, ifindex 1)" "$out" \
		'any(.[]; .tuple.sport == 41103 and .verdict == "TC_ACT_REDIRECT"
		 and .redirect.ifindex == 1 and .redirect.ingress == false)'
	tag=$(ip netns exec "$NS_B" bpftool prog show name tc_drop_udp -j 2>/dev/null | jq -r '.tag // empty' | head -n 1)
	jq_check "progs: events name program, id, tag and device" "$out" \
		'[.[] | select(.bpf_prog)] as $e | ($e | length) > 0
		 and all($e[]; .iface == "veth-b" and .bpf_prog.id > 0
		   and .func == (.bpf_prog.type + ":" + .bpf_prog.name))
		 and all($e[] | select(.bpf_prog.type == "tc"); .bpf_prog.name == "tc_drop_udp"
		   and .bpf_prog.tag == $tag)
		 and all($e[] | select(.bpf_prog.type == "xdp"); .bpf_prog.name == "xdp_drop_udp"
		   and .skb == "0x0000000000000000")' --arg tag "$tag"
	check "progs: summary counts traced, appeared and released programs" grep -Eq \
		'^skbtrace: tc and XDP programs: 2 traced \(1 appeared while running\), 1 released' "$out.err"
	check "progs: the released XDP program is gone from the kernel" \
		test -z "$(bpftool prog show name xdp_drop_udp 2>/dev/null)"
}

test_trace_tc_xdp() {
	local out=$TMP/progs.json
	if [ ! -f "$PROG_OBJ" ]; then
		tap_skip "progs: tc and XDP programs traced" "no $PROG_OBJ (make tools)"
		return
	fi
	tc_prog_on || { tap_not_ok "progs: tc program loads"; return; }
	start_trace "$out" "${BACKEND_ARGS[@]}" --output-json --filter-trace-tc --filter-trace-xdp \
		-w "$TMP/progs-drops.pcapng" --capture-at drop --filter-netns "$(ns_path "$NS_B")" || {
		tap_not_ok "progs: skbtrace starts" "$(cat "$out.err")"
		tc_prog_off
		return
	}
	if grep -q 'not tracing BPF programs' "$out.err"; then
		progs_refused "$out"
		tc_prog_off
		return
	fi
	# Loaded after start-up: picked up by the poll.
	xdp_prog_on || tap_not_ok "progs: XDP program loads"
	wait_line "$out.err" 'xdp program xdp_drop_udp \(id [0-9]+\) appeared' 20 ||
		tap_not_ok "progs: the XDP program loaded later is traced" "$(cat "$out.err")"
	send_udp "$NS_A" $IP_B $TC_DROP_PORT 2 64 41101 >/dev/null
	send_udp "$NS_A" $IP_B $XDP_DROP_PORT 2 64 41102 >/dev/null
	send_udp "$NS_A" $IP_B $TC_REDIRECT_PORT 1 64 41103 >/dev/null
	send_udp "$NS_A" $IP_B $PASS_PORT 2 64 41104 >/dev/null
	sleep 0.5
	xdp_prog_off
	wait_line "$out.err" 'xdp program xdp_drop_udp \(id [0-9]+\) unloaded: released' 20 ||
		tap_not_ok "progs: the unloaded XDP program is released" "$(cat "$out.err")"
	stop_trace
	check "progs: skbtrace exits 0" test "$TRACE_STATUS" -eq 0
	progs_checks "$out"
	# No skb is freed for an XDP_DROP: its record is the XDP program's exit.
	check "progs: --capture-at drop records each XDP_DROP (2) at the program's exit" \
		test "$(grep -ao 'xdp:xdp_drop_udp' "$TMP/progs-drops.pcapng" | wc -l)" -eq 2

	# The packet filter applies to program events as to every other: the
	# XDP program's too, which sees the frame before there is an skb.
	xdp_prog_on || tap_not_ok "progs: XDP program loads again"
	start_trace "$out" "${BACKEND_ARGS[@]}" --output-json --filter-trace-tc --filter-trace-xdp \
		-w "$TMP/progs.pcapng" --filter-netns "$(ns_path "$NS_B")" udp dst port $TC_DROP_PORT || {
		tap_not_ok "progs: skbtrace starts with a filter"
		xdp_prog_off
		tc_prog_off
		return
	}
	send_udp "$NS_A" $IP_B $TC_DROP_PORT 1 64 41105 >/dev/null
	send_udp "$NS_A" $IP_B $XDP_DROP_PORT 1 64 41107 >/dev/null
	send_udp "$NS_A" $IP_B $PASS_PORT 1 64 41106 >/dev/null
	stop_trace
	jq_check "progs: the packet filter applies to program events (tc and XDP)" "$out" \
		'[.[] | select(.bpf_prog)] as $e
		 | ([$e[] | select(.bpf_prog.type == "tc")] | length) == 2
		 and ([$e[] | select(.bpf_prog.type == "xdp")] | length) == 2
		 and any($e[]; .verdict == "XDP_PASS") and any($e[]; .verdict == "TC_ACT_SHOT")
		 and all($e[]; .tuple.dport == 9101 and .tuple.sport == 41105)'
	# -w keeps the frames XDP programs see: the only record of an XDP_DROP.
	check "progs: -w writes the XDP program's two events as records" \
		test "$(grep -ao 'xdp:xdp_drop_udp' "$TMP/progs.pcapng" | wc -l)" -eq 2
	xdp_prog_off
	tc_prog_off
}
