#!/usr/bin/env bash
# TCP throughput between two namespaces (iperf3 over veth) with no tracer,
# with a do-nothing program on the same tracepoints (build/bench/tp_floor:
# the kernel's dispatch alone, the least any tracer there costs), and with
# skbtrace (tracepoint backend) running a pcap filter that matches nothing,
# in turns within one run so all three see the same load.  BPF run-time
# statistics are off for these runs (each costs two clock reads per program
# run); one more run with them on gives the programs' own time.
# Prints Gbit/s per run, the medians and the loss in percent (target < 5%).
# Environment: IPERF_RUNS (5 per side), IPERF_SECONDS (5),
# IPERF_FILTER (host 192.0.2.99), IPERF_SKBT_ARGS (extra skbtrace options),
# TP_FLOOR (build/bench/tp_floor; skipped when missing), IPERF_PIN ("0 1":
# client and server CPUs; "" lets the scheduler place them).  Pinned, the
# same run repeats within about 1.5%; unpinned, where the scheduler puts
# the two processes moves throughput by up to 10% run to run, more than
# the cost measured.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TP_FLOOR=${TP_FLOOR:-$ROOT/build/bench/tp_floor}
RUNS=${IPERF_RUNS:-5}
SECS=${IPERF_SECONDS:-5}
PIN=${IPERF_PIN-0 1}
CPU_C=""
CPU_S=""
if [ -n "$PIN" ] && [ "$(nproc)" -ge 2 ]; then
	read -r c s <<<"$PIN"
	CPU_C="taskset -c $c"
	CPU_S="taskset -c $s"
fi
FILTER=${IPERF_FILTER:-host 192.0.2.99}
NS_A=skbt-ipa-$$
NS_B=skbt-ipb-$$
TMP=$(mktemp -d /tmp/skbt-iperf.XXXXXX)
SPID=""
TPID=""
FPID=""
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$ROOT/tests/lib/proc.sh"

cleanup() {
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	[ -n "$FPID" ] && kill -INT "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "iperf.sh: run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf.sh: no iperf3 (scripts/deps.sh bench)" >&2; exit 1; }
[ -x "$SKBTRACE" ] || { echo "iperf.sh: no $SKBTRACE; run make" >&2; exit 1; }

netns_pair "$NS_A" "$NS_B" 10.233.0.1 10.233.0.2 || exit 1
# shellcheck disable=SC2086 # CPU_S is a command and its arguments, or nothing
ip netns exec "$NS_B" $CPU_S iperf3 -s -B 10.233.0.2 >/dev/null 2>&1 &
SPID=$!
sleep 0.5

# One client run; prints the receiver's Gbit/s.
client() {
	# shellcheck disable=SC2086 # as CPU_S
	ip netns exec "$NS_A" $CPU_C iperf3 -c 10.233.0.2 -t "$SECS" -J >"$TMP/c.json" 2>&1 &&
		jq '.end.sum_received.bits_per_second / 1e9' "$TMP/c.json" | awk '{ printf "%.2f\n", $1 }'
}

trace_start() {
	rm -f "$TMP/ready"
	# shellcheck disable=SC2086 # IPERF_SKBT_ARGS is a list of words
	"$SKBTRACE" -q --backend tracepoint --ready-file "$TMP/ready" --output-file /dev/null \
		${IPERF_SKBT_ARGS:-} $FILTER 2>"$TMP/skbt.err" &
	TPID=$!
	wait_file "$TMP/ready" "$TPID" 30 && return 0
	echo "iperf.sh: skbtrace did not start: $(cat "$TMP/skbt.err")" >&2
	exit 1
}

# Adds the run count and run time of skbtrace's programs (kernel.bpf_stats_enabled).
trace_prog_stats() {
	prog_stats "$(prog_ids "$TPID")" | cut -d' ' -f1,2 >>"$TMP/stats"
}

trace_stop() {
	kill -INT "$TPID"
	wait "$TPID"
	TPID=""
}

floor_start() {
	rm -f "$TMP/fready"
	"$SKBTRACE" --backend tracepoint --list-funcs 2>/dev/null |
		"$TP_FLOOR" "$TMP/fready" 2>"$TMP/floor.err" &
	FPID=$!
	wait_file "$TMP/fready" "$FPID" 10 && return 0
	echo "iperf.sh: tp_floor did not start: $(cat "$TMP/floor.err")" >&2
	exit 1
}

floor_stop() {
	kill -INT "$FPID"
	wait "$FPID"
	FPID=""
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "iperf3 -t $SECS over veth, $RUNS runs each, in turns${CPU_C:+, client and server on CPUs $PIN}; skbtrace filter '$FILTER'" \
	"${IPERF_SKBT_ARGS:+($IPERF_SKBT_ARGS)}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -x "$TP_FLOOR" ] || { echo "iperf.sh: no $TP_FLOOR (make bench-bins): no floor runs" >&2; TP_FLOOR=""; }
[ "$OLD_STATS" = 0 ] || echo "iperf.sh: kernel.bpf_stats_enabled was $OLD_STATS: off for the runs, restored after"
sysctl -qw kernel.bpf_stats_enabled=0
: >"$TMP/base"
: >"$TMP/floor"
: >"$TMP/stats"
fail_client() { echo "iperf.sh: iperf3 failed: $(head -c 300 "$TMP/c.json")" >&2; exit 1; }
# One side's run; appends its Gbit/s to $TMP/<side>.
side_run() {
	local g
	case $1 in
	base) g=$(client) || fail_client ;;
	floor)
		floor_start
		g=$(client) || fail_client
		floor_stop
		;;
	skbt)
		trace_start
		g=$(client) || fail_client
		trace_stop
		;;
	esac
	echo "$g" >>"$TMP/$1"
}
SIDES="base skbt"
[ -n "$TP_FLOOR" ] && SIDES="base floor skbt"
# Odd turns in one order, even turns reversed: a throughput that drifts
# during the run (it does, by a few percent) then favours no side.
REV=$(echo "$SIDES" | tr ' ' '\n' | tac | paste -sd' ')
for i in $(seq 1 "$RUNS"); do
	order=$SIDES
	[ $((i % 2)) -eq 0 ] && order=$REV
	for side in $order; do side_run "$side"; done
	f=-
	[ -n "$TP_FLOOR" ] && f=$(tail -n1 "$TMP/floor")
	echo "run $i ($order): no tracer $(tail -n1 "$TMP/base") Gbit/s, do-nothing floor $f Gbit/s," \
		"skbtrace $(tail -n1 "$TMP/skbt") Gbit/s"
