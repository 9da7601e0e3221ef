#!/usr/bin/env bash
# Source lines of a live trace from the test VM: the guest (Debian's kernel,
# without debug files) traces a netfilter drop with --output-stack
# --output-json (tests/srcline/guest_drop.sh); the host resolves the
# guest's JSON with `skbtrace addr2line --json`, the debug vmlinux and
# nf_tables.ko of the same build (tests/srcline/debuginfo.sh), checked
# against the guest's build id.  This is how a trace recorded on a node
# without debug info is resolved where the debug files are.
#
# Usage: tests/srcline/vm_live.sh [SKBTRACE]      Prints TAP.
# Settings: those of tests/vm/run.sh and tests/srcline/debuginfo.sh.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
SKBTRACE=$(readlink -f "${1:-$repo/skbtrace}")
n=0 failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

if [[ ! -x $SKBTRACE ]]; then
	echo "1..0 # SKIP no skbtrace binary at $SKBTRACE"
	exit 0
fi
# shellcheck source=tests/srcline/debuginfo.sh
source "$here/debuginfo.sh"
if ! (debuginfo_prepare >/dev/null); then
	echo "1..0 # SKIP the VM kernel's -dbg package could not be had (offline, nothing cached)"
	exit 0
fi
debuginfo_prepare >/dev/null 2>&1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

SKBT_VM_EXEC="bash /skbt/tests/srcline/guest_drop.sh /skbt/skbtrace" \
	SKBT_VM_EXEC_OUT="$work/guest.out" SKBT_RESULTS_DIR="$work/results" \
	"$repo/tests/vm/run.sh" "$SKBTRACE" >"$work/vm.log" 2>&1
vm_rc=$?
# The guest's own checks, renumbered.
while IFS= read -r line; do
	if [[ $line =~ ^ok\ [0-9]+\ -\ vm/exec:\ (.*)$ ]]; then
		ok "in the VM: ${BASH_REMATCH[1]}"
	elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ vm/exec:\ (.*)$ ]]; then
		not_ok "in the VM: ${BASH_REMATCH[1]}"
	fi
done <"$work/vm.log"
if [[ $vm_rc -ne 0 || ! -s $work/guest.out ]]; then
	not_ok "the VM ran the drop (tests/vm/run.sh exit $vm_rc)"
	tail -n 20 "$work/vm.log" | sed 's/^/#   /'
	echo "1..$n"
	exit 1
fi

gid=$(sed -n 's/^# build-id //p' "$work/guest.out")
vid=$(readelf -n "$DEBUG_VMLINUX" | awk '/Build ID/ { print $3; exit }')
check "the guest's kernel is the debug vmlinux's build ($gid)" test -n "$gid" -a "$gid" = "$vid"
grep '^{' "$work/guest.out" >"$work/trace.json"
"$SKBTRACE" addr2line --kernel-debuginfo "$DEBUG_DIR" --build-id "$gid" \
	--json "$work/trace.json" >"$work/resolved.json" 2>"$work/resolved.err"
check "addr2line --json resolved the guest's trace (exit 0, nothing on stderr)" \
	test $? -eq 0 -a ! -s "$work/resolved.err"
drop='select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP")'
# frame_src PREFIX: "func file" of the outermost step of the drop's frame PREFIX...
frame_src() {
	jq -r "$drop | .stack_src[] | select(.sym | startswith(\"$1\")) | .src[-1] | \"\\(.func) \\(.file)\"" \
		"$work/resolved.json" | head -n 1
}
check "nft_do_chain [nf_tables] resolves into the module's own source, net/netfilter/nf_tables_core.c" \
	test "$(frame_src 'nft_do_chain+')" = "nft_do_chain net/netfilter/nf_tables_core.c"
check "nf_hook_slow resolves into net/netfilter/core.c" \
	test "$(frame_src 'nf_hook_slow+')" = "nf_hook_slow net/netfilter/core.c"
check "every named frame of the drop's stack has its source lines" \
	test "$(jq "[$drop | .stack_src[] | select(.sym | startswith(\"0x\") | not) | select(.src | not)] | length" "$work/resolved.json" | sort -u)" = 0
# Slurped: jq -e's status follows the last line's output, and the drop
# is not always the trace's last event.
if jq -se "any(.[] | $drop; has(\"drop_location\"))" "$work/resolved.json" >/dev/null 2>&1; then
	check "drop_location (nft_do_chain+... [nf_tables]) resolves into net/netfilter/nf_tables_core.c" \
		test "$(jq -r "$drop | .drop_location_src.src[-1] | \"\\(.func) \\(.file)\"" "$work/resolved.json" | head -n 1)" = \
		"nft_do_chain net/netfilter/nf_tables_core.c"
else
	not_ok "the drop event has no drop_location"
	jq -c "$drop | del(.stack, .stack_src)" "$work/resolved.json" | sed 's/^/#   /'
fi
echo "# the drop's stack, resolved:"
jq -r "$drop | .stack_src[] | \"#   \\(.sym)\", (.src // [] | to_entries[] | \"#       \\(if .key > 0 then \"(inlined by) \" else \"\" end)\\(.value.func) at \\(.value.file):\\(.value.line)\")" \
	"$work/resolved.json" | head -n 60
echo "1..$n"
[[ $failed -eq 0 ]]
