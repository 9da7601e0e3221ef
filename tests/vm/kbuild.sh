#!/usr/bin/env bash
# Build the second VM kernel: Debian's 6.1 source and cloud-amd64 config
# plus CONFIG_FPROBE, so BPF kprobe-multi links work (Debian's own 6.1
# kernels lack fprobe, so the backend `auto` picks first would be tested
# nowhere).
#
# Sourced by tests/vm/run.sh (SKBT_VM_KERNEL=fprobe); run on its own it
# builds (or finds) the kernel and prints what kernel.sh prints:
#   tests/vm/kbuild.sh   ->  KERNEL_DIR=... KERNEL_RELEASE=... ...
#
# Inputs, all from Debian packages (scripts/deps.sh vm): the source tarball
# of linux-source-6.1, the config of linux-config-6.1, gcc and pahole
# (dwarves) for BTF.  tests/vm/kconfig-fprobe lists the changes to the
# config: every module is dropped, the ones the tests load are put back,
# drivers a serial-console VM never touches are switched off.
#
# The result is cached in $SKBT_VM_CACHE/linux-fprobe_<version>_<key>, a
# tree laid out like an unpacked Debian image (boot/vmlinuz-R,
# boot/config-R, lib/modules/R, kernel.env); <key> hashes the source
# version, the base config, tests/vm/kconfig-fprobe, the compiler and pahole
# versions and KBUILD_RECIPE, so it is rebuilt only when one changes.  The
# object tree stays in $SKBT_VM_CACHE/kbuild/obj-<version>, so a config
# change rebuilds incrementally; a new source version starts afresh.
#
# Settings (environment):
#   SKBT_VM_CACHE       cache directory                       (/var/cache/skbtrace-vm)
#   SKBT_KBUILD_JOBS    make -j                              (number of CPUs)
#   SKBT_KBUILD_NICE    niceness of the build                (19: the build
#                       must not starve a shared machine; on a dedicated CI
#                       machine it costs nothing)

: "${SKBT_VM_CACHE:=/var/cache/skbtrace-vm}"
: "${SKBT_KBUILD_JOBS:=$(nproc)}"
: "${SKBT_KBUILD_NICE:=19}"

# Bump when the build steps below change in a way that changes the kernel.
KBUILD_RECIPE=1
KBUILD_SRC_PKG=linux-source-6.1
KBUILD_SRC_TAR=/usr/src/linux-source-6.1.tar.xz
KBUILD_BASE_CONFIG=/usr/src/linux-config-6.1/config.amd64_none_cloud-amd64.xz

kb_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KBUILD_FRAGMENT=$kb_here/kconfig-fprobe

if ! declare -F vm_log >/dev/null; then
	vm_log() { printf 'vm: %s\n' "$*" >&2; }
	vm_die() {
		printf 'vm: error: %s\n' "$*" >&2
		exit 1
	}
fi

kb_src_version() {
	dpkg-query -W -f='${Version}' "$KBUILD_SRC_PKG" 2>/dev/null
}

# The cache key: everything that changes the built kernel.
kb_key() {
	local version=$1
	{
		printf 'recipe %s\nsource %s\n' "$KBUILD_RECIPE" "$version"
		printf 'gcc %s\npahole %s\n' "$(gcc -dumpfullversion)" "$(pahole --version)"
		xz -dc "$KBUILD_BASE_CONFIG"
		cat "$KBUILD_FRAGMENT"
	} | sha256sum | cut -c1-12
}

# kb_check_fragment: every line is a change kb_fragment_args knows.
kb_check_fragment() {
	local op _
	while read -r op _; do
		case $op in
		'' | '#'* | enable | disable | module | str) ;;
		*) vm_die "$KBUILD_FRAGMENT: unknown change '$op'" ;;
		esac
	done <"$KBUILD_FRAGMENT"
}

# kb_fragment_args: the fragment's changes as scripts/config arguments.
kb_fragment_args() {
	local op sym val
	while read -r op sym val; do
		case $op in
		'' | '#'*) continue ;;
		enable | disable | module) printf -- '--%s\n%s\n' "$op" "$sym" ;;
		str)
			val=${val#\"}
			printf -- '--set-str\n%s\n%s\n' "$sym" "${val%\"}"
			;;
		esac
	done <"$KBUILD_FRAGMENT"
}

# kb_check_config CONFIG: every enable/module of the fragment survived
# olddefconfig (which silently drops a symbol whose dependencies are unmet).
kb_check_config() {
	local config=$1 op sym _ bad=""
	while read -r op sym _; do
		case $op in
		enable) grep -qx "CONFIG_$sym=y" "$config" || bad+=" $sym(want y)" ;;
		module) grep -qE "^CONFIG_$sym=[ym]$" "$config" || bad+=" $sym(want m)" ;;
		esac
	done <"$KBUILD_FRAGMENT"
	grep -qx CONFIG_DEBUG_INFO_BTF=y "$config" || bad+=" DEBUG_INFO_BTF(want y)"
	[[ -z $bad ]] || vm_die "kernel config lost:$bad (see $config)"
}

# kb_source VERSION: the unpacked source tree (unpacked once per version).
kb_source() {
	local version=$1 src="$SKBT_VM_CACHE/kbuild/src-$1" tmp
	if [[ ! -f $src/.skbt-extracted ]]; then
		rm -rf "$src" "$SKBT_VM_CACHE"/kbuild/.src.*
		tmp=$(mktemp -d "$SKBT_VM_CACHE/kbuild/.src.XXXXXX")
		vm_log "unpacking $KBUILD_SRC_TAR"
		tar -xJf "$KBUILD_SRC_TAR" -C "$tmp" || vm_die "cannot unpack $KBUILD_SRC_TAR"
		mv "$tmp"/linux-source-* "$src"
		rm -rf "$tmp"
		touch "$src/.skbt-extracted"
	fi
	printf '%s\n' "$src"
}

