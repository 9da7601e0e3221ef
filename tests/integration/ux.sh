#!/usr/bin/env bash
# What a user at a terminal sees and what skbtrace may do there: colour
# (--color, NO_COLOR, never in files or JSON), start-up notes only with
# -v, privileges as tcpdump handles them (the capabilities it needs, named
# when missing; files handed to sudo's user; -Z).  Sourced by run.sh after
# tests.sh (expect_fail, jq_check).

ESC=$'\033'

# on_pty OUT COMMAND...: COMMAND on a pseudo-terminal (util-linux script),
# its terminal output in OUT; in the background, TRACE_PID set.
on_pty() {
	local out=$1
	shift
	script -qfec "exec $(printf '%q ' "$@")" /dev/null >"$out" 2>&1 </dev/null &
	TRACE_PID=$!
}

# pty_stop: SIGINT the command on_pty started (script's child: the exec
# above keeps it so whatever shell script(1) runs), and reap script.
pty_stop() {
	kill -INT $(pgrep -P "$TRACE_PID") 2>/dev/null
	stop_pid "$TRACE_PID" "${SKBT_STOP_TIMEOUT:-300}" CONT
}

# drop_run OUT ARGS...: skbtrace in the background with ARGS (its own
# stdout/stderr in OUT/OUT.err), one dropped UDP packet, then SIGINT.
drop_run() {
	local out=$1
	shift
	start_trace "$out" "${BACKEND_ARGS[@]}" --filter-netns "$(ns_path "$NS_B")" "$@" || return 1
	send_udp "$NS_A" $IP_B $DROP_PORT 2 64 40061 >/dev/null
	stop_trace
}

test_color() {
	local out=$TMP/color.txt pty=$TMP/pty.txt ids
	if drop_run "$out" --color always --filter-track-skb --output-meta=false udp port $DROP_PORT; then
		# skb:kfree_skb, kfree_skb_reason or sk_skb_reason_drop, by backend
		check "color: always: the drop's FUNC is red" \
			grep -q "${ESC}\[1;31m[a-z_:]*(SKB_DROP_REASON_NETFILTER_DROP)${ESC}\[0m" "$out"
		# One colour per packet id, whichever event of it.
		ids=$(grep -o "${ESC}\[[39][0-9]m[0-9]\+ " "$out" | sort -u | sed 's/ $//')
		check "color: always: each packet id has one colour, the two packets two" \
			test "$(cut -dm -f2 <<<"$ids" | sort -u | wc -l)" -eq 2 -a \
			"$(wc -l <<<"$ids")" -eq 2 -a "$(cut -dm -f1 <<<"$ids" | sort -u | wc -l)" -eq 2
	else
		tap_not_ok "color: --color always starts" "$(tail -n 2 "$out.err")"
	fi
	if drop_run "$out" --color always --output-meta=false udp port $DROP_PORT; then
		check "color: always: the hint under a drop is highlighted, its indent not" \
			grep -q "^    ${ESC}\[1;33mhint: .*${ESC}\[0m$" "$out"
	fi
	# The drop-only modes trace the drop hook alone: no --filter-func.
	local with_funcs=("${BACKEND_ARGS[@]}")
	BACKEND_ARGS=(--backend "$BACKEND")
	if drop_run "$out" --color always --drops-only; then
		check "color: always: --drops-only's reason in red, its hint highlighted" \
			bash -c "grep -q '${ESC}\[1;31mNETFILTER_DROP${ESC}\[0m' '$out' &&
				grep -q '^    ${ESC}\[1;33mhint: ' '$out'"
	fi
	if drop_run "$out" --color always --drop-summary; then
		check "color: always: --drop-summary's count and reason in red, its hint highlighted" \
			bash -c "grep -q '^${ESC}\[1;31m *2  NETFILTER_DROP *${ESC}\[0m' '$out' &&
				grep -q '^ *${ESC}\[1;33mhint: ' '$out'"
	fi
	drop_run "$out" --drop-summary
	check "color: auto: no colour in a --drop-summary written to a file" \
		bash -c "grep -q NETFILTER_DROP '$out' && ! grep -q '$ESC' '$out'"
	BACKEND_ARGS=("${with_funcs[@]}")
	drop_run "$out" --filter-track-skb
	check "color: auto: nothing in a file (or pipe)" bash -c "! grep -q '$ESC' '$out'"
	drop_run "$out" --color always --output-json
	check "color: never in JSON, even with --color always" bash -c "! grep -q '$ESC' '$out'"
	if ! command -v script >/dev/null; then
		tap_skip "color: on a terminal" "no script(1) here"
		return
	fi
	for mode in auto NO_COLOR never; do
		# a terminal that takes colour, whatever TERM the test runs under
		local args=(--color auto) env=(TERM=xterm)
		[ "$mode" = never ] && args=(--color never)
		[ "$mode" = NO_COLOR ] && env+=(NO_COLOR=1)
		rm -f "$TMP/ready"
		on_pty "$pty" env "${env[@]}" "$SKBTRACE" "${BACKEND_ARGS[@]}" "${args[@]}" \
			--ready-file "$TMP/ready" --filter-netns "$(ns_path "$NS_B")" udp port $DROP_PORT
		wait_file "$TMP/ready" "$TRACE_PID" 30
		send_udp "$NS_A" $IP_B $DROP_PORT 1 64 40062 >/dev/null
		sleep "${SKBT_SETTLE:-0.3}"
		# skbtrace is script's child (env execs it): SIGINT it by its id.
		pty_stop
		if [ "$mode" = auto ]; then
			check "color: auto on a terminal: red drops" grep -q "${ESC}\[1;31m" "$pty"
			check "color: auto on a terminal: hints highlighted" \
				grep -q "${ESC}\[1;33mhint: " "$pty"
		else
			check "color: $mode on a terminal: no colour" \
				bash -c "grep -q 'SKB_DROP_REASON_NETFILTER_DROP' '$pty' && ! grep -q '${ESC}\[[0-9;]*m' '$pty'"
		fi
	done
}

