#!/usr/bin/env bash
# Watching the processes under test: readiness, and the kernel's run
# statistics of the BPF programs one holds (kernel.bpf_stats_enabled).

# wait_file FILE PID SECONDS: 0 once FILE exists (a tracer's ready file);
# 1 when PID has exited or SECONDS have passed first.
wait_file() {
	local file=$1 pid=$2 i
	for ((i = 0; i < $3 * 100; i += 5)); do
		[ -e "$file" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -e "$file" ]
}

# stop_pid PID [SECONDS] [SIGNAL]: SIGINT (or SIGNAL) PID, a child of this
# shell, and reap it; its exit status, or 124 after SIGKILL when it
# outlived SECONDS (SKBT_STOP_TIMEOUT, 300: detaching 1,400 kprobes takes
# ~50 s emulated, and a loaded host can double that).
# A tracer that ignores SIGINT must fail its test, never hang the suite.
stop_pid() {
	local pid=$1 limit=${2:-${SKBT_STOP_TIMEOUT:-300}} i
	kill -"${3:-INT}" "$pid" 2>/dev/null
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "# pid $pid still running $limit s after SIG${3:-INT}: killed" >&2
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# prog_ids PID: JSON array of the BPF program ids the process holds open
# (program and link file descriptors both name a prog_id).
prog_ids() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -un |
		jq -s -c .
}

# prog_stats IDS: "run_cnt run_time_ns nprogs" summed over those programs.
prog_stats() {
	bpftool prog show -j | jq -r --argjson ids "$1" \
		'[.[] | select(.id as $i | $ids | index($i))]
		 | "\(map(.run_cnt // 0) | add // 0) \(map(.run_time_ns // 0) | add // 0) \(length)"'
}
