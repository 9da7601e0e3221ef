#!/usr/bin/env bash
# Runs in the test VM (tests/srcline/vm_live.sh passes it as SKBT_VM_EXEC):
# a UDP packet dropped by an nftables rule between two namespaces, traced
# with --output-stack --output-json on the tracepoint backend.  Prints the
# kernel's build id ("# build-id HEX"), then the trace's JSON lines, for
# the host to resolve with the debug files it has.  TAP for what it checks.
set -u
SKBTRACE=${1:-/skbt/skbtrace}
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
trap topo_down EXIT

id=$(od -An -v -tx1 /sys/kernel/notes | tr -d ' \n' |
	grep -o '040000001400000003000000474e5500[0-9a-f]\{40\}' | head -n 1)
echo "# build-id ${id: -40}"
topo_up || { tap_not_ok "srcline: namespaces and the drop rule"; exit 1; }
out=$TMP/drop.json
start_trace "$out" --backend tracepoint --output-json --output-stack \
	--filter-netns "$(ns_path "$NS_B")" || { tap_not_ok "srcline: skbtrace starts"; exit 1; }
send_udp "$NS_A" $IP_B $DROP_PORT 1 64 40050 >/dev/null
stop_trace
check "srcline: the guest traced the drop with a stack" \
	grep -q '"drop_reason":"SKB_DROP_REASON_NETFILTER_DROP".*"stack":\[' "$out"
# Without debug files in the guest: the one line, and no stack_src.
check "srcline: the guest, without debug files, says so in one line" \
	test "$(grep -c '^skbtrace: stacks without source lines: no kernel debug info' "$out.err")" -eq 1
grep '"stack":\[' "$out"
echo "1..$TAP_N"