done
# One more traced run with kernel.bpf_stats_enabled, which costs two clock
# reads per program run: kept out of the throughput figures above.
sysctl -qw kernel.bpf_stats_enabled=1
trace_start
STATS_GBPS=$(client)
trace_prog_stats
trace_stop
# The same for the do-nothing program: what the statistics' clock reads
# themselves add to a run, to take off skbtrace's figure.
FLOOR_NS=-
if [ -n "$TP_FLOOR" ]; then
	floor_start
	client >/dev/null || fail_client
	FLOOR_NS=$(bpftool prog show name tp_floor -j 2>/dev/null |
		jq -r '[if type == "array" then .[] else . end | select(.run_cnt > 0)] | if length > 0 then (map(.run_time_ns) | add) / (map(.run_cnt) | add) | floor else "-" end')
	floor_stop
fi
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
B=$(median <"$TMP/base")
S=$(median <"$TMP/skbt")
LOSS=$(awk -v b="$B" -v s="$S" 'BEGIN { printf "%.1f", (b > 0 ? (b - s) * 100 / b : 0) }')
# Each traced run against the untraced run just before it, too.
PAIR=$(paste "$TMP/base" "$TMP/skbt" | awk '{ printf "%.1f\n", ($1 > 0 ? ($1 - $2) * 100 / $1 : 0) }' | median)
echo "median: no tracer $B Gbit/s, skbtrace $S Gbit/s, loss $LOSS% (median of the" \
	"run-by-run losses: $PAIR%; target < 5%)"
F=-
FLOSS=-
if [ -s "$TMP/floor" ]; then
	F=$(median <"$TMP/floor")
	FLOSS=$(awk -v b="$B" -v s="$F" 'BEGIN { printf "%.1f", (b > 0 ? (b - s) * 100 / b : 0) }')
	echo "median: do-nothing program on the same tracepoints $F Gbit/s, loss $FLOSS%" \
		"(the dispatch alone)"
fi
# The CPU the programs themselves took: noise-free, unlike the throughput.
read -r CNT NS < <(awk '{ c += $1; t += $2 } END { print c + 0, t + 0 }' "$TMP/stats")
PER_RUN=$(awk -v c="$CNT" -v t="$NS" 'BEGIN { printf "%.0f", (c ? t / c : 0) }')
CPU_PCT=$(awk -v t="$NS" -v s="$SECS" 'BEGIN { printf "%.2f", t / (s * 1e9) * 100 }')
echo "skbtrace programs, one more run with bpf_stats ($STATS_GBPS Gbit/s): $CNT runs," \
	"$PER_RUN ns per run, $CPU_PCT% of one CPU; the do-nothing program: $FLOOR_NS ns per run"
echo "RESULT label=iperf base_gbps=$B skbt_gbps=$S loss_pct=$LOSS pair_loss_pct=$PAIR runs=$RUNS seconds=$SECS" \
	"floor_gbps=$F floor_loss_pct=$FLOSS floor_ns_per_run=$FLOOR_NS" \
	"prog_runs=$CNT ns_per_run=$PER_RUN cpu_pct=$CPU_PCT"
