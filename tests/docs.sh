#!/usr/bin/env bash
# The user documentation keeps up with the binary: every long option and
# every backend that `skbtrace -h` lists is described in the man page and
# in README.md, and the man page renders without a groff warning.  TAP output.
set -u
bin=${1:-./skbtrace}
cd "$(dirname "$0")/.."
n=0 failed=0

tap() { # STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - docs: $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - docs: $2"
		[ -n "${3:-}" ] && echo "#   $3"
	fi
}

opts=$("$bin" -h | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
[ -n "$opts" ]
tap $? "skbtrace -h lists long options"
for doc in docs/skbtrace.8 README.md; do
	missing=""
	for o in $opts; do
		# The man page escapes hyphens (\-); README.md spells them plainly.
		pat=${o//-/\\\\?-}
		grep -qE -- "$pat([^a-z0-9-]|$)" "$doc" || missing="$missing $o"
	done
	[ -z "$missing" ]
	tap $? "$doc describes every option" "missing:$missing"
done
# Every backend `skbtrace -h` offers has its entry under BACKENDS in the
# man page and is named in README.md's backend row.
backends=$("$bin" -h | sed -n 's/.*--backend \([a-z0-9_|-]*\).*/\1/p' | tr '|' ' ')
[ -n "$backends" ]
tap $? "skbtrace -h lists the backends"
missing=""
for b in $backends; do
	sed -n '/^\.SH BACKENDS/,/^\.SH /p' docs/skbtrace.8 | grep -qx ".B ${b//-/\\-}" ||
		missing="$missing $b"
done
[ -z "$missing" ]
tap $? "docs/skbtrace.8 describes every backend" "missing:$missing"
missing=""
for b in $backends; do
	grep -E -- '^\| `--backend ' README.md | grep -qE -- "[|\\ ]${b}[\\\`|]" || missing="$missing $b"
done
[ -z "$missing" ]
tap $? "README.md's --backend row names every backend" "missing:$missing"
warn=$(groff -man -ww -z docs/skbtrace.8 2>&1)
[ -z "$warn" ]
tap $? "man page renders without warnings" "$warn"
echo "1..$n"
[ "$failed" -eq 0 ]
