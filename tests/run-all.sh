#!/bin/sh
# Run every test of the plain build, and the unit, cli and hostile-peer
# suites again in the sanitized build; end with "N passed, N failed, N skipped".
# Usage: tests/run-all.sh BUILD_DIR [SANITIZED_BUILD_DIR]
set -u
build=${1:-build}
asan=${2:-}
rc=0
meson test -C "$build" --print-errorlogs || rc=1
logs="$build/meson-logs/testlog.json"
if [ -n "$asan" ]; then
	echo "== the same code under ASan + UBSan =="
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		meson test -C "$asan" --print-errorlogs --suite unit --suite cli --suite hostile || rc=1
	logs="$logs $asan/meson-logs/testlog.json"
fi
# shellcheck disable=SC2086
python3 - $logs <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
