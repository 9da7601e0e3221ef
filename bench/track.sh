#!/usr/bin/env bash
# Cost of --filter-track-skb: a UDP drop storm (nftables drop in namespace
# B), traced by the tracepoint backend with --filter-netns B, three ways:
#   off        no tracking
#   on         --filter-track-skb (every event looks up, every packet is
#              inserted at its first match and deleted at its drop)
#   off-miss   no tracking, a pcap filter matching nothing
#   on-miss    --filter-track-skb with that filter: the cost a
#              non-matching skb pays (the lookup, then the filters)
# Per mode: events written, lost, and the kernel's own per-run cost of our
# programs (kernel.bpf_stats_enabled: run_time_ns / run_cnt).
# Usage (root): bench/track.sh    environment: TRACK_PACKETS (200000),
#   TRACK_ROUNDS (3, the best run of each mode is kept), SKBTRACE (./skbtrace)
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TOOLS=$ROOT/build/tools
PKTS=${TRACK_PACKETS:-200000}
ROUNDS=${TRACK_ROUNDS:-3}
NA=skbtt-a-$$ NB=skbtt-b-$$
OUT=$(mktemp -d /dev/shm/skbt-track.XXXXXX)
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)

# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$ROOT/tests/lib/proc.sh"

cleanup() {
	netns_del "$NA" "$NB"
	rm -rf "$OUT"
	sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
}
trap cleanup EXIT

netns_pair "$NA" "$NB" 10.234.0.1 10.234.0.2 && netns_drop_udp "$NB" 9999 || exit 1
sysctl -qw kernel.bpf_stats_enabled=1

# run MODE ARGS...: prints "events lost ns_per_run packets_per_s"
run() {
	local pid ids t0 t1 ev lost stats
	shift
	rm -f "$OUT/ready"
	"$SKBTRACE" --backend tracepoint --ready-file "$OUT/ready" --output-json -q \
		--filter-netns /run/netns/"$NB" --output-file "$OUT/ev" "$@" 2>"$OUT/err" &
	pid=$!
	wait_file "$OUT/ready" $pid 30 || { cat "$OUT/err" >&2; exit 1; }
	ids=$(prog_ids $pid)
	t0=$(date +%s.%N)
	ip netns exec "$NA" "$TOOLS/udp_send" 10.234.0.2 9999 "$PKTS" 64 40001 >/dev/null
	t1=$(date +%s.%N)
	stats=$(prog_stats "$ids" | awk '{ print $1 ? int($2 / $1) : 0 }')
	kill -INT $pid
	wait $pid
	ev=$(sed -nE 's/^skbtrace: ([0-9]+) events, ([0-9]+) lost.*/\1/p' "$OUT/err")
	lost=$(sed -nE 's/^skbtrace: ([0-9]+) events, ([0-9]+) lost.*/\2/p' "$OUT/err")
	echo "$ev $lost $stats $(awk -v n="$PKTS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')"
}

printf '%-8s %10s %8s %12s %12s\n' mode events lost ns/run pkts/s
for mode in off on off-miss on-miss; do
	best=""
	for _ in $(seq 1 "$ROUNDS"); do
		case $mode in
		off) r=$(run off) ;;
		on) r=$(run on --filter-track-skb) ;;
		off-miss) r=$(run off-miss udp port 1) ;;
		on-miss) r=$(run on-miss --filter-track-skb udp port 1) ;;
		esac
		# keep the run with the lowest cost per program run
		if [ -z "$best" ] || [ "$(cut -d' ' -f3 <<<"$r")" -lt "$(cut -d' ' -f3 <<<"$best")" ]; then
			best=$r
		fi
	done
	read -r ev lost ns pps <<<"$best"
	printf '%-8s %10s %8s %12s %12s\n' "$mode" "$ev" "$lost" "$ns" "$pps"
done
