#!/bin/bash
# pwired under systemd's readiness protocol (Type=notify), with a listener
# of our own as NOTIFY_SOCKET (what systemd does: an AF_UNIX datagram
# socket anyone may write to, since pwired sends after dropping root):
#  - READY=1 with STATUS=2 pseudowires up, once both TAPs are up;
#  - SIGHUP: RELOADING=1, then READY=1 with what the reload did; a file that
#    does not parse: RELOADING=1, then READY=1 saying the reload was refused;
#  - SIGTERM: STOPPING=1, and pwired exits 0;
#  - a NOTIFY_SOCKET that is no absolute path or @name: pwired refuses to
#    start, naming it.
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwna$$ b=pwnb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon='' listener=''
trap 'for p in $daemon $listener; do kill "$p" 2>/dev/null || true; done; pw_cleanup' EXIT
fail() { echo "FAIL: $*"; cat "$tmp/notify.log" "$tmp/daemon.err" 2>/dev/null; exit 1; }

pw_pair "$a" "$b" 10.206.0.1 10.206.0.2 24
chmod 755 "$tmp" # pwired re-reads its file and sends to the socket unprivileged
for k in 1 2; do
	printf '[s%d]\nvnic = tap:pwn%d\nlocal = 10.206.0.1\nremote = 10.206.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = %d\npeer_session_id = %d\ncookie = 00000000000000a%d\npeer_cookie = 00000000000000b%d\n\n' \
		"$k" "$k" "$k" "$k" "$k" "$k"
done >"$tmp/pwire.conf"
chmod 644 "$tmp/pwire.conf"
cp "$tmp/pwire.conf" "$tmp/good.conf"

python3 - "$tmp/notify" "$tmp/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
listener=$!
for _ in $(seq 50); do [ -S "$tmp/notify" ] && break; sleep 0.1; done
touch "$tmp/notify.log"

# wait_line PATTERN: until a line of the log (from line FROM on) matches.
from=1
wait_line() {
	local _
	for _ in $(seq 100); do
		tail -n +"$from" "$tmp/notify.log" | grep -q -- "$1" && return 0
		sleep 0.1
	done
	fail "no notification matching '$1' within 10 s"
}

echo "+ NOTIFY_SOCKET=$tmp/notify ip netns exec $a pwired -f -c $tmp/pwire.conf -s $tmp/control.sock &" >&2
NOTIFY_SOCKET=$tmp/notify ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/control.sock" \
	>"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
wait_line '^READY=1|STATUS=2 pseudowires up$'
for k in 1 2; do
	ip -n "$a" link show "pwn$k" | grep -q ',UP' || fail "READY=1 before pwn$k was up"
done
echo "ok: READY=1 with STATUS=2 pseudowires up, both TAPs up"

from=$(($(wc -l <"$tmp/notify.log") + 1))
run kill -HUP "$daemon"
wait_line '^READY=1|STATUS=2 pseudowires up; reload: '
tail -n +"$from" "$tmp/notify.log" | head -n 1 | grep -qx 'RELOADING=1' || fail "the reload did not start with RELOADING=1"
echo "ok: SIGHUP: RELOADING=1, then READY=1 with the reload's summary"

from=$(($(wc -l <"$tmp/notify.log") + 1))
echo 'this is not a section' >"$tmp/pwire.conf"
run kill -HUP "$daemon"
wait_line '^READY=1|STATUS=2 pseudowires up; reload refused: '
tail -n +"$from" "$tmp/notify.log" | head -n 1 | grep -qx 'RELOADING=1' || fail "the refused reload did not start with RELOADING=1"
echo "ok: a broken file: RELOADING=1, then READY=1 saying the reload was refused"

from=$(($(wc -l <"$tmp/notify.log") + 1))
run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=''
[ "$rc" = 0 ] || fail "pwired exited $rc"
wait_line '^STOPPING=1$'
echo "ok: SIGTERM: STOPPING=1, exit 0"

rc=0
NOTIFY_SOCKET=notify ip netns exec "$a" "$PWIRED" -f -c "$tmp/good.conf" -s "$tmp/c2.sock" \
	>/dev/null 2>"$tmp/bad.err" || rc=$?
grep -q 'NOTIFY_SOCKET=notify: not an absolute path or @name' "$tmp/bad.err" && [ "$rc" != 0 ] ||
	{ cat "$tmp/bad.err"; fail "a relative NOTIFY_SOCKET was not refused (exit $rc)"; }
echo "ok: NOTIFY_SOCKET=notify refused, exit $rc"
