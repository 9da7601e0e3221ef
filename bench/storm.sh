#!/usr/bin/env bash
# UDP drop storm: udp_send in namespace A floods a port of namespace B that
# an nftables rule drops; skbtrace (tracepoint backend, --filter-netns B)
# reports every event, and we check its accounting:
#   - events written == the "N events" of its summary (lines of a real file)
#   - N + lost == what the kernel generated, against two references: the
#     events per packet of a loss-free run times packets sent, and a
#     bpftrace counter (a map, so it cannot lose) attached at the same time
#   - BPF run counts and run time per program (kernel.bpf_stats_enabled)
# then the same job done by bpftrace (bench/tp_storm.bt) and the highest
# paced send rate skbtrace follows without losing an event.
#
# Usage (root): bench/storm.sh        environment: STORM_PACKETS (300000),
#   STORM_CAL_PACKETS (20000), STORM_TRUTH_PACKETS (100000),
#   STORM_BT_PACKETS (100000: bpftrace slows the sender to a few 10k/s),
#   STORM_RATE_SECONDS (3), STORM_RATE_STEPS (6), STORM_SKIP_BPFTRACE=1,
#   SKBTRACE (./skbtrace).  Traffic only goes between the two namespaces
#   created here; everything is removed on exit.
# Output: human lines, and "RESULT key=value ..." lines read by bench/run.sh.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TOOLS=$ROOT/build/tools
BENCH=$ROOT/build/bench
PKTS=${STORM_PACKETS:-300000}
CAL_PKTS=${STORM_CAL_PACKETS:-20000}
TRUTH_PKTS=${STORM_TRUTH_PACKETS:-100000}
BT_PKTS=${STORM_BT_PACKETS:-100000}
RATE_SECS=${STORM_RATE_SECONDS:-3}
RATE_STEPS=${STORM_RATE_STEPS:-6}
NS_A=skbtb-a-$$
NS_B=skbtb-b-$$
IP_A=10.233.0.1
IP_B=10.233.0.2
PORT=9999
SPORT=40001
TMP=$(mktemp -d /tmp/skbt-bench.XXXXXX)
SHM=$(mktemp -d /dev/shm/skbt-bench.XXXXXX)
PIDS=()
STATS_OLD=
# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$ROOT/tests/lib/proc.sh"

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP" "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "storm: $*" >&2
	exit 1
}

