#!/usr/bin/env bash
# Shared set-up for the integration tests: two network namespaces joined
# by veth, a drop rule, traffic tools, and TAP reporting (the fixtures and
# TAP helpers are tests/lib/'s, shared with bench/).  Everything created
# here is removed by topo_down (also on interrupt).
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
TESTLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
# shellcheck source=tests/lib/netns.sh
. "$TESTLIB/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$TESTLIB/proc.sh"

topo_up() {
	netns_pair "$NS_A" "$NS_B" $IP_A $IP_B $IP6_A $IP6_B && netns_drop_udp "$NS_B" $DROP_PORT
}

topo_down() {
	netns_del "$NS_A" "$NS_B"
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
	wait_file "$TMP/ready" "$TRACE_PID" "${SKBT_READY_TIMEOUT:-30}" && return 0
	echo "skbtrace did not become ready in ${SKBT_READY_TIMEOUT:-30} s:" >&2
	cat "$out.err" >&2
	return 1
}

# stop_trace: SIGINT, then wait; sets TRACE_STATUS.
stop_trace() {
	sleep "${SKBT_SETTLE:-0.3}"
	stop_pid "$TRACE_PID"
	TRACE_STATUS=$?
}

# The backend under test, with the flag to pass.
BACKEND=${SKBT_BACKEND:-tracepoint}
BACKEND_ARGS=(--backend "$BACKEND")
# Tracepoint backends (raw tracepoints, tp_btf) see the 30 sk_buff
# tracepoints; function backends see kernel functions.
ON_TRACEPOINTS=0
case $BACKEND in tracepoint | tp_btf) ON_TRACEPOINTS=1 ;; esac
# Under emulation thousands of kprobes take minutes to attach and detach:
# the VM narrows most tests with SKBT_FILTER_FUNC and proves the full set
# in one test of its own (test_all_functions).
if [ -n "${SKBT_FILTER_FUNC:-}" ]; then
	BACKEND_ARGS+=(--filter-func "$SKBT_FILTER_FUNC")
fi
