#!/usr/bin/env bash
# Drop storm with --drop-summary: drops counted per second and BPF cost per
# drop, against --metrics (the same counting, scraped over HTTP) and
# skbtrace's event mode (--drops-only) and against a bpftrace
# one-liner counting tracepoint:skb:kfree_skb by reason and location, run
# at the same time as skbtrace so both see the same drops.  The kernel's
# own count (the nftables rule's counter) is the truth: skbtrace's summary
# must equal it with zero uncounted drops.
#
# Usage (root): bench/drops.sh     environment: DROPS_PACKETS (500000),
#   DROPS_SECONDS_PER_TABLE (1), SKBTRACE (./skbtrace).  Traffic only goes
#   between the two namespaces created here; everything is removed on exit.
# Output: human lines and "RESULT key=value ..." lines.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TOOLS=$ROOT/build/tools
PKTS=${DROPS_PACKETS:-500000}
NS_A=skbtd-a-$$
NS_B=skbtd-b-$$
IP_A=10.234.0.1
IP_B=10.234.0.2
PORT=9999
TMP=$(mktemp -d /tmp/skbt-drops.XXXXXX)
PIDS=()
STATS_OLD=

# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh"
# shellcheck source=tests/lib/proc.sh
. "$ROOT/tests/lib/proc.sh"

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD"
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "drops: $*" >&2
	exit 1
}

# The shared pair (static neighbours, no IPv6), and a counting drop rule.
topo_up() {
	netns_pair "$NS_A" "$NS_B" $IP_A $IP_B || return 1
	ip netns exec "$NS_B" nft -f - <<-NFT
		table inet skbt_drops {
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport $PORT counter drop
			}
		}
	NFT
}

nft_count() {
	ip netns exec "$NS_B" nft list chain inet skbt_drops input |
		sed -nE 's/.*counter packets ([0-9]+).*/\1/p'
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

send() { # COUNT: sets SENT and SEND_MS
	local t0
	t0=$(now_ms)
	SENT=$(ip netns exec "$NS_A" "$TOOLS/udp_send" $IP_B $PORT "$1" 64 40001)
	SEND_MS=$(($(now_ms) - t0))
}

forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop_pid PID: SIGINT and wait; bpftrace 0.17 may miss one SIGINT while
# it is not in epoll_wait, so it gets another each second.
stop_pid() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		[ $((i % 10)) -eq 0 ] && kill -INT "$pid" 2>/dev/null
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
}

start_skbtrace() { # OUT ARGS...: sets SK_PID once ready
	local out=$1
	shift
	rm -f "$TMP/ready"
	"$SKBTRACE" --backend tracepoint --ready-file "$TMP/ready" "$@" >"$out" 2>"$out.err" &
	SK_PID=$!
	PIDS+=("$SK_PID")
	for _ in $(seq 1 3000); do
		[ -e "$TMP/ready" ] && return 0
		kill -0 "$SK_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$out.err" >&2
	die "skbtrace did not become ready"
}

# The one-liner: count drops by reason and location, same netns as skbtrace.
BT_PROG='BEGIN { printf("ready\n"); }
tracepoint:skb:kfree_skb
/((struct sk_buff *)args->skbaddr)->dev->nd_net.net->ns.inum == $1/
{ @[args->reason, ksym(args->location)] = count(); }'

start_bpftrace() { # OUT: sets BT_PID once ready
	bpftrace -e "$BT_PROG" "$NETNS_INO" >"$1" 2>"$1.err" &
	BT_PID=$!
	PIDS+=("$BT_PID")
	for _ in $(seq 1 6000); do
		grep -q '^ready' "$1" 2>/dev/null && return 0
		kill -0 "$BT_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$1.err" >&2
	die "bpftrace did not become ready"
}

