#!/bin/bash
# Per-run BPF cost (bpf_stats) of a pcap filter that rejects every packet, on
# the copy path (SKBT_NO_DIRECT=1, as on kernels before bpf_rdonly_cast):
# OLD_SKBTRACE against ./skbtrace, alternating, 200,000 UDP packets a run.
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib/netns.sh
source tests/lib/netns.sh
A=pw-a-$$; B=pw-b-$$
netns_pair $A $B 10.77.0.1 10.77.0.2 >/dev/null 2>&1 || exit 1
trap 'netns_del $A $B 2>/dev/null' EXIT
sysctl -qw kernel.bpf_stats_enabled=1
for round in 1 2 3 4; do
  for v in old new; do
    bin=${OLD_SKBTRACE:?set OLD_SKBTRACE to the build to compare}; [ $v = new ] && bin=./skbtrace
    rm -f /tmp/pw.ready
    SKBT_NO_DIRECT=${NODIRECT:-1} $bin -q --backend tracepoint --ready-file /tmp/pw.ready --output-file /dev/null 'udp port 1' 2>/tmp/pw.err &
    pid=$!
    for _ in $(seq 1 100); do [ -e /tmp/pw.ready ] && break; sleep 0.1; done
    ip netns exec $A build/tools/udp_send 10.77.0.2 9 200000 64 >/dev/null 2>&1
    r=$(build/bench/progstats)
    kill -INT $pid; wait $pid
    cnt=$(echo "$r" | sed 's/.*run_cnt=\([0-9]*\).*/\1/'); ns=$(echo "$r" | sed 's/.*run_time_ns=\([0-9]*\).*/\1/')
    echo "round $round $v runs=$cnt ns/run=$((ns / (cnt ? cnt : 1)))"
  done
done
