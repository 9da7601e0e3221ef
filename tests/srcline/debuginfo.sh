#!/usr/bin/env bash
# Fetch the debug files of the kernel the VM tests boot: vmlinux and a few
# modules' .ko with DWARF, from Debian's linux-image-<abi>-<flavour>-dbg.
#
# Sourced by tests/srcline/diff.sh and tests/vm; run on its own it prints
#   DEBUG_DIR=...  DEBUG_VMLINUX=...  DEBUG_RELEASE=...
#
# The image package is resolved by tests/vm/kernel.sh (never hard-coded); the
# -dbg package of the same version is fetched with `apt-get download` and only
# the needed members are extracted (dpkg-deb --fsys-tarfile | tar -x
# --wildcards): the package is ~280 MB, unpacked ~1.7 GB.  The result lives in
# $SKBT_VM_CACHE beside the VM kernel, outside git:
#   $SKBT_VM_CACHE/<image pkg>-dbg_<version>/vmlinux
#   $SKBT_VM_CACHE/<image pkg>-dbg_<version>/modules/<name>.ko
# A changed module list fetches the package again; the .deb is not kept.
#
# Settings (environment):
#   SKBT_SRCLINE_MODULES  modules whose debug files are extracted
#   SKBT_VM_CACHE, SKBT_VM_FLAVOUR, SKBT_VM_PACKAGE   see tests/vm/kernel.sh

: "${SKBT_SRCLINE_MODULES:=nf_tables nf_conntrack nf_nat veth bridge}"

_dbg_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/vm/kernel.sh
source "$_dbg_here/../vm/kernel.sh"

# Extract vmlinux and the modules' .ko from the -dbg package $1 into $2.
debuginfo_fetch() {
	local pkg=$1 dest=$2 tmp deb m pats=() ko
	tmp=$(mktemp -d "$SKBT_VM_CACHE/.dbgfetch.XXXXXX")
	vm_log "downloading $pkg $KERNEL_VERSION (~280 MB) for the source-line tests"
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$KERNEL_VERSION") >&2 ||
		vm_die "apt-get download $pkg=$KERNEL_VERSION failed"
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
	[[ -n $deb ]] || vm_die "apt-get download left no .deb"
	pats=("./usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE")
	for m in $SKBT_SRCLINE_MODULES; do
		pats+=("./usr/lib/debug/lib/modules/$KERNEL_RELEASE/kernel/*/$m.ko")
	done
	mkdir -p "$tmp/x" "$tmp/root/modules"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards "${pats[@]}" ||
		vm_die "$pkg lacks one of: ${pats[*]}"
	mv "$tmp/x/usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE" "$tmp/root/vmlinux"
	while IFS= read -r ko; do
		mv "$ko" "$tmp/root/modules/"
	done < <(find "$tmp/x" -name '*.ko')
	printf '%s\n' "$SKBT_SRCLINE_MODULES" >"$tmp/root/MODULES"
	touch "$tmp/root/READY"
	rm -rf "$dest"
	mv "$tmp/root" "$dest"
	rm -rf "$tmp"
}

# Sets DEBUG_DIR DEBUG_VMLINUX DEBUG_RELEASE (and KERNEL_* from kernel.sh).
debuginfo_prepare() {
	local pkg dir old
	kernel_prepare
	pkg="${KERNEL_PKG%-unsigned}-dbg"
	dir="$SKBT_VM_CACHE/${pkg}_$KERNEL_VERSION"
	exec {dbglock}>"$SKBT_VM_CACHE/.dbglock"
	flock "$dbglock"
	rm -rf "$SKBT_VM_CACHE"/.dbgfetch.*
	if [[ ! -f $dir/READY || $(cat "$dir/MODULES" 2>/dev/null) != "$SKBT_SRCLINE_MODULES" ]]; then
		debuginfo_fetch "$pkg" "$dir"
		# One version per flavour, like the kernel itself.
		for old in "$SKBT_VM_CACHE"/linux-image-*-"$SKBT_VM_FLAVOUR"-dbg_*; do
			[[ -d $old && $old != "$dir" ]] && rm -rf "$old"
		done
	fi
	exec {dbglock}>&-
	DEBUG_DIR=$dir
	DEBUG_VMLINUX=$dir/vmlinux
	DEBUG_RELEASE=$KERNEL_RELEASE
	export DEBUG_DIR DEBUG_VMLINUX DEBUG_RELEASE
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	debuginfo_prepare
	printf 'DEBUG_DIR=%s\nDEBUG_VMLINUX=%s\nDEBUG_RELEASE=%s\n' \
		"$DEBUG_DIR" "$DEBUG_VMLINUX" "$DEBUG_RELEASE"
fi
