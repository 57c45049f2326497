#!/bin/bash
# The systemd unit meson builds (build/pwired.service, installed by
# `meson install`) passes `systemd-analyze verify` with nothing to say, with
# ExecStart pointing at the pwired just built; it is Type=notify and its
# reload is SIGHUP.
# env: UNIT (the built unit), PWIRED
set -eu
: "${UNIT:?}" "${PWIRED:?}"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze (package systemd) is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=[^ ]*/pwired |ExecStart=$PWIRED |" "$UNIT" >"$tmp/pwired.service"
grep -q "^ExecStart=$PWIRED -f " "$tmp/pwired.service" || { cat "$tmp/pwired.service"; echo "FAIL: no ExecStart=.../pwired -f"; exit 1; }
grep -qx 'Type=notify' "$tmp/pwired.service" || { echo "FAIL: not Type=notify"; exit 1; }
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$tmp/pwired.service" || { echo "FAIL: reload is not SIGHUP"; exit 1; }
out=$(systemd-analyze verify --man=no "$tmp/pwired.service" 2>&1) || { echo "$out"; echo "FAIL: systemd-analyze verify"; exit 1; }
[ -z "$out" ] || { echo "$out"; echo "FAIL: systemd-analyze verify had something to say"; exit 1; }
echo "ok: pwired.service verifies (Type=notify, ExecReload SIGHUP)"
