#!/usr/bin/env bash
# Differential test of `skbtrace addr2line` against binutils' addr2line -f -i
# (what the kernel's scripts/faddr2line runs) on Debian's debug vmlinux and
# module .ko files of the kernel the VM tests boot.
#
# Usage: tests/srcline/diff.sh [SKBTRACE]      (default ./skbtrace)
# Prints TAP.  Any difference prints the input and both answers.
#
# (function, offset) pairs are drawn at random from each file's symbol table
# (FUNC symbols whose name occurs once; offsets inside the ELF size), one
# addr2line and one skbtrace process per side with every address, and the
# (function, file, line) chains compared line by line after the path
# normalisation faddr2line applies (source tree prefix removed).
#
# Settings (environment):
#   SKBT_SRCLINE_PAIRS         pairs drawn from vmlinux (1000)
#   SKBT_SRCLINE_MODULE_PAIRS  pairs drawn from each module (100)
#   SKBT_SRCLINE_SEED          random seed (printed; set it to replay a run)
#   SKBT_SRCLINE_MIN_INLINE    pairs that must land in inlined code (100)
#   SKBT_SRCLINE_MODULES, SKBT_VM_CACHE ...  see tests/srcline/debuginfo.sh
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
SKBTRACE=$(readlink -f "${1:-$repo/skbtrace}")
: "${SKBT_SRCLINE_PAIRS:=1000}"
: "${SKBT_SRCLINE_MODULE_PAIRS:=100}"
: "${SKBT_SRCLINE_SEED:=$((RANDOM * 32768 + RANDOM))}"
: "${SKBT_SRCLINE_MIN_INLINE:=100}"

tap_n=0 tap_failed=0
ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}
check() { # check NAME CMD...: ok when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

if [[ ! -x $SKBTRACE ]]; then
	echo "1..0 # SKIP no skbtrace binary at $SKBTRACE"
	exit 0
fi
if ! command -v addr2line >/dev/null || ! command -v readelf >/dev/null; then
	echo "1..0 # SKIP binutils (addr2line, readelf) not installed"
	exit 0
fi
# shellcheck source=tests/srcline/debuginfo.sh
source "$here/debuginfo.sh"
if ! (debuginfo_prepare >/dev/null); then
	echo "1..0 # SKIP the VM kernel's -dbg package could not be had (offline, nothing cached)"
	exit 0
fi
debuginfo_prepare >/dev/null 2>&1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# seed $SKBT_SRCLINE_SEED (SKBT_SRCLINE_SEED=$SKBT_SRCLINE_SEED replays this run)"
echo "# debug files: $DEBUG_DIR"

# ---- the pairs ---------------------------------------------------------------

# pairs FILE MODULE N: N random "module name off addr section" lines.  Hex is
# done by hand: mawk has no strtonum and its doubles hold 53 bits, so only the
# low 12 digits of an address are arithmetic (kernel text does not cross them).
pairs() {
	local file=$1 module=$2 n=$3
	{
		readelf -SW "$file" | sed 's/\[ */[/' | awk '$1 ~ /^\[[0-9]+\]$/ {
			i = substr($1, 2, length($1) - 2); print "S", i, $2 }'
		readelf -sW "$file" | awk '$4 == "FUNC" && $3 > 0 && $7 ~ /^[0-9]+$/ {
			print "F", $8, $2, $3, $7 }'
	} | awk -v seed="$SKBT_SRCLINE_SEED" -v salt="$(printf '%s' "$module" | cksum | cut -d' ' -f1)" \
		-v n="$n" -v mod="$module" '
	function hex2num(h,   i, v) {
		v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v
	}
	function num2hex(v, w,   s) {
		s = ""
		while (v > 0 || length(s) < w) {
			s = substr("0123456789abcdef", v % 16 + 1, 1) s
			v = int(v / 16)
		}
		return s
	}
	$1 == "S" { sec[$2] = $3; next }
	{ count[$2]++; name[NR] = $2; val[NR] = $3; size[NR] = $4; ndx[NR] = $5 }
	END {
		for (i in name)
			if (count[name[i]] == 1 && sec[ndx[i]] != "")
				pick[m++] = i
		srand((seed + salt) % 2147483647)
		for (k = 0; k < n && m; k++) {
			i = pick[int(rand() * m)]
			off = int(rand() * size[i])
			hi = substr(val[i], 1, length(val[i]) - 12)
			lo = hex2num(substr(val[i], length(val[i]) - 11))
			printf "%s %s 0x%x %s%s %s\n", mod, name[i], off, hi, num2hex(lo + off, 12), sec[ndx[i]]
		}
	}'
}

