#!/usr/bin/env bash
# Build the initramfs the test VM boots (sourced by tests/vm/run.sh).
#
# Layout of the image (a usr-merged root, like the host's):
#   /init                      tests/vm/init (busybox sh)
#   /usr/bin/busybox + applets the shell and core utilities
#   /usr/{bin,sbin}/...        bash ip tc nft jq bpftool ... with every shared
#                              library ldd lists, and the dynamic loader
#   /lib/modules/<release>/    the modules the tests need plus their
#                              dependencies, with a modules.dep of their own
#   /boot/config-<release>     the kernel's config (bpftool and skbtrace read it)
#   /skbt/                     a slice of the work tree: tests/ (without unit
#                              tests), build/tools/*, build/vm/ (attach probe)
#                              and skbtrace itself when given
#   /etc/skbt.conf             settings for /init, guest.sh and smoke.sh

# Modules the tests use; their dependencies come along through modules.dep.
: "${SKBT_VM_MODULES:=veth bridge vxlan geneve dummy macvlan 8021q tun ipip ip6_tunnel
  nf_tables nf_conntrack nf_nat nft_chain_nat nft_nat nft_masq nft_ct nft_reject_inet
  nft_fib_inet nft_limit nft_log nf_conntrack_netlink br_netfilter
  sch_ingress sch_netem cls_bpf act_mirred act_gact}"
# Copied but not loaded at boot (changes how bridged traffic is filtered).
: "${SKBT_VM_NOLOAD:=br_netfilter}"
# Dynamic programs copied with their libraries (looked up in PATH).
: "${SKBT_VM_BINS:=bash ip tc nft jq bpftool setpriv script pgrep}"

