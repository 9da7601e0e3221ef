#!/usr/bin/env bash
# A clean Debian root for the package and image tests: debootstrap's
# minbase of the host's release (what the debian:*-slim images are made
# of), made once and kept as a tarball under $SKBT_DEBROOT_CACHE, never in
# git.  Debian's mirror is the only thing fetched.

SKBT_DEBROOT_CACHE=${SKBT_DEBROOT_CACHE:-/var/cache/skbtrace-deploy}
DEBROOT_SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")
DEBROOT_MIRROR=${SKBT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBROOT_TAR=$SKBT_DEBROOT_CACHE/$DEBROOT_SUITE-minbase.tar

# debroot_base: the tarball's path on stdout, made first when missing
# (about a minute, 40 MB from the mirror).
debroot_base() {
	local dir
	if [ ! -s "$DEBROOT_TAR" ]; then
		mkdir -p "$SKBT_DEBROOT_CACHE" || return 1
		dir=$(mktemp -d "$SKBT_DEBROOT_CACHE/root.XXXXXX") || return 1
		if ! debootstrap --variant=minbase "$DEBROOT_SUITE" "$dir" "$DEBROOT_MIRROR" \
			>"$dir.log" 2>&1; then
			echo "debootstrap failed; last lines of $dir.log:" >&2
			tail -n 5 "$dir.log" >&2
			rm -rf "$dir"
			return 1
		fi
		rm -f "$dir.log"
		# Packages come from the tests' own cache (debroot_apt), not this.
		rm -rf "$dir"/var/cache/apt/archives/*.deb
		tar -C "$dir" -cf "$DEBROOT_TAR.tmp" . && mv "$DEBROOT_TAR.tmp" "$DEBROOT_TAR"
		rm -rf "$dir"
	fi
	echo "$DEBROOT_TAR"
}

# debroot_unpack DIR: a fresh copy of the base in DIR.
debroot_unpack() {
	local tar
	tar=$(debroot_base) || return 1
	mkdir -p "$1" && tar -C "$1" -xf "$tar"
}

# debroot_apt DIR ARGS...: apt-get inside the root, with downloaded
# packages kept in the cache between runs.  A stale package index (Debian
# moved a package on) is refreshed once and the command retried.
debroot_apt() {
	debroot_apt_once "$@" && return 0
	[ "$2" = update ] && return 1
	debroot_apt_once "$1" update >/dev/null && debroot_apt_once "$@"
}

debroot_apt_once() {
	local root=$1
	shift
	mkdir -p "$SKBT_DEBROOT_CACHE/archives/partial"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	unshare -m --propagation private sh -c '
		root=$1 cache=$2
		shift 2
		mount --bind "$cache" "$root/var/cache/apt/archives" &&
		mount -t proc proc "$root/proc" &&
		DEBIAN_FRONTEND=noninteractive exec chroot "$root" apt-get -q -y \
			-o APT::Sandbox::User=root "$@"' _ "$root" "$SKBT_DEBROOT_CACHE/archives" "$@"
}

# debroot_exec DIR COMMAND...: runs COMMAND chrooted in DIR in a mount
# namespace of its own with the host's /proc, /sys (BTF, tracefs, bpffs),
# /dev and /run/netns, as a container with the host's namespaces would
# see them.  The mounts vanish with the namespace.  For a command in the
# background, run "${DEBROOT_EXEC[@]}" COMMAND... & after debroot_exec_cmd
# DIR: every step execs the next, so $! is the command's own pid.
debroot_exec_cmd() {
	DEBROOT_EXEC=(unshare -m --propagation private sh -c '
		root=$1
		shift
		mount -t proc proc "$root/proc" &&
		mount --rbind /sys "$root/sys" &&
		mount --rbind /dev "$root/dev" &&
		mkdir -p "$root/run/netns" && mount --rbind /run/netns "$root/run/netns" &&
		exec chroot "$root" "$@"' _ "$1")
}

debroot_exec() {
	debroot_exec_cmd "$1"
	shift
	"${DEBROOT_EXEC[@]}" "$@"
}
