#!/usr/bin/env bash
# Run every libFuzzer binary in build/fuzz/ for SECONDS each, seeded from
# tests/fuzz/corpus/<name>/ (copied to a temporary directory, so the
# repository's corpus is never modified).  Builds nothing.
#
#   tests/fuzz/run.sh SECONDS
#
# Prints "fuzz <name>: ok (N runs)" or "fuzz <name>: FAILED ..." per
# target and exits non-zero if any target crashed or could not run.
set -uo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-}
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
	echo "usage: tests/fuzz/run.sh SECONDS" >&2
	exit 2
fi
fuzzdir=${FUZZ_DIR:-build/fuzz}
shopt -s nullglob
bins=()
for f in "$fuzzdir"/*; do
	[ -f "$f" ] && [ -x "$f" ] && bins+=("$f")
done
if [ ${#bins[@]} -eq 0 ]; then
	echo "fuzz: no fuzz binaries in $fuzzdir (build them first)" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/hs-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0
for bin in "${bins[@]}"; do
	name=$(basename "$bin")
	work="$tmp/$name"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$work/corpus/"
	fi
	log="$work/log"
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "fuzz $name: ok (${runs} runs)"
	else
		status=1
		echo "fuzz $name: FAILED (exit $rc)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 |
		    sed 's/^/  /'
		for a in "$work"/artifacts/*; do
			[ -f "$a" ] || continue
			mkdir -p build/fuzz-artifacts
			cp "$a" build/fuzz-artifacts/
			echo "  reproducer saved: build/fuzz-artifacts/$(basename "$a")"
		done
	fi
done
exit $status
