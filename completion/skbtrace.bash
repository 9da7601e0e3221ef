# bash completion for skbtrace(8)                       -*- shell-script -*-
# Installed as /usr/share/bash-completion/completions/skbtrace.  The option
# lists below are checked against `skbtrace --help` by tests/pkg/completion.sh,
# so a flag added to the binary and not here fails the tests.
# shellcheck disable=SC2207 # COMPREPLY=($(compgen ...)): words never hold blanks here

# Options taking no value, then those taking one (in the next word or after
# '='), then those whose value is optional and must follow '=': true or
# false, then --drop-summary's seconds.
_skbtrace_flags='--list-funcs --all-kmods --filter-track-skb --output-group
	--filter-trace-tc --filter-trace-xdp --drops-only --version --help --quiet --verbose -h -q -v'
_skbtrace_valued='--backend --filter-func --filter-netns --filter-mark
	--filter-ifname --filter-track-max --filter-tunnel-pcap-l2
	--filter-tunnel-pcap-l3 --kmods --kernel-btf --kernel-debuginfo --timestamp
	--output-file --output-limit-lines --ready-file --ringbuf-size
	--stack-map-size --color --relinquish-privileges -Z --drop-summary-max
	--metrics --metrics-labels --metrics-max-series -w --output-pcap
	-s --capture-len --capture-at'
_skbtrace_bools='--output-meta --output-tuple --output-caller --output-stack
	--output-skb --output-json'
_skbtrace_optional='--drop-summary'
# What --metrics-labels keeps, a comma-separated list.
_skbtrace_labels='reason location netns iface'
# skbtrace addr2line: source lines of kernel addresses, offline.
_skbtrace_a2l='--kernel-debuginfo --module --return-address --build-id --json --help'

# The namespace files `ip netns add` made: what --filter-netns names best.
_skbtrace_netns_paths()
{
	local f
	for f in /run/netns/*; do
		[[ -e $f ]] && printf '%s\n' "$f"
	done
}

# Interface names in the namespace an earlier --filter-netns chose (entering
# it needs root: nsenter), else in ours.  /proc/net/dev is per reader's
# namespace, /sys/class/net per sysfs mount, hence the former inside nsenter.
_skbtrace_ifnames()
{
	local i ns=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--filter-netns=*) ns=${words[i]#*=} ;;
		--filter-netns) ns=${words[i + 1]} ;;
		esac
	done
	if [[ $ns == /* ]] &&
		nsenter --net="$ns" cat /proc/net/dev 2>/dev/null |
		sed -n 's/^ *\([^:]*\):.*/\1/p'; then
		return
	fi
	ls /sys/class/net 2>/dev/null
}

# WORDS... as the next item of the comma-separated list being typed.
_skbtrace_comma_list()
{
	local prefix='' w items=()
	[[ $cur == *,* ]] && prefix=${cur%,*},
	for w in "$@"; do
		items+=("$prefix$w")
	done
	COMPREPLY=($(compgen -W "${items[*]}" -- "$cur"))
	# quiet where no completion runs: tests/pkg/completion.sh calls us directly
	compopt -o nospace 2>/dev/null
}

# Modules with BTF of their own (what --kmods can trace).
_skbtrace_kmods()
{
	local f mods=()
	for f in /sys/kernel/btf/*; do
		[[ ${f##*/} != vmlinux ]] && mods+=("${f##*/}")
	done
	_skbtrace_comma_list "${mods[@]}"
}

_skbtrace_addr2line()
{
	case $prev in
	--kernel-debuginfo | --json)
		_filedir
		return
		;;
	--module)
		COMPREPLY=($(compgen -W "$(ls /sys/module 2>/dev/null)" -- "$cur"))
		return
		;;
	--build-id)
		return
		;;
	esac
	[[ $cur == -* ]] && COMPREPLY=($(compgen -W "$_skbtrace_a2l" -- "$cur"))
}

_skbtrace()
{
	local cur prev words cword split
	_init_completion -s || return

	if [[ ${words[1]-} == addr2line ]] && ((cword > 1)); then
		_skbtrace_addr2line
		return
	fi
	case $prev in
	--backend)
		COMPREPLY=($(compgen -W 'auto kprobe-multi kprobe fentry tracepoint tp_btf' -- "$cur"))
		return
		;;
	--timestamp)
		COMPREPLY=($(compgen -W 'none current relative absolute' -- "$cur"))
		return
		;;
	--color)
		COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
		return
		;;
	--capture-at)
		COMPREPLY=($(compgen -W 'all first drop' -- "$cur"))
		return
		;;
	-Z | --relinquish-privileges)
		COMPREPLY=($(compgen -u -- "$cur"))
		return
		;;
	--filter-netns)
		COMPREPLY=($(compgen -W "$(_skbtrace_netns_paths) inode:" -- "$cur"))
		[[ $cur == /proc/* ]] && _filedir
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == inode: ]] && compopt -o nospace
		return
		;;
	--filter-ifname)
		COMPREPLY=($(compgen -W "$(_skbtrace_ifnames)" -- "$cur"))
		return
		;;
	--kmods)
		_skbtrace_kmods
		return
		;;
	--metrics-labels)
		# shellcheck disable=SC2086 # one word per label
		_skbtrace_comma_list $_skbtrace_labels
		return
		;;
	--output-file | --ready-file | --kernel-btf | --kernel-debuginfo | -w | --output-pcap)
		_filedir
		return
		;;
	--output-meta | --output-tuple | --output-caller | --output-stack | --output-skb | --output-json)
		# Only reached as --opt=value (split above): a bare flag takes none.
		if $split; then
			COMPREPLY=($(compgen -W 'true false' -- "$cur"))
			return
		fi
		;;
	--filter-func | --filter-mark | --filter-track-max | --filter-tunnel-pcap-l2 | \
		--filter-tunnel-pcap-l3 | --output-limit-lines | --ringbuf-size | --stack-map-size | \
		--drop-summary | --drop-summary-max | --metrics | --metrics-max-series | -s | --capture-len)
		return # free text: nothing sensible to offer
		;;
	esac
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$_skbtrace_flags $_skbtrace_valued $_skbtrace_bools
			$_skbtrace_optional" -- "$cur"))
		return
	fi
	# Positional words are one tcpdump filter expression: its primitives;
	# first, the addr2line subcommand too.
	local first=
	((cword == 1)) && first=addr2line
	COMPREPLY=($(compgen -W "$first host net port portrange src dst ether ip ip6 arp tcp udp
		icmp icmp6 vlan proto and or not" -- "$cur"))
}
complete -F _skbtrace skbtrace
