#!/usr/bin/env bash
# -w: what packet capture costs.  udp_send in namespace A floods a port of
# namespace B that nftables drops (64-byte payloads, 106-byte frames); one
# run after another, with the same traffic:
#   text       skbtrace, text events to a file (the reference)
#   pcap       skbtrace -w FILE (default -s 256), text to /dev/null
#   pcap+text  skbtrace -w FILE and text events to a file
#   pcap-s0    skbtrace -w FILE -s 0 (64 KiB reserved per record)
#   pcap-s0-64M  the same with a 64 MiB ring buffer
#   pcap-rx    skbtrace -w FILE at the receive hook only (one record a packet)
#   pcap-drops skbtrace --drops-only -w FILE (one record a packet, at its drop)
#   tcpdump    tcpdump -w FILE -s 256 on veth-b, inbound (one record a packet)
#   tcpdump-4M the same with a 4 MiB buffer (-B 4096), skbtrace's default ring
# For each: records written, events lost, records/s over the sender's time,
# CPU of the tracer per record, file size.  Files go to /tmp (a disk).
#
# Usage (root): bench/capture.sh     environment: CAPTURE_PACKETS (200000),
#   SKBTRACE (./skbtrace).  Traffic only goes between the two namespaces
#   created here; everything is removed on exit.
# Output: human lines, and "RESULT key=value ..." lines.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TOOLS=$ROOT/build/tools
PKTS=${CAPTURE_PACKETS:-200000}
NS_A=skbtc-a-$$
NS_B=skbtc-b-$$
IP_A=10.234.0.1
IP_B=10.234.0.2
PORT=9999
TMP=$(mktemp -d /tmp/skbt-capture.XXXXXX)
PID=
STATS_OLD=
# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$ROOT/tests/lib/proc.sh"

