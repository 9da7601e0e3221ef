#!/usr/bin/env bash
# VM test matrix: boots each test kernel under qemu (Debian's current 6.1,
# and the same source built with CONFIG_FPROBE by tests/vm/kbuild.sh) and
# runs, inside it, tests/vm/smoke.sh and the integration suite once per
# backend.
#
# Usage: tests/vm/run.sh [SKBTRACE]
#   SKBTRACE  the skbtrace binary to test (default: ./skbtrace when it
#             exists; without one only the smoke test runs and each backend
#             reports a SKIP)
#
# Prints TAP ("ok N - vm/BACKEND: name"), with the console prefixed "vm| ",
# writes build/test-results/<kernel>-<group>.tap (tests/matrix.sh renders
# them) and build/vm/console-<kernel>-<boot>.log, and exits non-zero when a
# test failed or a VM did not reach its end marker (panic, hang, timeout).
# Never reads stdin, so it is safe in CI.
#
# Settings (environment):
#   SKBT_VM_KERNELS       the kernels (debian fprobe): Debian's image, and
#                         Debian's source built with fprobe (kprobe-multi);
#                         a kernel that cannot be fetched or built is a
#                         failed smoke test in its matrix row; with
#                         SKBT_VM_EXEC the default is debian alone
#   SKBT_VM_BACKENDS      backends to run the suite with
#                         (kprobe kprobe-multi tracepoint tp_btf fentry; auto is
#                         checked inside every group by test_auto_backend)
#   SKBT_VM_FILTER_FUNC   SKBT_FILTER_FUNC for the suite with every backend
#                         but tracepoint and tp_btf: the receive, netfilter and transmit
#                         functions the tests check.  Emulated, the ~1,400
#                         sk_buff kprobes take a minute to attach, so most
#                         tests use these and test_all_functions attaches
#                         them all once.  Empty: no narrowing
#   SKBT_VM_FORCE=1       run a backend even when tests/vm/probe finds the
#                         kernel refuses its attach mechanism (default: SKIP)
#   SKBT_VM_JOBS          VMs booted at once (number of host CPUs, at most 2);
#                         each kernel's groups (smoke, then one per backend
#                         part) are dealt over that many boots
#   SKBT_VM_PARTS         parts a function backend's suite is split into,
#                         each a group of its own (2): every part stays well
#                         inside SKBT_VM_SUITE_TIMEOUT
#   SKBT_VM_SPLIT=1       one boot per group instead (still SKBT_VM_JOBS at once)
#   SKBT_VM_SUITE_TIMEOUT limit of one group inside a boot, seconds (720; the
#                         kprobe group took 235 s with 4 VMs on 2 cores, 304 s
#                         alone with the tracking tests on a loaded host; with
#                         the drop, metrics and terminal tests fentry took
#                         over 420 s beside a loaded host, 2026-12-04)
#   SKBT_VM_TIMEOUT       hard limit of one boot, seconds (default 60 plus
#                         SKBT_VM_SUITE_TIMEOUT for each group of the boot)
#   SKBT_VM_ACCEL         auto | kvm | tcg  (auto: kvm only if it really runs)
#   SKBT_VM_TCG_THREAD    single | multi  (single: both vCPUs on one host
#                         thread; multi-threaded TCG deadlocked now and then
#                         in the guest's text patching: soft lockups when a
#                         tracepoint was disabled)
#   SKBT_VM_MEM, SKBT_VM_SMP   guest size (1G, 2)
#   SKBT_VM_NOFILE        ulimit -n in the guest (default: the kernel's 1024)
#   SKBT_VM_EXPECT        attach mechanisms smoke.sh requires
#                         (kprobe fentry tp_btf raw_tp)
#   SKBT_VM_CACHE, SKBT_VM_FLAVOUR, SKBT_VM_PACKAGE   see tests/vm/kernel.sh
#   SKBT_VM_MODULES, SKBT_VM_EXTRA_MODULES, SKBT_VM_BINS, SKBT_VM_EXTRA_BINS
#                         see tests/vm/initramfs.sh
#   SKBT_VM_EXEC          a bash command to run in the VM instead of the tests
#                         (debugging: its output is on the console)
#   SKBT_VM_EXEC_OUT      a file that gets SKBT_VM_EXEC's whole output, from
#                         the results channel (no kernel messages in it)
#   SKBT_RESULTS_DIR      where the .tap results go (build/test-results)
#   SKBT_VM_LOGDIR        where console logs go (build/vm)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/kernel.sh
source "$here/kernel.sh"
# shellcheck source=tests/vm/initramfs.sh
source "$here/initramfs.sh"