# kb_build VERSION DEST LOG: configure, compile and install into DEST.
kb_build() {
	local version=$1 dest=$2 log=$3 src obj tmp release t0 secs
	local -a args
	src=$(kb_source "$version") || vm_die "no source tree"
	obj="$SKBT_VM_CACHE/kbuild/obj-$version"
	mkdir -p "$obj"
	xz -dc "$KBUILD_BASE_CONFIG" |
		sed -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/# \1 is not set/' >"$obj/.config"
	mapfile -t args < <(kb_fragment_args)
	"$src/scripts/config" --file "$obj/.config" "${args[@]}"
	make -s -C "$src" O="$obj" olddefconfig >>"$log" 2>&1 ||
		vm_die "make olddefconfig failed (log: $log)"
	kb_check_config "$obj/.config"
	release=$(make -s -C "$src" O="$obj" kernelrelease)

	vm_log "building kernel $release from $KBUILD_SRC_PKG $version with $SKBT_KBUILD_JOBS jobs (log: $log)"
	t0=$SECONDS
	if ! nice -n "$SKBT_KBUILD_NICE" make -C "$src" O="$obj" -j"$SKBT_KBUILD_JOBS" \
		bzImage modules >>"$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/kbuild! /' >&2
		vm_die "kernel build failed (log: $log)"
	fi
	secs=$((SECONDS - t0))

	tmp=$(mktemp -d "$SKBT_VM_CACHE/.kbuild-install.XXXXXX")
	make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$tmp" INSTALL_MOD_STRIP=1 \
		modules_install >>"$log" 2>&1 || vm_die "modules_install failed (log: $log)"
	rm -f "$tmp/lib/modules/$release/build" "$tmp/lib/modules/$release/source"
	mkdir -p "$tmp/boot"
	cp "$obj/arch/x86/boot/bzImage" "$tmp/boot/vmlinuz-$release"
	cp "$obj/.config" "$tmp/boot/config-$release"
	cp "$obj/System.map" "$tmp/boot/System.map-$release"
	depmod -b "$tmp" "$release"
	{
		printf 'KERNEL_PKG=%s\n' "$KBUILD_SRC_PKG+fprobe"
		printf 'KERNEL_VERSION=%s\n' "$version"
		printf 'KERNEL_RELEASE=%s\n' "$release"
		printf 'KERNEL_BUILD_SECONDS=%s\n' "$secs"
		printf 'KERNEL_BUILD_JOBS=%s\n' "$SKBT_KBUILD_JOBS"
	} >"$tmp/kernel.env"
	touch "$tmp/READY"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	vm_log "kernel $release built in ${secs}s"
}

# Sets KERNEL_DIR KERNEL_PKG KERNEL_VERSION KERNEL_RELEASE KERNEL_IMAGE, as
# kernel_prepare does.
kbuild_prepare() {
	local version key dir old lockfd log
	[[ -f $KBUILD_SRC_TAR && -f $KBUILD_BASE_CONFIG ]] ||
		vm_die "no $KBUILD_SRC_TAR or $KBUILD_BASE_CONFIG (scripts/deps.sh vm installs them)"
	command -v pahole >/dev/null || vm_die "no pahole (dwarves): BTF cannot be generated"
	kb_check_fragment
	version=$(kb_src_version)
	[[ -n $version ]] || vm_die "$KBUILD_SRC_PKG is not installed"
	key=$(kb_key "$version")
	dir="$SKBT_VM_CACHE/linux-fprobe_${version}_$key"

	mkdir -p "$SKBT_VM_CACHE/kbuild"
	exec {lockfd}>"$SKBT_VM_CACHE/.kbuild.lock"
	flock "$lockfd"
	rm -rf "$SKBT_VM_CACHE"/.kbuild-install.*
	KERNEL_FRESH=0
	if [[ -f $dir/READY ]]; then
		vm_log "kernel with fprobe: cached in $dir"
	else
		KERNEL_FRESH=1
		# Another source version's trees are of no further use.
		for old in "$SKBT_VM_CACHE"/kbuild/src-* "$SKBT_VM_CACHE"/kbuild/obj-*; do
			[[ -e $old && $old != */src-$version && $old != */obj-$version ]] && rm -rf "$old"
		done
		log="$SKBT_VM_CACHE/kbuild/build-$key.log"
		: >"$log"
		kb_build "$version" "$dir" "$log"
		for old in "$SKBT_VM_CACHE"/linux-fprobe_* "$SKBT_VM_CACHE"/kbuild/build-*.log; do
			[[ $old != "$dir" && $old != "$log" ]] && rm -rf "$old"
		done
	fi
	exec {lockfd}>&-

	KERNEL_DIR=$dir
	# shellcheck disable=SC1091
	source "$dir/kernel.env"
	KERNEL_IMAGE="$dir/boot/vmlinuz-$KERNEL_RELEASE"
	export KERNEL_DIR KERNEL_PKG KERNEL_VERSION KERNEL_RELEASE KERNEL_IMAGE KERNEL_FRESH
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	kbuild_prepare
	printf 'KERNEL_DIR=%s\nKERNEL_PKG=%s\nKERNEL_VERSION=%s\nKERNEL_RELEASE=%s\nKERNEL_IMAGE=%s\nKERNEL_BUILD_SECONDS=%s\nKERNEL_FRESH=%s\n' \
		"$KERNEL_DIR" "$KERNEL_PKG" "$KERNEL_VERSION" "$KERNEL_RELEASE" "$KERNEL_IMAGE" \
		"$KERNEL_BUILD_SECONDS" "$KERNEL_FRESH"
fi
