#!/usr/bin/env bash
# skbtrace benchmarks, side by side with bpftrace, on this machine (root).
# `make bench` builds skbtrace, the tools and build/bench/* and runs this.
#   1. start-up to ready, tracepoint backend, the 30 sk_buff tracepoints
#      (build/bench/startup), skbtrace vs a bpftrace script counting hits
#   2. UDP drop storm between two namespaces (bench/storm.sh): events/s,
#      exact lost accounting, peak RSS, bpftrace doing the same job,
#      highest zero-loss send rate
#   3. formatting cost and discovery time/RSS (build/bench/format, discovery),
#      and what a --metrics scrape costs (build/bench/metrics)
#   4. TCP throughput (iperf3) with no tracer vs a do-nothing program on
#      the same tracepoints vs skbtrace running a pcap filter that matches
#      nothing, for each tracepoint backend the kernel runs (bench/iperf.sh),
#      with each one's loss and BPF time per run as a ratio to the
#      do-nothing program's
# Prints the full logs, then a compact table.  Everything it creates
# (namespaces, a tracefs mount, temporary files) is removed on exit.
# Environment: BENCH_STARTUP_RUNS (20, skbtrace alone, without tracefs),
# BENCH_PAIR_RUNS (15, skbtrace and bpftrace interleaved, with tracefs),
# BENCH_SKIP_BPFTRACE=1, and storm.sh's STORM_* variables.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
BENCH=$ROOT/build/bench
RUNS=${BENCH_STARTUP_RUNS:-20}
BT_RUNS=${BENCH_PAIR_RUNS:-15}
TMP=$(mktemp -d /tmp/skbt-run.XXXXXX)
TRACEFS=/sys/kernel/tracing
MOUNTED_TRACEFS=0
T0=$(date +%s)

cleanup() {
	if [ "$MOUNTED_TRACEFS" = 1 ]; then
		umount "$TRACEFS" 2>/dev/null || echo "run.sh: could not unmount $TRACEFS" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "run.sh: run as root" >&2; exit 1; }
[ -x "$SKBTRACE" ] || { echo "run.sh: no $SKBTRACE; run make" >&2; exit 1; }

HAVE_BPFTRACE=0
[ -z "${BENCH_SKIP_BPFTRACE:-}" ] && command -v bpftrace >/dev/null && HAVE_BPFTRACE=1
SKIPPED=()
for b in startup paced_send format discovery; do
	[ -x "$BENCH/$b" ] || SKIPPED+=("build/bench/$b (not built: make bench-bins)")
done

# result LABEL KEY FILE: the value of KEY= on the RESULT line with label=LABEL.
result() {
	awk -v l="$1" -v k="$2" '$1 == "RESULT" && $2 == "label=" l {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2)
	} END { print v }' "$3"
}

tracefs_mounted() { grep -q " $TRACEFS tracefs " /proc/mounts; }

