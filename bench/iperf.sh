#!/usr/bin/env bash
# TCP throughput between two namespaces (iperf3 over veth) with no tracer,
# with a do-nothing program on the same tracepoints (build/bench/tp_floor:
# the kernel's dispatch alone, the least any tracer there costs), and with
# skbtrace (one side per backend) running a pcap filter that matches
# nothing, in turns within one run so all sides see the same load.  BPF
# run-time statistics are off for these runs (each costs two clock reads
# per program run); more runs with them on give the programs' own time,
# beside a do-nothing program of the same type (tp_floor -b for tp_btf).
# Prints Gbit/s per run, the medians, each side's loss in percent and its
# ratio to the do-nothing program's loss, and ns per program run.
# Environment:
#   IPERF_RUNS (5 per side; 0: statistics runs only), IPERF_SECONDS (5),
#   IPERF_BACKENDS ("tracepoint"): skbtrace sides, each a backend name or
#     LABEL=BACKEND@BINARY (another build, e.g. before/after a change),
#   IPERF_STATS_RUNS (1): runs per side with bpf_stats, in turns,
#   IPERF_BY_TP=1: those runs print ns per run for each tracepoint (the
#     raw tracepoint sides then load one program per tracepoint),
#   IPERF_FILTER (host 192.0.2.99), IPERF_SKBT_ARGS (extra skbtrace options),
#   TP_FLOOR (build/bench/tp_floor; skipped when missing), IPERF_PIN ("0 1":
#     client and server CPUs; "" lets the scheduler place them).  Pinned, the
#     same run repeats within about 1.5%; unpinned, where the scheduler puts
#     the two processes moves throughput by up to 10% run to run, more than
#     the cost measured.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TP_FLOOR=${TP_FLOOR:-$ROOT/build/bench/tp_floor}
RUNS=${IPERF_RUNS:-5}
SECS=${IPERF_SECONDS:-5}
STATS_RUNS=${IPERF_STATS_RUNS:-1}
BACKENDS=${IPERF_BACKENDS:-tracepoint}
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

