#!/usr/bin/env bash
# VM test matrix: boots a current Debian kernel under qemu and runs, inside
# it, tests/vm/smoke.sh and the integration suite once per backend.
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
#   SKBT_VM_BACKENDS      backends to run the suite with
#                         (kprobe kprobe-multi fentry tracepoint auto)
#   SKBT_VM_SPLIT=1       one boot per backend instead of one boot for all
#   SKBT_VM_TIMEOUT       hard limit of one boot in seconds (300)
#   SKBT_VM_SUITE_TIMEOUT limit of one group (smoke, one backend) inside it (120)
#   SKBT_VM_ACCEL         auto | kvm | tcg  (auto: kvm only if it really runs)
#   SKBT_VM_MEM, SKBT_VM_SMP   guest size (1G, 2)
#   SKBT_VM_EXPECT        attach mechanisms smoke.sh requires
#                         (kprobe fentry tp_btf raw_tp)
#   SKBT_VM_CACHE, SKBT_VM_FLAVOUR, SKBT_VM_PACKAGE   see tests/vm/kernel.sh
#   SKBT_VM_MODULES, SKBT_VM_EXTRA_MODULES, SKBT_VM_BINS, SKBT_VM_EXTRA_BINS
#                         see tests/vm/initramfs.sh
#   SKBT_RESULTS_DIR      where the .tap results go (build/test-results)
#   SKBT_VM_LOGDIR        where console logs go (build/vm)
set -euo pipefail
shopt -s lastpipe

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/vm/kernel.sh
source "$here/kernel.sh"
# shellcheck source=tests/vm/initramfs.sh
source "$here/initramfs.sh"

: "${SKBT_VM_BACKENDS=kprobe kprobe-multi fentry tracepoint auto}"
: "${SKBT_VM_SPLIT:=0}"
: "${SKBT_VM_TIMEOUT:=300}"
: "${SKBT_VM_SUITE_TIMEOUT:=120}"
: "${SKBT_VM_ACCEL:=auto}"
: "${SKBT_VM_MEM:=1G}"
: "${SKBT_VM_SMP:=2}"
: "${SKBT_VM_EXPECT:=kprobe fentry tp_btf raw_tp}"
: "${SKBT_RESULTS_DIR:=$repo/build/test-results}"
: "${SKBT_VM_LOGDIR:=$repo/build/vm}"

workdir=""
kvm_probe_pid=""
tap_n=0 n_pass=0 n_fail=0 n_skip=0
failed_boots=0

