#!/bin/sh
# Build the pcap-filter translator fuzzer with libFuzzer + ASan + UBSan and
# run it for a bounded time over the committed seed corpus.
# Usage: tests/fuzz/run.sh [SECONDS]   (default $FUZZ_SECONDS or 20)
# New inputs go to a temporary directory, never into tests/fuzz/corpus;
# a crash is saved as build/fuzz/crash-*.  Prints one TAP line; exits
# non-zero on a build failure or a crash.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-${FUZZ_SECONDS:-20}}
out=build/fuzz
bin=$out/fuzz_pcap_translate
mkdir -p "$out"

if ! clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wno-missing-field-initializers \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Isrc tests/fuzz/fuzz_pcap_translate.c src/filter/*.c \
	-o "$bin" -lbpf -lpcap -lelf -lz 2>"$out/build.log"; then
	cat "$out/build.log"
	echo "not ok - fuzz_pcap_translate: build failed"
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# -timeout: libpcap's optimiser is slow on some inputs, not a hang of ours.
"$bin" -max_total_time="$secs" -max_len=512 -timeout=30 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$out/" \
	"$work" tests/fuzz/corpus >"$out/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$out/fuzz.log"
	echo "not ok - fuzz_pcap_translate: crash after ${runs:-?} runs (see $out/)"
	exit 1
fi
stats=$(sed -n "s/^fuzz: //p" "$out/fuzz.log" | tail -n 1)
echo "ok - fuzz_pcap_translate: ${runs:-?} inputs in ${secs}s, no crash (${stats})"
