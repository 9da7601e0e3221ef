#!/bin/sh
# Install the Debian packages skbtrace needs to build, test and benchmark.
# Idempotent: prints nothing and touches nothing when all are present.
# Usage: scripts/deps.sh [build|deb|test|bench|vm|all]   (default: test)
set -eu

build="make gcc clang llvm libbpf-dev bpftool libpcap-dev libelf-dev libdw-dev libdebuginfod-dev libjson-c-dev libmicrohttpd-dev zlib1g-dev pkg-config clang-format"
test_pkgs="$build groff-base libcmocka-dev libclang-rt-14-dev iproute2 nftables iptables jq procps prometheus curl tshark tcpdump iputils-ping iperf3"
# make deb (dpkg-shlibdeps); the package, completion and deploy tests
deb="$build dpkg-dev"
pkg="$deb bash-completion zsh debootstrap podman"
vm="qemu-system-x86 busybox-static cpio kmod xz-utils zstd linux-source-6.1 linux-config-6.1 dwarves flex bison bc libssl-dev libelf-dev"
bench="$test_pkgs bpftrace iperf3 time"

case "${1:-test}" in
build) want="$build" ;;
deb) want="$deb" ;;
test) want="$test_pkgs $pkg $vm" ;;
bench) want="$bench" ;;
vm) want="$vm" ;;
all) want="$bench $pkg $vm" ;;
*) echo "usage: $0 [build|deb|test|bench|vm|all]" >&2; exit 2 ;;
esac

missing=""
# The manifest test's validator runs on node.js: Debian's npm brings it,
# unless a node.js with npm is already there.
case " $want " in
*" debootstrap "*) command -v npm >/dev/null || missing=" npm" ;;
esac
for p in $want; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark pulls wireshark-common (capinfos), whose postinst asks whether
# non-root users may capture: answer no rather than prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
