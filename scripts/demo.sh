#!/usr/bin/env bash
# make demo: two namespaces joined by veth, an nftables rule that drops
# UDP to port 9999, one packet delivered and one dropped, and skbtrace
# showing both paths.  Everything it creates is removed on exit, also on
# Ctrl-C.
set -euo pipefail
SKBTRACE=$(readlink -f "${1:-./skbtrace}")
cd "$(dirname "$0")/.."
TOOLS=$PWD/build/tools
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }
make --no-print-directory -s tools >/dev/null

A=skbt-demo-a B=skbt-demo-b
TMP=$(mktemp -d)
cleanup() {
	[ -n "${TRACE_PID:-}" ] && kill -INT "$TRACE_PID" 2>/dev/null && wait "$TRACE_PID" 2>/dev/null
	ip netns del $A 2>/dev/null || true
	ip netns del $B 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns del $A 2>/dev/null || true
ip netns del $B 2>/dev/null || true
ip netns add $A
ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add 10.231.0.1/24 dev veth-a
ip -n $B addr add 10.231.0.2/24 dev veth-b
ip -n $A link set veth-a up
ip -n $B link set veth-b up
ip -n $A link set lo up
ip -n $B link set lo up
ip netns exec $B nft -f - <<'NFT'
table inet demo {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 9999 counter drop
	}
}
NFT
ip netns exec $A ping -c1 -W1 10.231.0.2 >/dev/null # resolve neighbours first

echo "# in $B: nft rule 'udp dport 9999 drop'; a receiver listens on UDP 9998"
echo "# running: skbtrace --filter-netns /run/netns/$B"
"$SKBTRACE" --filter-netns /run/netns/$B --ready-file "$TMP/ready" &
TRACE_PID=$!
for _ in $(seq 1 100); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
ip netns exec $B "$TOOLS/udp_recv" 9998 1 2000 >/dev/null 2>&1 &
sleep 0.2
echo "# sending one UDP packet to port 9998 (delivered) and one to port 9999 (dropped)"
ip netns exec $A "$TOOLS/udp_send" 10.231.0.2 9998 1 32 40000 >/dev/null
ip netns exec $A "$TOOLS/udp_send" 10.231.0.2 9999 1 32 40001 >/dev/null
wait %2 2>/dev/null || true
sleep 0.5
kill -INT $TRACE_PID
wait $TRACE_PID || true
TRACE_PID=
