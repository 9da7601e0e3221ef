#!/usr/bin/env bash
# The test matrix (kernel x backend x feature), rendered from what the suites
# actually ran: one TAP file per kernel and backend in build/test-results/,
# written by tests/vm/run.sh, or by `record` below for the host suite.
#
# Usage:
#   tests/matrix.sh [render]            markdown on stdout
#   tests/matrix.sh update FILE         replace the part of FILE between
#                                       <!-- matrix:begin --> and <!-- matrix:end -->
#   PRODUCER | tests/matrix.sh record --backend NAME [--kernel RELEASE]
#                  [--kernel-version V] [--where TEXT]
#                                       copy TAP from stdin to stdout and save it
#                                       as <kernel>-<backend>.tap (kernel:
#                                       uname -r, where: host)
# Options for every command: --dir DIR (default build/test-results, or
# $SKBT_RESULTS_DIR).
#
# Each results file starts with "# key: value" lines (kernel, kernel-version,
# backend, where, date, exit) followed by the TAP lines.  The backend "smoke"
# is tests/vm/smoke.sh: what the kernel offers, shown as its own table.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${SKBT_RESULTS_DIR:-$repo/build/test-results}

die() {
	printf 'matrix.sh: %s\n' "$*" >&2
	exit 2
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# --- record -----------------------------------------------------------------------

record() {
	local backend="" kernel="" kver="" where="host" out line
	while [[ $# -gt 0 ]]; do
		case $1 in
		--backend) backend=${2:?} && shift ;;
		--kernel) kernel=${2:?} && shift ;;
		--kernel-version) kver=${2:?} && shift ;;
		--where) where=${2:?} && shift ;;
		--dir) dir=${2:?} && shift ;;
		*) die "record: unknown option $1" ;;
		esac
		shift
	done
	[[ -n $backend ]] || die "record: --backend is required"
	[[ -n $kernel ]] || kernel=$(uname -r)
	[[ -n $kver ]] || kver=$(uname -v | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+/) { print $i; exit } }')
	[[ -n $kver ]] || kver=$kernel
	mkdir -p "$dir"
	out="$dir/$kernel-$backend.tap"
	{
		printf '# skbtrace test results; render with tests/matrix.sh\n'
		printf '# kernel: %s\n# kernel-version: %s\n# backend: %s\n' "$kernel" "$kver" "$backend"
		printf '# where: %s\n# date: %s\n' "$where" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} >"$out.tmp"
	while IFS= read -r line; do
		printf '%s\n' "$line"
		if [[ $line =~ ^(ok|not\ ok|1\.\.[0-9]+|Bail\ out!) ]]; then
			printf '%s\n' "$line" >>"$out.tmp"
		fi
	done
	mv "$out.tmp" "$out"
}

# --- render -----------------------------------------------------------------------