cleanup() {
	[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "capture: $*" >&2
	exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

cpu_s() { # PID: user+system CPU seconds so far
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' \
		"/proc/$1/stat"
}

send() { # sets SENT and SEND_MS
	local t0
	t0=$(now_ms)
	SENT=$(ip netns exec "$NS_A" "$TOOLS/udp_send" $IP_B $PORT "$PKTS" 64 40001)
	SEND_MS=$(($(now_ms) - t0))
}

# finish_run: the reader drains, then SIGINT; sets CPU (since ready).
# RUNS and RUN_NS: the BPF programs' runs and run time (every tracepoint
# hit, in any namespace: kernel.bpf_stats_enabled).
finish_run() {
	sleep 0.5
	CPU=$(awk -v a="$(cpu_s "$PID")" -v b="$CPU0" 'BEGIN { printf "%.3f", a - b }')
	kill -INT "$PID"
	wait "$PID"
	PID=
}

# sk_run LABEL ARGS...: one skbtrace run; sets EVENTS LOST RECORDS CPU SENT SEND_MS BYTES.
sk_run() {
	local label=$1 err=$TMP/$1.err
	shift
	rm -f "$TMP/ready" "$TMP/out.pcapng" "$TMP/out.txt"
	"$SKBTRACE" --backend tracepoint --ready-file "$TMP/ready" \
		--filter-netns "/run/netns/$NS_B" "$@" 2>"$err" &
	PID=$!
	wait_file "$TMP/ready" "$PID" 10 || { cat "$err" >&2; die "$label: skbtrace did not start"; }
	# Again each run: another benchmark on this machine may have turned it off.
	sysctl -qw kernel.bpf_stats_enabled=1
	CPU0=$(cpu_s "$PID")
	send
	sleep 0.5
	read -r RUNS RUN_NS _ < <(prog_stats "$(prog_ids "$PID")")
	finish_run
	read -r EVENTS LOST < <(sed -n 's/^skbtrace: \([0-9]*\) events, \([0-9]*\) lost,.*/\1 \2/p' "$err")
	RECORDS=$(sed -n 's/^skbtrace: \([0-9]*\) packet records written to .*/\1/p' "$err")
	RECORDS=${RECORDS:-0}
	BYTES=$(stat -c %s "$TMP/out.pcapng" 2>/dev/null || echo 0)
	[ -n "${EVENTS:-}" ] || { cat "$err" >&2; die "$label: no summary line"; }
}

report() { # LABEL: one human line and one RESULT line
	local per=$RECORDS bpf=-
	[ -n "${RUNS:-}" ] && [ "$RUNS" -gt 0 ] && bpf=$((RUN_NS / RUNS))
	[ "$per" -eq 0 ] && per=$EVENTS # text: one line an event
	awk -v l="$1" -v s="$SENT" -v e="$EVENTS" -v lost="$LOST" -v r="$RECORDS" -v per="$per" \
		-v ms="$SEND_MS" -v c="$CPU" -v b="$BYTES" -v bpf="$bpf" 'BEGIN {
		rps = ms ? per * 1000 / ms : 0; ns = per ? c * 1e9 / per : 0
		printf "%-11s sent %7d  events %8d  lost %7d  records %8d  %6.2f s  %8.0f records/s  cpu %6.3f s  %5.0f ns/record  BPF %s ns/run  file %6.1f MiB\n",
			l, s, e, lost, r, ms / 1000, rps, c, ns, bpf, b / 1048576
		printf "RESULT label=%s sent=%d events=%d lost=%d records=%d elapsed_ms=%d records_per_s=%.0f cpu_s=%.3f ns_per_record=%.0f bpf_ns_per_run=%s file_bytes=%d\n",
			l, s, e, lost, r, ms, rps, c, ns, bpf, b }'
}

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SKBTRACE" ] || die "no $SKBTRACE (make)"
[ -x "$TOOLS/udp_send" ] || die "no $TOOLS/udp_send (make tools)"
command -v tcpdump >/dev/null || die "no tcpdump (scripts/deps.sh test)"
{ netns_pair "$NS_A" "$NS_B" $IP_A $IP_B && netns_drop_udp "$NS_B" $PORT; } || die "cannot build the namespaces"
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
echo "capture: $PKTS UDP packets $NS_A -> $NS_B port $PORT (dropped), load $(cut -d' ' -f1-3 /proc/loadavg)"

send
echo "no tracer  sent $SENT in $SEND_MS ms"
echo "RESULT label=baseline sent=$SENT elapsed_ms=$SEND_MS"

sk_run text --output-file "$TMP/out.txt"
report text
sk_run pcap -w "$TMP/out.pcapng" --output-file /dev/null
report pcap
sk_run pcap+text -w "$TMP/out.pcapng" --output-file "$TMP/out.txt"
report pcap+text
sk_run pcap-s0 -w "$TMP/out.pcapng" -s 0 --output-file /dev/null
report pcap-s0
sk_run pcap-s0-64M -w "$TMP/out.pcapng" -s 0 --ringbuf-size 64M --output-file /dev/null
report pcap-s0-64M
sk_run pcap-rx -w "$TMP/out.pcapng" --filter-func net:netif_receive_skb --output-file /dev/null
report pcap-rx
sk_run pcap-drops -w "$TMP/out.pcapng" --drops-only --output-file /dev/null
report pcap-drops

# td_run LABEL ARGS...: tcpdump with its own counts on stderr ("N packets
# captured", "M packets dropped by kernel").
td_run() {
	local label=$1
	shift
	rm -f "$TMP/out.pcapng"
	: >"$TMP/td.err"
	ip netns exec "$NS_B" tcpdump -i veth-b -Q in -s 256 "$@" -w "$TMP/out.pcapng" 2>"$TMP/td.err" &
	PID=$!
	for _ in $(seq 1 100); do grep -q 'listening on' "$TMP/td.err" && break; sleep 0.05; done
	CPU0=$(cpu_s "$PID")
	send
	RUNS=
	finish_run
	RECORDS=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$TMP/td.err")
	LOST=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$TMP/td.err")
	EVENTS=$RECORDS
	BYTES=$(stat -c %s "$TMP/out.pcapng")
	report "$label"
}

td_run tcpdump
td_run tcpdump-4M -B 4096
