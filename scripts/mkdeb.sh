#!/bin/sh
# mkdeb.sh ROOT VERSION OUTDIR: turns a staged `make install PREFIX=/usr
# DESTDIR=ROOT` into OUTDIR/skbtrace_VERSION_ARCH.deb with dpkg-deb.  The
# shared-library dependencies are what dpkg-shlibdeps reads from the
# binary (libbpf1, libpcap0.8, libelf1, ... with the versions the symbols
# it uses need), so they follow the link line without a list kept here.
set -eu
if [ $# -ne 3 ] || [ -z "$2" ]; then
	echo "usage: mkdeb.sh ROOT VERSION OUTDIR (got $# arguments: $*)" >&2
	exit 2
fi
root=$1 version=$2 out=$3
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What Debian's helpers would do: strip the binary, compress the man page,
# say where the copyright is.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/skbtrace"
gzip -9nf "$root/usr/share/man/man8/skbtrace.8"
doc=$root/usr/share/doc/skbtrace
mkdir -p "$doc"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: skbtrace

Files: *
Copyright: the skbtrace authors
License: GPL-2.0-only
 On Debian systems the full text of the GNU General Public License
 version 2 is in /usr/share/common-licenses/GPL-2.
EOF
chmod 0644 "$doc/copyright"

# dpkg-shlibdeps wants a source package's debian/control in its working
# directory, and finds the package's root by its DEBIAN directory.
# Libraries that only libbpf needs (libelf1, zlib1g) come through
# libbpf1's own dependencies.
mkdir -p "$work/debian" "$root/DEBIAN"
printf 'Source: skbtrace\n\nPackage: skbtrace\nArchitecture: any\n' >"$work/debian/control"
bin=$(realpath "$root/usr/bin/skbtrace")
depends=$(cd "$work" && dpkg-shlibdeps -O "$bin" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

cat >"$root/DEBIAN/control" <<EOF
Package: skbtrace
Version: $version
Architecture: $arch
Maintainer: skbtrace developers <skbtrace@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: follow packets through the Linux kernel and say why they were dropped
 skbtrace follows every matching struct sk_buff through the kernel with
 eBPF: each function and tracepoint it passes, the drop reason when it
 dies, the stack and the calling function, as text or JSON lines.  It
 filters with tcpdump syntax, compiled to BPF.  Needs a kernel with BTF.
EOF
mkdir -p "$out"
deb=$out/skbtrace_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
