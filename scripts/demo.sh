#!/usr/bin/env bash
# make demo: two namespaces joined by veth, an nftables rule that drops
# UDP to port 9999, one packet delivered and one dropped, and skbtrace
# showing both paths.  Everything it creates is removed on exit, also on
# Ctrl-C.
set -uo pipefail
SKBTRACE=$(readlink -f "${1:-./skbtrace}")
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }
make --no-print-directory -s tools >/dev/null || exit 1
# The same two-namespace topology the integration tests use.
. tests/integration/lib.sh

cleanup() {
	if [ -n "${TRACE_PID:-}" ]; then
		kill -INT "$TRACE_PID" 2>/dev/null
		wait "$TRACE_PID" 2>/dev/null
	fi
	topo_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM
topo_up || exit 1

echo "# $NS_B drops UDP to port $DROP_PORT (nftables); a receiver listens on UDP $PASS_PORT"
echo "# skbtrace --filter-netns /run/netns/$NS_B"
start_trace "$TMP/trace.out" --filter-netns "/run/netns/$NS_B" || exit 1
ip netns exec "$NS_B" "$TOOLS/udp_recv" $PASS_PORT 1 2000 >/dev/null 2>&1 &
sleep 0.2
echo "# sending one UDP packet to port $PASS_PORT (delivered) and one to port $DROP_PORT (dropped)"
send_udp "$NS_A" $IP_B $PASS_PORT 1 32 40000 >/dev/null
send_udp "$NS_A" $IP_B $DROP_PORT 1 32 40001 >/dev/null
wait %2 2>/dev/null
stop_trace
TRACE_PID=
cat "$TMP/trace.out.err" >&2
cat "$TMP/trace.out"
