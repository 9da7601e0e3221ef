#!/usr/bin/env bash
# --metrics: Debian's Prometheus scrapes skbtrace, and what it stores per
# drop reason is what the kernel's own counters say.  Sourced by run.sh
# after tests.sh (expect_fail, ours_loaded).

MET_NFT_PORT=9995    # dropped by this file's counting nftables rule
MET_CLOSED_PORT=9994 # nothing listens: the kernel counts UdpNoPorts

# The port skbtrace bound for --metrics 127.0.0.1:0, from its stderr line.
metrics_port_of() {
	sed -n 's|^skbtrace: metrics at http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$1" | head -n 1
}

# promtool_scrape NAME PORT: one scrape of skbtrace, checked by promtool.
promtool_scrape() {
	local name=$1 port=$2 f=$TMP/scrape.$RANDOM
	if ! curl -sf "http://127.0.0.1:$port/metrics" -o "$f"; then
		tap_not_ok "$name" "curl http://127.0.0.1:$port/metrics failed"
	elif promtool check metrics <"$f" >"$f.check" 2>&1; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "$(head -n 5 "$f.check")"
	fi
}

# prom_up TARGET: Prometheus on a free loopback port, scraping TARGET
# every 500 ms, its storage in $TMP; sets PROM_PID and PROM_PORT.
prom_up() {
	local dir=$TMP/prom
	mkdir -p "$dir"
	cat >"$dir/prom.yml" <<-EOF
		global:
		  scrape_interval: 500ms
		  scrape_timeout: 500ms
		scrape_configs:
		  - job_name: skbtrace
		    static_configs:
		      - targets: ['$1']
	EOF
	prometheus --config.file="$dir/prom.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address=127.0.0.1:0 --log.level=warn >"$dir/log" 2>&1 &
	PROM_PID=$!
	PROM_PORT=
	for _ in $(seq 1 300); do
		PROM_PORT=$(ss -ltnpH | grep "pid=$PROM_PID," | awk '{ n = split($4, a, ":"); print a[n] }' | head -n 1)
		[ -n "$PROM_PORT" ] && curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && return 0
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "prometheus did not start:" >&2
	tail -n 5 "$dir/log" >&2
	return 1
}

prom_down() {
	[ -n "${PROM_PID:-}" ] || return 0
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=
}

# prom_query EXPR: the instant query's result vector, as JSON.
prom_query() {
	curl -sf --get --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query" |
		jq -c '.data.result'
}

# prom_value EXPR: the one value of EXPR, empty when there is none.
prom_value() {
	prom_query "$1" | jq -r 'if length == 1 then .[0].value[1] else empty end'
}

# prom_wait EXPR WANT: until EXPR is WANT (15 s at most); prints the last value.
prom_wait() {
	local v
	for _ in $(seq 1 150); do
		v=$(prom_value "$1")
		[ "$v" = "$2" ] && break
		sleep 0.1
	done
	echo "$v"
}

udp_no_ports() { # NS: the kernel's UdpNoPorts counter there
	ip netns exec "$1" nstat -asz UdpNoPorts | awk '$1 == "UdpNoPorts" { print $2 }'
}

nft_packets() { # NS: the packets this file's rule dropped
	ip netns exec "$1" nft -j list table inet skbt_metrics |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add'
}

metrics_nft_up() {
	ip netns exec "$NS_B" nft -f - <<-NFT
		table inet skbt_metrics {
			chain input {
				type filter hook input priority -10; policy accept;
				udp dport $MET_NFT_PORT counter drop
			}
		}
	NFT
}

# Once Prometheus listens: its port is taken, so skbtrace must refuse it
# with one line and exit 2, before loading anything.
metrics_taken_port() {
	local before after
	before=$(ours_loaded)
	expect_fail "--metrics on a taken port" 2 \
		"^skbtrace: --metrics '127\\.0\\.0\\.1:$PROM_PORT': cannot listen: Address already in use$" \
		"${BACKEND_ARGS[@]}" --metrics "127.0.0.1:$PROM_PORT"
	after=$(ours_loaded)
	check "metrics: the refused run loaded no program ($before before, $after after)" \
		test "$after" -le "$before"
}

