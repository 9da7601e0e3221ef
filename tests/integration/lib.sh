#!/usr/bin/env bash
# Shared set-up for the integration tests: two network namespaces joined
# by veth, a drop rule, traffic tools, and TAP reporting.  Everything
# created here is removed by topo_down (also on interrupt).
set -u

TOOLS=${TOOLS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/tools}
NS_A=skbt-a-$$
NS_B=skbt-b-$$
IP_A=10.231.0.1
IP_B=10.231.0.2
IP6_A=fd00:5ca1::1
IP6_B=fd00:5ca1::2
DROP_PORT=9999
PASS_PORT=9998
TMP=$(mktemp -d /tmp/skbt-it.XXXXXX)
TAP_N=0
TAP_FAILED=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1"
}

tap_not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1 # SKIP $2"
}

# check NAME COMMAND...: one TAP line from the command's exit status.
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "$(tail -n 5 "$TMP/check.out")"
	fi
}

mac_of() { # NS DEV: the device's MAC address
	ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2
}

topo_up() {
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	ip link add veth-a netns "$NS_A" type veth peer name veth-b netns "$NS_B" || return 1
	ip -n "$NS_A" addr add $IP_A/24 dev veth-a
	ip -n "$NS_B" addr add $IP_B/24 dev veth-b
	ip -n "$NS_A" addr add $IP6_A/64 dev veth-a nodad
	ip -n "$NS_B" addr add $IP6_B/64 dev veth-b nodad
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set veth-a up
	ip -n "$NS_B" link set veth-b up
	# Static neighbours: no ARP/ND traffic in the way of exact counts.
	local mac_a mac_b
	mac_a=$(mac_of "$NS_A" veth-a)
	mac_b=$(mac_of "$NS_B" veth-b)
	ip -n "$NS_A" neigh replace $IP_B lladdr "$mac_b" dev veth-a nud permanent
	ip -n "$NS_B" neigh replace $IP_A lladdr "$mac_a" dev veth-b nud permanent
	ip -n "$NS_A" neigh replace $IP6_B lladdr "$mac_b" dev veth-a nud permanent
	ip -n "$NS_B" neigh replace $IP6_A lladdr "$mac_a" dev veth-b nud permanent
	ip netns exec "$NS_B" nft -f - <<-NFT || return 1
		table inet skbt_test {
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport $DROP_PORT drop
			}
		}
	NFT
}

topo_down() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}

ns_path() {
	echo "/run/netns/$1"
}

ns_inode() {
	stat -L -c %i "/run/netns/$1"
}

send_udp() { # NS ADDR PORT COUNT [SIZE [SPORT]]
	local ns=$1
	shift
	ip netns exec "$ns" "$TOOLS/udp_send" "$@"
}

# start_trace OUT ARGS...: runs skbtrace in the background until its
# ready file appears; sets TRACE_PID.  Fails after 30 s.
start_trace() {
	local out=$1
	shift
	rm -f "$TMP/ready"
	"$SKBTRACE" --ready-file "$TMP/ready" "$@" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	for _ in $(seq 1 $((${SKBT_READY_TIMEOUT:-30} * 10))); do
		[ -e "$TMP/ready" ] && return 0
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "skbtrace did not become ready in ${SKBT_READY_TIMEOUT:-30} s:" >&2
	cat "$out.err" >&2
	return 1
}

# stop_trace: SIGINT, then wait; sets TRACE_STATUS.
stop_trace() {
	sleep "${SKBT_SETTLE:-0.3}"
	kill -INT "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID"
	TRACE_STATUS=$?
}

# The backend under test, with the flag to pass.
BACKEND=${SKBT_BACKEND:-tracepoint}
BACKEND_ARGS=(--backend "$BACKEND")
# Under emulation thousands of kprobes take minutes to attach and detach:
# the VM narrows most tests with SKBT_FILTER_FUNC and proves the full set
# in one test of its own (test_all_functions).
if [ -n "${SKBT_FILTER_FUNC:-}" ]; then
	BACKEND_ARGS+=(--filter-func "$SKBT_FILTER_FUNC")
fi