# A command (SKBT_VM_EXEC) runs on Debian's kernel unless told otherwise.
if [[ -n ${SKBT_VM_EXEC:-} ]]; then
	: "${SKBT_VM_KERNELS=debian}"
else
	: "${SKBT_VM_KERNELS=debian fprobe}"
fi
: "${SKBT_VM_BACKENDS=kprobe kprobe-multi tracepoint tp_btf fentry}"
: "${SKBT_VM_PARTS:=2}"
: "${SKBT_VM_SPLIT:=0}"
: "${SKBT_VM_JOBS:=$(($(nproc) >= 2 ? 2 : 1))}"
: "${SKBT_VM_SUITE_TIMEOUT:=720}"
: "${SKBT_VM_TIMEOUT:=}" # set per boot from its group count when empty
: "${SKBT_VM_ACCEL:=auto}"
: "${SKBT_VM_TCG_THREAD:=single}"
: "${SKBT_VM_MEM:=1G}"
: "${SKBT_VM_SMP:=2}"
: "${SKBT_VM_EXPECT:=kprobe fentry tp_btf raw_tp}"
: "${SKBT_VM_FILTER_FUNC=ip_rcv|ip_rcv_core|ip_rcv_finish|ip_local_deliver|ip_local_deliver_finish|nf_hook_slow|udp_rcv|__udp4_lib_rcv|udp_queue_rcv_skb|ipv6_rcv|ip6_rcv_core|udpv6_rcv|__netif_receive_skb_core.*|__netif_receive_skb|netif_receive_skb|arp_rcv|ip_output|ip_finish_output2|__dev_queue_xmit|dev_hard_start_xmit|veth_xmit|consume_skb|skb_release_data}"
: "${SKBT_RESULTS_DIR:=$repo/build/test-results}"
: "${SKBT_VM_LOGDIR:=$repo/build/vm}"

workdir=""
kvm_probe_pid=""
# Per kernel id (debian, fprobe): what kernel.sh / kbuild.sh printed.
declare -A K_DIR=() K_PKG=() K_VERSION=() K_RELEASE=() K_IMAGE=() K_BUILD_SECONDS=() K_FRESH=()
ACCEL=""
tap_n=0 n_pass=0 n_fail=0 n_skip=0
failed_boots=0