# metrics_check_exact NS_B_NAME: Prometheus' sums per reason against the kernel.
metrics_check_exact() {
	local sel="netns=\"$NS_B\",iface=\"veth-b\"" v nft noports q
	v=$(prom_wait "sum(skbtrace_drops_total{$sel,reason=\"NETFILTER_DROP\"})" "$MET_N_NFT")
	nft=$(nft_packets "$NS_B")
	check "metrics: nftables drops in prometheus ($v) = the rule's counter ($nft) = $MET_N_NFT" \
		test "$v" = "$nft" -a "$nft" = "$MET_N_NFT"
	v=$(prom_wait "sum(skbtrace_drops_total{$sel,reason=\"NO_SOCKET\"})" "$MET_N_CLOSED")
	noports=$(($(udp_no_ports "$NS_B") - MET_NOPORTS0))
	check "metrics: closed-port drops in prometheus ($v) = UdpNoPorts ($noports) = $MET_N_CLOSED" \
		test "$v" = "$noports" -a "$noports" = "$MET_N_CLOSED"
	# Two scrapes later nothing was counted twice.
	sleep 1.2
	q=$(prom_query "sum by (reason) (skbtrace_drops_total{$sel,reason=~\"NETFILTER_DROP|NO_SOCKET\"})" |
		jq -cS 'map({(.metric.reason): .value[1]}) | add')
	check "metrics: still exact two scrapes later ($q)" \
		test "$q" = "{\"NETFILTER_DROP\":\"$MET_N_NFT\",\"NO_SOCKET\":\"$MET_N_CLOSED\"}"
}

# The other series, as Prometheus stored them.
metrics_check_rest() {
	local v
	v=$(prom_value 'min_over_time(up{job="skbtrace"}[1m])')
	check "metrics: every prometheus scrape was parsed (min of up = $v)" test "$v" = 1
	v=$(prom_value 'count(skbtrace_drops_total{location=~"nft_do_chain\\+0x[0-9a-f]+( \\[nf_tables\\])?"})')
	check "metrics: the nftables drop's location is named ($v series)" test "${v:-0}" -ge 1
	v=$(prom_value 'skbtrace_probes{state="attached"}')
	check "metrics: skbtrace_probes{state=\"attached\"} is $v" test "${v:-0}" -ge 1
	v=$(prom_query 'skbtrace_build_info' | jq -r '.[0].metric.backend')
	check "metrics: skbtrace_build_info names the backend ($v)" test "$v" = "$BACKEND"
	v=$(prom_value 'skbtrace_events_lost_total')
	check "metrics: skbtrace_events_lost_total is stored ($v)" test "$v" = 0
}

# The VM image has no Prometheus: skip there, with the reason.
metrics_tools_missing() {
	local t
	for t in prometheus promtool curl nstat ss; do
		command -v "$t" >/dev/null || { echo "$t not installed (scripts/deps.sh test)"; return 0; }
	done
	return 1
}

