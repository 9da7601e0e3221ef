#!/usr/bin/env bash
# Integration tests, as root, on the running kernel: each test builds its
# own namespaces, sends traffic and checks skbtrace's JSON output.
# Usage: tests/integration/run.sh SKBTRACE_BINARY   (SKBT_BACKEND picks the backend)
# Prints TAP; exits 1 if any test failed.
set -u
SKBTRACE=$(readlink -f "${1:?usage: run.sh SKBTRACE_BINARY}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP integration tests need root"
	exit 0
fi
trap topo_down EXIT
trap 'exit 130' INT TERM
topo_up || { echo "not ok 1 - set up namespaces"; exit 1; }

DROP_FUNC_RE='^(skb:kfree_skb|kfree_skb_reason|sk_skb_reason_drop)$'
# test_all_functions under fentry: the layers a UDP packet crosses.
FENTRY_LAYERS_RE='(ip|ip6|ipv6|udp|udpv6|nf|netif|__netif|dev|__dev)_.*|kfree_skb.*|consume_skb'
RECV_FUNC_RE='^(net:netif_receive_skb|net:netif_receive_skb_entry|__netif_receive_skb_core|__netif_receive_skb_core\..*|ip_rcv|ip_rcv_core|ip_local_deliver|udp_rcv|__udp4_lib_rcv)$'

. "$HERE/tests.sh"
# shellcheck source=ux.sh
. "$HERE/ux.sh"
# shellcheck source=drops.sh
. "$HERE/drops.sh"
# shellcheck source=metrics.sh
. "$HERE/metrics.sh"

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	if [ -n "${SKBT_TESTS:-}" ] && ! grep -qw "$t" <<<"$SKBT_TESTS"; then
		continue
	fi
	"$t"
done
echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