# scrape ERRFILE OUT: /metrics of the skbtrace that printed its address in ERRFILE,
# after the exporter's next once-a-second refresh.
scrape() {
	local port
	port=$(sed -n 's|^skbtrace: metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$1")
	sleep 1.2
	curl -sf "http://127.0.0.1:$port/metrics" >"$2" || die "no scrape from port '$port'"
}

per() { awk -v a="$1" -v b="$2" -v m="${3:-1}" 'BEGIN { printf "%.0f", b ? a * m / b : 0 }'; }

# run LABEL SKBTRACE_ARGS...: one storm with skbtrace and the one-liner attached.
run() {
	local label=$1 c0 sk bt skc skns btc btns
	shift
	c0=$(nft_count)
	start_bpftrace "$TMP/$label.bt"
	start_skbtrace "$TMP/$label.out" --filter-netns "/run/netns/$NS_B" "$@"
	send "$PKTS"
	sleep 0.5
	read -r skc skns _ < <(prog_stats "$(prog_ids "$SK_PID")")
	read -r btc btns _ < <(prog_stats "$(prog_ids "$BT_PID")")
	[ "$label" = metrics ] && scrape "$TMP/$label.out.err" "$TMP/metrics.scrape"
	stop_pid "$SK_PID"
	stop_pid "$BT_PID"
	KERNEL=$(($(nft_count) - c0))
	BT=$(sed -nE 's/^@\[12, nft_do_chain\]: ([0-9]+)$/\1/p' "$TMP/$label.bt")
	SK_NS_DROP=$(per "$skns" "$KERNEL")
	BT_NS_DROP=$(per "$btns" "$KERNEL")
	RATE=$(per "$KERNEL" "$SEND_MS" 1000)
	printf '%-14s sent %7d  kernel dropped %7d in %5d ms (%7d drops/s)  bpftrace counted %7s (%4d ns/drop)  skbtrace %4d ns/drop (%d runs)\n' \
		"$label" "$SENT" "$KERNEL" "$SEND_MS" "$RATE" "${BT:-?}" "$BT_NS_DROP" "$SK_NS_DROP" "$skc"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SKBTRACE" ] || die "no $SKBTRACE (make)"
command -v bpftrace >/dev/null || die "no bpftrace (scripts/deps.sh bench)"
topo_up || die "cannot build the namespaces"
NETNS_INO=$(stat -L -c %i "/run/netns/$NS_B")
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
echo "drops: $NS_A -> $NS_B, $PKTS UDP packets dropped by an nftables rule; load $(cut -d' ' -f1-3 /proc/loadavg)"

c0=$(nft_count)
send "$PKTS"
echo "no tracer      sent $SENT, kernel dropped $(($(nft_count) - c0)) in $SEND_MS ms ($(per "$SENT" "$SEND_MS" 1000) drops/s)"
echo "RESULT label=baseline sent=$SENT elapsed_ms=$SEND_MS drops_per_s=$(per "$SENT" "$SEND_MS" 1000)"

run summary --drop-summary --output-json
SUM=$(jq -s '[.[].drop_summary.drops[] | select(.reason == "SKB_DROP_REASON_NETFILTER_DROP") | .count] | add // 0' "$TMP/summary.out")
UNC=$(jq -s '[.[].drop_summary.uncounted] | add // 0' "$TMP/summary.out")
echo "               skbtrace summary counted $SUM, uncounted $UNC: $([ "$SUM" = "$KERNEL" ] && [ "$UNC" = 0 ] && echo exact || echo NOT EXACT)"
echo "RESULT label=summary sent=$SENT kernel=$KERNEL skbtrace=$SUM uncounted=$UNC bpftrace=${BT:-} drops_per_s=$RATE skbt_ns_per_drop=$SK_NS_DROP bt_ns_per_drop=$BT_NS_DROP"

run metrics --metrics 127.0.0.1:0
MET=$(awk '/^skbtrace_drops_total\{reason="NETFILTER_DROP"/ { n += $NF } END { print n + 0 }' "$TMP/metrics.scrape")
OVF=$(sed -n 's/^skbtrace_drops_overflow_total //p' "$TMP/metrics.scrape")
echo "               skbtrace --metrics scraped $MET, overflow $OVF: $([ "$MET" = "$KERNEL" ] && [ "$OVF" = 0 ] && echo exact || echo NOT EXACT)"
echo "RESULT label=metrics sent=$SENT kernel=$KERNEL skbtrace=$MET overflow=$OVF bpftrace=${BT:-} drops_per_s=$RATE skbt_ns_per_drop=$SK_NS_DROP bt_ns_per_drop=$BT_NS_DROP"

run events --drops-only --output-json --output-file /dev/null
read -r N LOST < <(sed -nE 's/^skbtrace: ([0-9]+) events, ([0-9]+) lost.*/\1 \2/p' "$TMP/events.out.err" | tail -n 1)
echo "               skbtrace events $N, lost $LOST (N+lost $((N + LOST)) vs kernel $KERNEL)"
echo "RESULT label=events sent=$SENT kernel=$KERNEL events=$N lost=$LOST bpftrace=${BT:-} drops_per_s=$RATE skbt_ns_per_drop=$SK_NS_DROP bt_ns_per_drop=$BT_NS_DROP"