render() {
	local -a files=()
	local f
	for f in "$dir"/*.tap; do
		[[ -f $f ]] && files+=("$f")
	done
	if [[ ${#files[@]} -eq 0 ]]; then
		printf '_No results in %s yet: run tests/vm/run.sh (or make test)._\n' "${dir#"$repo"/}"
		return 0
	fi
	# One record per test: kernel, backend, status, name, reason; then a
	# meta record per file.  Sorted by kernel so the awk below sees the
	# kernels in order.
	awk '
		FNR == 1 { k = ""; kv = ""; b = ""; w = ""; d = "" }
		/^# kernel: /         { k = $3 }
		/^# kernel-version: / { kv = $3 }
		/^# backend: /        { b = $3 }
		/^# where: /          { w = substr($0, 10) }
		/^# date: /           { d = $3 }
		/^(not )?ok/ {
			if (k == "" || b == "") next
			line = $0
			st = "pass"
			if (line ~ /^not ok/) { st = "FAIL"; sub(/^not ok[ \t]*[0-9]*[ \t]*-?[ \t]*/, "", line) }
			else sub(/^ok[ \t]*[0-9]*[ \t]*-?[ \t]*/, "", line)
			reason = ""
			if (match(line, /[ \t]*#[ \t]*[Ss][Kk][Ii][Pp]/)) {
				reason = substr(line, RSTART + RLENGTH)
				sub(/^[ \t]+/, "", reason)
				line = substr(line, 1, RSTART - 1)
				if (st == "pass") st = "skip"
			} else if (match(line, /[ \t]*#[ \t]*[Tt][Oo][Dd][Oo]/)) {
				line = substr(line, 1, RSTART - 1)
				st = (st == "FAIL") ? "todo" : "pass"
			}
			gsub(/\|/, "\\|", line); gsub(/\|/, "\\|", reason)
			gsub(/\t/, " ", line); gsub(/\t/, " ", reason)
			printf "T\t%s\t%s\t%s\t%s\t%s\n", k, b, st, line, reason
		}
		{ meta[FILENAME] = k "\t" kv "\t" b "\t" w "\t" d }
		END { for (f in meta) printf "M\t%s\n", meta[f] }
	' "${files[@]}" | sort -t $'\t' -s -k2,2V | awk -F'\t' -f <(render_awk)
}