# Text names namespaces as `ip netns` does (or pid:PID:COMM); JSON keeps the inode.
test_netns_names_text() {
	local out=$TMP/netns-names.txt ino
	ino=$(ns_inode "$NS_B")
	if drop_run "$out" udp port $DROP_PORT; then
		# SKB CPU [PID] COMM NETNS ...: the drop's line, its fifth column
		check "netns names: the text NETNS column of the drop is /run/netns/$NS_B's name" \
			bash -c "grep 'NETFILTER_DROP' '$out' | awk '{ print \$5 }' | sort -u | grep -qx '$NS_B'"
		check "netns names: no event line shows the inode $ino" \
			bash -c "grep -q NETFILTER_DROP '$out' && ! grep -qw '$ino' '$out'"
		check "netns names: the drop's hint names it too" \
			grep -q "^    hint: .*netns $NS_B" "$out"
	else
		tap_not_ok "netns names: the trace starts" "$(tail -n 2 "$out.err")"
	fi
	if drop_run "$out" --output-json udp port $DROP_PORT; then
		jq_check "netns names: JSON keeps the inode ($ino)" "$out" \
			'[.[] | select(.drop_reason)] | length > 0 and all(.[]; .netns == $ino)' \
			--argjson ino "$ino"
	fi
}

# A start-up that keeps a terminal waiting over a second shows one
# "attaching N/M" line, cleared once ready; never in a file.  Only function
# backends attach slowly enough (emulated in the VM: ~75 kprobes a second).
PROGRESS_FUNCS='(ip|ip6|tcp|udp|nf|dev|skb|__dev|__netif|netif|napi)_.*'
test_progress() {
	local pty=$TMP/progress.pty out=$TMP/progress.txt
	case $BACKEND in
	kprobe | fentry) ;;
	*)
		tap_skip "progress" "--backend $BACKEND attaches in one call or within a second"
		return
		;;
	esac
	if ! command -v script >/dev/null || ! command -v pgrep >/dev/null; then
		tap_skip "progress" "no script(1) or pgrep(1) here"
		return
	fi
	rm -f "$TMP/ready"
	on_pty "$pty" "$SKBTRACE" --backend "$BACKEND" --filter-func "$PROGRESS_FUNCS" \
		--ready-file "$TMP/ready" --filter-netns "$(ns_path "$NS_B")"
	wait_file "$TMP/ready" "$TRACE_PID" 300
	pty_stop
	check "progress: on a terminal, an 'attaching N/M' line" \
		grep -aqE $'\rattaching [0-9]+/[0-9]+\033\\[K' "$pty"
	check "progress: cleared before the start-up line" \
		grep -aqE $'\r\033\\[Kskbtrace: .*backend '"$BACKEND" "$pty"
	start_trace "$out" --backend "$BACKEND" --filter-func "$PROGRESS_FUNCS" \
		--filter-netns "$(ns_path "$NS_B")" && stop_trace
	check "progress: nothing of it when stderr is a file" \
		bash -c "grep -q 'backend $BACKEND' '$out.err' && ! grep -q attaching '$out.err'"
}

