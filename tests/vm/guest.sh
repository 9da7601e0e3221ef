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
# serves every boot): skbt.smoke=0|1 skbt.backends=a,b,c
run_smoke=1
backends=""
for arg in $(</proc/cmdline); do
	case $arg in
	skbt.smoke=*) run_smoke=${arg#*=} ;;
	skbt.backends=*) backends=${arg#*=} backends=${backends//,/ } ;;
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
group() {
	local name=$1 limit=$2 start rc
	shift 2
	start=$(uptime_s)
	out "#@ begin $name"
	timeout "$limit" "$@" </dev/null 2>&1 | tee -a "$results"
	rc=${PIPESTATUS[0]}
	if [[ $rc -eq 143 ]]; then
		out "# $name: killed after ${limit}s"
	fi
	out "#@ end $name rc=$rc secs=$(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')"
	return "$rc"
}

# skipped NAME REASON: a group that cannot run, reported as one SKIP.
skipped() {
	out "#@ begin $1"
	out "ok 1 - integration suite # SKIP $2"
	out "#@ end $1 rc=0 secs=0"
}

status=0
out "#@ kernel $(uname -r)"
out "#@ uname $(uname -v)"

skbtrace=""
[[ -x /skbt/skbtrace ]] && skbtrace=/skbt/skbtrace

if [[ $run_smoke == 1 ]]; then
	group smoke "$SKBT_VM_SUITE_TIMEOUT" bash tests/vm/smoke.sh $skbtrace || status=1
fi

suite=tests/integration/run.sh
for backend in $backends; do
	if [[ ! -f $suite ]]; then
		skipped "$backend" "$suite not present"
	elif [[ -z $skbtrace ]]; then
		skipped "$backend" "no skbtrace binary was given to tests/vm/run.sh"
	else
		group "$backend" "$SKBT_VM_SUITE_TIMEOUT" \
			env SKBT_BACKEND="$backend" SKBT_IN_VM=1 bash "$suite" "$skbtrace" || status=1
	fi
done

out "#@ done rc=$status"
exit "$status"
