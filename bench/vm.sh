#!/usr/bin/env bash
# Function-backend benchmarks in the test VM (the host kernel has no kprobes
# and refuses fentry).  `make bench-vm` builds what the guest needs and runs
# this as root.  One boot of tests/vm/run.sh (SKBT_VM_EXEC runs
# bench/vm-guest.sh in the guest), which measures:
#   1. attach and detach of every sk_buff function skbtrace's kprobe backend
#      attaches (`skbtrace --backend kprobe --list-funcs`): the floor
#      (build/bench/kprobe_floor: one trivial program, plain perf_event_open +
#      bpf_link_create per function) and skbtrace, alternating, VMB_ROUNDS
#      rounds; --backend fentry too when the build has it
#   2. the same UDP traffic between two namespaces with no tracer, then
#      skbtrace --backend kprobe / fentry / tracepoint / tp_btf: wall time of
#      the send and the kernel's run time of skbtrace's programs (bpf_stats);
#      then with a filter that matches nothing, each of tracepoint, tp_btf,
#      kprobe and fentry beside a do-nothing program of its own type on the
#      same hooks (build/bench/tp_floor, tp_floor -b, kprobe_floor, tp_floor -f)
# The VM is emulated (TCG): only ratios mean anything.  Prints the raw
# RESULT lines, then a table.  The console log is kept in build/vm-bench/.
#
# Environment: VMB_ROUNDS (3), VMB_SEQ (1), VMB_PACKETS (50000),
# VMB_TRAFFIC_ROUNDS (3), VMB_FENTRY_ATTACH (1; 0 skips fentry's attach rounds), VMB_FILTER_FUNC (bench/vm-guest.sh), VMB_BEFORE (a
# second skbtrace binary measured in every round too), VMB_TIMEOUT
# (limit of the guest's work, seconds: 1500), SKBTRACE (./skbtrace); and
# tests/vm/run.sh's SKBT_VM_* settings.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
LOGDIR=$ROOT/build/vm-bench
TMP=$(mktemp -d /tmp/skbt-vmbench.XXXXXX)
LOAD_PID=""