# Notes about skbtrace's own workings wait for -v; problems never do.
test_verbose_notes() {
	local out=$TMP/verbose.txt
	if [ -d /sys/kernel/tracing/events ] || [ -d /sys/kernel/debug/tracing/events ]; then
		tap_skip "verbose: the tracefs note" "tracefs is mounted here"
		return
	fi
	drop_run "$out"
	check "verbose: no tracefs note without -v" bash -c "! grep -q 'tracefs is not mounted' '$out.err'"
	drop_run "$out" -v
	check "verbose: -v gives the tracefs note" grep -q 'tracefs is not mounted' "$out.err"
}

# as_caps CAPS ARGS...: skbtrace with only CAPS (+bpf,+perfmon...) left in
# root's bounding set, so exec gives it those and no others.
as_caps() {
	local caps=$1
	shift
	setpriv --bounding-set=-all,"$caps" --inh-caps=-all -- "$SKBTRACE" "$@"
}

test_capabilities() {
	local out=$TMP/caps.json
	if ! command -v setpriv >/dev/null; then
		tap_skip "capabilities" "no setpriv here"
		return
	fi
	for caps in +bpf +perfmon +net_admin,+sys_resource; do
		as_caps "$caps" "${BACKEND_ARGS[@]}" >"$TMP/cap.out" 2>"$TMP/cap.err" </dev/null
		local st=$? want=
		[[ $caps == *bpf* ]] || want="CAP_BPF"
		[[ $caps == *perfmon* ]] || want="${want:+$want and }CAP_PERFMON"
		if [ $st -eq 1 ] && grep -q "^skbtrace: missing $want:" "$TMP/cap.err"; then
			tap_ok "capabilities: with $caps only, exit 1 naming $want"
		else
			tap_not_ok "capabilities: with $caps only, exit 1 naming $want" \
				"exit $st" "$(head -n 2 "$TMP/cap.err")"
		fi
	done
	# The documented minimum: CAP_BPF and CAP_PERFMON trace; CAP_SYSLOG names frames.
	# Kprobes want CAP_SYS_ADMIN too at perf_event_paranoid 3 (test_pod_capabilities).
	local min_args=("${BACKEND_ARGS[@]}")
	if [[ $BACKEND == kprobe* ]] &&
		[ "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 0)" -ge 3 ]; then
		min_args=(--backend tracepoint)
	fi
	rm -f "$TMP/ready"
	setpriv --bounding-set=-all,+bpf,+perfmon --inh-caps=-all -- "$SKBTRACE" "${min_args[@]}" \
		--ready-file "$TMP/ready" --output-json --output-stack \
		--filter-netns "$(ns_path "$NS_B")" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	if wait_file "$TMP/ready" "$TRACE_PID" 30; then
		send_udp "$NS_A" $IP_B $DROP_PORT 1 64 40063 >/dev/null
		stop_trace
		jq_check "capabilities: CAP_BPF and CAP_PERFMON alone trace the drop" "$out" \
			'any(.[]; .drop_reason == "SKB_DROP_REASON_NETFILTER_DROP")'
		check "capabilities: without CAP_SYSLOG, stderr says frames are addresses and why" \
			grep -q 'kernel addresses are hidden (missing CAP_SYSLOG)' "$out.err"
	else
		tap_not_ok "capabilities: CAP_BPF and CAP_PERFMON alone attach" "$(tail -n 2 "$out.err")"
		kill "$TRACE_PID" 2>/dev/null
	fi
}

