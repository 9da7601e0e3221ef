#!/usr/bin/env bash
# deploy/daemonset.yaml against the Kubernetes API's schema
# (tests/pkg/k8s-validate.mjs, with kubernetes-models and
# @kubernetes/client-node from npm, installed once into
# $SKBT_NPM_CACHE, never in git), then what the DaemonSet must say for
# skbtrace to work: the host's namespaces, no privileged mode, the BTF
# mount.  A broken copy must fail the validator, so that a validator
# which accepts anything fails this test.  TAP.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
TMP=$(mktemp -d /tmp/skbt-k8s.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CACHE=${SKBT_NPM_CACHE:-/var/cache/skbtrace-deploy/npm}
MANIFEST=deploy/daemonset.yaml
# Pinned: the schema the manifest is checked against changes only here.
NPM_PKGS="kubernetes-models@5.1.0 @kubernetes/client-node@1.3.0 yaml@2.9.1"

finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit
}

if ! command -v npm >/dev/null; then
	tap_skip "manifest" "npm is not installed (scripts/deps.sh test)"
	finish
fi
mkdir -p "$CACHE"
if [ "$(cat "$CACHE/.installed" 2>/dev/null)" != "$NPM_PKGS" ]; then
	[ -f "$CACHE/package.json" ] || echo '{"private": true}' >"$CACHE/package.json"
	# shellcheck disable=SC2086
	if (cd "$CACHE" && npm install --no-audit --no-fund --loglevel=error $NPM_PKGS) \
		>"$TMP/npm.log" 2>&1; then
		echo "$NPM_PKGS" >"$CACHE/.installed"
	else
		tap_not_ok "npm installs the validator's packages" "$(tail -n 3 "$TMP/npm.log")"
		finish
	fi
fi
# Bare imports resolve from the script's own folder: run it in the cache.
cp tests/pkg/k8s-validate.mjs "$CACHE/"
validate() { node "$CACHE/k8s-validate.mjs" "$@"; }

if validate "$MANIFEST" >"$TMP/out" 2>&1; then
	tap_ok "$MANIFEST is valid against the Kubernetes schema ($(grep -c ': valid$' "$TMP/out") objects)"
else
	tap_not_ok "$MANIFEST is valid against the Kubernetes schema" "$(head -n 5 "$TMP/out")"
fi

# broken NAME SED: a copy changed by SED must be rejected.
broken() {
	sed "$2" "$MANIFEST" >"$TMP/broken.yaml"
	if cmp -s "$MANIFEST" "$TMP/broken.yaml"; then
		tap_not_ok "the validator rejects $1" "the sed changed nothing"
	elif validate "$TMP/broken.yaml" >"$TMP/out" 2>&1; then
		tap_not_ok "the validator rejects $1" "accepted"
	else
		tap_ok "the validator rejects $1"
	fi
}
broken "an unknown field (hostNetworking)" 's/hostNetwork:/hostNetworking:/'
broken "a string where a list goes (capabilities.add)" 's/add: \[\(.*\)\]/add: \1/'
broken "a bad enum (hostPath type)" 's/type: Directory$/type: Dir/'

# What skbtrace itself needs from the pod, read from the manifest as JSON.
node -e '
	const { parseAllDocuments } = require(process.argv[1] + "/node_modules/yaml");
	const docs = parseAllDocuments(require("fs").readFileSync(process.argv[2], "utf8"));
	console.log(JSON.stringify(docs.map((d) => d.toJS()).find((d) => d.kind === "DaemonSet")));
' "$CACHE" "$MANIFEST" >"$TMP/ds.json" 2>"$TMP/node.err" ||
	tap_not_ok "the DaemonSet converts to JSON" "$(tail -n 2 "$TMP/node.err")"
spec() { jq -e "$1" "$TMP/ds.json" >/dev/null; }
check "the pod uses the host's network and pid namespaces" \
	spec '.spec.template.spec | .hostNetwork and .hostPID'
check "the container is not privileged and drops every capability but its own" \
	spec '.spec.template.spec.containers[0].securityContext
		| .privileged == false and .capabilities.drop == ["ALL"]
		and (.capabilities.add | sort) == ["BPF", "PERFMON", "SYSLOG"]'
check "the kernel's BTF is mounted read-only" \
	spec '.spec.template.spec as $s | $s.containers[0].volumeMounts[]
		| select(.mountPath == "/sys/kernel/btf" and .readOnly)
		| .name as $n | $s.volumes[] | select(.name == $n) | .hostPath.path == "/sys/kernel/btf"'
# kprobes attach through perf_event_open, which kernel.perf_event_paranoid=3
# (Debian's kernels) keeps for CAP_SYS_ADMIN: without it, "auto" would fail
# there, so the arguments must name a backend that attaches through bpf().
check "without SYS_ADMIN the arguments pin the tracepoint or fentry backend" \
	spec '.spec.template.spec.containers[0] | (.securityContext.capabilities.add | index("SYS_ADMIN"))
		or (.args | (index("--backend") // -2) as $i | .[$i + 1] | IN("tracepoint", "fentry"))'
check "the container passes --output-json (JSON lines on stdout)" \
	spec '.spec.template.spec.containers[0].args | index("--output-json") != null'
finish
