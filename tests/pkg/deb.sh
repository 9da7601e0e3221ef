#!/usr/bin/env bash
# The Debian package: `make deb` names every shared library the binary
# needs in Depends; apt installs it into a clean Debian root (debootstrap
# minbase, cached by tests/lib/debroot.sh), pulling those dependencies
# from the mirror and nothing from the host; from there, chrooted with the
# host's /proc and /sys, `skbtrace --version` answers and one real trace
# reports a packet nftables drops.  dpkg -r then leaves none of its files.
# TAP; root.  Traffic only between the two namespaces made here.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOOLS=$PWD/build/tools
TMP=$(mktemp -d /tmp/skbt-deb.XXXXXX)
NS_A=skbt-da-$$
NS_B=skbt-db-$$
TESTLIB=tests/lib
. "$TESTLIB/tap.sh"
. "$TESTLIB/netns.sh"
. "$TESTLIB/proc.sh"
. "$TESTLIB/debroot.sh"
cleanup() {
	[ -n "${TRACE_PID:-}" ] && kill "$TRACE_PID" 2>/dev/null
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP"
}
trap cleanup EXIT
ROOT=$TMP/root

finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}

deb=$(make --no-print-directory -s deb 2>"$TMP/make.err" | tail -n 1)
if [ ! -f "$deb" ]; then
	tap_not_ok "make deb builds a package" "$(tail -n 5 "$TMP/make.err")"
	finish
fi
tap_ok "make deb builds $(basename "$deb")"
# where deploy/Containerfile copies it from
check "make deb writes it into build/deb/" test "$(cd "$(dirname "$deb")" && pwd)" = "$PWD/build/deb"
version=$(./skbtrace --version | awk '{print $2}')
arch=$(dpkg --print-architecture)
check "the file is named skbtrace_VERSION_ARCH.deb" \
	test "$(basename "$deb")" = "skbtrace_${version}_$arch.deb"

# Each library the binary links (NEEDED) belongs to a Debian package that
# Depends names: what the package would lack is what the binary needs.
depends=$(dpkg-deb -f "$deb" Depends)
missing=""
for so in $(readelf -d ./skbtrace | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|x86_64/ {print $NF; exit}')
	pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null | head -1 | cut -d: -f1)
	[[ ",$depends" == *[,\ ]"$pkg "* || ",$depends," == *[,\ ]"$pkg,"* ]] || missing="$missing $so($pkg)"
done
if [ -z "$missing" ]; then
	tap_ok "Depends names the package of every linked library ($depends)"
else
	tap_not_ok "Depends names the package of every linked library" "missing:$missing"
fi
listing=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/skbtrace ./usr/share/man/man8/skbtrace.8.gz \
	./usr/share/bash-completion/completions/skbtrace \
	./usr/share/zsh/vendor-completions/_skbtrace ./usr/share/doc/skbtrace/copyright; do
	if grep -qxF "$f" <<<"$listing"; then
		tap_ok "package holds $f"
	else
		tap_not_ok "package holds $f"
	fi
done

if ! debroot_unpack "$ROOT" 2>"$TMP/root.err"; then
	tap_not_ok "a clean Debian root" "$(tail -n 5 "$TMP/root.err")"
	finish
fi
cp "$deb" "$ROOT/tmp/"
if debroot_apt "$ROOT" install --no-install-recommends "/tmp/$(basename "$deb")" \
	>"$TMP/apt.out" 2>&1; then
	tap_ok "apt installs the package and its Depends into a clean root"
else
	tap_not_ok "apt installs the package and its Depends into a clean root" \
		"$(tail -n 5 "$TMP/apt.out")"
	finish
fi
check "no library is missing in the installed root" \
	bash -c "! chroot '$ROOT' ldd /usr/bin/skbtrace | grep 'not found'"
out=$(debroot_exec "$ROOT" /usr/bin/skbtrace --version 2>&1)
check "the installed skbtrace --version says $version" test "$out" = "skbtrace $version"

# One real trace from the installed binary: UDP to a port nftables drops.
if netns_pair "$NS_A" "$NS_B" 10.231.9.1 10.231.9.2 && netns_drop_udp "$NS_B" 9999; then
	ino=$(stat -L -c %i "/run/netns/$NS_B")
	debroot_exec_cmd "$ROOT"
	"${DEBROOT_EXEC[@]}" /usr/bin/skbtrace --output-json --ready-file /tmp/ready \
		--output-file /tmp/trace.json --filter-netns "inode:$ino" \
		>"$TMP/trace.stdout" 2>"$TMP/trace.err" &
	TRACE_PID=$!
	if wait_file "$ROOT/tmp/ready" "$TRACE_PID" 30; then
		ip netns exec "$NS_A" "$TOOLS/udp_send" 10.231.9.2 9999 2 64 40009 >/dev/null
		sleep 0.3
		stop_pid "$TRACE_PID"
		check "the installed skbtrace exits 0 on SIGINT" test $? -eq 0
		TRACE_PID=
		n=$(jq -s '[.[] | select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP"
			and .tuple.dport == 9999 and .tuple.sport == 40009)] | length' \
			"$ROOT/tmp/trace.json" 2>/dev/null)
		check "the installed skbtrace reports both drops with their reason" test "${n:-0}" -eq 2
	else
		tap_not_ok "the installed skbtrace attaches" "$(tail -n 3 "$TMP/trace.err")"
	fi
else
	tap_not_ok "namespaces for the trace"
fi

debroot_exec "$ROOT" dpkg -r skbtrace >"$TMP/rm.out" 2>&1
left=$(for f in $listing; do [ -f "$ROOT/$f" ] && echo "$f"; done)
check "dpkg -r removes every file of the package" test -z "$left"
finish
