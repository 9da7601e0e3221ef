#!/usr/bin/env bash
# The container image: podman builds deploy/Containerfile (chroot
# isolation: the sandbox here refuses podman's runtime, crun, so RUN steps
# run chrooted and `podman run` is not possible).  Its root file system is
# then exported and run the way a node would run it, but with chroot and a
# mount namespace: the host's /proc, /sys and /run/netns, only the
# capabilities deploy/daemonset.yaml grants, the arguments it passes.  The
# base image is debootstrap's minbase of the host's release (tests/lib/
# debroot.sh), imported once: no registry but Debian's mirror is reached.
# TAP; root.  Traffic only between the two namespaces made here.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOOLS=$PWD/build/tools
TMP=$(mktemp -d /tmp/skbt-img.XXXXXX)
NS_A=skbt-ia-$$
NS_B=skbt-ib-$$
. tests/lib/tap.sh
. tests/lib/netns.sh
. tests/lib/proc.sh
. tests/lib/debroot.sh
IMAGE=localhost/skbtrace:test
BASE=localhost/skbt-base:$DEBROOT_SUITE
MANIFEST=deploy/daemonset.yaml
cleanup() {
	[ -n "${TRACE_PID:-}" ] && kill "$TRACE_PID" 2>/dev/null
	[ -n "${CID:-}" ] && podman rm -f "$CID" >/dev/null 2>&1
	netns_del "$NS_A" "$NS_B"
	rm -rf "$TMP"
}
trap cleanup EXIT
finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}

if ! command -v podman >/dev/null; then
	tap_skip "image" "podman is not installed (scripts/deps.sh test)"
	finish
fi
if ! podman image exists "$BASE"; then
	tar=$(debroot_base) && podman import -q "$tar" "$BASE" >/dev/null ||
		{ tap_not_ok "a base image from debootstrap"; finish; }
fi

# The build stage gets a tag of its own so that pruning the previous
# runs' images keeps its cached layers (the compilers) for the next run.
build() {
	podman build -q --pull=never --isolation chroot --build-arg BASE="$BASE" \
		-f deploy/Containerfile "$@" . >>"$TMP/build.log" 2>&1
}
start=$(date +%s)
if build --target build -t localhost/skbtrace-build:test && build -t "$IMAGE"; then
	tap_ok "podman builds deploy/Containerfile ($(($(date +%s) - start)) s)"
	podman image prune -f >/dev/null 2>&1
else
	tap_not_ok "podman builds deploy/Containerfile" "$(tail -n 5 "$TMP/build.log")"
	finish
fi

cfg() { podman image inspect --format "{{json .Config.$1}}" "$IMAGE"; }
check "the image's entrypoint is /usr/bin/skbtrace" \
	test "$(cfg Entrypoint)" = '["/usr/bin/skbtrace"]'
args=$(sed -n 's/^ *args: *//p' "$MANIFEST" | jq -c .)
check "the image's default command is the DaemonSet's ($args)" \
	test "$(cfg Cmd | jq -c .)" = "$args"

# podman run needs the runtime; here it is refused, elsewhere it is tested.
if podman run --rm "$IMAGE" --version >"$TMP/run.out" 2>&1; then
	check "podman run IMAGE --version" grep -q '^skbtrace ' "$TMP/run.out"
else
	tap_skip "podman run IMAGE --version" \
		"the container runtime is refused here: $(grep -m1 -o 'cgroups[^:]*\|setrlimit[^:]*' "$TMP/run.out")"
fi

ROOT=$TMP/rootfs
mkdir -p "$ROOT" "$TMP/base"
CID=$(podman create "$IMAGE") && podman export "$CID" | tar -C "$ROOT" -xf - ||
	{ tap_not_ok "export the image's root file system"; finish; }
podman rm -f "$CID" >/dev/null
CID=
pkgs() { chroot "$1" dpkg-query -W -f '${Package}\n' | sort; }
tar -C "$TMP/base" -xf "$(debroot_base)"
added=$(comm -13 <(pkgs "$TMP/base") <(pkgs "$ROOT") | tr '\n' ' ')
# What skbtrace's Depends pull in, and nothing of the build stage.
extra=$(tr ' ' '\n' <<<"$added" |
	grep -E -- '-dev$|^(gcc|g\+\+|cpp|clang|llvm|lld|make|binutils|bpftool|dpkg-dev)(-[0-9.]+)?$')