# Side LABEL -> "BACKEND BINARY" in $TMP/side.LABEL.
SKBT_SIDES=""
for b in $BACKENDS; do
	label=${b%%=*} spec=${b#*=} bin=$SKBTRACE
	case $spec in *@*) bin=${spec#*@} spec=${spec%%@*} ;; esac
	[ -x "$bin" ] || { echo "iperf.sh: no $bin; run make" >&2; exit 1; }
	SKBT_SIDES="$SKBT_SIDES $label"
	mkdir -p "$TMP/side" && echo "$spec $bin" >"$TMP/side/$label"
done
SKBT_SIDES=${SKBT_SIDES# }
side_backend() { cut -d' ' -f1 "$TMP/side/$1"; }
side_bin() { cut -d' ' -f2- "$TMP/side/$1"; }

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
fail_client() { echo "iperf.sh: iperf3 failed: $(head -c 300 "$TMP/c.json")" >&2; exit 1; }

# trace_start LABEL [split]: skbtrace for that side; split loads a program
# per tracepoint (no raw tracepoint cookies), for statistics per tracepoint.
trace_start() {
	local env=()
	[ "${2:-}" = split ] && env=(SKBT_NO_TP_COOKIE=1)
	rm -f "$TMP/ready"
	# shellcheck disable=SC2086 # IPERF_SKBT_ARGS is a list of words
	env "${env[@]}" "$(side_bin "$1")" -q --backend "$(side_backend "$1")" \
		--ready-file "$TMP/ready" --output-file /dev/null ${IPERF_SKBT_ARGS:-} $FILTER \
		2>"$TMP/skbt.err" &
	TPID=$!
	wait_file "$TMP/ready" "$TPID" 30 && return 0
	echo "iperf.sh: skbtrace did not start: $(cat "$TMP/skbt.err")" >&2
	exit 1
}

trace_stop() {
	kill -INT "$TPID"
	wait "$TPID"
	TPID=""
}

# floor_start [-b] [-s]: the do-nothing program (tp_btf with -b, one per tracepoint with -s).
floor_start() {
	rm -f "$TMP/fready"
	"$SKBTRACE" --backend tracepoint --list-funcs 2>/dev/null |
		"$TP_FLOOR" "$@" "$TMP/fready" 2>"$TMP/floor.err" &
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

# pid_stats PID: "TRACEPOINT RUNS NS" for each of the process's raw
# tracepoint links (raw_tp and tp_btf), from its fdinfo and the kernel's
# statistics of each link's program.  A program shared by several links
# counts once, under the first.
pid_stats() {
	awk '/^prog_id:/ { p = $2 } /^tp_name:/ { print p, $2 }' /proc/"$1"/fdinfo/* 2>/dev/null |
		sort -u -k1,1n | while read -r id tp; do
			bpftool prog show id "$id" -j 2>/dev/null |
				jq -r --arg tp "$tp" '"\($tp) \(.run_cnt // 0) \(.run_time_ns // 0)"'
		done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pct_lost() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (b > 0 ? (b - s) * 100 / b : 0) }'; }

echo "iperf3 -t $SECS over veth, $RUNS runs each, in turns${CPU_C:+, client and server on CPUs $PIN};" \
	"skbtrace ($SKBT_SIDES) filter '$FILTER' ${IPERF_SKBT_ARGS:+($IPERF_SKBT_ARGS)};" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -x "$TP_FLOOR" ] || { echo "iperf.sh: no $TP_FLOOR (make bench-bins): no floor runs" >&2; TP_FLOOR=""; }
[ "$OLD_STATS" = 0 ] || echo "iperf.sh: kernel.bpf_stats_enabled was $OLD_STATS: off for the runs, restored after"
sysctl -qw kernel.bpf_stats_enabled=0
: >"$TMP/base"
: >"$TMP/floor"
for s in $SKBT_SIDES; do : >"$TMP/$s"; done

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
	*)
		trace_start "$1"
		g=$(client) || fail_client
		trace_stop
		;;
	esac
	echo "$g" >>"$TMP/$1"
}

# Odd turns in one order, even turns reversed: a throughput that drifts
# during the run (it does, by a few percent) then favours no side.
turns() {
	local n=$1 fn=$2 sides=$3 rev order i
	rev=$(echo "$sides" | tr ' ' '\n' | tac | paste -sd' ')
	for i in $(seq 1 "$n"); do
		order=$sides
		[ $((i % 2)) -eq 0 ] && order=$rev
		for side in $order; do "$fn" "$side"; done
		if [ "$fn" = stats_run ]; then
			echo "stats run $i ($order):$(for s in $sides; do printf ' %s %s' "$s" \
				"$(tail -n1 "$TMP/stats.$s" 2>/dev/null | awk '{ printf "%.1f", $1 ? $2 / $1 : 0 }')"; done) ns per run"
			continue
		fi
		echo "run $i ($order):$(for s in $sides; do printf ' %s %s' "$s" "$(tail -n1 "$TMP/$s")"; done) Gbit/s"
	done
}
SIDES="base${TP_FLOOR:+ floor} $SKBT_SIDES"
turns "$RUNS" side_run "$SIDES"

# Runs with kernel.bpf_stats_enabled, which costs two clock reads per
# program run: kept out of the throughput figures above.  The do-nothing
# programs' figure is what the statistics themselves add to a run.
# Appends "RUNS NS" to $TMP/stats.<side>, and per tracepoint to $TMP/tp.<side>.
stats_run() {
	local split="" pid
	[ -n "${IPERF_BY_TP:-}" ] && split="split"
	# Another process (another copy of this bench) may have turned them off.
	sysctl -qw kernel.bpf_stats_enabled=1
	case $1 in
	floor) floor_start ${split:+-s} ;;
	floor-btf) floor_start -b ;;
	*) trace_start "$1" $split ;;
	esac
	client >/dev/null || fail_client
	pid=$TPID
	[ -n "$FPID" ] && pid=$FPID
	pid_stats "$pid" >"$TMP/one"
	if [ "$(sysctl -n kernel.bpf_stats_enabled)" != 1 ]; then
		echo "iperf.sh: bpf_stats were turned off during a $1 run by another process: run left out (0.0)"
		: >"$TMP/one"
	fi
	case $1 in floor | floor-btf) floor_stop ;; *) trace_stop ;; esac
	# "0 0" for a run left out: ns_of() skips it.
	awk '{ c += $2; t += $3 } END { print c + 0, t + 0 }' "$TMP/one" >>"$TMP/stats.$1"
	awk '$2 > 0 { printf "%s %.1f %d\n", $1, $3 / $2, $2 }' "$TMP/one" >>"$TMP/tp.$1"
}
STATS_SIDES="${TP_FLOOR:+floor }"
for s in $SKBT_SIDES; do
	[ "$(side_backend "$s")" = tp_btf ] && [ -n "$TP_FLOOR" ] && STATS_SIDES="${STATS_SIDES}floor-btf "
done
STATS_SIDES="$(echo "$STATS_SIDES" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | paste -sd' ') $SKBT_SIDES"
sysctl -qw kernel.bpf_stats_enabled=1
turns "$STATS_RUNS" stats_run "$STATS_SIDES"
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"

# ns per run of one statistics run: median over the runs of the side.
ns_of() { [ -s "$TMP/stats.$1" ] && awk '$1 > 0 { printf "%.1f\n", $2 / $1 }' "$TMP/stats.$1" | median; }
B=$(median <"$TMP/base")
F=-
FLOSS=-
if [ -s "$TMP/floor" ]; then
	F=$(median <"$TMP/floor")
	FLOSS=$(pct_lost "$B" "$F")
	echo "median: no tracer $B Gbit/s; do-nothing program on the same tracepoints $F Gbit/s," \
		"loss $FLOSS% (the dispatch alone)"
fi
FNS=$(ns_of floor)
FBNS=$(ns_of floor-btf)
echo "ns per program run with bpf_stats (median of $STATS_RUNS): do-nothing ${FNS:--}${FBNS:+, do-nothing tp_btf $FBNS}"
RESULT="RESULT label=iperf base_gbps=$B runs=$RUNS seconds=$SECS floor_gbps=$F floor_loss_pct=$FLOSS floor_ns_per_run=${FNS:--}"
FIRST=1
for s in $SKBT_SIDES; do
	S=$(median <"$TMP/$s")
	LOSS=$(pct_lost "$B" "$S")
	# Each traced run against the untraced run of the same turn, too.
	PAIR=$(paste "$TMP/base" "$TMP/$s" | awk '{ printf "%.1f\n", ($1 > 0 ? ($1 - $2) * 100 / $1 : 0) }' | median)
	LRATIO=$(awk -v l="$LOSS" -v f="$FLOSS" 'BEGIN { if (f + 0 > 0) printf "%.2f", l / f; else print "-" }')
	NS=$(ns_of "$s")
	fns=$FNS
	[ "$(side_backend "$s")" = tp_btf ] && fns=$FBNS
	NRATIO=$(awk -v n="${NS:-0}" -v f="${fns:-0}" 'BEGIN { if (f > 0 && n > 0) printf "%.2f", n / f; else print "-" }')
	[ "$RUNS" -gt 0 ] && echo "median: skbtrace $s $S Gbit/s, loss $LOSS% (median of the run-by-run losses:" \
		"$PAIR%), $LRATIO x the do-nothing program's loss"
	echo "skbtrace $s: ${NS:--} ns per program run, $NRATIO x the do-nothing program's"
	RESULT="$RESULT ${s}_gbps=$S ${s}_loss_pct=$LOSS ${s}_pair_loss_pct=$PAIR ${s}_loss_ratio=$LRATIO ${s}_ns_per_run=${NS:--} ${s}_ns_ratio=$NRATIO"
	if [ "$FIRST" = 1 ]; then
		RESULT="$RESULT skbt_gbps=$S loss_pct=$LOSS pair_loss_pct=$PAIR ns_per_run=${NS:--}"
		FIRST=0
	fi
done
if [ -n "${IPERF_BY_TP:-}" ]; then
	echo "ns per run by tracepoint (median of $STATS_RUNS; runs in the last):"
	for s in $STATS_SIDES; do
		[ -s "$TMP/tp.$s" ] || continue
		cut -d' ' -f1 "$TMP/tp.$s" | sort -u | while read -r tp; do
			printf '%-12s %-32s %7s  (%s runs)\n' "$s" "$tp" \
				"$(awk -v t="$tp" '$1 == t { print $2 }' "$TMP/tp.$s" | median)" \
				"$(awk -v t="$tp" '$1 == t { n = $3 } END { print n }' "$TMP/tp.$s")"
		done
	done | sort -k2,2 -k1,1
fi
echo "$RESULT"
