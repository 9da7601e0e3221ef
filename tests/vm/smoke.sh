#!/usr/bin/env bash
# VM smoke test: proves the harness and documents what the VM kernel offers
# to skbtrace, independently of skbtrace itself.  Prints TAP.
#
# Usage (inside the VM, from /skbt):  tests/vm/smoke.sh [SKBTRACE]
#
# Settings from /etc/skbt.conf (written by tests/vm/initramfs.sh):
#   SKBT_VM_EXPECT     attach mechanisms that must work; the others are
#                      reported as SKIP when the kernel refuses them
#   SKBT_VM_REQUIRED   modules that must be loaded
# Traffic stays inside two network namespaces of the VM, on the
# documentation ranges 192.0.2.0/24 and 2001:db8::/64.
set -uo pipefail

# shellcheck disable=SC1091
[[ -f /etc/skbt.conf ]] && source /etc/skbt.conf
: "${SKBT_VM_EXPECT:=kprobe fentry tp_btf raw_tp}"
: "${SKBT_VM_REQUIRED:=veth bridge vxlan nf_tables nf_conntrack nf_nat nft_chain_nat}"

skbtrace=${1:-}
tracing=/sys/kernel/tracing
attach=/skbt/build/vm/attach
attach_obj=/skbt/build/vm/attach.bpf.o
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}
skip() { # skip NAME REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
diag() { printf '# %s\n' "$@"; }

# send_udp NETNS ADDRESS PORT COUNT: COUNT one-byte datagrams through bash's
# /dev/udp (a fresh socket each, so an ICMP error cannot stop the next).
send_udp() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	local cmd='for ((i = 0; i < $3; i++)); do printf x >"/dev/udp/$1/$2"; done 2>/dev/null'
	if [[ $1 == - ]]; then
		bash -c "$cmd" _ "$2" "$3" "$4"
	else
		ip netns exec "$1" bash -c "$cmd" _ "$2" "$3" "$4"
	fi
}

# Packets counted by the rule with a counter in chain inet skbt in (netns b).
drop_count() {
	ip netns exec b nft -j list chain inet skbt in |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0'
}

cleanup() {
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
	if [[ -w $tracing/kprobe_events ]]; then
		echo 0 >"$tracing/events/skb/kfree_skb/enable" 2>/dev/null
		echo '-:skbt_smoke' >>"$tracing/kprobe_events" 2>/dev/null
	fi
}
trap cleanup EXIT

diag "kernel $(uname -r) ($(uname -v))"

# --- what the kernel exposes -------------------------------------------------
check "tracefs mounted at $tracing" test -e "$tracing/trace"
check "kernel BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
if [[ -s /sys/kernel/btf/veth ]]; then
	ok "module BTF (/sys/kernel/btf/veth)"
else
	skip "module BTF (/sys/kernel/btf/veth)" "kernel without CONFIG_DEBUG_INFO_BTF_MODULES"
fi

missing=""
for m in $SKBT_VM_REQUIRED; do
	[[ -d /sys/module/$m ]] || missing+=" $m"
done
if [[ -z $missing ]]; then
	ok "modules loaded: $SKBT_VM_REQUIRED"
else
	not_ok "modules loaded: missing$missing"
fi

if nfuncs=$(wc -l <"$tracing/available_filter_functions" 2>/dev/null) && [[ $nfuncs -gt 0 ]]; then
	ok "available_filter_functions readable ($nfuncs functions)"
else
	not_ok "available_filter_functions readable"
fi

# A kprobe through tracefs: create, fire on loopback traffic, remove.
kprobe_events() {
	local hits
	echo 'p:skbt_smoke ip_rcv' >>"$tracing/kprobe_events" || return 1
	echo >"$tracing/trace"
	echo 1 >"$tracing/events/kprobes/skbt_smoke/enable" || return 1
	send_udp - 127.0.0.1 9 3
	echo 0 >"$tracing/events/kprobes/skbt_smoke/enable"
	hits=$(grep -c 'skbt_smoke:' "$tracing/trace")
	echo '-:skbt_smoke' >>"$tracing/kprobe_events" || return 1
	diag "kprobe skbt_smoke on ip_rcv fired $hits times"
	[[ $hits -gt 0 ]]
}
check "kprobe_events: a kprobe on ip_rcv is created, fires and is removed" kprobe_events

if command -v bpftool >/dev/null; then
	probe=$(bpftool feature probe kernel 2>/dev/null)
	check "bpftool feature probe: program type kprobe" grep -q 'program_type kprobe is available' <<<"$probe"
	check "bpftool feature probe: program type tracing (fentry)" grep -q 'program_type tracing is available' <<<"$probe"
	diag "$(grep -E 'CONFIG_(KPROBES|FPROBE|DEBUG_INFO_BTF|FUNCTION_TRACER)' <<<"$probe" || true)"
