#!/usr/bin/env bash
# Runs every suite (unit, integration on this kernel, the VM matrix) and
# prints one closing line "N passed, N failed, N skipped" over all of them.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0

# suite NAME COMMAND...: one suite, bounded by SKBT_SUITE_LIMIT seconds
# (900; the VM's boots get SKBT_VM_LIMIT, 2400) so that a hung test fails
# its suite instead of running CI into its own time limit.
suite() {
	local name=$1 limit=${SKBT_SUITE_LIMIT:-900} t0=$SECONDS
	shift
	[ "$name" = vm ] && limit=${SKBT_VM_LIMIT:-2400}
	echo "=== $name"
	timeout -k 30 "$limit" "$@" 2>&1 | tee -a "$log"
	local s=${PIPESTATUS[0]}
	if [ "$s" -eq 124 ]; then
		echo "not ok - $name: still running after $limit s, stopped" | tee -a "$log"
	fi
	if [ "$s" -ne 0 ]; then
		echo "=== $name: FAILED (exit $s)"
		rc=1
	fi
	echo "=== $name: $((SECONDS - t0)) s"
}

# The VM's fprobe kernel is the longest step when not cached (tests/vm/kbuild.sh):
# it builds, niced, while the host suites run; tests/vm/run.sh then finds it
# cached, or waits on its lock, or reports the failure.
kbuild_pid=""
if [[ " ${SKBT_VM_KERNELS-debian fprobe} " == *" fprobe "* && $(id -u) -eq 0 ]]; then
	mkdir -p build
	timeout -k 30 "${SKBT_KBUILD_LIMIT:-2400}" tests/vm/kbuild.sh >build/kbuild.log 2>&1 &
	kbuild_pid=$!
fi

suite unit tests/run-unit.sh build/asan/tests/test_*
suite docs tests/docs.sh ./skbtrace
# Installing: make install, shell completion, the Debian package in a clean root.
suite install tests/pkg/install.sh
suite completion tests/pkg/completion.sh ./skbtrace
suite deb tests/pkg/deb.sh
# Deploying: the DaemonSet against the Kubernetes schema, the image built and run.
suite manifest tests/pkg/manifest.sh
suite image tests/pkg/image.sh
# The host's results feed the kernel x backend matrix in docs/testing.md.
suite integration bash -c 'tests/integration/run.sh build/asan/skbtrace |
	tests/matrix.sh record --backend tracepoint --where "host (ASan)"; exit "${PIPESTATUS[0]}"'
suite integration-tp_btf bash -c 'SKBT_BACKEND=tp_btf tests/integration/run.sh build/asan/skbtrace |
	tests/matrix.sh record --backend tp_btf --where "host (ASan)"; exit "${PIPESTATUS[0]}"'
# The translator's fuzzer, bounded: new crashes fail the run; its corpus is in git.
suite fuzz tests/fuzz/run.sh "${SKBT_FUZZ_SECONDS:-20}"
# Source lines against binutils on the VM kernel's debug vmlinux and modules.
suite srcline tests/srcline/diff.sh ./skbtrace
# A live trace from the VM, resolved on the host with the same debug files.
suite srcline-vm tests/srcline/vm_live.sh ./skbtrace
if [[ -n $kbuild_pid ]]; then
	echo "=== waiting for the fprobe VM kernel (tests/vm/kbuild.sh, log: build/kbuild.log)"
	wait "$kbuild_pid" || echo "=== tests/vm/kbuild.sh failed: see build/kbuild.log"
fi
suite vm tests/vm/run.sh ./skbtrace

pass=$(grep -cE '^ok ' "$log" | head -1)
skip=$(grep -cE '^ok .*# *(SKIP|skip)' "$log" | head -1)
fail=$(grep -cE '^not ok ' "$log" | head -1)
pass=$((pass - skip))
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] || rc=1
exit $rc
