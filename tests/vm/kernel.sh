#!/usr/bin/env bash
# Resolve, download and unpack the Debian kernel the VM tests boot.
#
# Sourced by tests/vm/run.sh; run on its own it prints the unpacked kernel:
#   tests/vm/kernel.sh      ->  KERNEL_DIR=... KERNEL_RELEASE=... KERNEL_PKG=... KERNEL_VERSION=...
#
# The package is resolved through apt on every run (never hard-coded), so the
# VM follows Debian's point releases: linux-image-$SKBT_VM_FLAVOUR depends on
# the current linux-image-<abi>-<flavour>.  It is fetched with
# `apt-get download` into $SKBT_VM_CACHE (default /var/cache/skbtrace-vm,
# outside git), unpacked with dpkg-deb -x and given a modules.dep (Debian
# generates that one at install time, so the .deb has none).  A resolved
# version that is already unpacked is reused; a new version replaces the old
# one of the same flavour.
#
# Settings (environment):
#   SKBT_VM_CACHE    cache directory                      (/var/cache/skbtrace-vm)
#   SKBT_VM_FLAVOUR  Debian kernel flavour                 (cloud-amd64; or amd64)
#   SKBT_VM_PACKAGE  exact image package to use, e.g. linux-image-6.1.0-50-cloud-amd64
#                    (overrides the flavour's meta package)

: "${SKBT_VM_CACHE:=/var/cache/skbtrace-vm}"
: "${SKBT_VM_FLAVOUR:=cloud-amd64}"

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() {
	printf 'vm: error: %s\n' "$*" >&2
	exit 1
}

# Name of the image package the flavour's meta package currently depends on.
kernel_resolve_pkg() {
	if [[ -n ${SKBT_VM_PACKAGE:-} ]]; then
		printf '%s\n' "$SKBT_VM_PACKAGE"
		return 0
	fi
	{ apt-cache depends "linux-image-$SKBT_VM_FLAVOUR" 2>/dev/null || true; } |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# Candidate version of package $1 (empty when apt does not know it).
kernel_pkg_version() {
	{ apt-cache show --no-all-versions "$1" 2>/dev/null || true; } |
		awk -F': ' '$1 == "Version" { print $2; exit }'
}

# Unpacked kernels of this flavour in the cache, one path a line, oldest
# version first.  (A plain glob would let flavour amd64 match cloud-amd64.)
kernel_cached_dirs() {
	local d name re="^linux-image-[0-9][0-9.]*-[0-9]+-${SKBT_VM_FLAVOUR}(-unsigned)?_"
	for d in "$SKBT_VM_CACHE"/linux-image-*; do
		name=${d##*/}
		[[ -d $d && $name =~ $re ]] && printf '%s\n' "$d"
	done | sort -V
}

# Newest complete unpacked kernel of the flavour in the cache (for offline runs).
kernel_cached_fallback() {
	local d best=""
	while IFS= read -r d; do
		[[ -f $d/READY ]] && best=$d
	done < <(kernel_cached_dirs)
	[[ -n $best ]] && printf '%s\n' "$best"
}

# Download and unpack package $1 version $2 into $3 (atomically: $3 appears
# complete or not at all).
kernel_fetch() {
	local pkg=$1 version=$2 dest=$3 tmp deb release
	tmp=$(mktemp -d "$SKBT_VM_CACHE/.fetch.XXXXXX")
	vm_log "downloading $pkg $version"
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$version") >&2 ||
		vm_die "apt-get download $pkg=$version failed"
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
	[[ -n $deb ]] || vm_die "apt-get download left no .deb"
	dpkg-deb -x "$deb" "$tmp/root"
	release=$(find "$tmp/root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
	[[ -n $release && -f $tmp/root/boot/vmlinuz-$release ]] || vm_die "$pkg has no vmlinuz"
	depmod -b "$tmp/root" "$release"
	{
		printf 'KERNEL_PKG=%s\n' "$pkg"
		printf 'KERNEL_VERSION=%s\n' "$version"
		printf 'KERNEL_RELEASE=%s\n' "$release"
	} >"$tmp/root/kernel.env"
	rm -f "$deb"
	touch "$tmp/root/READY"
	rm -rf "$dest"
	mv "$tmp/root" "$dest"
	rm -rf "$tmp"
}

# Sets KERNEL_DIR KERNEL_PKG KERNEL_VERSION KERNEL_RELEASE KERNEL_IMAGE.
kernel_prepare() {
	local pkg version dir old
	mkdir -p "$SKBT_VM_CACHE"
	exec {lockfd}>"$SKBT_VM_CACHE/.lock"
	flock "$lockfd"
	rm -rf "$SKBT_VM_CACHE"/.fetch.* # left by an interrupted download

	pkg=$(kernel_resolve_pkg)
	if [[ -z $pkg ]]; then
		vm_log "apt does not know linux-image-$SKBT_VM_FLAVOUR yet; running apt-get update"
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(kernel_resolve_pkg)
	fi
	version=""
	[[ -n $pkg ]] && version=$(kernel_pkg_version "$pkg")

	if [[ -n $pkg && -n $version ]]; then
		dir="$SKBT_VM_CACHE/${pkg}_$version"
		if [[ -f $dir/READY ]]; then
			vm_log "kernel $pkg $version (cached in $dir)"
		else
			kernel_fetch "$pkg" "$version" "$dir"
			# Keep only the current version of this flavour.
			while IFS= read -r old; do
				[[ $old != "$dir" ]] && rm -rf "$old"
			done < <(kernel_cached_dirs)
		fi
	else
		dir=$(kernel_cached_fallback || true)
		[[ -n $dir ]] ||
			vm_die "cannot resolve linux-image-$SKBT_VM_FLAVOUR with apt and nothing is cached in $SKBT_VM_CACHE"
		vm_log "apt cannot resolve the kernel; using the cached $dir"
	fi

	exec {lockfd}>&-
	KERNEL_DIR=$dir
	# shellcheck disable=SC1091
	source "$dir/kernel.env"
	KERNEL_IMAGE="$dir/boot/vmlinuz-$KERNEL_RELEASE"
	export KERNEL_DIR KERNEL_PKG KERNEL_VERSION KERNEL_RELEASE KERNEL_IMAGE
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	kernel_prepare
	printf 'KERNEL_DIR=%s\nKERNEL_PKG=%s\nKERNEL_VERSION=%s\nKERNEL_RELEASE=%s\nKERNEL_IMAGE=%s\n' \
		"$KERNEL_DIR" "$KERNEL_PKG" "$KERNEL_VERSION" "$KERNEL_RELEASE" "$KERNEL_IMAGE"
fi
