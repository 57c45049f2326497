#!/bin/bash
# Build the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and run each
# for SECONDS on a scratch copy of its seed corpus, with its dictionary.
# Prints one line per target: "fuzz TARGET: N execs, M crashes". A target
# passes only if libFuzzer ran it (N > 0), exited 0 and left no crash, leak,
# timeout or oom input; a target that is not built, a missing dictionary or
# a flag libFuzzer does not know fails it (exit 1; a crash input's path and
# stack are printed).
# Without TARGETs, every fuzz-* executable fuzz/meson.build defines is run:
# adding a target there is all it takes.
# usage: fuzz/run.sh [SECONDS [TARGET...]]   (env: FUZZ_BUILD, FUZZ_WORK dirs)
# (exit 77 when clang's fuzzer runtime is missing)
set -u
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-fuzz/corpus-run}
mkdir -p "$work"
if ! command -v clang >/dev/null ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
	clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
	echo "SKIP: clang with libFuzzer (packages clang, libclang-rt-14-dev) is not installed"
	exit 77
fi
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Dwerror=true -Db_lundef=false >"$work/build.log" 2>&1 ||
		{ cat "$work/build.log"; exit 2; }
fi
ninja -C "$build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 2; }

# The targets fuzz/meson.build defines, as the build knows them.
built=$(meson introspect "$build" --targets | python3 -c '
import json, os, sys
here = os.path.realpath("fuzz/meson.build")
for t in json.load(sys.stdin):
    if (t["type"] == "executable" and t["name"].startswith("fuzz-")
            and os.path.realpath(t["defined_in"]) == here):
        print(t["name"][len("fuzz-"):])') || { echo "meson introspect $build failed"; exit 2; }
targets=${*:-$built}
if [ -z "$targets" ]; then
	echo "no fuzz-* target in $build (fuzz/meson.build)"
	exit 1
fi

failed=0
for t in $targets; do
	exe=$build/fuzz/fuzz-$t
	dict=fuzz/dict/$t.dict
	if ! grep -qx -- "$t" <<<"$built" || [ ! -x "$exe" ]; then
		echo "fuzz $t: FAIL: no such target (fuzz/meson.build builds: $(echo $built))"
		failed=1
		continue
	fi
	if [ ! -s "$dict" ]; then
		echo "fuzz $t: FAIL: dictionary $dict is missing or empty"
		failed=1
		continue
	fi
	run=$work/$t
	art=$work/artifacts-$t
	rm -rf "$art"
	mkdir -p "$run" "$art"
	cp -n fuzz/corpus/$t/* "$run/" 2>/dev/null
	# The parsers report into an error sink and print nothing: no target's
	# output needs closing (-close_fd_mask); a crash is replayed loudly below.
	"$exe" "$run" -dict="$dict" -max_total_time="$seconds" \
		-print_final_stats=1 -artifact_prefix="$art/" \
		>"$art/log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$art/log" | tail -n 1)
	crashes=$(find "$art" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
	echo "fuzz $t: ${execs:-0} execs, $crashes crashes"
	why=()
	[ "$status" = 0 ] || why+=("libFuzzer exited $status")
	[ "${execs:-0}" -gt 0 ] 2>/dev/null || why+=("no execution")
	[ "$crashes" = 0 ] || why+=("$crashes crash inputs")
	grep -q 'WARNING: unrecognized flag' "$art/log" && why+=("a flag libFuzzer does not know")
	[ ${#why[@]} = 0 ] && continue
	failed=1
	msg=${why[0]}
	for w in "${why[@]:1}"; do msg+=", $w"; done
	echo "  FAIL: $msg (log: $art/log)"
	[ "$crashes" = 0 ] && grep -iE 'error|warning|summary' "$art/log" | head -n 12 | sed 's/^/  /'
	for f in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
		[ -f "$f" ] || continue
		echo "  input: $f"
		"$exe" "$f" 2>&1 | grep -E 'ERROR|invariant|SUMMARY|#[0-9] ' | head -n 12
	done
done
exit $failed