cleanup() {
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
	command -v clang >/dev/null && command -v gcc >/dev/null &&
		[[ -f /usr/include/bpf/bpf_helpers.h ]] || {
		vm_log "warning: no clang/gcc/libbpf headers; smoke test will skip the attach probes"
		return 1
	}
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

# --- one boot -----------------------------------------------------------------

# boot_vm NAME SMOKE(0|1) BACKENDS...: boots, streams the console, leaves the
# second serial port's output in $workdir/results-NAME.txt.  Sets BOOT_RC,
# BOOT_INIT_S (host seconds until /init spoke), BOOT_TOTAL_S.
boot_vm() {
	local name=$1 smoke=$2 accel=$3 backends
	shift 3
	backends=$(
		IFS=,
		printf '%s' "$*"
	)
	local console="$SKBT_VM_LOGDIR/console-$KERNEL_RELEASE-$name.log"
	local results="$workdir/results-$name.txt"
	local t0 line init_at=""
	local -a qemu=(
		qemu-system-x86_64 -accel "$accel" -cpu max -m "$SKBT_VM_MEM" -smp "$SKBT_VM_SMP"
		-nodefaults -no-user-config -display none -monitor none -no-reboot
		-serial stdio -serial "file:$results"
		-kernel "$KERNEL_IMAGE" -initrd "$workdir/initramfs.gz"
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 mitigations=off skbt.smoke=$smoke skbt.backends=$backends"
	)
	: >"$console"
	: >"$results"
	vm_log "boot '$name' ($accel, ${SKBT_VM_SMP} cpus, $SKBT_VM_MEM, limit ${SKBT_VM_TIMEOUT}s): smoke=$smoke backends=${backends:-none}"
	t0=$(now)
	set +e
	timeout -k 10 "$SKBT_VM_TIMEOUT" "${qemu[@]}" </dev/null 2>&1 |
		while IFS= read -r line || [[ -n $line ]]; do
			line=${line%$'\r'}
			printf '%s\n' "$line" >>"$console"
			printf 'vm| %s\n' "$line"
			if [[ -z $init_at && $line == SKBT-VM-INIT* ]]; then
				init_at=$(now)
			fi
		done
	BOOT_RC=${PIPESTATUS[0]}
	set -e
	BOOT_TOTAL_S=$(elapsed "$t0" "$(now)")
	BOOT_INIT_S=${init_at:+$(elapsed "$t0" "$init_at")}
	if [[ $BOOT_RC -eq 124 || $BOOT_RC -eq 137 ]]; then
		vm_log "boot '$name' killed after ${SKBT_VM_TIMEOUT}s"
	fi
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

# record_group GROUP TAPFILE RC: prints the group's TAP renumbered and writes
# it with a header to $SKBT_RESULTS_DIR for tests/matrix.sh.
record_group() {
	local group=$1 tap=$2 rc=$3 line status rest had_fail=0 out
	out="$SKBT_RESULTS_DIR/$KERNEL_RELEASE-$group.tap"
	while IFS= read -r line; do
		if [[ $line =~ ^(not ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
			status=${BASH_REMATCH[1]}
			rest=${BASH_REMATCH[4]}
			[[ $status == "not ok" ]] && had_fail=1
			emit "$status" "$group" "$rest"
		fi
	done <"$tap"
	if [[ $rc != 0 && $had_fail -eq 0 ]]; then
		case $rc in
		missing) rest="did not run: the VM ended before it (see the console log)" ;;
		unfinished) rest="interrupted: no end marker (VM crashed or timed out)" ;;
		143) rest="killed after ${SKBT_VM_SUITE_TIMEOUT}s (SKBT_VM_SUITE_TIMEOUT)" ;;
		*) rest="exited with status $rc but reported no failing test" ;;
		esac
		emit "not ok" "$group" "$rest"
		printf 'not ok - %s\n' "$rest" >>"$tap"
	fi
	{
		printf '# skbtrace test results; render with tests/matrix.sh\n'
		printf '# kernel: %s\n' "$KERNEL_RELEASE"
		printf '# kernel-version: %s\n' "$KERNEL_VERSION"
		printf '# backend: %s\n' "$group"
		printf '# where: vm (%s, qemu %s)\n' "$KERNEL_PKG" "$ACCEL"
		printf '# date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		printf '# exit: %s\n' "$rc"
		grep -E '^(not ok|ok|1\.\.[0-9]+|Bail out!)' "$tap" || true
	} >"$out"
}

# collect NAME GROUPS...: splits the boot's results channel into groups.
collect() {
	local name=$1 results="$workdir/results-$name.txt" group dir rc
	shift
	dir="$workdir/groups-$name"
	mkdir -p "$dir"
	tr -d '\r' <"$results" | awk -v dir="$dir" '
		/^#@ begin / { g = $3; f = dir "/" g ".tap"; printf "" > f; next }
		/^#@ end / { split($4, a, "="); print a[2] > (dir "/" $3 ".rc"); g = ""; next }
		/^#@ done / { split($3, a, "="); print a[2] > (dir "/DONE"); next }
		/^#@ / { next }
		g != "" { print >> (dir "/" g ".tap") }'
	for group in "$@"; do
		if [[ -f $dir/$group.rc ]]; then
			rc=$(<"$dir/$group.rc")
		elif [[ -f $dir/$group.tap ]]; then
			rc=unfinished
		else
			rc=missing
			: >"$dir/$group.tap"
		fi
		record_group "$group" "$dir/$group.tap" "$rc"
	done
	[[ -f $dir/DONE ]]
}

# --- main -----------------------------------------------------------------------

main() {
	local skbtrace="" probe_dir t_start t_kernel t_ir accel conf b
	local -a boots=()

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

	kernel_prepare
	t_kernel=$(now)
	vm_log "kernel: Debian $KERNEL_VERSION, release $KERNEL_RELEASE ($KERNEL_PKG)"
	start_accel_probe

	probe_dir="$workdir/probe"
	build_probe "$probe_dir" || probe_dir=""
	if [[ -n $skbtrace ]]; then
		vm_log "skbtrace under test: $skbtrace"
	else
		vm_log "no skbtrace binary (pass one, or build ./skbtrace): the suite is skipped, smoke only"
	fi
	conf=$(printf "SKBT_VM_SUITE_TIMEOUT='%s'\nSKBT_VM_EXPECT='%s'\n" \
		"$SKBT_VM_SUITE_TIMEOUT" "$SKBT_VM_EXPECT")
	initramfs_build "$workdir/initramfs.gz" "$KERNEL_DIR" "$KERNEL_RELEASE" "$repo" \
		"$skbtrace" "$probe_dir" "$conf"
	t_ir=$(now)
	finish_accel_probe

	# Results of an earlier run on this kernel would mix with this one's.
	rm -f "$SKBT_RESULTS_DIR/$KERNEL_RELEASE"-*.tap

	# shellcheck disable=SC2206 # word splitting wanted
	local -a backends=($SKBT_VM_BACKENDS)
	if [[ $SKBT_VM_SPLIT == 1 && ${#backends[@]} -gt 0 ]]; then
		boots=("smoke:1:")
		for b in "${backends[@]}"; do boots+=("$b:0:$b"); done
	else
		boots=("all:1:${backends[*]}")
	fi

	local spec name smoke list boot_times=""
	for spec in "${boots[@]}"; do
		IFS=: read -r name smoke list <<<"$spec"
		# shellcheck disable=SC2086 # the list is words
		boot_vm "$name" "$smoke" "$ACCEL" $list
		boot_times+=" $name: ${BOOT_INIT_S:-?}s to /init, ${BOOT_TOTAL_S}s in all;"
		local -a groups=()
		[[ $smoke == 1 ]] && groups+=(smoke)
		# shellcheck disable=SC2206
		groups+=($list)
		if ! collect "$name" "${groups[@]}"; then
			failed_boots=$((failed_boots + 1))
			vm_log "boot '$name' ended without its end marker (qemu status $BOOT_RC); last 60 console lines:"
			tail -n 60 "$SKBT_VM_LOGDIR/console-$KERNEL_RELEASE-$name.log" | sed 's/^/vm! /'
		fi
	done

	echo "1..$tap_n"
	vm_log "kernel $KERNEL_RELEASE (Debian $KERNEL_VERSION), accel $ACCEL"
	vm_log "times: kernel fetch $(elapsed "$t_start" "$t_kernel")s, initramfs $(elapsed "$t_kernel" "$t_ir")s;$boot_times total $(elapsed "$t_start" "$(now)")s"
	vm_log "results in $SKBT_RESULTS_DIR/$KERNEL_RELEASE-*.tap; render: tests/matrix.sh"
	echo "vm summary: pass=$n_pass fail=$n_fail skip=$n_skip failed_boots=$failed_boots"
	[[ $n_fail -eq 0 && $failed_boots -eq 0 ]]
}

main "$@"
