#!/usr/bin/env bash
# TAP reporting for the shell suites: one "ok"/"not ok" line a check,
# counted in TAP_N and TAP_FAILED (the caller prints the plan "1..$TAP_N").
# check keeps a failing command's last lines, in $TMP (the caller's).
# SKBT_TAP_PREFIX, if set, starts every test name.
TAP_N=0
TAP_FAILED=0

tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1"
}

tap_not_ok() { # NAME [DIAGNOSTIC LINE...]
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

tap_skip() { # NAME REASON
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - ${SKBT_TAP_PREFIX:-}$1 # SKIP $2"
}

# check NAME COMMAND...: one TAP line from the command's exit status.
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		tap_ok "$name"
	else
		tap_not_ok "$name" "$(tail -n 5 "$TMP/check.out")"
	fi
}
