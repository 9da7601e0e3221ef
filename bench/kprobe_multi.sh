#!/usr/bin/env bash
# kprobe-multi against kprobe on the same kernel: how long skbtrace takes
# from exec to ready, and from SIGINT to exit, attaching every sk_buff
# function with each backend.  One boot of the kernel with fprobe
# (tests/vm/kbuild.sh, SKBT_VM_KERNELS=fprobe) under tests/vm/run.sh;
# rounds alternate the backends so both see the same load.  bench/startup
# measures from outside; SKBT_DEBUG=1 gives skbtrace's own load, attach and
# detach times.  The VM is emulated (TCG): only ratios mean anything.
#
# Usage (root): make skbtrace bench-bins && bench/kprobe_multi.sh
# Environment: KPM_ROUNDS (3), KPM_TIMEOUT (guest limit, s: 1500),
# SKBTRACE (./skbtrace), and tests/vm/run.sh's SKBT_VM_* settings.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SKBTRACE=${SKBTRACE:-$ROOT/skbtrace}
TMP=$(mktemp -d /tmp/skbt-kpm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

[[ $(id -u) -eq 0 ]] || { echo "kprobe_multi.sh: run as root" >&2; exit 1; }
for f in "$SKBTRACE" build/bench/startup; do
	[[ -x $f ]] || { echo "kprobe_multi.sh: no $f; run make skbtrace bench-bins" >&2; exit 1; }
done

# The guest's half: one "RESULT label=BACKEND-rN ..." line per run.
guest=$(
	cat <<EOF
B=$ROOT/build/bench/startup
ROUNDS=${KPM_ROUNDS:-3}
EOF
	cat <<'EOF'
val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -n 1; }
run() { # LABEL BACKEND
	local out err=/tmp/kpm.err ready load attach detach tracing
	out=$("$B" -n 1 -w 0 -t 900 -H 1000 -L "$1" -f /tmp/kpm.ready -e "$err" -- \
		env SKBT_DEBUG=1 skbtrace --backend "$2" --output-file /dev/null --ready-file /tmp/kpm.ready)
	ready=$(sed -n 's/.*(ready in \([0-9]*\) ms).*/\1/p' "$err" | head -n 1)
	read -r load attach < <(sed -n 's/^skbtrace: load \([0-9.]*\) ms, attach \([0-9.]*\) ms.*/\1 \2/p' "$err")
	detach=$(sed -n 's/^skbtrace: detach \([0-9.]*\) ms$/\1/p' "$err")
	tracing=$(sed -n 's/.*backend [a-z-]*: tracing \([0-9]*\) sk_buff.*/\1/p' "$err" | head -n 1)
	echo "RESULT label=$1 attached=${tracing:-?} ready_ms=${ready:-?} load_ms=${load:-?}" \
		"attach_ms=${attach:-?} detach_ms=${detach:-?}" \
		"ext_ready_ms=$(val ready_min "$out") ext_stop_ms=$(val stop_med "$out")"
	grep -E 'unavailable|failed|error' "$err" | grep -v '^libbpf' | head -n 3 | sed 's/^/  stderr: /'
}
echo "RESULT label=guest kernel=$(uname -r) cpus=$(nproc)"
for ((r = 1; r <= ROUNDS; r++)); do
	run "kprobe-multi-r$r" kprobe-multi
	run "kprobe-r$r" kprobe
done
EOF
)

echo "== kprobe-multi vs kprobe: $(date -u '+%Y-%m-%d %H:%M UTC'), host load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
SKBT_VM_KERNELS=fprobe SKBT_VM_JOBS=1 SKBT_VM_EXEC="$guest" \
	SKBT_VM_EXTRA_BINS="$ROOT/build/bench/startup" SKBT_VM_SUITE_TIMEOUT="${KPM_TIMEOUT:-1500}" \
	SKBT_VM_LOGDIR="$ROOT/build/vm-bench" SKBT_RESULTS_DIR="$TMP/results" \
	tests/vm/run.sh "$SKBTRACE" >"$TMP/run.log" 2>&1
grep -E '^vm[a-z0-9-]*\| (RESULT|  stderr)|^vm: (kernel|times)' "$TMP/run.log"
echo "host load after: $(cut -d' ' -f1-3 /proc/loadavg), $(($(date +%s) - t0)) s in all"

sed -n 's/^vm[a-z0-9-]*| \(RESULT .*\)/\1/p' "$TMP/run.log" | tr -d '\r' >"$TMP/results.txt"
[[ -s $TMP/results.txt ]] || { echo "kprobe_multi.sh: no results from the guest" >&2; exit 1; }
awk "$(cat bench/guest_results.awk)"'
{
	g = v($0, "label"); sub(/-r[0-9]+$/, "", g)
	if (g != "kprobe" && g != "kprobe-multi") next
	for (k = 1; k <= 6; k++) {
		split("ext_ready_ms attach_ms ext_stop_ms detach_ms load_ms attached", K, " ")
		x = v($0, K[k]); if (x != "" && x != "?") L[g, K[k]] = L[g, K[k]] " " x
	}
}
END {
	printf "\n%-14s %-14s %-12s %-14s %-12s %-10s %s\n", "ms, medians", "exec->ready", "attach", "SIGINT->exit", "detach", "load", "functions"
	split("kprobe-multi kprobe", G, " ")
	for (i = 1; i <= 2; i++)
		printf "%-14s %-14s %-12s %-14s %-12s %-10s %s\n", G[i], med(L[G[i], "ext_ready_ms"]),
		    med(L[G[i], "attach_ms"]), med(L[G[i], "ext_stop_ms"]), med(L[G[i], "detach_ms"]),
		    med(L[G[i], "load_ms"]), med(L[G[i], "attached"])
	r1 = med(L["kprobe", "ext_ready_ms"]); r2 = med(L["kprobe-multi", "ext_ready_ms"])
	s1 = med(L["kprobe", "ext_stop_ms"]); s2 = med(L["kprobe-multi", "ext_stop_ms"])
	if (r2 > 0 && s2 > 0)
		printf "kprobe takes %.1fx as long as kprobe-multi to be ready, %.1fx as long to exit\n", r1 / r2, s1 / s2
}' "$TMP/results.txt"