topo_up() {
	netns_pair "$NS_A" "$NS_B" $IP_A $IP_B && netns_drop_udp "$NS_B" $PORT
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop PID: SIGINT, then wait.  bpftrace 0.17 may miss a SIGINT (it only
# notices one that interrupts its epoll_wait): while the process still
# sleeps in epoll_wait a second after the last one, send another.  Its
# exit itself takes seconds (an RCU wait per perf event), hence 30 s.
stop_pid() {
	local pid=$1 i last=0
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		if [ $((i - last)) -ge 10 ] && grep -q epoll_wait "/proc/$pid/wchan" 2>/dev/null; then
			kill -INT "$pid" 2>/dev/null
			last=$i
		fi
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
}

# cpu_s PID: user+system CPU seconds so far.
cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$1/stat"
}

# cpu_since PID CPU0: CPU seconds used since the reading CPU0 (after ready:
# bpftrace's LLVM compile and both tools' loading are left out).
cpu_since() { awk -v a="$(cpu_s "$1")" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# start_skbtrace ERRFILE ARGS...: sets SK_PID once the ready file exists.
start_skbtrace() {
	local err=$1
	shift
	rm -f "$TMP/ready"
	"$SKBTRACE" --backend tracepoint --ready-file "$TMP/ready" "$@" 2>"$err" &
	SK_PID=$!
	PIDS+=("$SK_PID")
	wait_file "$TMP/ready" "$SK_PID" 10 && return 0
	cat "$err" >&2
	die "skbtrace did not become ready"
}

# start_bpftrace SCRIPT OUT ARGS...: sets BT_PID once "ready" is printed.
start_bpftrace() {
	local script=$1 out=$2
	shift 2
	bpftrace "$script" "$@" >"$out" 2>"$out.err" &
	BT_PID=$!
	PIDS+=("$BT_PID")
	for _ in $(seq 1 2000); do
		grep -q '^ready' "$out" 2>/dev/null && return 0
		kill -0 "$BT_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$out.err" >&2
	die "bpftrace did not become ready"
}

# summary FILE: "N M" from skbtrace's exit line.
summary() {
	sed -n 's/^skbtrace: \([0-9]*\) events, \([0-9]*\) lost,.*/\1 \2/p' "$1" | tail -n 1
}

send() { # COUNT: packets from A to B's dropped port; sets SENT and SEND_MS
	local t0
	t0=$(now_ms)
	SENT=$(ip netns exec "$NS_A" "$TOOLS/udp_send" $IP_B $PORT "$1" 64 $SPORT)
	SEND_MS=$(($(now_ms) - t0))
}

# storm_run LABEL PACKETS OUTFILE [skbtrace args...]: one skbtrace storm.
# Sets N LOST SENT SEND_MS CPU HWM.
storm_run() {
	local label=$1 pkts=$2 out=$3
	shift 3
	start_skbtrace "$TMP/$label.err" --filter-netns "/run/netns/$NS_B" --output-file "$out" "$@"
	CPU0=$(cpu_s "$SK_PID")
	send "$pkts"
	sleep 0.5 # let the reader drain the ring
	CPU=$(cpu_since "$SK_PID" "$CPU0")
	HWM=$(hwm_kb "$SK_PID")
	stop_pid "$SK_PID"
	read -r N LOST < <(summary "$TMP/$label.err")
	[ -n "${N:-}" ] || { cat "$TMP/$label.err" >&2; die "$label: no summary line"; }
}

report() { # LABEL EXPECTED [LINES]: prints the human line and the RESULT line
	local label=$1 expect=$2 lines=${3:--}
	local evs exact
	evs=$(awk -v n="$N" -v ms="$SEND_MS" 'BEGIN { printf "%.0f", ms ? n * 1000 / ms : 0 }')
	local nsev
	nsev=$(awk -v c="$CPU" -v n="$N" 'BEGIN { printf "%.0f", n ? c * 1e9 / n : 0 }')
	exact=$([ $((N + LOST)) -eq "$expect" ] && echo yes || echo "no($((N + LOST - expect)))")
	printf '%-22s sent %7d  events %8d  lost %8d  N+lost=%-8d expected %-8d exact %-6s %6.2f s  %7d ev/s  cpu %5.2f s (%d ns/event)  peak RSS %d KiB  lines %s\n' \
		"$label" "$SENT" "$N" "$LOST" $((N + LOST)) "$expect" "$exact" \
		"$(awk -v m="$SEND_MS" 'BEGIN { print m / 1000 }')" "$evs" "$CPU" "$nsev" "$HWM" "$lines"
	echo "RESULT label=$label sent=$SENT events=$N lost=$LOST expected=$expect exact=$exact" \
		"elapsed_ms=$SEND_MS events_per_s=$evs cpu_s=$CPU ns_per_event=$nsev rss_kb=$HWM lines=$lines"
}

# bt_storm_run LABEL PAGES PACKETS: bpftrace (bench/tp_storm.bt) with a perf
# buffer of PAGES pages per CPU printing the storm to a tmpfs file, where it
# reports what it lost ("Lost N events"); prints report's lines.
bt_storm_run() {
	BPFTRACE_PERF_RB_PAGES=$2 start_bpftrace "$ROOT/bench/tp_storm.bt" "$SHM/bt.txt" "$NETNS_INO"
	CPU0=$(cpu_s "$BT_PID")
	send "$3"
	sleep 0.5
	CPU=$(cpu_since "$BT_PID" "$CPU0")
	HWM=$(hwm_kb "$BT_PID")
	stop_pid "$BT_PID"
	N=$(grep -c '^0x' "$SHM/bt.txt")
	LOST=$(awk '/^Lost [0-9]+ events/ { s += $2 } END { print s + 0 }' "$SHM/bt.txt")
	report "$1" $((SENT * PER_PKT_INT)) "$N"
	rm -f "$SHM/bt.txt"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SKBTRACE" ] || die "no $SKBTRACE (make)"
[ -x "$TOOLS/udp_send" ] || die "no $TOOLS/udp_send (make tools)"
topo_up || die "cannot build the namespaces"
NETNS_INO=$(stat -L -c %i "/run/netns/$NS_B")
echo "storm: namespaces $NS_A -> $NS_B (netns inode $NETNS_INO), UDP 64 bytes to port $PORT, dropped by nftables"
echo "storm: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# 0. No tracer: how fast the sender goes alone.
send "$PKTS"
BASE_PPS=$(awk -v s="$SENT" -v ms="$SEND_MS" 'BEGIN { printf "%.0f", s * 1000 / ms }')
echo "no tracer              sent $SENT in $SEND_MS ms: $BASE_PPS packets/s"
echo "RESULT label=baseline sent=$SENT elapsed_ms=$SEND_MS pps=$BASE_PPS"

# 1. Calibration: a large ring, few packets: nothing may be lost.
storm_run calibrate "$CAL_PKTS" "$SHM/cal.txt" --ringbuf-size 64M
LINES=$(($(wc -l <"$SHM/cal.txt") - 1)) # minus the header line
[ "$LOST" -eq 0 ] || echo "storm: WARNING: the calibration run lost $LOST events"
PER_PKT=$(awk -v n="$N" -v s="$SENT" 'BEGIN { printf "%.4f", n / s }')
PER_PKT_INT=$(awk -v p="$PER_PKT" 'BEGIN { printf "%.0f", p }')
echo "calibration: $N events for $SENT packets = $PER_PKT events/packet (lost $LOST)"
report calibrate-64M $((SENT * PER_PKT_INT)) "$LINES"
echo "RESULT label=per_packet value=$PER_PKT"
rm -f "$SHM/cal.txt"

# 2. Text to /dev/null, default 4 MiB ring.
storm_run text-devnull "$PKTS" /dev/null
report text-devnull $((SENT * PER_PKT_INT))
TRACED_PPS=$((SENT * 1000 / (SEND_MS ? SEND_MS : 1))) # the sender's pace with skbtrace attached

# 3. Text to a real file (tmpfs): the lines written must equal N.
storm_run text-file "$PKTS" "$SHM/storm.txt"
LINES=$(($(wc -l <"$SHM/storm.txt") - 1))
report text-file $((SENT * PER_PKT_INT)) "$LINES"
[ "$LINES" -eq "$N" ] || echo "storm: MISMATCH: $LINES lines written, summary says $N events"
rm -f "$SHM/storm.txt"

# 4. JSON to /dev/null, and to a file for the line count.
storm_run json-devnull "$PKTS" /dev/null --output-json
report json-devnull $((SENT * PER_PKT_INT))
storm_run json-file "$PKTS" "$SHM/storm.json" --output-json
LINES=$(wc -l <"$SHM/storm.json")
report json-file $((SENT * PER_PKT_INT)) "$LINES"
[ "$LINES" -eq "$N" ] || echo "storm: MISMATCH: $LINES JSON lines written, summary says $N events"
rm -f "$SHM/storm.json"

# 5. Ground truth: a bpftrace counter on the same tracepoints and netns,
#    and the kernel's own run counts (bpf_stats) of both tools' programs.
HAVE_BPFTRACE=0
if [ -z "${STORM_SKIP_BPFTRACE:-}" ] && command -v bpftrace >/dev/null &&
	[ -e /sys/kernel/tracing/events/skb/kfree_skb ]; then
	HAVE_BPFTRACE=1
fi
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
if [ $HAVE_BPFTRACE = 1 ]; then
	start_bpftrace "$ROOT/bench/tp_truth.bt" "$TMP/truth.out" "$NETNS_INO"
fi
start_skbtrace "$TMP/truth.err" --filter-netns "/run/netns/$NS_B" --output-file /dev/null
CPU0=$(cpu_s "$SK_PID")
send "$TRUTH_PKTS"
sleep 0.5
CPU=$(cpu_since "$SK_PID" "$CPU0")
HWM=$(hwm_kb "$SK_PID")
read -r SK_CNT SK_NS SK_NPROG < <(prog_stats "$(prog_ids "$SK_PID")")
BT_CNT=0 BT_NS=0 BT_NPROG=0
[ $HAVE_BPFTRACE = 1 ] && read -r BT_CNT BT_NS BT_NPROG < <(prog_stats "$(prog_ids "$BT_PID")")
stop_pid "$SK_PID"
read -r N LOST < <(summary "$TMP/truth.err")
TRUTH=-
if [ $HAVE_BPFTRACE = 1 ]; then
	stop_pid "$BT_PID"
	TRUTH=$(sed -n 's/^@events: \([0-9]*\)$/\1/p' "$TMP/truth.out")
fi
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
STATS_OLD=
report truth-bpf_stats $((SENT * PER_PKT_INT))
echo "truth: bpftrace counter saw ${TRUTH:-?} events in the netns; skbtrace N+lost = $((N + LOST))"
echo "truth: skbtrace programs ($SK_NPROG): run_cnt $SK_CNT (every tracepoint hit, all namespaces), run_time $SK_NS ns = $(awk -v t="$SK_NS" -v c="$SK_CNT" 'BEGIN { printf "%.0f", c ? t / c : 0 }') ns/run"
[ $HAVE_BPFTRACE = 1 ] && echo "truth: bpftrace counter programs ($BT_NPROG): run_cnt $BT_CNT, run_time $BT_NS ns = $(awk -v t="$BT_NS" -v c="$BT_CNT" 'BEGIN { printf "%.0f", c ? t / c : 0 }') ns/run"
echo "RESULT label=truth sent=$SENT skbt_n_plus_lost=$((N + LOST)) bpftrace_count=${TRUTH:--} expected=$((SENT * PER_PKT_INT))" \
	"skbt_run_cnt=$SK_CNT skbt_run_ns=$SK_NS bt_run_cnt=${BT_CNT:-0} bt_run_ns=${BT_NS:-0}"

# 6. bpftrace doing the same job: one printf per event, same netns filter,
#    a perf buffer of 2 MiB per CPU (4 MiB in all, as skbtrace's default
#    ring).  Its output goes to a tmpfs file: it reports lost events in
#    that stream ("Lost N events").
if [ $HAVE_BPFTRACE = 1 ]; then
	bt_storm_run bpftrace-file 512 "$BT_PKTS"
	# 6b. Its loss accounting: a 4 KiB perf buffer per CPU, so that it loses.
	bt_storm_run bpftrace-4k-buffer 1 "$CAL_PKTS"
fi

# 7. The highest paced rate with zero loss (text to /dev/null, 4 MiB ring):
#    bisect the asked rate between 0 and 1.25 times the pace the unpaced
#    sender kept with skbtrace attached (its own ceiling), from 0.75 times.
if [ -x "$BENCH/paced_send" ] && [ "$RATE_STEPS" -gt 0 ]; then
	lo=0
	best=0
	worst=999999999
	hi=$((TRACED_PPS * 5 / 4))
	rate=$((TRACED_PPS * 3 / 4))
	for _ in $(seq 1 "$RATE_STEPS"); do
		start_skbtrace "$TMP/rate.err" --filter-netns "/run/netns/$NS_B" --output-file /dev/null
		res=$(ip netns exec "$NS_A" "$BENCH/paced_send" $IP_B $PORT "$rate" "$RATE_SECS" 64 $SPORT)
		sleep 0.3
		stop_pid "$SK_PID"
		read -r N LOST < <(summary "$TMP/rate.err")
		got=$(echo "$res" | awk '{ print $6 }')
		echo "rate $rate/s asked, $got/s sent: events $N lost $LOST"
		if [ "$LOST" -eq 0 ]; then
			[ "$got" -gt "$best" ] && best=$got
			lo=$rate
			rate=$(((rate + hi) / 2))
		else
			[ "$got" -lt "$worst" ] && worst=$got
			hi=$rate
			rate=$(((lo + rate) / 2))
		fi
	done
	ZL_EVS=$(awk -v r="$best" -v p="$PER_PKT" 'BEGIN { printf "%.0f", r * p }')
	if [ "$worst" = 999999999 ]; then
		worst=none
		echo "zero loss: up to $best packets/s sent = $ZL_EVS events/s delivered; no trial lost (the sender's ceiling with skbtrace attached)"
	else
		echo "zero loss: up to $best packets/s sent = $ZL_EVS events/s delivered (the slowest trial that lost sent $worst/s)"
	fi
	echo "RESULT label=zero_loss pps=$best events_per_s=$ZL_EVS lost_at_pps=$worst seconds=$RATE_SECS"
fi
