#!/usr/bin/env bash
# make install / make uninstall, staged with DESTDIR: the binary, the man
# page and the completions land where Debian's tools look for them (man's
# path, bash-completion's loader, zsh's default $fpath), for PREFIX=/usr
# and /usr/local alike, and uninstall removes every one.  TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
TMP=$(mktemp -d /tmp/skbt-inst.XXXXXX)
. tests/lib/tap.sh
trap 'rm -rf "$TMP"' EXIT

for prefix in /usr /usr/local; do
	d=$TMP/stage$prefix
	if ! make --no-print-directory -s install PREFIX="$prefix" DESTDIR="$d" >"$TMP/out" 2>&1; then
		tap_not_ok "make install PREFIX=$prefix" "$(tail -n 5 "$TMP/out")"
		continue
	fi
	zdir=site-functions
	[ "$prefix" = /usr ] && zdir=vendor-completions
	for f in bin/skbtrace share/man/man8/skbtrace.8 \
		share/bash-completion/completions/skbtrace share/zsh/$zdir/_skbtrace; do
		check "PREFIX=$prefix installs $prefix/$f" test -s "$d$prefix/$f"
	done
	check "PREFIX=$prefix: the installed binary runs" "$d$prefix/bin/skbtrace" --version
	# zsh finds completions through $fpath; Debian's default holds the dir.
	if command -v zsh >/dev/null; then
		check "PREFIX=$prefix: zsh's default \$fpath holds $prefix/share/zsh/$zdir" \
			bash -c "zsh -fc 'print -l \$fpath' | grep -qx '$prefix/share/zsh/$zdir'"
	fi
	# bash-completion loads completions on demand from
	# $XDG_DATA_DIRS/bash-completion/completions (default /usr/local/share:/usr/share).
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		check "PREFIX=$prefix: bash-completion's loader finds the completion" bash -c "
			XDG_DATA_DIRS='$d$prefix/share' BASH_COMPLETION_USER_DIR=/nonexistent
			. /usr/share/bash-completion/bash_completion
			__load_completion skbtrace && complete -p skbtrace | grep -q _skbtrace"
	fi
	if make --no-print-directory -s uninstall PREFIX="$prefix" DESTDIR="$d" >"$TMP/out" 2>&1; then
		left=$(find "$d" -type f)
		check "make uninstall PREFIX=$prefix removes every file" test -z "$left"
	else
		tap_not_ok "make uninstall PREFIX=$prefix" "$(tail -n 5 "$TMP/out")"
	fi
done
echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