cleanup() {
	local f
	# Stop running boots: timeout(1) passes the signal on to its qemu.
	if [[ -n $workdir ]]; then
		for f in "$workdir"/boot-*.pid; do
			[[ -f $f ]] && kill -TERM "$(<"$f")" 2>/dev/null
		done
	fi
	if [[ -n $kvm_probe_pid ]]; then
		kill "$kvm_probe_pid" 2>/dev/null || true
		wait "$kvm_probe_pid" 2>/dev/null || true
	fi
	[[ -n $workdir ]] && rm -rf "$workdir"
	return 0
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

check_tools() {
	local t missing=""
	if [[ -x $repo/scripts/deps.sh ]]; then
		"$repo/scripts/deps.sh" vm || vm_die "scripts/deps.sh vm failed"
	fi
	for t in qemu-system-x86_64 cpio gzip depmod modprobe dpkg-deb apt-get apt-cache ldd timeout flock; do
		command -v "$t" >/dev/null || missing+=" $t"
	done
	[[ -x /bin/busybox ]] || missing+=" busybox(busybox-static)"
	[[ -z $missing ]] || vm_die "missing tools:$missing"
	[[ $(id -u) -eq 0 ]] || vm_die "must run as root (apt-get download into $SKBT_VM_CACHE)"
}

# The attach prober (tests/vm/probe): one BPF program per attach mechanism.
build_probe() {
	local dir=$1 triple
	if ! command -v clang >/dev/null || ! command -v gcc >/dev/null ||
		[[ ! -f /usr/include/bpf/bpf_helpers.h ]]; then
		vm_log "warning: no clang/gcc/libbpf headers; smoke test will skip the attach probes"
		return 1
	fi
	triple=$(gcc -dumpmachine)
	mkdir -p "$dir"
	clang -g -O2 -target bpf -I"/usr/include/$triple" -Wall -Werror \
		-c "$here/probe/attach.bpf.c" -o "$dir/attach.bpf.o" &&
		gcc -O2 -g -Wall -Wextra -Werror "$here/probe/attach.c" -o "$dir/attach" -lbpf
}

# Does KVM actually run a guest?  /dev/kvm can exist and still spin forever
# (as on the development machine), so boot the kernel without an initramfs
# and wait for its banner.  The answer is cached for this host boot.
kvm_works() {
	local stamp="$SKBT_VM_CACHE/kvm-probe" boot_id verdict=no
	[[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]] || return 1
	boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
	if [[ -f $stamp && $(cut -d' ' -f1 "$stamp") == "$boot_id" ]]; then
		[[ $(cut -d' ' -f2 "$stamp") == yes ]]
		return
	fi
	if timeout -k 2 8 qemu-system-x86_64 -accel kvm -cpu max -m 256M -smp 1 \
		-nodefaults -no-user-config -display none -monitor none -no-reboot \
		-serial stdio -kernel "$KERNEL_IMAGE" \
		-append "console=ttyS0 earlyprintk=ttyS0 panic=-1" </dev/null 2>/dev/null |
		grep -q -m 1 'Linux version'; then
		verdict=yes
	fi
	printf '%s %s\n' "$boot_id" "$verdict" >"$stamp"
	[[ $verdict == yes ]]
}

start_accel_probe() {
	case $SKBT_VM_ACCEL in
	kvm | tcg) printf '%s\n' "$SKBT_VM_ACCEL" >"$workdir/accel" ;;
	auto)
		{ if kvm_works; then echo kvm; else echo tcg; fi >"$workdir/accel"; } &
		kvm_probe_pid=$!
		;;
	*) vm_die "SKBT_VM_ACCEL must be auto, kvm or tcg" ;;
	esac
}

# Sets ACCEL (not in a subshell: wait needs the prober to be our child).
finish_accel_probe() {
	if [[ -n $kvm_probe_pid ]]; then
		wait "$kvm_probe_pid" || true
		kvm_probe_pid=""
	fi
	ACCEL=$(<"$workdir/accel")
	[[ -n $ACCEL ]] || ACCEL=tcg
}

# --- boots --------------------------------------------------------------------