render_awk() {
	cat <<'AWK'
function order(b) {
	if (b == "smoke") return 0
	if (b == "kprobe") return 1
	if (b == "kprobe-multi") return 2
	if (b == "fentry") return 3
	if (b == "tracepoint") return 4
	if (b == "tp_btf") return 5
	if (b == "auto") return 6
	return 7
}
# Insertion sort of the backends of kernel k by order(), into bl[k, 1..].
function sort_backends(k, i, j, t) {
	for (i = 2; i <= nb[k]; i++)
		for (j = i; j > 1 && (order(bl[k, j]) < order(bl[k, j - 1]) ||
		    (order(bl[k, j]) == order(bl[k, j - 1]) && bl[k, j] < bl[k, j - 1])); j--) {
			t = bl[k, j]; bl[k, j] = bl[k, j - 1]; bl[k, j - 1] = t
		}
}
$1 == "M" {
	k = $2
	if (!(k in seenk)) { seenk[k] = 1; kl[++nk] = k }
	kver[k] = $3; where[k, $4] = $5; date[k] = (date[k] > $6 ? date[k] : $6)
	if (!((k, $4) in seenb)) { seenb[k, $4] = 1; bl[k, ++nb[k]] = $4 }
	next
}
$1 == "T" {
	k = $2; b = $3; st = $4; name = $5; reason = $6
	if (!(k in seenk)) { seenk[k] = 1; kl[++nk] = k }
	if (!((k, b) in seenb)) { seenb[k, b] = 1; bl[k, ++nb[k]] = b }
	cnt[k, b, st]++
	if (name == "integration suite" && st == "skip") { wholeskip[k, b] = reason; next }
	if (b == "smoke") {
		sm[k, ++ns[k]] = name; smst[k, ns[k]] = st; smr[k, ns[k]] = reason
		next
	}
	if (!((k, name) in seenf)) { seenf[k, name] = 1; fl[k, ++nf[k]] = name }
	if ((k, b, name) in cell && cell[k, b, name] != st) {
		# The same name twice in one run: keep the worse outcome.
		if (cell[k, b, name] != "FAIL") cell[k, b, name] = st
	} else cell[k, b, name] = st
	if (st == "skip" && reason != "") skipwhy[k, b, name] = reason
	next
}
function summary(k, b, s) {
	if ((k, b) in wholeskip) return "skipped"
	s = (cnt[k, b, "pass"] + 0) " pass"
	if (cnt[k, b, "FAIL"]) s = s ", **" cnt[k, b, "FAIL"] " FAIL**"
	if (cnt[k, b, "skip"]) s = s ", " cnt[k, b, "skip"] " skip"
	if (cnt[k, b, "todo"]) s = s ", " cnt[k, b, "todo"] " todo"
	return s
}
function show(st) { return st == "FAIL" ? "**FAIL**" : st }
function label(k) { return (kver[k] == "" || kver[k] == k) ? k : kver[k] " (" k ")" }
END {
	for (i = 1; i <= nk; i++) sort_backends(kl[i])

	print "| kernel | where | backend | result |"
	print "| --- | --- | --- | --- |"
	for (i = 1; i <= nk; i++) {
		k = kl[i]
		for (j = 1; j <= nb[k]; j++) {
			b = bl[k, j]
			printf "| %s | %s | %s | %s |\n", label(k), where[k, b], b, summary(k, b)
		}
	}
	for (i = 1; i <= nk; i++) {
		k = kl[i]
		printf "\n### %s\n", label(k)
		printf "\nLast run: %s.\n", date[k]
		if (ns[k]) {
			print "\nWhat the kernel offers (tests/vm/smoke.sh):\n"
			print "| check | result |"
			print "| --- | --- |"
			for (j = 1; j <= ns[k]; j++)
				printf "| %s | %s%s |\n", sm[k, j], show(smst[k, j]),
				    (smr[k, j] != "" ? ": " smr[k, j] : "")
		}
		cols = 0
		for (j = 1; j <= nb[k]; j++) if (bl[k, j] != "smoke") col[++cols] = bl[k, j]
		if (cols == 0) continue
		if (nf[k]) {
			print "\nFeatures by backend (integration suite):\n"
			hdr = "| feature |"; sep = "| --- |"
			for (c = 1; c <= cols; c++) { hdr = hdr " " col[c] " |"; sep = sep " --- |" }
			print hdr; print sep
			for (j = 1; j <= nf[k]; j++) {
				name = fl[k, j]; row = "| " name " |"
				for (c = 1; c <= cols; c++) {
					b = col[c]
					if ((k, b) in wholeskip) v = "skipped"
					else if ((k, b, name) in cell) v = show(cell[k, b, name])
					else v = "-"
					row = row " " v " |"
				}
				print row
			}
		}
		notes = 0
		for (c = 1; c <= cols; c++) {
			b = col[c]
			if ((k, b) in wholeskip) {
				if (!notes++) print ""
				printf "- %s skipped: %s\n", b, wholeskip[k, b]
			}
		}
		for (j = 1; j <= nf[k]; j++)
			for (c = 1; c <= cols; c++)
				if ((k, col[c], fl[k, j]) in skipwhy) {
					if (!notes++) print ""
					printf "- %s, %s: skip: %s\n", col[c], fl[k, j], skipwhy[k, col[c], fl[k, j]]
				}
	}
}
AWK
}

# --- update -------------------------------------------------------------------------

update() {
	local file=${1:?update needs a FILE} table tmp
	if ! grep -q '^<!-- matrix:begin -->$' "$file" || ! grep -q '^<!-- matrix:end -->$' "$file"; then
		die "$file has no <!-- matrix:begin --> / <!-- matrix:end --> lines"
	fi
	table=$(render)
	tmp=$(mktemp)
	awk -v table="$table" '
		/^<!-- matrix:begin -->$/ { print; print table; skip = 1; next }
		/^<!-- matrix:end -->$/ { skip = 0 }
		!skip { print }' "$file" >"$tmp"
	cat "$tmp" >"$file"
	rm -f "$tmp"
}

main() {
	local cmd=render
	case ${1:-} in
	render | update | record)
		cmd=$1
		shift
		;;
	-h | --help)
		usage
		return 0
		;;
	esac
	local -a args=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		--dir) dir=${2:?} && shift ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	case $cmd in
	render)
		[[ ${#args[@]} -eq 0 ]] || die "render takes no arguments"
		render
		;;
	update) update "${args[@]}" ;;
	record) record "${args[@]}" ;;
	esac
}

main "$@"
