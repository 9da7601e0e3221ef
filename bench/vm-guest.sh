#!/usr/bin/env bash
# The guest half of bench/vm.sh: runs inside the test VM as its SKBT_VM_EXEC
# command (bench/vm.sh prepends the settings below) and prints one
# "RESULT label=... key=value..." line per measurement; the host makes the
# table.  Alone, in a VM with the binaries: BENCH_DIR=... bash vm-guest.sh
#
#   BENCH_DIR        where build/bench is (the host's path; build/tools is
#                    under /skbt in the VM)
#   VMB_ROUNDS       attach/detach rounds, floor and skbtrace alternating (3)
#   VMB_SEQ          1: one more floor run with a single thread (attach and detach)
#   VMB_FENTRY_ATTACH  0: no fentry attach/detach rounds (3.5 min each emulated);
#                    the traffic runs still use fentry when the build has it
#   VMB_PACKETS      UDP packets per traffic run (50000)
#   VMB_TRAFFIC_ROUNDS  rounds of (no tracer, kprobe, fentry, tracepoint, tp_btf),
#                    then of rejected runs beside do-nothing programs (3)
#   VMB_BEFORE       another skbtrace binary, run after skbtrace in each round
#                    (before/after a change, same VM, same load)
#   VMB_FILTER_FUNC  --filter-func of the traffic runs with function backends
#                    (default: SKBT_VM_FILTER_FUNC of /etc/skbt.conf, the
#                    receive/transmit functions the VM tests use)
set -u

: "${BENCH_DIR:?BENCH_DIR not set}"
: "${VMB_BEFORE:=}" "${VMB_FENTRY_ATTACH:=1}"
: "${VMB_ROUNDS:=3}" "${VMB_SEQ:=1}" "${VMB_PACKETS:=50000}" "${VMB_TRAFFIC_ROUNDS:=3}"
# shellcheck disable=SC1091
[[ -f /etc/skbt.conf ]] && source /etc/skbt.conf
: "${VMB_FILTER_FUNC:=${SKBT_VM_FILTER_FUNC:-}}"
SKBTRACE=${SKBTRACE:-$(command -v skbtrace)}
B=$BENCH_DIR/bench
# tests/vm/initramfs.sh puts build/tools/* under /skbt.
TOOLS=/skbt/build/tools
[[ -d $TOOLS ]] || TOOLS=$BENCH_DIR/tools
NS_A=vmb-a NS_B=vmb-b
ADDR_A=10.252.0.1 ADDR_B=10.252.0.2 PORT=9999
TMP=$(mktemp -d /tmp/vmb.XXXXXX)
TRACER_PID="" RECV_PID=""
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)

cleanup() {
	[[ -n $TRACER_PID ]] && kill -INT "$TRACER_PID" 2>/dev/null && wait "$TRACER_PID" 2>/dev/null
	[[ -n $RECV_PID ]] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	sysctl -q -w kernel.bpf_stats_enabled="$STATS_WAS" >/dev/null 2>&1
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# val KEY TEXT: the value of KEY= in a RESULT line.
val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -n 1; }

echo "RESULT label=guest kernel=$(uname -r) cpus=$(nproc) mem_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"

# ---- the function set: exactly what skbtrace --backend kprobe attaches
"$SKBTRACE" --backend kprobe --list-funcs >"$TMP/list" 2>"$TMP/list.err" || {
	echo "vm-guest: skbtrace --backend kprobe --list-funcs failed:"
	cat "$TMP/list.err"
	exit 1
}
awk '$4 ~ /^skbt_/ { print $1 }' "$TMP/list" >"$TMP/names"
# Address of each name: the first text symbol of that name, as skbtrace
# takes it (a name the kernel has several of cannot be attached by name).
awk 'NR == FNR { want[$1] = 1; next }
	($3 in want) && !($3 in seen) && $2 ~ /^[tT]$/ { seen[$3] = 1; print $3, $1 }' \
	"$TMP/names" /proc/kallsyms >"$TMP/funcs"