# The DaemonSet's capabilities (deploy/daemonset.yaml: BPF, PERFMON, SYSLOG)
# and arguments: its pinned tracepoint backend reports drops; where kprobes
# exist and kernel.perf_event_paranoid is 3 (Debian's kernels), a kprobe
# backend is refused and skbtrace says CAP_SYS_ADMIN is why.
POD_CAPS=+bpf,+perfmon,+syslog
test_pod_capabilities() {
	local out=$TMP/pod.json paranoid
	if ! command -v setpriv >/dev/null; then
		tap_skip "pod capabilities" "no setpriv here"
		return
	fi
	rm -f "$TMP/ready"
	# not as_caps: SIGINT must reach skbtrace, not a function's subshell
	setpriv --bounding-set=-all,"$POD_CAPS" --inh-caps=-all -- "$SKBTRACE" --drop-summary=60 \
		--output-json --backend tracepoint --timestamp current \
		--filter-netns "$(ns_path "$NS_B")" --ready-file "$TMP/ready" >"$out" 2>"$out.err" &
	TRACE_PID=$!
	if wait_file "$TMP/ready" "$TRACE_PID" 30; then
		send_udp "$NS_A" $IP_B $DROP_PORT 2 64 40065 >/dev/null
		stop_trace
		jq_check "pod capabilities: the DaemonSet's command counts both drops" "$out" \
			'[.[].drop_summary.drops[] | select(.reason == "SKB_DROP_REASON_NETFILTER_DROP"
				and .example.sport == 40065) | .count] | add == 2'
	else
		tap_not_ok "pod capabilities: the DaemonSet's command starts" "$(tail -n 2 "$out.err")"
		kill "$TRACE_PID" 2>/dev/null
	fi
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)
	if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
		tap_skip "pod capabilities: kprobes refused, CAP_SYS_ADMIN named" "no kprobes here"
	elif [ "${paranoid:-0}" -lt 3 ]; then
		tap_skip "pod capabilities: kprobes refused, CAP_SYS_ADMIN named" \
			"kernel.perf_event_paranoid is $paranoid"
	else
		as_caps "$POD_CAPS" --backend kprobe --filter-func ip_rcv -q >"$TMP/pod.out" \
			2>"$TMP/pod.err" </dev/null
		local st=$?
		if [ $st -eq 1 ] && grep -q 'kprobes were refused without CAP_SYS_ADMIN' "$TMP/pod.err"; then
			tap_ok "pod capabilities: kprobes refused (paranoid $paranoid), CAP_SYS_ADMIN named"
		else
			tap_not_ok "pod capabilities: kprobes refused (paranoid $paranoid), CAP_SYS_ADMIN named" \
				"exit $st" "$(head -n 2 "$TMP/pod.err")"
		fi
	fi
}

owner_of() { stat -c %u:%g "$1"; }

test_file_owner() {
	local out=$TMP/owned.json keep=$TMP/kept.json nobody
	# Run "by sudo" for user 65534: what skbtrace creates is theirs...
	rm -f "$out" "$TMP/ready"
	: >"$keep"
	SUDO_UID=65534 SUDO_GID=65534 drop_run "$TMP/owned.out" --output-json --output-file "$out"
	check "owner: under sudo the output file is the invoking user's" test "$(owner_of "$out")" = 65534:65534
	check "owner: under sudo the ready file is the invoking user's" \
		test "$(owner_of "$TMP/ready")" = 65534:65534
	# ...but a file that was there keeps its owner.
	SUDO_UID=65534 SUDO_GID=65534 drop_run "$TMP/keep.out" --output-json --output-file "$keep"
	check "owner: an existing output file keeps its owner" test "$(owner_of "$keep")" = 0:0
	nobody=$(getent passwd nobody | cut -d: -f3)
	if [ -z "$nobody" ]; then
		tap_skip "owner: -Z" "no user 'nobody' here"
		return
	fi
	rm -f "$out" "$TMP/ready"
	start_trace "$out.stdout" "${BACKEND_ARGS[@]}" -Z nobody --output-json --output-file "$out" \
		--filter-netns "$(ns_path "$NS_B")" || { tap_not_ok "-Z: starts"; return; }
	# The ready file comes just before the switch.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -Eq "^Uid:[[:space:]]+${nobody}[[:space:]]" /proc/"$TRACE_PID"/status && break
		sleep 0.05
	done
	check "-Z nobody: once ready, the process runs as nobody" \
		grep -Eq "^Uid:[[:space:]]+${nobody}[[:space:]]+${nobody}[[:space:]]+${nobody}" /proc/"$TRACE_PID"/status
	check "-Z nobody: with no capability left" grep -Eq '^CapEff:[[:space:]]+0+$' /proc/"$TRACE_PID"/status
	send_udp "$NS_A" $IP_B $DROP_PORT 1 64 40064 >/dev/null
	stop_trace
	check "-Z nobody: exits 0 on SIGINT" test "$TRACE_STATUS" -eq 0
	jq_check "-Z nobody: the drop is still reported" "$out" \
		'any(.[]; .drop_reason == "SKB_DROP_REASON_NETFILTER_DROP" and .tuple.sport == 40064)'
	# The kernel shows kallsyms' addresses by the opener's credentials.
	jq_check "-Z nobody: the drop's location is named (kallsyms read before the switch)" "$out" \
		'any(.[]; .tuple.sport == 40064 and (.drop_location // "" | startswith("nft_do_chain+")))'
	check "-Z nobody: the output file is nobody's" test "$(owner_of "$out")" = "$nobody:$(id -g nobody)"
	expect_fail "-Z with an unknown user" 2 "Z no-such-user-x: no such user" -Z no-such-user-x
}