pairs "$DEBUG_VMLINUX" vmlinux "$SKBT_SRCLINE_PAIRS" >"$work/pairs"
for m in $SKBT_SRCLINE_MODULES; do
	pairs "$DEBUG_DIR/modules/$m.ko" "$m" "$SKBT_SRCLINE_MODULE_PAIRS" >>"$work/pairs"
done
# One (module, name, offset) once: a repeated draw would be one key twice.
sort -u -k1,3 "$work/pairs" -o "$work/pairs"
npairs=$(wc -l <"$work/pairs")

# ---- binutils, as faddr2line runs it ----------------------------------------

# faddr2line strips the source prefix it finds from start_kernel's file
# (init/main.c); assembler files carry an absolute path, whose tree part the
# same way comes from entry_SYSCALL_64's.
a2l_file() { # a2l_file FILE SYM EXPECTED-SUFFIX: the prefix before it
	local a f
	a=$(readelf -sW "$1" | awk -v s="$2" '$8 == s { print "0x" $2; exit }')
	f=$(addr2line -e "$1" "$a")
	f=${f%:*}
	[[ $f == *"$3" ]] && printf '%s\n' "${f%"$3"}"
}
dir_prefix=$(a2l_file "$DEBUG_VMLINUX" start_kernel init/main.c)
abs_prefix=$(a2l_file "$DEBUG_VMLINUX" entry_SYSCALL_64 arch/x86/entry/entry_64.S)
echo "# faddr2line's prefixes: '$dir_prefix' and '$abs_prefix'"

# binutils MODULE FILE SECTION: one addr2line run for the section's addresses,
# printed as "module name off<TAB>chain" with the chain's lines joined by " | ".
binutils() {
	local module=$1 file=$2 sec=$3 args=(-a -f -i -p -e "$file")
	[[ $module != vmlinux ]] && args+=("--section=$sec")
	awk -v m="$module" -v s="$sec" '$1 == m && $5 == s { print $4 }' "$work/pairs" >"$work/in"
	awk -v m="$module" -v s="$sec" '$1 == m && $5 == s { print $1, $2, $3 }' "$work/pairs" >"$work/keys"
	addr2line "${args[@]}" <"$work/in" |
		sed -e "s; $dir_prefix\(\./\)*; ;g" -e "s; $abs_prefix\(\./\)*; ;g" |
		awk -v keys="$work/keys" '
		/^0x[0-9a-f]+: / {
			if (key != "") print key "\t" chain
			getline key < keys
			sub(/^0x[0-9a-f]+: /, ""); chain = $0; next
		}
		{ sub(/^ /, ""); chain = chain " | " $0 }
		END { if (key != "") print key "\t" chain }'
}

start=$(date +%s.%N)
awk '{ print $1, $5 }' "$work/pairs" | sort -u | while read -r module sec; do
	file=$DEBUG_VMLINUX
	[[ $module != vmlinux ]] && file=$DEBUG_DIR/modules/$module.ko
	binutils "$module" "$file" "$sec"
done | sort >"$work/binutils"
t_bin=$(echo "$(date +%s.%N) - $start" | bc)

# ---- skbtrace ----------------------------------------------------------------

start=$(date +%s.%N)
awk '{ if ($1 == "vmlinux") print $2 "+" $3; else print $2 "+" $3 " [" $1 "]" }' "$work/pairs" |
	tr '\n' '\0' | xargs -0 "$SKBTRACE" addr2line --kernel-debuginfo "$DEBUG_DIR" \
	>"$work/ours.txt" 2>"$work/ours.err"
