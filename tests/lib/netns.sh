#!/usr/bin/env bash
# Namespace fixtures for tests and benchmarks: two network namespaces
# joined by veth (veth-a in the first, veth-b in the second), and an
# nftables rule that drops UDP to one port.  Test traffic only flows
# between namespaces made here; the caller removes them (netns_del).

mac_of() { # NS DEV: the device's MAC address
	ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2
}

# netns_pair NS_A NS_B IP_A IP_B [IP6_A IP6_B]: the namespaces, loopback
# up, IPv4 /24 (and IPv6 /64) addresses, and static neighbours so that no
# ARP or ND traffic comes in the way of exact counts.  Without IPv6
# addresses IPv6 is off in both: no DAD or router solicitations either.
netns_pair() {
	local a=$1 b=$2 ip_a=$3 ip_b=$4 ip6_a=${5:-} ip6_b=${6:-} ns mac_a mac_b
	ip netns add "$a" && ip netns add "$b" || return 1
	ip link add veth-a netns "$a" type veth peer name veth-b netns "$b" || return 1
	for ns in "$a" "$b"; do
		[ -n "$ip6_a" ] || ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	ip -n "$a" addr add "$ip_a/24" dev veth-a
	ip -n "$b" addr add "$ip_b/24" dev veth-b
	if [ -n "$ip6_a" ]; then
		ip -n "$a" addr add "$ip6_a/64" dev veth-a nodad
		ip -n "$b" addr add "$ip6_b/64" dev veth-b nodad
	fi
	ip -n "$a" link set veth-a up
	ip -n "$b" link set veth-b up
	mac_a=$(mac_of "$a" veth-a)
	mac_b=$(mac_of "$b" veth-b)
	ip -n "$a" neigh replace "$ip_b" lladdr "$mac_b" dev veth-a nud permanent
	ip -n "$b" neigh replace "$ip_a" lladdr "$mac_a" dev veth-b nud permanent
	[ -n "$ip6_a" ] || return 0
	ip -n "$a" neigh replace "$ip6_b" lladdr "$mac_b" dev veth-a nud permanent
	ip -n "$b" neigh replace "$ip6_a" lladdr "$mac_a" dev veth-b nud permanent
}

# netns_drop_udp NS PORT: nftables in NS drops UDP to PORT on input.
netns_drop_udp() {
	ip netns exec "$1" nft -f - <<-NFT
		table inet skbt_drop {
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport $2 drop
			}
		}
	NFT
}

netns_del() { # NS...: quietly, for cleanup handlers
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}