# boot_vm NAME KID GROUPS...: boots kernel KID once, streams the console
# (prefixed), leaves
# the second serial port's output in $workdir/results-NAME.txt and
# "RC INIT_S TOTAL_S" (qemu status, host seconds until /init spoke, seconds
# in all) in $workdir/boot-NAME.meta.  Runs in the background.
boot_vm() {
	local name=$1 kid=$2 groups limit
	shift 2
	groups=$(
		IFS=,
		printf '%s' "$*"
	)
	limit=${SKBT_VM_TIMEOUT:-$((60 + $# * SKBT_VM_SUITE_TIMEOUT))}
	local console="$SKBT_VM_LOGDIR/console-${K_RELEASE[$kid]}-$name.log"
	local results="$workdir/results-$name.txt"
	local t0 line rc init_at="" accel=$ACCEL qpid fifo="$workdir/console-$name.fifo"
	[[ $ACCEL == tcg ]] && accel="tcg,thread=$SKBT_VM_TCG_THREAD"
	local -a qemu=(
		qemu-system-x86_64 -accel "$accel" -cpu max -m "$SKBT_VM_MEM" -smp "$SKBT_VM_SMP"
		-nodefaults -no-user-config -display none -monitor none -no-reboot
		-serial stdio -serial "file:$results"
		-kernel "${K_IMAGE[$kid]}" -initrd "$workdir/initramfs-$kid.gz"
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 mitigations=off skbt.groups=$groups"
	)
	: >"$console"
	: >"$results"
	vm_log "boot $name: ${K_RELEASE[$kid]}: $groups ($ACCEL, $SKBT_VM_SMP cpus, $SKBT_VM_MEM, limit ${limit}s)"
	mkfifo "$fifo"
	t0=$(now)
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null >"$fifo" 2>&1 &
	qpid=$!
	printf '%s\n' "$qpid" >"$workdir/boot-$name.pid" # for cleanup
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$console"
		printf 'vm%s| %s\n' "$name" "$line"
		if [[ -z $init_at && $line == SKBT-VM-INIT* ]]; then
			init_at=$(now)
		fi
	done <"$fifo"
	rc=0
	wait "$qpid" || rc=$?
	rm -f "$workdir/boot-$name.pid"
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		vm_log "boot $name killed after ${limit}s"
	fi
	# (Quietly: after an interrupt cleanup may have removed $workdir.)
	# "?" holds the place of a boot that never reached /init: read splits on blanks.
	{ printf '%s %s %s\n' "$rc" "${init_at:+$(elapsed "$t0" "$init_at")}" \
		"$(elapsed "$t0" "$(now)")" | sed 's/^\([^ ]*\)  /\1 ? /' >"$workdir/boot-$name.meta"; } 2>/dev/null || true
}

# group_weight KID GROUP: rough cost under emulation, for dealing groups to boots.
group_weight() {
	case $2 in
	smoke | exec) echo 1 ;;
	kprobe-multi*) [[ $1 == fprobe ]] && echo 3 || echo 1 ;; # skipped without fprobe
	tracepoint* | tp_btf*) echo 2 ;;
	*.*) echo 2 ;; # a part of a function backend's suite
	*) echo 3 ;;   # function backends attach the full set once
	esac
}

# alive PID...: prints the PIDs still running.
alive() {
	local pid
	for pid in "$@"; do
		kill -0 "$pid" 2>/dev/null && printf '%s ' "$pid"
	done
	return 0
}