t_ours=$(echo "$(date +%s.%N) - $start" | bc)
awk '
	/^$/ { next }
	/:$/ && !/ at / {
		if (key != "") print key "\t" chain
		h = substr($0, 1, length($0) - 1); mod = "vmlinux"
		if (match(h, / \[[^]]+\]$/)) { mod = substr(h, RSTART + 2, RLENGTH - 3); h = substr(h, 1, RSTART - 1) }
		sub(/\/0x[0-9a-f]+$/, "", h); p = index(h, "+")
		key = mod " " substr(h, 1, p - 1) " " substr(h, p + 1); chain = ""; next
	}
	{ sub(/^ /, ""); chain = chain == "" ? $0 : chain " | " $0 }
	END { if (key != "") print key "\t" chain }' "$work/ours.txt" | sort >"$work/ours"
echo "# binutils addr2line: ${t_bin}s, skbtrace addr2line: ${t_ours}s for $npairs addresses"

# ---- comparisons ---------------------------------------------------------------

# table_rows FILE MODULE ADDR START: the rows of FILE's decoded line table
# (objdump --dwarf=decodedline: binutils' other DWARF reader, not bfd's) at
# the greatest address in [START, ADDR], as "file line".
table_rows() {
	local file=$1 module=$2 a=$(($3)) s=$(($4)) t=$work/lines.$2 p pats=()
	[[ -f $t ]] || objdump --dwarf=decodedline "$file" 2>/dev/null >"$t"
	((a >= s && a - s < 0x100000)) || return 1
	if [[ $module == vmlinux ]]; then
		# Only the pages from START to ADDR: the table has 5 million rows.
		for ((p = s & ~0xfff; p <= a; p += 0x1000)); do
			pats+=(-e "$(printf '0x%016x' "$p" | cut -c1-15)")
		done
		grep -F "${pats[@]}" "$t"
	else
		cat "$t"
	fi | awk -v a="$(printf '%016x' "$a")" -v s="$(printf '%016x' "$s")" '
	$3 ~ /^0x[0-9a-f]+$/ {
		h = substr($3, 3); while (length(h) < 16) h = "0" h
		if (h > a || h < s) next
		if (h > best) { best = h; n = 0 }
		if (h == best) row[n++] = $1 " " $2
	}
	END { for (i = 0; i < n; i++) print row[i] }'
}