# ELF files start with \x7fELF.
is_elf() { [[ -f $1 && $(head -c 4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }

# copy_file IR SRC [DEST]: SRC (symlinks resolved) to IR/DEST, parents made.
copy_file() {
	local ir=$1 src=$2 dst=${3:-$2}
	mkdir -p "$ir$(dirname "$dst")"
	cp -L --preserve=mode "$src" "$ir$dst"
}

# copy_elf IR SRC [DEST]: an executable or library and every shared library
# ldd resolves for it, each at the path the dynamic loader will look in.
copy_elf() {
	local ir=$1 src=$2 dst=${3:-$2} lib
	copy_file "$ir" "$src" "$dst"
	is_elf "$src" || return 0
	while IFS= read -r lib; do
		[[ -e $ir$lib ]] || copy_file "$ir" "$lib"
	done < <(ldd "$src" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }')
}

# Real binaries first; busybox applets only fill the names still free.
ir_programs() {
	local ir=$1 b path real applet
	for b in $SKBT_VM_BINS ${SKBT_VM_EXTRA_BINS:-}; do
		path=$(command -v "$b") || {
			vm_log "warning: $b not installed on the host; not in the VM"
			continue
		}
		real=$(readlink -f "$path")
		copy_elf "$ir" "$real"
		# Also under the name PATH found (/usr/sbin/ip -> /usr/bin/ip), so
		# no busybox applet of the same name shadows it.
		if [[ $path != "$real" && ! -e $ir$path ]]; then
			mkdir -p "$ir$(dirname "$path")"
			ln -s "$real" "$ir$path"
		fi
	done
	copy_file "$ir" /bin/busybox /usr/bin/busybox
	while IFS= read -r applet; do
		[[ -e $ir/$applet || -L $ir/$applet ]] && continue
		ln -s /usr/bin/busybox "$ir/$applet"
	done < <(/bin/busybox --list-full)
}

# Modules and their dependencies, plus the module list /init loads.
ir_modules() {
	local ir=$1 kdir=$2 release=$3 m kind path moddir load=""
	moddir=/lib/modules/$release
	for m in $SKBT_VM_MODULES ${SKBT_VM_EXTRA_MODULES:-}; do
		if ! modprobe -d "$kdir" -S "$release" --show-depends "$m" >"$ir/.deps" 2>/dev/null; then
			vm_log "warning: kernel $release has no module $m"
			continue
		fi
		while read -r kind path _; do
			[[ $kind == insmod ]] || continue # "builtin NAME": nothing to copy
			path=${path#"$kdir"}
			[[ -e $ir$path ]] || copy_file "$ir" "$kdir$path" "$path"
		done <"$ir/.deps"
		[[ " $SKBT_VM_NOLOAD " == *" $m "* ]] || load+="$m "
	done
	rm -f "$ir/.deps"
	for m in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $kdir$moddir/$m ]] && copy_file "$ir" "$kdir$moddir/$m" "$moddir/$m"
	done
	depmod -b "$ir" "$release"
	printf '%s' "$load"
}

# The slice of the work tree the guest runs.
ir_worktree() {
	local ir=$1 repo=$2 skbtrace=$3 probe_dir=$4 f
	mkdir -p "$ir/skbt/build"
	cp -r "$repo/tests" "$ir/skbt/tests"
	rm -rf "$ir/skbt/tests/unit" "$ir/skbt/tests/fuzz"
	if [[ -d $repo/build/tools ]]; then
		for f in "$repo"/build/tools/*; do
			[[ -f $f ]] && copy_elf "$ir" "$f" "/skbt/build/tools/${f##*/}"
		done
	fi
	if [[ -n $probe_dir && -f $probe_dir/attach ]]; then
		copy_elf "$ir" "$probe_dir/attach" /skbt/build/vm/attach
		copy_file "$ir" "$probe_dir/attach.bpf.o" /skbt/build/vm/attach.bpf.o
	fi
	if [[ -n $skbtrace ]]; then
		copy_elf "$ir" "$skbtrace" /skbt/skbtrace
		ln -s /skbt/skbtrace "$ir/usr/bin/skbtrace"
	fi
}

ir_etc() {
	local ir=$1 f
	printf 'root:x:0:0:root:/root:/usr/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$ir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$ir/etc/group"
	printf '127.0.0.1 localhost skbt-vm\n::1 localhost\n' >"$ir/etc/hosts"
	printf 'skbt-vm\n' >"$ir/etc/hostname"
	for f in /etc/protocols /etc/services /etc/iproute2/rt_tables; do
		[[ -f $f ]] && copy_file "$ir" "$f"
	done
	# The dynamic loader needs no cache in a usr-merged root with the
	# libraries at their Debian paths, but one makes lookups exact.
	printf '/usr/lib/%s\n/usr/lib\n' "$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" >"$ir/etc/ld.so.conf"
	ldconfig -r "$ir" 2>/dev/null || true
}

# initramfs_build OUT KERNEL_DIR RELEASE REPO SKBTRACE PROBE_DIR CONF
#   CONF: extra shell assignments appended to /etc/skbt.conf
initramfs_build() {
	local out=$1 kdir=$2 release=$3 repo=$4 skbtrace=$5 probe_dir=$6 conf=$7
	local ir load d
	ir=$(mktemp -d "${TMPDIR:-/tmp}/skbt-initramfs.XXXXXX")
	chmod 0755 "$ir" # becomes /: mktemp's 0700 would lock out non-root tests
	# usr-merged skeleton
	mkdir -p "$ir"/{usr/bin,usr/sbin,usr/lib,usr/lib64,dev,proc,sys,run,tmp,etc,root,boot,skbt,var}
	ln -s usr/bin "$ir/bin"
	ln -s usr/sbin "$ir/sbin"
	ln -s usr/lib "$ir/lib"
	ln -s usr/lib64 "$ir/lib64"
	ln -s ../run "$ir/var/run"

	ir_programs "$ir"
	load=$(ir_modules "$ir" "$kdir" "$release")
	copy_file "$ir" "$kdir/boot/config-$release" "/boot/config-$release"
	ir_worktree "$ir" "$repo" "$skbtrace" "$probe_dir"
	ir_etc "$ir"
	install -m 0755 "$repo/tests/vm/init" "$ir/init"
	{
		printf '# written by tests/vm/initramfs.sh\n'
		printf "SKBT_VM_LOAD='%s'\n" "$load"
		printf '%s\n' "$conf"
	} >"$ir/etc/skbt.conf"
	if [[ -n ${SKBT_VM_EXEC:-} ]]; then
		printf '%s\n' "$SKBT_VM_EXEC" >"$ir/etc/skbt-exec.sh"
	fi

	(cd "$ir" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out"
	d=$(du -sk "$ir" | cut -f1)
	rm -rf "$ir"
	vm_log "initramfs: $((d / 1024)) MiB unpacked, $(($(stat -c %s "$out") / 1024 / 1024)) MiB packed; loads: $load"
}