# run_boots SPEC...: each SPEC is "NAME GROUP..."; at most SKBT_VM_JOBS at once.
# Polls rather than blocking in `wait`: bash did not run the TERM trap (so
# no cleanup, qemu left running) when the signal came during `wait`.
run_boots() {
	local spec
	local -a pids=()
	for spec in "$@"; do
		# shellcheck disable=SC2207 # PIDs are words
		while pids=($(alive "${pids[@]}")) && [[ ${#pids[@]} -ge $SKBT_VM_JOBS ]]; do
			sleep 1
		done
		# shellcheck disable=SC2086 # the spec is words
		boot_vm $spec &
		pids+=("$!")
	done
	# shellcheck disable=SC2207
	while pids=($(alive "${pids[@]}")) && [[ ${#pids[@]} -gt 0 ]]; do
		sleep 1
	done
	wait || true
}

# --- results ------------------------------------------------------------------

# emit STATUS GROUP TEXT: one renumbered TAP line on stdout, counted.
emit() {
	local status=$1 group=$2 text=$3
	tap_n=$((tap_n + 1))
	printf '%s %d - vm/%s: %s\n' "$status" "$tap_n" "$group" "$text"
	if [[ $status == "not ok" ]]; then
		n_fail=$((n_fail + 1))
	elif [[ $text =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
		n_skip=$((n_skip + 1))
	else
		n_pass=$((n_pass + 1))
	fi
}

# rc_problem RC: what went wrong with a group that ended with RC (nothing for 0).
rc_problem() {
	case $1 in
	0) ;;
	missing) echo "did not run: the VM ended before it (see the console log)" ;;
	unfinished) echo "interrupted: the VM crashed or hit its time limit in it (SKBT_VM_TIMEOUT)" ;;
	timeout) echo "killed at SKBT_VM_SUITE_TIMEOUT (${SKBT_VM_SUITE_TIMEOUT}s)" ;;
	*) echo "exited with status $1" ;;
	esac
}

# record_group KID GROUP TAPFILE RC: prints the group's TAP renumbered and
# writes it with a header to $SKBT_RESULTS_DIR for tests/matrix.sh.
record_group() {
	local kid=$1 group=$2 tap=$3 rc=$4 line status rest had_fail=0 out
	out="$SKBT_RESULTS_DIR/${K_RELEASE[$kid]}-$group.tap"
	[[ $group == exec ]] && out=/dev/null
	[[ $group == exec && -n ${SKBT_VM_EXEC_OUT:-} ]] && cp "$tap" "$SKBT_VM_EXEC_OUT"
	while IFS= read -r line; do
		if [[ $line =~ ^(not ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
			status=${BASH_REMATCH[1]}
			rest=${BASH_REMATCH[4]}
			[[ $status == "not ok" ]] && had_fail=1
			emit "$status" "$kid/$group" "$rest"
		fi
	done <"$tap"
	rest=$(rc_problem "$rc")
	# A non-zero exit with a failing test is that test's failure.
	[[ $rc =~ ^[0-9]+$ && $had_fail -eq 1 ]] && rest=""
	[[ -n $rest && $rc =~ ^[0-9]+$ ]] && rest+=" but reported no failing test"
	if [[ -n $rest ]]; then
		emit "not ok" "$kid/$group" "$rest"
		printf 'not ok - %s\n' "$rest" >>"$tap"
	fi
	{
		printf '# skbtrace test results; render with tests/matrix.sh\n'
		printf '# kernel: %s\n' "${K_RELEASE[$kid]}"
		printf '# kernel-version: %s\n' "${K_VERSION[$kid]}"
		printf '# backend: %s\n' "$group"
		if [[ -n $ACCEL ]]; then
			printf '# where: vm (qemu %s)\n' "$ACCEL"
		else
			printf '# where: vm (not booted)\n'
		fi
		printf '# date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		printf '# exit: %s\n' "$rc"
		grep -E '^(not ok|ok|1\.\.[0-9]+|Bail out!)' "$tap" || true
	} >"$out"
}

# split_results NAME KID: splits boot NAME's results channel into
# $workdir/groups-KID/GROUP.{tap,rc}; true when the boot reached "#@ done".
split_results() {
	local name=$1 dir="$workdir/groups-$2"
	mkdir -p "$dir"
	tr -d '\r' <"$workdir/results-$name.txt" | awk -v dir="$dir" -v boot="$name" '
		/^#@ begin / { g = $3; f = dir "/" g ".tap"; printf "" > f; next }
		/^#@ end / {
			rc = $4; sub(/^rc=/, "", rc)
			if ($6 == "timeout=1") rc = "timeout"
			print rc > (dir "/" $3 ".rc"); g = ""; next
		}
		/^#@ done / { print "done" > (dir "/boot-" boot ".done"); next }
		/^#@ / { next }
		g != "" { print >> (dir "/" g ".tap") }'
	[[ -f $dir/boot-$name.done ]]
}

# group_rc KID GROUP: the group's outcome, from what split_results left.
group_rc() {
	local dir="$workdir/groups-$1"
	if [[ -f $dir/$2.rc ]]; then
		cat "$dir/$2.rc"
	elif [[ -f $dir/$2.tap ]]; then
		echo unfinished
	else
		echo missing
	fi
}

# record KID BACKEND [PARTS]: the backend's groups (its parts, when split)
# as one result, a part that did not finish counted as a failure of its own.
record() {
	local kid=$1 group=$2 parts=${3:-0} dir="$workdir/groups-$1" i rc problem
	local tap="$dir/$group.all"
	if [[ $parts -le 0 ]]; then
		rc=$(group_rc "$kid" "$group")
		[[ -f $dir/$group.tap ]] || : >"$dir/$group.tap"
		record_group "$kid" "$group" "$dir/$group.tap" "$rc"
		return
	fi
	: >"$tap"
	for ((i = 1; i <= parts; i++)); do
		rc=$(group_rc "$kid" "$group.$i")
		[[ -f $dir/$group.$i.tap ]] && cat "$dir/$group.$i.tap" >>"$tap"
		problem=$(rc_problem "$rc")
		# A part whose tests failed says so itself; anything else is told here.
		if [[ -n $problem ]] && ! { [[ $rc =~ ^[0-9]+$ ]] && grep -q '^not ok' "$dir/$group.$i.tap" 2>/dev/null; }; then
			printf 'not ok - part %d of %d: %s\n' "$i" "$parts" "$problem" >>"$tap"
		fi
	done
	# A backend skipped in every part is one skip, as unsplit.
	if [[ $(grep -c '^ok .*# SKIP' "$tap") -eq $parts && $(grep -c '^\(not \)\?ok' "$tap") -eq $parts ]]; then
		head -n 1 "$tap" >"$tap.one" && mv "$tap.one" "$tap"
	fi
	record_group "$kid" "$group" "$tap" 0
}

# --- kernels ---------------------------------------------------------------------

# kernel_setup KID: kernel KID fetched (debian) or built (fprobe), its
# paths in K_*; false when that failed, with the failure recorded.
kernel_setup() {
	local kid=$1 script env key val
	case $kid in
	debian) script=kernel.sh ;;
	fprobe) script=kbuild.sh ;;
	*) vm_die "SKBT_VM_KERNELS: unknown kernel '$kid' (debian or fprobe)" ;;
	esac
	if ! env=$(SKBT_VM_CACHE=$SKBT_VM_CACHE bash "$here/$script"); then
		kernel_failed "$kid" "$script"
		return 1
	fi
	while IFS='=' read -r key val; do
		case $key in
		KERNEL_DIR) K_DIR[$kid]=$val ;;
		KERNEL_PKG) K_PKG[$kid]=$val ;;
		KERNEL_VERSION) K_VERSION[$kid]=$val ;;
		KERNEL_RELEASE) K_RELEASE[$kid]=$val ;;
		KERNEL_IMAGE) K_IMAGE[$kid]=$val ;;
		KERNEL_BUILD_SECONDS) K_BUILD_SECONDS[$kid]=$val ;;
		KERNEL_FRESH) K_FRESH[$kid]=$val ;;
		esac
	done <<<"$env"
	[[ -n ${K_RELEASE[$kid]} && -f ${K_IMAGE[$kid]} ]] || {
		kernel_failed "$kid" "$script"
		return 1
	}
}