# binutils_slip MODULE NAME OFF BINUTILS OURS: true when the two chains differ
# only in the innermost file, and the decoded line table names ours there.
# (bfd's addr2line 2.40 reads the file register a DWARF 5 line program starts
# with as the compilation unit's own file: functions a CU's line program
# begins with, before any file is set, get that file with the header's line.)
binutils_slip() {
	local module=$1 name=$2 off=$3 bin=$4 ours=$5 file addr start ofile oline
	[[ ${bin#* | } == "${ours#* | }" || ($bin != *" | "* && $ours != *" | "*) ]] || return 1
	bin=${bin%% | *} ours=${ours%% | *}
	[[ ${bin%% at *} == "${ours%% at *}" && ${bin##*:} == "${ours##*:}" ]] || return 1
	ofile=${ours#* at } ofile=${ofile%:*} oline=${ours##*:} oline=${oline%% *}
	read -r addr < <(awk -v m="$module" -v n="$name" -v o="$off" \
		'$1 == m && $2 == n && $3 == o { print $4 }' "$work/pairs")
	start=$((0x${addr#0x} - off))
	file=$DEBUG_VMLINUX
	[[ $module != vmlinux ]] && file=$DEBUG_DIR/modules/$module.ko
	table_rows "$file" "$module" "0x$addr" "$start" | grep -qxF "${ofile##*/} $oline"
}

# compare MODULE: every pair of MODULE answered alike by both sides.
compare() {
	local module=$1 n bad slips=0 key bin ours note=""
	n=$(awk -v m="$module" '$1 == m' "$work/pairs" | wc -l)
	join -t $'\t' -a 1 -a 2 -e MISSING -o 0,1.2,2.2 \
		<(awk -v m="$module" '$1 == m' "$work/binutils") \
		<(awk -v m="$module" '$1 == m' "$work/ours") |
		awk -F '\t' '$2 != $3' >"$work/diff.$module"
	: >"$work/bad.$module"
	while IFS=$'\t' read -r key bin ours; do
		# shellcheck disable=SC2086
		if binutils_slip $key "$bin" "$ours"; then
			slips=$((slips + 1))
			echo "#   binutils' DWARF 5 default file, the line table sides with skbtrace: $key: $ours"
		else
			printf '%s\t%s\t%s\n' "$key" "$bin" "$ours" >>"$work/bad.$module"
		fi
	done <"$work/diff.$module"
	bad=$(wc -l <"$work/bad.$module")
	((slips)) && note=" ($slips where bfd misreads the line table)"
	if [[ $bad -eq 0 && $n -gt 0 ]]; then
		ok "$module: $n random (function, offset) pairs give binutils' chains$note"
	else
		not_ok "$module: $bad of $n pairs differ from binutils"
		head -n 20 "$work/bad.$module" | awk -F '\t' '{
			print "#   input:    " $1; print "#   binutils: " $2; print "#   skbtrace: " $3 }'
	fi
}

if [[ -s $work/ours.err ]]; then
	not_ok "skbtrace addr2line resolved every pair without an error"
	head -n 5 "$work/ours.err" | sed 's/^/#   /'
else
	ok "skbtrace addr2line resolved all $npairs pairs without an error"
fi
compare vmlinux
for m in $SKBT_SRCLINE_MODULES; do
	compare "$m"
done
ninl=$(grep -c ' | ' "$work/ours" || true)
check "$ninl of $npairs pairs are in inlined code (at least $SKBT_SRCLINE_MIN_INLINE)" \
	test "$ninl" -ge "$SKBT_SRCLINE_MIN_INLINE"

# ---- sizes, as faddr2line computes them ------------------------------------------

# fsizes FILE MODULE: "module name size" for the drawn names: the distance to
# the next symbol of the section past the ELF size (faddr2line's loop over
# readelf --symbols), or to the section's end.
fsizes() {
	local file=$1 module=$2
	{
		awk -v m="$module" '$1 == m { print "W", $2 }' "$work/pairs"
		readelf -SW "$file" | sed 's/\[ */[/' | awk '$1 ~ /^\[[0-9]+\]$/ {
			print "E", substr($1, 2, length($1) - 2), $4, $6 }'
		readelf -sW "$file" | sed 's/\[.*\]//' |
			awk '$7 ~ /^[0-9]+$/ && $8 != "" && $8 !~ /^(\.L|L0|\$)/ { print "S", $7, $2, $3, $4, $8 }' |
			sort -k2,2n -k3,3
	} | awk -v m="$module" '
	function hex2num(h,   i, v) {
		h = substr(h, length(h) - 11); v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v
	}
	$1 == "W" { want[$2] = 1; next }
	$1 == "E" { end[$2] = hex2num($3) + hex2num($4); next }
	{
		sec = $2; a = hex2num($3)
		# Close the functions still open in this section that end before a.
		for (k in open)
			if (osec[k] == sec && a > oaddr[k] && a - oaddr[k] >= osize[k]) {
				print m, k, a - oaddr[k]; delete open[k]
			}
		if ($5 == "FUNC" && ($6 in want)) { open[$6] = 1; osec[$6] = sec; oaddr[$6] = a; osize[$6] = $4 }
	}
	END { for (k in open) print m, k, end[osec[k]] - oaddr[k] }'
}

{
	fsizes "$DEBUG_VMLINUX" vmlinux
	for m in $SKBT_SRCLINE_MODULES; do
		fsizes "$DEBUG_DIR/modules/$m.ko" "$m"
	done
} | awk '{ printf "%s %s 0x%x\n", $1, $2, $3 }' | sort -u >"$work/fsizes"
awk '/:$/ && !/ at / {
	h = substr($0, 1, length($0) - 1); mod = "vmlinux"
	if (match(h, / \[[^]]+\]$/)) { mod = substr(h, RSTART + 2, RLENGTH - 3); h = substr(h, 1, RSTART - 1) }
	p = index(h, "+"); q = index(h, "/")
	print mod, substr(h, 1, p - 1), substr(h, q + 1) }' "$work/ours.txt" | sort -u >"$work/osizes"
if cmp -s "$work/fsizes" "$work/osizes"; then
	ok "sizes: the /SIZE of all $(wc -l <"$work/osizes") functions is the distance faddr2line computes"
else
	not_ok "sizes differ from faddr2line's (module name size; < faddr2line, > skbtrace)"
	diff "$work/fsizes" "$work/osizes" | head -n 10 | sed 's/^/#   /'
fi

# ---- every match of a name, /SIZE, return addresses ------------------------------

A2L=("$SKBTRACE" addr2line --kernel-debuginfo "$DEBUG_DIR")
# Names with several vmlinux functions: each is printed, /SIZE picks by size.
readelf -sW "$DEBUG_VMLINUX" | awk '$4 == "FUNC" { n[$8]++ } END { for (k in n) if (n[k] > 1) print n[k], k }' |
	sort -k1,1nr -k2 | head -n 30 >"$work/dups"
mapfile -t dup_args < <(awk '{ print $2 "+0" }' "$work/dups")
"${A2L[@]}" "${dup_args[@]}" >"$work/dup.txt" 2>&1
want=$(awk '{ s += $1 } END { print s }' "$work/dups")
got=$(grep -c '+0/0x[0-9a-f]*:$' "$work/dup.txt")
check "duplicate names: ${#dup_args[@]} names with $want functions in all, each printed (got $got)" \
	test "$got" -eq "$want"
# The least common size of the name with the most sizes.
read -r dup size want < <(sed -n 's/^\(.*\)+0\/\(0x[0-9a-f]*\):$/\1 \2/p' "$work/dup.txt" | sort | uniq -c |
	awk '{ n[$2]++; if (!($2 in c) || $1 < c[$2]) { c[$2] = $1; z[$2] = $3 } }
	END { for (k in n) if (n[k] > best) { best = n[k]; name = k } print name, z[name], c[name] }')
"${A2L[@]}" "$dup+0/$size" >"$work/dup1.txt" 2>&1
got=$(grep -c ':$' "$work/dup1.txt")
check "/SIZE: $dup+0/$size prints only the $want of its $(grep -c "^$dup+0/" "$work/dup.txt") of that size (got $got)" \
	test "$got" -eq "$want" -a "$(grep -c "^$dup+0/$size:$" "$work/dup1.txt")" -eq "$want"

# --return-address looks sym+off up at off - 1: same chains as sym+(off-1).
awk '$1 == "vmlinux" && $3 != "0x0" { print $2, $3 }' "$work/pairs" | head -n 50 >"$work/ra"
mapfile -t ra_args < <(awk '{ print $1 "+" $2 }' "$work/ra")
mapfile -t rm1_args < <(while read -r n o; do printf '%s+0x%x\n' "$n" $((o - 1)); done <"$work/ra")
"${A2L[@]}" --return-address "${ra_args[@]}" | grep -v ':$' >"$work/ra1"
"${A2L[@]}" "${rm1_args[@]}" | grep -v ':$' >"$work/ra2"
check "--return-address: ${#ra_args[@]} sym+off give the chains of sym+(off-1)" \
	cmp -s "$work/ra1" "$work/ra2"

# ---- bad input: one clear line on stderr, nothing on stdout, exit 2 ---------------

# bad NAME PATTERN ARGS...: addr2line ARGS fails as described.
bad() {
	local name=$1 pat=$2 rc
	shift 2
	"$SKBTRACE" addr2line "$@" >"$work/bad.out" 2>"$work/bad.err"
	rc=$?
	if [[ $rc -eq 2 && ! -s $work/bad.out && $(wc -l <"$work/bad.err") -eq 1 ]] &&
		grep -q -- "$pat" "$work/bad.err"; then
		ok "bad input: $name: exit 2, one line: $(cat "$work/bad.err")"
	else
		not_ok "bad input: $name: exit $rc"
		sed 's/^/#   /' "$work/bad.err" "$work/bad.out" | head -n 5
	fi
}
bad "a file without DWARF" "no DWARF" --kernel-debuginfo "$(type -P true)" start_kernel+0
read -r _ _ vid < <(readelf -n "$DEBUG_VMLINUX" | grep -m1 'Build ID')
bad "a wrong build id" "build id $vid is not 00" --kernel-debuginfo "$DEBUG_DIR" \
	--build-id 00112233445566778899aabbccddeeff00112233 start_kernel+0
bad "an unknown symbol" "no function no_such_function_here in vmlinux" \
	--kernel-debuginfo "$DEBUG_DIR" no_such_function_here+0x10
bad "an offset past the function's end" "offset past the end of start_kernel" \
	--kernel-debuginfo "$DEBUG_DIR" start_kernel+0x100000
bad "no offset" "not SYMBOL+OFFSET" --kernel-debuginfo "$DEBUG_DIR" start_kernel
bad "an unknown module" "no debug file for module no_such_mod" \
	--kernel-debuginfo "$DEBUG_DIR" "nft_do_chain+0x10 [no_such_mod]"
"${A2L[@]}" --build-id "$vid" start_kernel+0 >/dev/null 2>&1
check "the right build id is accepted" test $? -eq 0

# ---- --json: a recorded trace gains source lines ---------------------------------

if command -v jq >/dev/null; then
	cat >"$work/trace.json" <<'JSON'
{"time":1795316757984744709,"skb":"0xffff888116243200","func":"kfree_skb_reason","drop_reason":"SKB_DROP_REASON_NETFILTER_DROP","drop_location":"nf_hook_slow+0x8a","stack":["0xffffffffc002abb3","kfree_skb_reason+0x4e","nft_do_chain+0x3e8 [nf_tables]","nft_do_chain_inet+0x43 [nf_tables]","nf_hook_slow+0x43","ip_local_deliver+0xd5","__netif_receive_skb_one_core+0x8d","no_such_function_here+0x10"]}
not json: copied as it is
{"time":1795316757984744710,"func":"ip_rcv"}
JSON
	"${A2L[@]}" --json - <"$work/trace.json" >"$work/trace.out" 2>"$work/trace.err"
	check "--json: every line out, the non-JSON one as it was, said once on stderr" \
		test "$(wc -l <"$work/trace.out")" -eq 3 -a "$(sed -n 2p "$work/trace.out")" = "not json: copied as it is" \
		-a "$(grep -c "not a JSON object" "$work/trace.err")" -eq 1
	check "--json: the recorded members are unchanged, byte for byte" \
		test "$(head -n 1 "$work/trace.out" | cut -c1-$(($(head -n 1 "$work/trace.json" | wc -c) - 1)))" \
		= "$(head -n 1 "$work/trace.json" | head -c -2),"
	check "--json: nft_do_chain resolves into net/netfilter/nf_tables_core.c" \
		test "$(head -n 1 "$work/trace.out" | jq -r '.stack_src[2].src[-1] | "\(.func) \(.file)"')" \
		= "nft_do_chain net/netfilter/nf_tables_core.c"
	check "--json: one stack_src entry per frame; none for the BPF frame; an error for the unknown one" \
		test "$(head -n 1 "$work/trace.out" | jq -c '[(.stack_src | length), (.stack_src[0] | has("src")), (.stack_src[7].error != null)]')" = "[8,false,true]"
	check "--json: drop_location resolves (net/netfilter/core.c)" \
		test "$(head -n 1 "$work/trace.out" | jq -r '.drop_location_src.src[-1].file')" = net/netfilter/core.c
	# The JSON chains are the text ones, looked up as return addresses.
	head -n 1 "$work/trace.out" | jq -r '.stack_src[1:7][] | .src | map("\(.func) at \(.file):\(.line)") | join(" | ")' >"$work/js"
	mapfile -t frames < <(head -n 1 "$work/trace.json" | jq -r '.stack[1:7][]')
	"${A2L[@]}" --return-address "${frames[@]}" | awk '
		/:$/ && !/ at / { if (c != "") print c; c = ""; next } /^$/ { next }
		{ sub(/^ \(inlined by\) /, ""); sub(/ \(discriminator [0-9]+\)$/, ""); c = c == "" ? $0 : c " | " $0 }
		END { print c }' >"$work/tx"
	check "--json: its chains are addr2line --return-address's" cmp -s "$work/js" "$work/tx"
else
	ok "--json # SKIP jq not installed"
fi

echo "1..$tap_n"
[[ $tap_failed -eq 0 ]]