cleanup() {
	[[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || { echo "vm.sh: run as root" >&2; exit 1; }
for f in "$SKBTRACE" build/bench/kprobe_floor build/bench/tp_floor build/bench/progstats build/bench/startup \
	build/tools/udp_send build/tools/udp_recv; do
	[[ -x $f ]] || { echo "vm.sh: no $f; run make bench-vm" >&2; exit 1; }
done

# The guest finds the binaries at the host's paths (initramfs.sh copies an
# absolute SKBT_VM_EXTRA_BINS entry with its libraries to the same path).
guest_env=$(printf "%s='%s'\n" BENCH_DIR "$ROOT/build" VMB_ROUNDS "${VMB_ROUNDS:-3}" \
	VMB_SEQ "${VMB_SEQ:-1}" VMB_PACKETS "${VMB_PACKETS:-50000}" \
	VMB_TRAFFIC_ROUNDS "${VMB_TRAFFIC_ROUNDS:-3}" VMB_FENTRY_ATTACH "${VMB_FENTRY_ATTACH:-1}")
[[ -n ${VMB_FILTER_FUNC:-} ]] && guest_env+=$'\n'"VMB_FILTER_FUNC='$VMB_FILTER_FUNC'"
extra="${SKBT_VM_EXTRA_BINS:-}"
if [[ -n ${VMB_BEFORE:-} ]]; then
	[[ -x $VMB_BEFORE ]] || { echo "vm.sh: VMB_BEFORE=$VMB_BEFORE is not executable" >&2; exit 1; }
	VMB_BEFORE=$(readlink -f "$VMB_BEFORE")
	guest_env+=$'\n'"VMB_BEFORE='$VMB_BEFORE'"
	extra+=" $VMB_BEFORE"
fi
for f in build/bench/kprobe_floor build/bench/tp_floor build/bench/progstats build/bench/startup; do
	extra+=" $ROOT/$f"
done

# The host is shared: its load, sampled every 10 s, goes with the figures.
(while sleep 10; do cut -d' ' -f1 /proc/loadavg; done >"$TMP/load") &
LOAD_PID=$!

echo "== vm benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), host $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "skbtrace: $("$SKBTRACE" --version 2>&1 | head -n 1), git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
t0=$(date +%s)
SKBT_VM_EXEC="$guest_env"$'\n'"$(cat bench/vm-guest.sh)" SKBT_VM_EXTRA_BINS="$extra" \
	SKBT_VM_SUITE_TIMEOUT="${VMB_TIMEOUT:-1500}" SKBT_VM_LOGDIR="$LOGDIR" \
	SKBT_RESULTS_DIR="$TMP/results" tests/vm/run.sh "$SKBTRACE" 2>&1 | tee "$TMP/run.log" |
	grep --line-buffered -E '^vm[0-9]*\| (RESULT|#|fentry|  )|^vm: (kernel|times)|not ok|^vm[0-9]*!'
kill "$LOAD_PID" 2>/dev/null
LOAD_PID=""
echo "host load average: $(sort -n "$TMP/load" | head -n 1) to $(sort -n "$TMP/load" | tail -n 1) during the run ($(wc -l <"$TMP/load") samples), $(($(date +%s) - t0)) s in all"

sed -n 's/^vm[0-9]*| \(RESULT .*\)/\1/p' "$TMP/run.log" | tr -d '\r' >"$TMP/results.txt"
[[ -s $TMP/results.txt ]] || { echo "vm.sh: no results from the guest" >&2; exit 1; }

# ---- the table (medians over rounds; every round is printed above)
awk '
function v(line, key,   i, n, f) {
	n = split(line, f, " ")
	for (i = 2; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
	return ""
}
function med(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	if (!n) return ""
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(k, x) { if (x != "" && x != "?") { L[k] = L[k] (L[k] == "" ? "" : " ") x } }
function uniq(list,   a, n, i, out, seen) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) if (!(a[i] in seen)) { seen[a[i]] = 1; out = out (out == "" ? "" : ",") a[i] }
	return out
}
function ratio(a, b) { return (a != "" && b != "" && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
{
	lab = v($0, "label"); grp = lab; sub(/-r[0-9]+$/, "", grp)
	if (v($0, "ext_ready_ms") != "") { RD[lab] = v($0, "ext_ready_ms"); ST[lab] = v($0, "ext_stop_ms") }
	if (grp == "floor-par" || grp == "floor-seq") {
		add(grp ".ready", v($0, "ext_ready_ms")); add(grp ".attach", v($0, "attach_ms"))
		add(grp ".detach", v($0, "detach_ms")); add(grp ".stop", v($0, "ext_stop_ms"))
		add(grp ".n", v($0, "attached") "/" v($0, "n"))
	} else if (grp == "kprobe" || grp == "fentry" || grp == "kprobe-before") {
		add(grp ".ready", v($0, "ext_ready_ms")); add(grp ".attach", v($0, "attach_ms"))
		add(grp ".load", v($0, "load_ms")); add(grp ".detach", v($0, "detach_ms"))
		add(grp ".stop", v($0, "ext_stop_ms")); add(grp ".n", v($0, "attached") "/" (v($0, "attached") + v($0, "failed")))
		add(grp ".pre", (v($0, "ready_ms") != "?" && v($0, "load_ms") != "?") ? v($0, "ready_ms") - v($0, "load_ms") - v($0, "attach_ms") : "")
	} else if (grp ~ /^(none|tr-|rj-)/) {
		add(grp ".send", v($0, "send_ms")); add(grp ".runs", v($0, "runs")); add(grp ".ns", v($0, "run_ns"))
		add(grp ".ev", v($0, "events")); add(grp ".lost", v($0, "lost")); pk = v($0, "packets")
	} else if (grp == "funcs") { nf = v($0, "listed"); dups = v($0, "duplicate_names") }
}
END {
	printf "\n== attach/detach, %s functions (%s names the kernel has twice or more); ms, medians of the rounds\n", nf, dups
	printf "%-26s %-22s %-10s %-10s %-12s %-12s %s\n", "", "exec to ready", "attach", "detach", "SIGINT->exit", "attached", "each round'"'"'s ready"
	n_fl = split("floor-par floor-seq kprobe fentry kprobe-before", G, " ")
	for (i = 1; i <= n_fl; i++) {
		g = G[i]; if (L[g ".ready"] == "") continue
		printf "%-26s %-22s %-10s %-10s %-12s %-12s %s\n", g, med(L[g ".ready"]), med(L[g ".attach"]), med(L[g ".detach"]), med(L[g ".stop"]), uniq(L[g ".n"]), L[g ".ready"]
	}
	fr = med(L["floor-par.ready"]); fs = med(L["floor-seq.ready"])
	if (fs != "" && fs + 0 < fr + 0) fr = fs
	fd = med(L["floor-par.stop"]); fds = med(L["floor-seq.stop"])
	if (fds != "" && fds + 0 < fd + 0) fd = fds
	for (i = 3; i <= 5; i++) {
		g = G[i]; if (L[g ".ready"] == "") continue
		pr = ""
		for (r = 1; ("floor-par-r" r) in RD; r++)
			if ((g "-r" r) in RD) pr = pr sprintf(" %s/%s", ratio(RD[g "-r" r], RD["floor-par-r" r]), ratio(ST[g "-r" r], ST["floor-par-r" r]))
		printf "%s: round by round against the floor-par run of its round, ready/exit:%s\n", g, pr
		printf "%s: ready %s x the floor (target 1.2), SIGINT->exit %s x; phases (median ms): before load %s, load %s, attach %s, detach %s\n", g, ratio(med(L[g ".ready"]), fr), ratio(med(L[g ".stop"]), fd), med(L[g ".pre"]), med(L[g ".load"]), med(L[g ".attach"]), med(L[g ".detach"])
	}
	printf "\n== the same %s UDP packets: medians of the rounds\n", pk
	printf "%-16s %-10s %-14s %-12s %-12s %-12s %-14s %s\n", "", "send ms", "+us/packet", "prog runs", "ns/run", "events", "+ns/prog run", "lost"
	base = med(L["none.send"])
	n_tr = split("none tr-kprobe tr-fentry tr-tracepoint tr-tp_btf rj-floor rj-tracepoint rj-floor-btf rj-tp_btf rj-floor-kprobe rj-kprobe rj-floor-fentry rj-fentry", T, " ")
	for (i = 1; i <= n_tr; i++) {
		g = T[i]; if (L[g ".send"] == "") continue
		s = med(L[g ".send"]); r = med(L[g ".runs"])
		split(L[g ".runs"], rr, " "); split(L[g ".ns"], nn, " "); nsl = ""
		for (k in rr) if (rr[k] > 0) nsl = nsl (nsl == "" ? "" : " ") nn[k] / rr[k]
		per_run = med(nsl)
		extra_pk = (pk > 0) ? sprintf("%.1f", (s - base) * 1000 / pk) : "-"
		extra_run = (r > 0) ? sprintf("%.0f", (s - base) * 1e6 / r) : "-"
		printf "%-16s %-10s %-14s %-12s %-12s %-12s %-14s %s\n", g, s, (g == "none") ? "-" : extra_pk, r, per_run == "" ? "-" : sprintf("%.0f", per_run), med(L[g ".ev"]) == "" ? "-" : med(L[g ".ev"]), (g == "none") ? "-" : extra_run, L[g ".lost"] == "" ? "-" : L[g ".lost"]
		ns[g] = per_run; ex[g] = (r > 0) ? (s - base) * 1e6 / r : ""
	}
	printf "rejected runs, per program run against a do-nothing program of the same type: tracepoint %s, tp_btf %s, kprobe %s, fentry %s; tp_btf/tracepoint %s\n", ratio(ns["rj-tracepoint"], ns["rj-floor"]), ratio(ns["rj-tp_btf"], ns["rj-floor-btf"]), ratio(ns["rj-kprobe"], ns["rj-floor-kprobe"]), ratio(ns["rj-fentry"], ns["rj-floor-fentry"]), ratio(ns["rj-tp_btf"], ns["rj-tracepoint"])
	printf "per program run (bpf_stats): kprobe/tracepoint %s, fentry/tracepoint %s, kprobe/fentry %s\n", ratio(ns["tr-kprobe"], ns["tr-tracepoint"]), ratio(ns["tr-fentry"], ns["tr-tracepoint"]), ratio(ns["tr-kprobe"], ns["tr-fentry"])
	printf "added send time per program run (wall): kprobe/tracepoint %s, fentry/tracepoint %s, kprobe/fentry %s\n", ratio(ex["tr-kprobe"], ex["tr-tracepoint"]), ratio(ex["tr-fentry"], ex["tr-tracepoint"]), ratio(ex["tr-kprobe"], ex["tr-fentry"])
}' "$TMP/results.txt"
