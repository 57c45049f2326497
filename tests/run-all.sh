#!/bin/sh
# Run every test meson knows and end with "N passed, N failed, N skipped".
# Usage: tests/run-all.sh BUILD_DIR [meson test args...]
set -u
build=${1:-build}
shift || true
meson test -C "$build" --print-errorlogs "$@"
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
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