# kernel_failed KID SCRIPT: a kernel that cannot be had is a failed smoke
# test in the matrix (the kernel's row says so), not a silent skip.
kernel_failed() {
	local kid=$1 f
	K_RELEASE[$kid]="6.1-$kid"
	K_VERSION[$kid]=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
	rm -f "$SKBT_RESULTS_DIR/${K_RELEASE[$kid]}"-*.tap
	f="$workdir/groups-$kid"
	mkdir -p "$f"
	printf 'not ok 1 - kernel: tests/vm/%s failed: not booted, nothing tested (see its messages above)\n' \
		"$2" >"$f/smoke.tap"
	record_group "$kid" smoke "$f/smoke.tap" 1
}

# kernel_note KID: the smoke group's first line: where the kernel came from.
kernel_note() {
	local kid=$1 tap="$workdir/groups-$1/smoke.tap"
	[[ -f $tap ]] || return 0
	if [[ $kid == fprobe ]]; then
		printf 'ok - kernel: built from linux-source-6.1 %s with CONFIG_FPROBE (%s, in %s s)\n' \
			"${K_VERSION[$kid]}" "$([[ ${K_FRESH[$kid]:-0} == 1 ]] && echo "in this run" || echo "cached")" \
			"${K_BUILD_SECONDS[$kid]:-?}"
	else
		printf 'ok - kernel: Debian package %s %s\n' "${K_PKG[$kid]}" "${K_VERSION[$kid]}"
	fi | cat - "$tap" >"$tap.new" && mv "$tap.new" "$tap"
}

