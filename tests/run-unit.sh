#!/usr/bin/env bash
# Runs each cmocka unit-test binary with TAP output. Exit 1 if any fails.
set -u
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rc=0
for t in "$@"; do
	echo "# unit: ${t##*/}"
	if ! "$t"; then
		echo "not ok - ${t##*/} exited non-zero"
		rc=1
	fi
done
exit $rc
