#!/usr/bin/env bash
# Runs inside the test VM (started by /init): the smoke test, then the
# integration suite once per backend.
#
# Everything goes to the console (ttyS0).  The TAP output also goes to the
# second serial port (ttyS1, a file on the host) framed by
#   #@ begin GROUP            ...TAP lines...            #@ end GROUP rc=N secs=S
# and closed by "#@ done rc=N", which the host parses: kernel messages never
# land on ttyS1, so they cannot break a TAP line.
set -uo pipefail

# shellcheck disable=SC1091
source /etc/skbt.conf
cd /skbt || exit 1

# What this boot runs comes from the kernel command line (one initramfs
# serves every boot): skbt.groups=smoke,kprobe,... ("smoke" is smoke.sh,
# anything else a backend for the integration suite).
groups=""
for arg in $(</proc/cmdline); do
	case $arg in
	skbt.groups=*) groups=${arg#*=} groups=${groups//,/ } ;;
	esac
done

results=/dev/ttyS1
if [[ ! -c $results ]]; then
	echo "guest: no $results; TAP goes to the console only"
	results=/dev/null
fi

out() { printf '%s\n' "$*" | tee -a "$results"; }

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# group NAME TIMEOUT COMMAND...: runs one TAP producer, framed for the host.
# The end line says timeout=1 when the group was killed at its limit.
group() {
	local name=$1 limit=$2 start secs rc killed=0
	shift 2
	start=$(uptime_s)
	out "#@ begin $name"
	timeout "$limit" "$@" </dev/null 2>&1 | tee -a "$results"
	rc=${PIPESTATUS[0]}
	secs=$(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')
	if awk -v s="$secs" -v l="$limit" 'BEGIN { exit !(s >= l - 1) }'; then
		killed=1
		out "# $name: killed after ${limit}s"
	fi
	out "#@ end $name rc=$rc secs=$secs timeout=$killed"
	return "$rc"
}

# skipped NAME REASON: a group that cannot run, reported as one SKIP.
skipped() {
	out "#@ begin $1"
	out "ok 1 - integration suite # SKIP $2"
	out "#@ end $1 rc=0 secs=0 timeout=0"
}

# refused BACKEND: prints why the kernel cannot offer the attach mechanism
# the backend is built on, as found by tests/vm/probe; silent (status 1)
# when it can, or when that cannot be told.
refused() {
	local prog msg
	case $1 in
	kprobe) prog=kprobe_ip_rcv ;;
	kprobe-multi) prog=kprobe_multi_ip_rcv ;;
	fentry) prog=fentry_ip_rcv ;;
	tracepoint | tp_btf) prog=tp_btf_kfree_skb ;;
	*) return 1 ;;
	esac
	[[ -x build/vm/attach ]] || return 1
	msg=$(build/vm/attach build/vm/attach.bpf.o "$prog" 2>/dev/null)
	[[ $? -eq 2 ]] || return 1
	printf 'this kernel refuses %s programs (%s)\n' "$1" "$msg"
}

status=0
out "#@ kernel $(uname -r)"
out "#@ uname $(uname -v)"

skbtrace=""
[[ -x /skbt/skbtrace ]] && skbtrace=/skbt/skbtrace

suite=tests/integration/run.sh
for g in $groups; do
	if [[ $g == exec ]]; then
		group exec "$SKBT_VM_SUITE_TIMEOUT" bash /etc/skbt-exec.sh
	elif [[ $g == smoke ]]; then
		# shellcheck disable=SC2086 # no argument when there is no binary
		group smoke "$SKBT_VM_SUITE_TIMEOUT" bash tests/vm/smoke.sh $skbtrace || status=1
	elif [[ ! -f $suite ]]; then
		skipped "$g" "$suite not present"
	elif [[ -z $skbtrace ]]; then
		skipped "$g" "no skbtrace binary was given to tests/vm/run.sh"
	elif [[ ${SKBT_VM_FORCE:-0} != 1 ]] && why=$(refused "$g"); then
		skipped "$g" "$why"
	else
		# Emulated, 1,400 kprobes take a minute to attach: most tests use
		# the functions they check (SKBT_VM_FILTER_FUNC, from run.sh),
		# test_all_functions attaches them all.
		narrow=""
		[[ $g == tracepoint || $g == tp_btf ]] || narrow=${SKBT_VM_FILTER_FUNC:-}
		group "$g" "$SKBT_VM_SUITE_TIMEOUT" \
			env SKBT_BACKEND="$g" SKBT_IN_VM=1 SKBT_FILTER_FUNC="$narrow" \
			bash "$suite" "$skbtrace" || status=1
	fi
done

out "#@ done rc=$status"
exit "$status"