else
	skip "bpftool feature probe" "bpftool not in the initramfs"
fi

# --- one BPF program per attach mechanism (tests/vm/probe) --------------------
attach_case() { # attach_case MECHANISM PROGRAM SECTION
	local mech=$1 prog=$2 sec=$3 msg rc
	msg=$("$attach" "$attach_obj" "$prog" 2>/dev/null)
	rc=$?
	if [[ $rc -eq 0 ]]; then
		ok "attach $mech ($sec) loads, attaches and fires: $msg"
	elif [[ $rc -eq 2 && " $SKBT_VM_EXPECT " != *" $mech "* ]]; then
		skip "attach $mech ($sec)" "kernel refuses it: $msg"
	else
		not_ok "attach $mech ($sec): ${msg:-exit $rc}"
	fi
}
if [[ -x $attach && -f $attach_obj ]]; then
	attach_case kprobe kprobe_ip_rcv kprobe/ip_rcv
	attach_case kprobe-multi kprobe_multi_ip_rcv kprobe.multi/ip_rcv
	attach_case fentry fentry_ip_rcv fentry/ip_rcv
	attach_case tp_btf tp_btf_kfree_skb tp_btf/kfree_skb
	attach_case raw_tp raw_tp_kfree_skb raw_tp/kfree_skb
else
	skip "attach probes" "tests/vm/probe was not built (no clang or libbpf headers on the host)"
fi

# --- two namespaces, a veth pair, an nftables drop ----------------------------
netns_setup() {
	ip netns add a && ip netns add b &&
		ip link add veth-a netns a type veth peer name veth-b netns b &&
		ip -n a addr add 192.0.2.1/24 dev veth-a &&
		ip -n b addr add 192.0.2.2/24 dev veth-b &&
		ip -n a addr add 2001:db8::1/64 dev veth-a nodad &&
		ip -n b addr add 2001:db8::2/64 dev veth-b nodad &&
		ip -n a link set lo up && ip -n b link set lo up &&
		ip -n a link set veth-a up && ip -n b link set veth-b up
}
check "veth pair between netns a and b" netns_setup

nft_setup() {
	ip netns exec b nft -f - <<'EOF'
table inet skbt {
	chain in {
		type filter hook input priority 0;
		udp dport 5555 counter drop
	}
}
table ip skbt_nat {
	chain pre {
		type nat hook prerouting priority -100;
		udp dport 6000 dnat to 192.0.2.2:5555
	}
}
EOF
}
check "nftables: filter drop rule and DNAT rule load" nft_setup

reason_enable() {
	[[ -e $tracing/events/skb/kfree_skb/enable ]] || return 0
	echo >"$tracing/trace"
	echo 1 >"$tracing/events/skb/kfree_skb/enable"
}
reason_seen() {
	[[ -e $tracing/events/skb/kfree_skb/enable ]] || return 1
	echo 0 >"$tracing/events/skb/kfree_skb/enable"
	grep -q 'reason: NETFILTER_DROP' "$tracing/trace"
}

before=$(drop_count 2>/dev/null || echo 0)
reason_enable
send_udp a 192.0.2.2 5555 3
after=$(drop_count 2>/dev/null || echo 0)
check "UDP 192.0.2.1 -> 192.0.2.2:5555 dropped by nft (counter $before -> $after)" test "$((after - before))" -eq 3
check "skb:kfree_skb tracepoint reports reason NETFILTER_DROP" reason_seen

before=$after
send_udp a 192.0.2.2 6000 1
after=$(drop_count 2>/dev/null || echo 0)
check "UDP to :6000 DNATed to :5555 and dropped (counter $before -> $after)" test "$((after - before))" -eq 1

before=$after
send_udp a 2001:db8::2 5555 2
after=$(drop_count 2>/dev/null || echo 0)
check "UDP over IPv6 to [2001:db8::2]:5555 dropped (counter $before -> $after)" test "$((after - before))" -eq 2

bridge_vxlan() {
	ip -n a link add br0 type bridge &&
		ip -n a link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 dev veth-a &&
		ip -n a link set vx0 master br0 &&
		ip -n a link set br0 up && ip -n a link set vx0 up
}
check "bridge with a vxlan port" bridge_vxlan

# --- skbtrace itself -----------------------------------------------------------
if [[ -n $skbtrace ]]; then
	if v=$("$skbtrace" --version 2>&1); then
		ok "skbtrace --version runs in the VM: ${v%%$'\n'*}"
	else
		not_ok "skbtrace --version runs in the VM: ${v%%$'\n'*}"
	fi
else
	skip "skbtrace --version runs in the VM" "no skbtrace binary given"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