test_metrics_prometheus() {
	local out=$TMP/metrics.out port v why
	if why=$(metrics_tools_missing); then
		tap_skip "metrics: prometheus scrapes skbtrace" "$why"
		return
	fi
	MET_N_NFT=7
	MET_N_CLOSED=5
	metrics_nft_up || { tap_not_ok "metrics: nftables rule"; return; }
	MET_NOPORTS0=$(udp_no_ports "$NS_B")
	start_trace "$out" "${BACKEND_ARGS[@]}" --metrics 127.0.0.1:0 ||
		{ tap_not_ok "metrics: skbtrace starts" "$(tail -n 3 "$out.err")"; return; }
	port=$(metrics_port_of "$out.err")
	check "metrics: the bound address is printed ($port)" test -n "$port"
	promtool_scrape "metrics: scrape before any drop passes promtool check metrics" "$port"
	if ! prom_up "127.0.0.1:$port"; then
		tap_not_ok "metrics: prometheus starts"
		stop_trace
		return
	fi
	v=$(prom_wait 'up{job="skbtrace"}' 1)
	check "metrics: prometheus scrapes skbtrace (up = $v)" test "$v" = 1
	metrics_taken_port
	send_udp "$NS_A" $IP_B $MET_NFT_PORT $MET_N_NFT 64 40060 >/dev/null
	send_udp "$NS_A" $IP_B $MET_CLOSED_PORT $MET_N_CLOSED 64 40061 >/dev/null
	metrics_check_exact
	promtool_scrape "metrics: scrape after the drops passes promtool check metrics" "$port"
	metrics_check_rest
	stop_trace
	check "metrics: skbtrace exits 0" test "$TRACE_STATUS" -eq 0
	check "metrics: --metrics alone prints no event line" test ! -s "$out"
	prom_down
	ip netns exec "$NS_B" nft delete table inet skbt_metrics
}

# Beside drop events: the same counts, and the events counted too.
test_metrics_with_events() {
	local out=$TMP/metrics-ev.json port n v why
	if why=$(metrics_tools_missing); then
		tap_skip "metrics+events" "$why"
		return
	fi
	# B's drops alone: another run on the host may send from the same port.
	start_trace "$out" "${BACKEND_ARGS[@]}" --metrics 127.0.0.1:0 --drops-only --output-json \
		--metrics-labels reason,netns --filter-netns "$(ns_path "$NS_B")" ||
		{ tap_not_ok "metrics+events: skbtrace starts" "$(tail -n 3 "$out.err")"; return; }
	port=$(metrics_port_of "$out.err")
	send_udp "$NS_A" $IP_B $DROP_PORT 4 64 40062 >/dev/null
	sleep 1.5
	curl -sf "http://127.0.0.1:$port/metrics" -o "$TMP/ev.scrape"
	stop_trace
	n=$(jq -s "[.[] | select(.tuple.sport == 40062)] | length" "$out")
	v=$(sed -n "s/^skbtrace_drops_total{reason=\"NETFILTER_DROP\",netns=\"$NS_B\"} //p" "$TMP/ev.scrape")
	check "metrics+events: 4 drop events and a counter of 4 without location and iface ($n, $v)" \
		test "$n" = 4 -a "$v" = 4
	v=$(sed -n 's/^skbtrace_events_total //p' "$TMP/ev.scrape")
	check "metrics+events: skbtrace_events_total counts the events ($v)" test "${v:-0}" -ge 4
	check "metrics+events: the scrape passes promtool check metrics" \
		promtool check metrics <"$TMP/ev.scrape"
}

test_metrics_bad_input() {
	# The backend alone: the VM narrows BACKEND_ARGS with --filter-func,
	# which --metrics refuses before any of these.
	expect_fail "--metrics without a port" 2 "^skbtrace: --metrics '127\\.0\\.0\\.1': want ADDR:PORT" \
		--backend "$BACKEND" --metrics 127.0.0.1
	expect_fail "--metrics with a host name" 2 "names are not resolved" \
		--backend "$BACKEND" --metrics example.com:9435
	expect_fail "--metrics on an address not ours" 2 "cannot listen: Cannot assign requested address" \
		--backend "$BACKEND" --metrics 192.0.2.1:9435
	expect_fail "--metrics-labels unknown" 2 "'ifname' is not one of" \
		--backend "$BACKEND" --metrics 127.0.0.1:0 --metrics-labels reason,ifname
	expect_fail "--metrics-max-series 0" 2 "bad --metrics-max-series" \
		--backend "$BACKEND" --metrics 127.0.0.1:0 --metrics-max-series 0
	expect_fail "--metrics-labels without --metrics" 2 "need --metrics" \
		--backend "$BACKEND" --metrics-labels reason
	expect_fail "--metrics with --filter-func" 2 "^skbtrace: --metrics traces the drop hook only" \
		--backend "$BACKEND" --metrics 127.0.0.1:0 --filter-func ip_rcv
}