dups=$(awk 'NR == FNR { want[$1] = 1; next } ($3 in want) && $2 ~ /^[tT]$/ { n[$3]++ }
	END { for (f in n) if (n[f] > 1) d++; print d + 0 }' "$TMP/names" /proc/kallsyms)
echo "RESULT label=funcs listed=$(wc -l <"$TMP/names") with_address=$(wc -l <"$TMP/funcs") duplicate_names=$dups"
echo "# listed without a text symbol in kallsyms (the floor leaves them out):" \
	"$(awk 'NR == FNR { have[$1] = 1; next } !($1 in have)' "$TMP/funcs" "$TMP/names" | tr '\n' ' ')"
echo "# listed more than once (the floor attaches each name once):" "$(sort "$TMP/names" | uniq -d | tr '\n' ' ')"

HAVE_FENTRY=0
if "$SKBTRACE" --backend fentry --list-funcs >"$TMP/list-fentry" 2>&1; then
	HAVE_FENTRY=1
	echo "RESULT label=fentry-funcs listed=$(awk '$4 ~ /^skbt_/' "$TMP/list-fentry" | wc -l)"
else
	echo "fentry: not available in this build ($(head -n 1 "$TMP/list-fentry"))"
fi

# ---- attach / detach: exec to ready, SIGINT to exit, measured by bench/startup
# floor LABEL ARGS...: one kprobe_floor run.
floor() {
	local label=$1 out
	shift
	rm -f "$TMP/floor.out"
	out=$("$B/startup" -n 1 -w 0 -t 600 -H 1000 -L "$label" -f "$TMP/ready" -e "$TMP/floor.err" -- \
		"$B/kprobe_floor" "$@" -L "$label" -f "$TMP/ready" -o "$TMP/floor.out" "$TMP/funcs")
	local r
	r=$(grep '^RESULT' "$TMP/floor.out" 2>/dev/null)
	echo "$r ext_ready_ms=$(val ready_min "$out") ext_stop_ms=$(val stop_med "$out")"
	[[ -s $TMP/floor.err ]] && sed 's/^/  floor stderr: /' "$TMP/floor.err" | head -n 5
}

# tracer LABEL BACKEND [BINARY]: one skbtrace run on every sk_buff function, with its
# own phase times (SKBT_DEBUG=1: load, attach and detach lines).
tracer() {
	local label=$1 backend=$2 bin=${3:-$SKBTRACE} out err=$TMP/sk.err ready load attach detach tracing failed
	out=$("$B/startup" -n 1 -w 0 -t 600 -H 1000 -L "$label" -f "$TMP/ready" -e "$err" -- \
		env SKBT_DEBUG=1 "$bin" --backend "$backend" --output-file /dev/null \
		--ready-file "$TMP/ready")
	ready=$(sed -n 's/.*(ready in \([0-9]*\) ms).*/\1/p' "$err" | head -n 1)
	read -r load attach < <(sed -n 's/^skbtrace: load \([0-9.]*\) ms, attach \([0-9.]*\) ms$/\1 \2/p' "$err")
	detach=$(sed -n 's/^skbtrace: detach \([0-9.]*\) ms$/\1/p' "$err")
	tracing=$(sed -n 's/.*: tracing \([0-9]*\) sk_buff.*/\1/p' "$err" | head -n 1)
	failed=$(sed -n 's/.* \([0-9]*\) failed to attach.*/\1/p' "$err" | head -n 1)
	echo "RESULT label=$label attached=${tracing:-?} failed=${failed:-0} ready_ms=${ready:-?}" \
		"load_ms=${load:-?} attach_ms=${attach:-?} detach_ms=${detach:-?}" \
		"ext_ready_ms=$(val ready_min "$out") ext_stop_ms=$(val stop_med "$out")"
	grep -v '^libbpf' "$err" | grep -E 'failed|error|unavailable|not attached' | head -n 4 | sed 's/^/  skbtrace stderr: /'
}

for ((r = 1; r <= VMB_ROUNDS; r++)); do
	echo "# round $r/$VMB_ROUNDS, guest uptime $(cut -d' ' -f1 /proc/uptime) s"
	floor "floor-par-r$r" -a -j "$(nproc)" -J 32
	tracer "kprobe-r$r" kprobe
	[[ -n $VMB_BEFORE ]] && tracer "kprobe-before-r$r" kprobe "$VMB_BEFORE"
	[[ $HAVE_FENTRY == 1 && $VMB_FENTRY_ATTACH == 1 ]] && tracer "fentry-r$r" fentry
done
# One attach loop in one thread, and detach likewise: the other way to be minimal.
[[ $VMB_SEQ == 1 ]] && floor floor-seq -a -j 1 -J 1

# ---- per-event cost on the same UDP traffic
ip netns add "$NS_A" && ip netns add "$NS_B" || exit 1
ip link add vmb-a type veth peer name vmb-b || exit 1
ip link set vmb-a netns "$NS_A"
ip link set vmb-b netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do
	# No IPv6 chatter (DAD, router solicitations) in the counts.
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "$ns" link set lo up
done
ip -n "$NS_A" addr add "$ADDR_A/24" dev vmb-a
ip -n "$NS_B" addr add "$ADDR_B/24" dev vmb-b
ip -n "$NS_A" link set vmb-a up
ip -n "$NS_B" link set vmb-b up
mac_b=$(ip -n "$NS_B" -o link show vmb-b | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mac_a=$(ip -n "$NS_A" -o link show vmb-a | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip -n "$NS_A" neigh replace "$ADDR_B" lladdr "$mac_b" dev vmb-a nud permanent
ip -n "$NS_B" neigh replace "$ADDR_A" lladdr "$mac_a" dev vmb-b nud permanent
sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null

wait_file() { # wait_file FILE SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# traffic LABEL [skbtrace args...]: N packets A -> B, received in B.
# For one call: FILTER, skbtrace's pcap filter (default: the traffic's own
# port, so every packet is reported); FLOOR=tp|kprobe|fentry, a do-nothing
# program instead (build/bench/tp_floor with the arguments, on the same
# tracepoints; build/bench/kprobe_floor on the functions of $TMP/floorfuncs;
# tp_floor -f, fentry, on those of $TMP/fefuncs).
traffic() {
	local label=$1 t0 t1 before after recv sent sum="" ev="" lost="" prefix=skbt_
	shift
	rm -f "$TMP/ready" "$TMP/recv.err"
	if [[ ${FLOOR:-} == tp ]]; then
		prefix=tp_floor
		"$SKBTRACE" --backend tracepoint --list-funcs 2>/dev/null |
			"$B/tp_floor" "$@" "$TMP/ready" 2>"$TMP/tr.err" &
		TRACER_PID=$!
	elif [[ ${FLOOR:-} == kprobe ]]; then
		prefix=floor
		"$B/kprobe_floor" -a -f "$TMP/ready" -o "$TMP/kfloor.out" "$TMP/floorfuncs" 2>"$TMP/tr.err" &
		TRACER_PID=$!
	elif [[ ${FLOOR:-} == fentry ]]; then
		prefix=tp_floor
		"$B/tp_floor" -f "$TMP/ready" <"$TMP/fefuncs" 2>"$TMP/tr.err" &
		TRACER_PID=$!
	elif [[ $# -gt 0 ]]; then
		"$SKBTRACE" -q --output-file /dev/null --ready-file "$TMP/ready" "$@" \
			"${FILTER:-udp dst port $PORT}" 2>"$TMP/tr.err" &
		TRACER_PID=$!
	fi
	if [[ -n $TRACER_PID ]]; then
		wait_file "$TMP/ready" 300 || {
			echo "vm-guest: $label: not ready:"
			head -n 5 "$TMP/tr.err"
		}
	fi
	ip netns exec "$NS_B" "$TOOLS/udp_recv" "$PORT" "$VMB_PACKETS" 1000 >"$TMP/recv.out" 2>"$TMP/recv.err" &
	RECV_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$TMP/recv.err" 2>/dev/null && break
		sleep 0.1
	done
	before=$("$B/progstats" -p "$prefix")
	t0=$EPOCHREALTIME
	sent=$(ip netns exec "$NS_A" "$TOOLS/udp_send" "$ADDR_B" "$PORT" "$VMB_PACKETS" 64 40000 2>"$TMP/send.err")
	t1=$EPOCHREALTIME
	[[ -s $TMP/send.err ]] && head -n 3 "$TMP/send.err" | sed 's/^/  udp_send: /'
	after=$("$B/progstats" -p "$prefix")
	wait "$RECV_PID"
	RECV_PID=""
	recv=$(grep -o '[0-9]*' "$TMP/recv.out" | head -n 1)
	grep -v '^ready' "$TMP/recv.err" | head -n 3 | sed 's/^/  udp_recv: /'
	if [[ -n $TRACER_PID ]]; then
		kill -INT "$TRACER_PID"
		wait "$TRACER_PID"
		TRACER_PID=""
		sum=$(grep -E '^skbtrace: [0-9]+ events' "$TMP/tr.err" | tail -n 1)
		ev=$(sed -n 's/^skbtrace: \([0-9]*\) events, \([0-9]*\) lost.*/\1/p' <<<"$sum")
		lost=$(sed -n 's/^skbtrace: \([0-9]*\) events, \([0-9]*\) lost.*/\2/p' <<<"$sum")
	fi
	echo "RESULT label=$label packets=$VMB_PACKETS sent=${sent:-?} received=${recv:-?} send_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1e3 }')" \
		"runs=$(($(val run_cnt "$after") - $(val run_cnt "$before"))) run_ns=$(($(val run_time_ns "$after") - $(val run_time_ns "$before")))" \
		"progs=$(val progs "$after") events=${ev:--} lost=${lost:--}"
}

FF=()
[[ -n $VMB_FILTER_FUNC ]] && FF=(--filter-func "$VMB_FILTER_FUNC")
echo "# traffic: $VMB_PACKETS UDP packets per run, function backends with --filter-func '${VMB_FILTER_FUNC:-(all)}'"
HAVE_TP_BTF=0
"$SKBTRACE" --backend tp_btf --list-funcs >/dev/null 2>&1 && HAVE_TP_BTF=1
for ((r = 1; r <= VMB_TRAFFIC_ROUNDS; r++)); do
	traffic "none-r$r"
	traffic "tr-kprobe-r$r" --backend kprobe "${FF[@]}"
	[[ $HAVE_FENTRY == 1 ]] && traffic "tr-fentry-r$r" --backend fentry "${FF[@]}"
	traffic "tr-tracepoint-r$r" --backend tracepoint
	[[ $HAVE_TP_BTF == 1 ]] && traffic "tr-tp_btf-r$r" --backend tp_btf
done
# Runs a filter rejects (it matches nothing), each backend beside a
# do-nothing program of its own type on the same hooks: tracepoints
# (raw and tp_btf) and the kprobe functions of the runs above.
"$SKBTRACE" --backend kprobe "${FF[@]}" --list-funcs 2>/dev/null |
	awk '$4 ~ /^skbt_kp[0-9]/ { print $1 }' >"$TMP/kpnames"
awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$TMP/kpnames" "$TMP/funcs" >"$TMP/floorfuncs"
"$SKBTRACE" --backend fentry "${FF[@]}" --list-funcs 2>/dev/null |
	awk '$4 ~ /^skbt_fe[0-9]/ { print $1 }' >"$TMP/fefuncs"
echo "# rejected runs: filter 'host 192.0.2.99'; kprobe floor on $(wc -l <"$TMP/floorfuncs") functions," \
	"fentry floor on $(wc -l <"$TMP/fefuncs")"
for ((r = 1; r <= VMB_TRAFFIC_ROUNDS; r++)); do
	FLOOR=tp traffic "rj-floor-r$r"
	FILTER="host 192.0.2.99" traffic "rj-tracepoint-r$r" --backend tracepoint
	if [[ $HAVE_TP_BTF == 1 ]]; then
		FLOOR=tp traffic "rj-floor-btf-r$r" -b
		FILTER="host 192.0.2.99" traffic "rj-tp_btf-r$r" --backend tp_btf
	fi
	FLOOR=kprobe traffic "rj-floor-kprobe-r$r"
	FILTER="host 192.0.2.99" traffic "rj-kprobe-r$r" --backend kprobe "${FF[@]}"
	if [[ $HAVE_FENTRY == 1 ]]; then
		FLOOR=fentry traffic "rj-floor-fentry-r$r"
		FILTER="host 192.0.2.99" traffic "rj-fentry-r$r" --backend fentry "${FF[@]}"
	fi
done
echo "# guest done, uptime $(cut -d' ' -f1 /proc/uptime) s"