check "the runtime stage adds skbtrace and its dependencies, no build tools ($added)" \
	test -n "$added" -a -z "$extra"
# shellcheck disable=SC2086
size=$(chroot "$ROOT" dpkg-query -W -f '${Installed-Size}\n' $added | awk '{s += $1} END {print s}')
echo "# what the runtime stage installs: ${size} KiB; the whole root file system: $(du -sm "$ROOT" | cut -f1) MiB"
rm -rf "$TMP/base"

# As the DaemonSet runs it: only the capabilities it adds, no new privileges.
caps=$(sed -n 's/^ *add: *//p' "$MANIFEST" | jq -r 'map("+" + ascii_downcase) | join(",")')
debroot_exec_cmd "$ROOT"
as_pod=("${DEBROOT_EXEC[@]}" setpriv "--bounding-set=-all,$caps" --inh-caps=-all
	--no-new-privs -- "$(cfg Entrypoint | jq -r '.[0]')")
out=$("${as_pod[@]}" --version 2>&1)
check "the image's skbtrace answers --version with the DaemonSet's capabilities" \
	grep -q '^skbtrace [0-9]' <<<"$out"

# trace ARGS...: the image's skbtrace in the background, as the pod runs
# it, until ready; stdout in $TMP/trace.out.
trace() {
	rm -f "$ROOT/tmp/ready"
	"${as_pod[@]}" --ready-file /tmp/ready "$@" >"$TMP/trace.out" 2>"$TMP/trace.err" &
	TRACE_PID=$!
	wait_file "$ROOT/tmp/ready" "$TRACE_PID" 30
}
stop() {
	sleep 0.3
	stop_pid "$TRACE_PID"
	TRACE_STATUS=$?
	TRACE_PID=
}

netns_pair "$NS_A" "$NS_B" 10.231.8.1 10.231.8.2 && netns_drop_udp "$NS_B" 9999 ||
	{ tap_not_ok "namespaces for the trace"; finish; }
if trace --output-json --output-stack --filter-netns "/run/netns/$NS_B"; then
	ip netns exec "$NS_A" "$TOOLS/udp_send" 10.231.8.2 9999 2 64 40008 >/dev/null
	stop
	check "the image's skbtrace exits 0 on SIGINT" test "$TRACE_STATUS" -eq 0
	n=$(jq -s '[.[] | select(.drop_reason == "SKB_DROP_REASON_NETFILTER_DROP"
		and .tuple.sport == 40008 and (.stack | any(startswith("nft_do_chain"))))]
		| length' "$TMP/trace.out" 2>/dev/null)
	check "with those capabilities it reports both drops, stacks by name" test "${n:-0}" -eq 2
else
	tap_not_ok "the image's skbtrace attaches with the DaemonSet's capabilities" \
		"$(tail -n 3 "$TMP/trace.err")"
	kill "$TRACE_PID" 2>/dev/null
	TRACE_PID=
fi

# The DaemonSet's own arguments: JSON lines on stdout, nothing else there.
if ! "${as_pod[@]}" --help | grep -q -- '--drop-summary'; then
	tap_skip "the DaemonSet's arguments" "this build has no --drop-summary yet"
elif mapfile -t ds_args < <(jq -r '.[]' <<<"$args") && trace "${ds_args[@]}"; then
	ip netns exec "$NS_A" "$TOOLS/udp_send" 10.231.8.2 9999 3 64 40018 >/dev/null
	stop
	check "with the DaemonSet's arguments it exits 0 on SIGINT" test "$TRACE_STATUS" -eq 0
	check "with the DaemonSet's arguments stdout is JSON lines, one object a line" \
		bash -c "[ -s '$TMP/trace.out' ] && jq -e -c . '$TMP/trace.out' >/dev/null &&
			[ \$(jq -c . '$TMP/trace.out' | wc -l) -eq \$(wc -l <'$TMP/trace.out') ]"
else
	tap_not_ok "the image's skbtrace starts with the DaemonSet's arguments" \
		"$(tail -n 3 "$TMP/trace.err")"
fi
finish
