#!/bin/bash
# How long pwired takes to start with N TAP pseudowires in its file (issue
# 13: 1,000): from its exec to the READY=1 it sends systemd (every TAP open
# and up, every socket bound, the privileges dropped, every pseudowire
# running), read by a listener of our own as NOTIFY_SOCKET. In a fresh
# network namespace (removed on exit); the pseudowires share one UDP port
# (one socket); REPS runs, the median printed.
#
# usage: bench/startup.sh [PWIRED]   (default build/pwired; as root)
# env:   REPS (3)  N (1000)
# Exit 1 when a run failed.
set -eu
pwired=$(realpath "${1:-build/pwired}")
reps=${REPS:-3} n=${N:-1000}
[ -x "$pwired" ] || { echo "startup: no pwired at $pwired"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "startup: needs root (namespaces, TAPs)"; exit 2; }
ns=pwstart$$ tmp=$(mktemp -d) daemon='' listener=''
cleanup() {
	for p in $daemon $listener; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add ul0 type veth peer name ul1
ip -n "$ns" link set ul0 up
ip -n "$ns" addr add 10.209.0.1/24 dev ul0
chmod 755 "$tmp"
for k in $(seq "$n"); do
	printf '[s%d]\nvnic = tap:pws%d\nlocal = 10.209.0.1\nremote = 10.209.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = %d\npeer_session_id = %d\ncookie = %016x\npeer_cookie = %016x\n\n' \
		"$k" "$k" "$k" "$k" "$k" "$k"
done >"$tmp/pwire.conf"
chmod 644 "$tmp/pwire.conf"

# One datagram in, its arrival time (CLOCK_MONOTONIC ns) out, per line.
python3 - "$tmp/notify" "$tmp/notify.log" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode().replace("\n", "|")
        log.write(f"{time.monotonic_ns()} {msg}\n")
PY
listener=$!
for _ in $(seq 50); do [ -S "$tmp/notify" ] && break; sleep 0.1; done

times=()
for rep in $(seq "$reps"); do
	: >"$tmp/notify.log"
	start=$(python3 -c 'import time; print(time.monotonic_ns())')
	NOTIFY_SOCKET=$tmp/notify ip netns exec "$ns" "$pwired" -f -c "$tmp/pwire.conf" \
		-s "$tmp/control.sock" >/dev/null 2>"$tmp/err" &
	daemon=$!
	for _ in $(seq 600); do
		grep -q ' READY=1' "$tmp/notify.log" && break
		kill -0 "$daemon" 2>/dev/null || { tail -3 "$tmp/err"; echo "startup: pwired exited"; exit 1; }
		sleep 0.05
	done
	ready=$(awk '/ READY=1/ { print $1; exit }' "$tmp/notify.log")
	[ -n "$ready" ] || { echo "startup: no READY=1 within 30 s"; exit 1; }
	kill -TERM "$daemon"
	wait "$daemon" || { echo "startup: pwired exited $? on SIGTERM"; exit 1; }
	daemon=''
	ms=$(((ready - start) / 1000000))
	times+=("$ms")
	echo "startup: run $rep: $n pseudowires ready in $ms ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "startup: pwired with $n TAP pseudowires: READY=1 after a median $median ms (of ${times[*]})"