# deal KID GROUPS...: prints one boot spec a line ("NAME KID GROUP..."): the
# groups dealt heaviest first, each to the boot with the least work so far;
# within a boot they run in the listed order.
deal() {
	local kid=$1 nboots=$SKBT_VM_JOBS i g w best
	shift
	local -a groups=("$@") load=() specs=()
	local -A boot_of=()
	[[ $SKBT_VM_SPLIT == 1 ]] && nboots=${#groups[@]}
	[[ $nboots -gt ${#groups[@]} ]] && nboots=${#groups[@]}
	[[ $nboots -ge 1 ]] || nboots=1
	for ((i = 0; i < nboots; i++)); do load[i]=0; done
	for w in 3 2 1; do
		for g in "${groups[@]}"; do
			[[ $(group_weight "$kid" "$g") == "$w" ]] || continue
			best=0
			for ((i = 1; i < nboots; i++)); do
				[[ ${load[i]} -lt ${load[best]} ]] && best=$i
			done
			boot_of[$g]=$best
			load[best]=$((load[best] + w))
		done
	done
	for ((i = 0; i < nboots; i++)); do specs[i]="$kid-$((i + 1)) $kid"; done
	for g in "${groups[@]}"; do
		specs[${boot_of[$g]}]+=" $g"
	done
	printf '%s\n' "${specs[@]}"
}

# groups_of: the groups of one kernel: smoke, then each backend (function
# backends in SKBT_VM_PARTS parts), or the one exec group.
groups_of() {
	local b i
	if [[ -n ${SKBT_VM_EXEC:-} ]]; then
		echo exec
		return
	fi
	echo smoke
	for b in $SKBT_VM_BACKENDS; do
		if [[ $b == tracepoint || $b == tp_btf || $SKBT_VM_PARTS -le 1 ]]; then
			echo "$b"
		else
			for ((i = 1; i <= SKBT_VM_PARTS; i++)); do echo "$b.$i"; done
		fi
	done
}

# --- main -----------------------------------------------------------------------

main() {
	local skbtrace="" probe_dir t_start t_kernel t_ir conf spec kid name rc init_s total_s
	local timing="" b expect
	local -a kernels=() specs=() groups=()

	case ${1:-} in
	-h | --help)
		usage
		return 0
		;;
	esac
	if [[ $# -gt 1 ]]; then
		usage >&2
		return 2
	fi
	if [[ $# -eq 1 ]]; then
		[[ -x $1 ]] || vm_die "skbtrace binary '$1' is not an executable file"
		skbtrace=$(readlink -f "$1")
	elif [[ -x $repo/skbtrace ]]; then
		skbtrace=$repo/skbtrace
	fi

	t_start=$(now)
	check_tools
	workdir=$(mktemp -d "${TMPDIR:-/tmp}/skbt-vm.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$SKBT_RESULTS_DIR" "$SKBT_VM_LOGDIR"

	for kid in $SKBT_VM_KERNELS; do
		if kernel_setup "$kid"; then
			kernels+=("$kid")
			vm_log "kernel $kid: ${K_PKG[$kid]} ${K_VERSION[$kid]}, release ${K_RELEASE[$kid]}"
		else
			failed_boots=$((failed_boots + 1))
		fi
	done
	t_kernel=$(now)
	if [[ ${#kernels[@]} -eq 0 ]]; then
		echo "1..$tap_n"
		echo "vm summary: pass=$n_pass fail=$n_fail skip=$n_skip failed_boots=$failed_boots"
		return 1
	fi
	KERNEL_IMAGE=${K_IMAGE[${kernels[0]}]} # for the KVM probe
	start_accel_probe

	probe_dir="$workdir/probe"
	build_probe "$probe_dir" || probe_dir=""
	if [[ -n $skbtrace ]]; then
		vm_log "skbtrace under test: $skbtrace"
	else
		vm_log "no skbtrace binary (pass one, or build ./skbtrace): the suite is skipped, smoke only"
	fi
	[[ $SKBT_VM_FILTER_FUNC != *"'"* ]] || vm_die "SKBT_VM_FILTER_FUNC cannot hold a single quote"
	for kid in "${kernels[@]}"; do
		# The fprobe kernel exists to prove kprobe-multi: there it must work.
		expect=$SKBT_VM_EXPECT
		[[ $kid == fprobe ]] && expect+=" kprobe-multi"
		conf=$(printf "SKBT_VM_%s='%s'\n" SUITE_TIMEOUT "$SKBT_VM_SUITE_TIMEOUT" \
			EXPECT "$expect" FORCE "${SKBT_VM_FORCE:-0}" NOFILE "${SKBT_VM_NOFILE:-}" \
			FILTER_FUNC "$SKBT_VM_FILTER_FUNC" PARTS "$SKBT_VM_PARTS")
		initramfs_build "$workdir/initramfs-$kid.gz" "${K_DIR[$kid]}" "${K_RELEASE[$kid]}" \
			"$repo" "$skbtrace" "$probe_dir" "$conf"
		# Results of an earlier run on this kernel would mix with this one's.
		[[ -n ${SKBT_VM_EXEC:-} ]] || rm -f "$SKBT_RESULTS_DIR/${K_RELEASE[$kid]}"-*.tap
		rm -f "$SKBT_VM_LOGDIR/console-${K_RELEASE[$kid]}"-*.log
	done
	t_ir=$(now)
	finish_accel_probe

	mapfile -t groups < <(groups_of)
	for kid in "${kernels[@]}"; do
		mapfile -t -O "${#specs[@]}" specs < <(deal "$kid" "${groups[@]}")
	done
	run_boots "${specs[@]}"

	for spec in "${specs[@]}"; do
		read -r name kid _ <<<"$spec"
		read -r rc init_s total_s <"$workdir/boot-$name.meta" || rc=unknown
		timing+=" boot $name ${init_s:-?}s to /init, ${total_s:-?}s in all;"
		if ! split_results "$name" "$kid"; then
			failed_boots=$((failed_boots + 1))
			vm_log "boot $name ended without its end marker (qemu status $rc); last 60 console lines:"
			tail -n 60 "$SKBT_VM_LOGDIR/console-${K_RELEASE[$kid]}-$name.log" | sed "s/^/vm$name! /"
		fi
	done
	for kid in "${kernels[@]}"; do
		[[ -n ${SKBT_VM_EXEC:-} ]] || kernel_note "$kid"
		if [[ -n ${SKBT_VM_EXEC:-} ]]; then
			record "$kid" exec
			continue
		fi
		record "$kid" smoke
		for b in $SKBT_VM_BACKENDS; do
			if [[ $b == tracepoint || $b == tp_btf || $SKBT_VM_PARTS -le 1 ]]; then
				record "$kid" "$b"
			else
				record "$kid" "$b" "$SKBT_VM_PARTS"
			fi
		done
	done

	echo "1..$tap_n"
	for kid in "${kernels[@]}"; do
		vm_log "kernel $kid: ${K_RELEASE[$kid]} (${K_VERSION[$kid]}), accel $ACCEL"
	done
	vm_log "times: kernels $(elapsed "$t_start" "$t_kernel")s, initramfs $(elapsed "$t_kernel" "$t_ir")s;$timing total $(elapsed "$t_start" "$(now)")s"
	vm_log "results in $SKBT_RESULTS_DIR/<kernel>-*.tap; render: tests/matrix.sh"
	echo "vm summary: pass=$n_pass fail=$n_fail skip=$n_skip failed_boots=$failed_boots"
	[[ $n_fail -eq 0 && $failed_boots -eq 0 ]]
}

main "$@"
