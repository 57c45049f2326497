#!/bin/bash
# Build the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and run each
# for SECONDS on a scratch copy of its seed corpus, with its dictionary.
# Prints one line per target: "fuzz TARGET: N execs, M crashes"; exits 1 if
# any target crashed (the crash input's path is printed).
# usage: fuzz/run.sh [SECONDS [TARGET...]]   (env: FUZZ_BUILD, FUZZ_WORK dirs)   (exit 77 when clang's fuzzer runtime is missing)
set -u
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=${*:-decap roundtrip words qemu uml tso gro}
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
crashed=0
for t in $targets; do
	run=$work/$t
	art=$work/artifacts-$t
	rm -rf "$art"
	mkdir -p "$run" "$art"
	cp -n fuzz/corpus/$t/* "$run/" 2>/dev/null
	# The parsers print one line per bad value: close the target's stderr
	# (libFuzzer's own stats still reach us), and replay any crash loudly.
	mask=0
	case $t in words | qemu | uml) mask=2 ;; esac
	"$build/fuzz/fuzz-$t" "$run" -dict="fuzz/dict/$t.dict" -max_total_time="$seconds" \
		-print_final_stats=1 -close_fd_mask=$mask -artifact_prefix="$art/" \
		>"$art/log" 2>&1
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$art/log" | tail -n 1)
	crashes=$(find "$art" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
	echo "fuzz $t: ${execs:-0} execs, $crashes crashes"
	if [ "$crashes" != 0 ]; then
		crashed=1
		for f in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
			[ -f "$f" ] || continue
			echo "  input: $f"
			"$build/fuzz/fuzz-$t" "$f" 2>&1 | grep -E 'ERROR|invariant|SUMMARY|#[0-9] ' | head -n 12
		done
	fi
done
exit $crashed
