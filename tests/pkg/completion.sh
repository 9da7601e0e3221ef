#!/usr/bin/env bash
# Shell completion (completion/): bash and zsh, each driven as a user's
# shell would be (bash-completion's _init_completion; an interactive zsh on
# a pseudo-terminal), offer exactly the long options `skbtrace --help`
# lists, the backends and timestamp modes it lists, /run/netns names for
# --filter-netns and the chosen namespace's interfaces for --filter-ifname.
# TAP.  Needs root only for the namespace (made here, no traffic).
set -u
bin=$(realpath "${1:-./skbtrace}")
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d /tmp/skbt-comp.XXXXXX)
NS=skbt-comp-$$
TESTLIB=tests/lib
# shellcheck source=tests/lib/tap.sh
. "$TESTLIB/tap.sh"
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# bash_complete LINE: what TAB at the end of LINE offers.  The words are
# split as readline splits them: at blanks, and '=' a word of its own.
bash_complete() {
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. completion/skbtrace.bash
		COMP_LINE=$1 COMP_POINT=${#1}
		COMP_WORDS=()
		for w in $1; do
			if [[ $w == --*=* ]]; then
				COMP_WORDS+=("${w%%=*}" "=")
				[[ -n ${w#*=} ]] && COMP_WORDS+=("${w#*=}")
			else
				COMP_WORDS+=("$w")
			fi
		done
		[[ $1 == *[\ =] ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_skbtrace skbtrace "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$1" | sort -u
}

zsh_complete() {
	zsh -f "$TESTLIB/zcomplete.zsh" "$PWD/completion" "$1" | sort -u
}

# same NAME EXPECTED ACTUAL: one TAP line, the difference on failure.
same() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "want: $(echo "$2" | tr '\n' ' ')" "got:  $(echo "$3" | tr '\n' ' ')"
	fi
}

# contains NAME WORD LIST
contains() {
	if grep -qxF -- "$2" <<<"$3"; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$2 not in: $(echo "$3" | tr '\n' ' ')"
	fi
}

help=$("$bin" --help)
long_opts=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
help_values() { # OPTION: the a|b|c list --help shows after it
	sed -n "s/.*$1 \([a-z_|-]*|[a-z_|-]*\).*/\1/p" <<<"$help" | head -1 | tr '|' '\n' | sort
}
backends=$(help_values --backend)
stamps=$(help_values --timestamp)
colors=$(help_values --color)
# "labels of skbtrace_drops_total to keep, of reason,\n location, ... (default all)"
labels=$(tr -s ' \n' ' ' <<<"$help" | sed -n 's/.*--metrics-labels LIST [^(]*to keep, of \([^(]*\) (default.*/\1/p' |
	tr -d ' ' | tr ',' '\n' | sort)
# It answers --help too, which its help does not list.
a2l_opts=$( ("$bin" addr2line --help | grep -oE -- '--[a-z][a-z0-9-]+'; echo --help) | sort -u)
[ -n "$backends" ] && [ -n "$stamps" ] && [ -n "$colors" ] && [ -n "$labels" ] ||
	tap_not_ok "--help lists backends, timestamps, colours and metrics labels"

ip netns add "$NS" &&
	ip -n "$NS" link add cmp-a type veth peer name cmp-b &&
	ip -n "$NS" link set cmp-a up || tap_not_ok "namespace for the completion tests"
ns_ifs=$(printf '%s\n' cmp-a cmp-b lo | sort)

for sh in bash zsh; do
	if ! command -v "$sh" >/dev/null; then
		tap_skip "$sh completion" "$sh is not installed (scripts/deps.sh test)"
		continue
	fi
	if [ "$sh" = bash ] && [ ! -f /usr/share/bash-completion/bash_completion ]; then
		tap_skip "bash completion" "bash-completion is not installed (scripts/deps.sh test)"
		continue
	fi
	c=${sh}_complete
	same "$sh: '--' offers every long option of --help" "$long_opts" \
		"$($c 'skbtrace --' | grep -- '^--')"
	same "$sh: --backend offers the backends of --help" "$backends" \
		"$($c 'skbtrace --backend ' | sort)"
	same "$sh: --backend=k narrows to the kprobe backends" \
		"$(grep '^k' <<<"$backends")" "$($c 'skbtrace --backend=k' | sort)"
	same "$sh: --timestamp offers the modes of --help" "$stamps" \
		"$($c 'skbtrace --timestamp ' | sort)"
	same "$sh: --color offers the modes of --help" "$colors" \
		"$($c 'skbtrace --color ' | sort)"
	contains "$sh: -Z offers user names" "root" "$($c 'skbtrace -Z ro')"
	same "$sh: --metrics-labels offers the labels of --help" "$labels" \
		"$($c 'skbtrace --metrics-labels ' | sort)"
	contains "$sh: --metrics-labels offers a second label after the comma" "netns" \
		"$($c 'skbtrace --metrics-labels reason,' | sed 's/.*,//')"
	same "$sh: --drop-summary=SECONDS offers nothing to pick" "" \
		"$($c 'skbtrace --drop-summary=')"
	same "$sh: 'addr2line --' offers the options of skbtrace addr2line --help" \
		"$a2l_opts" "$($c 'skbtrace addr2line --' | grep -- '^--')"
	contains "$sh: the first word may be the addr2line subcommand" "addr2line" \
		"$($c 'skbtrace add')"
	same "$sh: --output-json=VALUE is true or false" "$(printf 'false\ntrue')" \
		"$($c 'skbtrace --output-json=' | sort)"
	contains "$sh: --filter-netns offers /run/netns names" "/run/netns/$NS" \
		"$($c 'skbtrace --filter-netns ')"
	same "$sh: --filter-ifname offers the interfaces of --filter-netns's namespace" \
		"$ns_ifs" "$($c "skbtrace --filter-netns /run/netns/$NS --filter-ifname " | sort)"
	same "$sh: --filter-ifname without a namespace offers ours" \
		"$(ls /sys/class/net | sort)" "$($c 'skbtrace -q --filter-ifname ' | sort)"
	contains "$sh: a positional word is a pcap filter primitive" "host" \
		"$($c 'skbtrace --output-json ho')"
done

echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