echo "== machine"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "kernel: $(uname -r), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "skbtrace: $("$SKBTRACE" --version 2>&1 | head -n 1), git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
[ $HAVE_BPFTRACE = 1 ] && echo "bpftrace: $(bpftrace --version)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. start-up
SK_CMD=("$SKBTRACE" -q --backend tracepoint --ready-file "$TMP/ready" --output-file /dev/null)
if [ -x "$BENCH/startup" ]; then
	echo
	echo "== start-up to ready (exec to ready file / to \"ready\" on stdout; SIGINT 200 ms later)"
	: >"$TMP/startup.out"
	if ! tracefs_mounted; then
		# This machine's usual state: skbtrace alone (bpftrace needs tracefs).
		timeout 100 "$BENCH/startup" -n "$RUNS" -H 200 -L skbtrace-notracefs -f "$TMP/ready" \
			-e "$TMP/sk0.err" -- "${SK_CMD[@]}" | tee -a "$TMP/startup.out"
		mount -t tracefs tracefs "$TRACEFS" && MOUNTED_TRACEFS=1
	fi
	# Side by side, interleaved run by run so that both see the same load.
	# bpftrace 0.17 has no rawtracepoint: probes: tracepoint: it is.  Its exit
	# takes seconds (an RCU wait per perf event it closes), hence fewer runs.
	BT_SPEC=()
	[ $HAVE_BPFTRACE = 1 ] && tracefs_mounted &&
		BT_SPEC=(";" -L bpftrace -l ready -e "$TMP/bpftrace.err" -- bpftrace "$ROOT/bench/tp_count.bt")
	timeout 150 "$BENCH/startup" -n "$BT_RUNS" -H 200 -L skbtrace -f "$TMP/ready" -e "$TMP/sk.err" -- \
		"${SK_CMD[@]}" "${BT_SPEC[@]}" | tee -a "$TMP/startup.out"
	# Phases (SKBT_DEBUG=1 also prints libbpf's log, so these runs are slower).
	for i in 1 2 3 4 5; do
		rm -f "$TMP/ready"
		SKBT_DEBUG=1 "$SKBTRACE" --backend tracepoint --ready-file "$TMP/ready" \
			--output-file /dev/null 2>"$TMP/debug.err" &
		pid=$!
		for _ in $(seq 1 500); do [ -e "$TMP/ready" ] && break; sleep 0.01; done
		sleep 0.2
		kill -INT $pid
		wait $pid
		sed -n 's/.*(ready in \([0-9]*\) ms).*/\1/p' "$TMP/debug.err" | tr '\n' ' '
		sed -n 's/^skbtrace: load \([0-9.]*\) ms, attach \([0-9.]*\) ms$/\1 \2/p' "$TMP/debug.err"
	done >"$TMP/phases"
	med() { cut -d' ' -f"$1" "$TMP/phases" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	PH_READY=$(med 1) PH_LOAD=$(med 2) PH_ATTACH=$(med 3)
	echo "skbtrace phases with SKBT_DEBUG=1 (median of 5): ready ${PH_READY:-?} ms = load ${PH_LOAD:-?} ms (open+verify) + attach ${PH_ATTACH:-?} ms + $(awk -v r="${PH_READY:-0}" -v l="${PH_LOAD:-0}" -v a="${PH_ATTACH:-0}" 'BEGIN { printf "%.1f", r - l - a }') ms before (exec, BTF, discovery, feature probes)"
	echo "RESULT label=phases ready=${PH_READY:-} load=${PH_LOAD:-} attach=${PH_ATTACH:-}" >>"$TMP/startup.out"
fi

# ---- 2. drop storm
echo
echo "== UDP drop storm (bench/storm.sh)"
if ! tracefs_mounted && [ $HAVE_BPFTRACE = 1 ]; then
	mount -t tracefs tracefs "$TRACEFS" && MOUNTED_TRACEFS=1
fi
[ $HAVE_BPFTRACE = 1 ] || export STORM_SKIP_BPFTRACE=1
SKBTRACE="$SKBTRACE" timeout 240 "$ROOT/bench/storm.sh" | tee "$TMP/storm.out"

# ---- 3. formatting and discovery (other engineers' programs)
echo
echo "== formatting (build/bench/format)"
if [ -x "$BENCH/format" ]; then
	timeout 60 "$BENCH/format" | tee "$TMP/format.out"
else
	echo "skipped: build/bench/format not built"
fi
echo
echo "== discovery (build/bench/discovery)"
if [ -x "$BENCH/discovery" ]; then
	timeout 60 "$BENCH/discovery" | tee "$TMP/discovery.out"
else
	echo "skipped: build/bench/discovery not built"
fi
echo
echo "== --metrics scrape cost at 10, 100, 1000 series (build/bench/metrics)"
if [ -x "$BENCH/metrics" ]; then
	timeout 60 "$BENCH/metrics"
else
	echo "skipped: build/bench/metrics not built"
fi

# ---- 4. throughput cost of a filter that matches nothing
echo
echo "== TCP throughput, no tracer vs skbtrace with a filter matching nothing (bench/iperf.sh)"
# Every tracepoint backend this kernel runs, each beside the do-nothing program.
IPERF_BACKENDS=""
for b in tracepoint tp_btf; do
	"$SKBTRACE" --backend "$b" --list-funcs >/dev/null 2>&1 && IPERF_BACKENDS="$IPERF_BACKENDS $b"
done
if command -v iperf3 >/dev/null && [ -n "$IPERF_BACKENDS" ]; then
	SKBTRACE="$SKBTRACE" IPERF_BACKENDS="${IPERF_BACKENDS# }" timeout 400 "$ROOT/bench/iperf.sh" |
		tee "$TMP/iperf.out"
elif command -v iperf3 >/dev/null; then
	SKIPPED+=("bench/iperf.sh (no tracepoint backend runs here)")
else
	SKIPPED+=("bench/iperf.sh (no iperf3: scripts/deps.sh bench)")
fi

# ---- table
S=$TMP/startup.out
W=$TMP/storm.out
fmt_line() { printf '%-44s %-22s %-22s %s\n' "$@"; }
echo
echo "== summary ($(nproc) cores, kernel $(uname -r), load average now $(cut -d' ' -f1-3 /proc/loadavg))"
fmt_line "figure" "skbtrace" "bpftrace" "target"
if [ -s "$S" ]; then
	for l in skbtrace-notracefs skbtrace; do
		[ -n "$(result "$l" ready_med "$S")" ] || continue
		bt="-"
		[ "$l" = skbtrace ] && [ -n "$(result bpftrace ready_med "$S")" ] &&
			bt="$(result bpftrace ready_med "$S") / $(result bpftrace ready_p90 "$S") ms"
		fmt_line "ready, median / p90 ($l)" \
			"$(result "$l" ready_med "$S") / $(result "$l" ready_p90 "$S") ms" "$bt" "< 100 ms, < bpftrace"
	done
	fmt_line "ready, min" "$(result skbtrace ready_min "$S") ms" "$(result bpftrace ready_min "$S") ms" ""
	fmt_line "SIGINT to exit, median" "$(result skbtrace stop_med "$S") ms" "$(result bpftrace stop_med "$S") ms" ""
	[ -n "$(result phases ready "$S")" ] &&
		fmt_line "skbtrace phases (SKBT_DEBUG): load, attach" \
			"$(result phases load "$S") ms, $(result phases attach "$S") ms" "" "of $(result phases ready "$S") ms"
	fmt_line "peak RSS, start-up run" "$(result skbtrace rss_kb_med "$S") KiB" "$(result bpftrace rss_kb_med "$S") KiB" ""
fi
if [ -s "$W" ]; then
	per=$(result per_packet value "$W")
	fmt_line "events per dropped packet (netns B)" "$per" "" ""
	fmt_line "sender alone" "$(result baseline pps "$W") packets/s" "" ""
	for l in text-devnull text-file json-devnull json-file; do
		[ -n "$(result $l events "$W")" ] || continue
		bt="-"
		[ $l = text-file ] && [ -n "$(result bpftrace-file events "$W")" ] &&
			bt="$(result bpftrace-file events_per_s "$W")/s, lost $(result bpftrace-file lost "$W")"
		fmt_line "storm $l: events/s, lost" \
			"$(result $l events_per_s "$W")/s, lost $(result $l lost "$W")" "$bt" ""
		fmt_line "  sent, delivered, elapsed" \
			"$(result $l sent "$W"), $(result $l events "$W"), $(result $l elapsed_ms "$W") ms" \
			"$([ $l = text-file ] && [ -n "$(result bpftrace-file events "$W")" ] && echo "$(result bpftrace-file sent "$W"), $(result bpftrace-file events "$W"), $(result bpftrace-file elapsed_ms "$W") ms")" ""
		fmt_line "  N+lost == generated; lines == N" \
			"$(result $l exact "$W"); lines $(result $l lines "$W")" \
			"$([ $l = text-file ] && result bpftrace-file exact "$W")" "exact"
		fmt_line "  CPU per event (user+sys, after ready)" "$(result $l ns_per_event "$W") ns" \
			"$([ $l = text-file ] && [ -n "$(result bpftrace-file ns_per_event "$W")" ] && echo "$(result bpftrace-file ns_per_event "$W") ns")" ""
	done
	[ -n "$(result bpftrace-4k-buffer events "$W")" ] &&
		fmt_line "bpftrace, 4 KiB/CPU buffer: delivered, lost" "" \
			"$(result bpftrace-4k-buffer events "$W"), $(result bpftrace-4k-buffer lost "$W") ($(result bpftrace-4k-buffer exact "$W"))" \
			"exact (= $(result bpftrace-4k-buffer expected "$W"))"
	fmt_line "peak RSS during storm (4 MiB ring)" "$(result text-devnull rss_kb "$W") KiB" \
		"$([ -n "$(result bpftrace-file rss_kb "$W")" ] && echo "$(result bpftrace-file rss_kb "$W") KiB")" ""
	if [ -n "$(result truth sent "$W")" ]; then
		fmt_line "truth run: skbtrace N+lost / bpftrace map" \
			"$(result truth skbt_n_plus_lost "$W")" "$(result truth bpftrace_count "$W")" \
			"= $(result truth expected "$W")"
		fmt_line "BPF run time per program run" \
			"$(awk -v t="$(result truth skbt_run_ns "$W")" -v c="$(result truth skbt_run_cnt "$W")" 'BEGIN { printf "%.0f ns", c ? t / c : 0 }')" \
			"$(awk -v t="$(result truth bt_run_ns "$W")" -v c="$(result truth bt_run_cnt "$W")" 'BEGIN { if (c) printf "%.0f ns (count only)", t / c; else print "-" }')" ""
	fi
	[ -n "$(result zero_loss pps "$W")" ] &&
		fmt_line "highest zero-loss rate ($(result zero_loss seconds "$W") s steps)" \
			"$(result zero_loss pps "$W") pkt/s = $(result zero_loss events_per_s "$W") ev/s" "" "slowest lossy trial: $(result zero_loss lost_at_pps "$W") pkt/s"
fi
if [ -s "$TMP/format.out" ]; then
	while read -r line; do
		fmt_line "format: $(echo "$line" | awk '{ $NF = ""; $(NF-1) = ""; print }' | sed 's/ [0-9]* events in.*//')" \
			"$(echo "$line" | grep -o '[0-9]* ns/event')" "" ""
	done < <(grep 'ns/event' "$TMP/format.out")
fi
if [ -s "$TMP/discovery.out" ]; then
	for k in btf_load_vmlinux_ms discover_funcs_ms discover_tracepoints_ms ksyms_load_ms peak_rss_kb; do
		v=$(sed -n "s/^$k: \([0-9.]*\).*/\1/p" "$TMP/discovery.out")
		[ -n "$v" ] && fmt_line "discovery: $k" "$v" "" ""
	done
fi
if [ -s "$TMP/iperf.out" ]; then
	I=$TMP/iperf.out
	fmt_line "iperf3 TCP, median Gbit/s: none / do-nothing" \
		"$(result iperf base_gbps "$I") / $(result iperf floor_gbps "$I")" "" ""
	fmt_line "  lost to a do-nothing program (dispatch alone)" \
		"$(result iperf floor_loss_pct "$I") %, $(result iperf floor_ns_per_run "$I") ns per run" "" ""
	for b in $IPERF_BACKENDS; do
		fmt_line "  skbtrace $b: Gbit/s, lost (of medians; run by run)" \
			"$(result iperf "${b}_gbps" "$I"), $(result iperf "${b}_loss_pct" "$I") %; $(result iperf "${b}_pair_loss_pct" "$I") %" "" ""
		fmt_line "  skbtrace $b: loss, x the do-nothing program's" \
			"$(result iperf "${b}_loss_ratio" "$I")" "" "<= 1.25"
		fmt_line "  skbtrace $b: ns per run (bpf_stats), x do-nothing" \
			"$(result iperf "${b}_ns_per_run" "$I") ns, $(result iperf "${b}_ns_ratio" "$I")" "" "<= 1.3"
	done
fi
for s in "${SKIPPED[@]}"; do echo "skipped: $s"; done
echo "bench/run.sh took $(($(date +%s) - T0)) s"
