#!/bin/bash
# Resource faults: each is counted or ends pwire with one clear line, never
# a crash or a busy loop.
#  1. the peer's port is closed (ICMP port unreachable comes back): pwire
#     keeps sending, counts, and burns no CPU while idle;
#  2. datagrams from a stranger: one rate-limited log line names the counter;
#  3. no route to the peer: sends are counted as tx_errors, pwire goes on;
#  4. the TAP device is deleted under traffic: exit 1, one line saying so;
#  5. out of memory at start-up: exit 1, one line, no device left behind.
set -u
: "${PWIRE:?}"
ns=pwfault$$
tmp=$(mktemp -d)
pid=
fail=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
check() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wait_up() {
	for _ in $(seq 50); do
		ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && return 0
		sleep 0.1
	done
	return 1
}

ip netns add "$ns"
ip -n "$ns" link set lo up
words=(remote 127.0.0.1 udp_sport 17001 udp_dport 17002 session_id 1 peer_session_id 2)
ip netns exec "$ns" "$PWIRE" up pw0 "${words[@]}" --json >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_up
ip -n "$ns" addr add 10.98.0.1/24 dev pw0
ip -n "$ns" neigh add 10.98.0.2 lladdr 02:00:00:00:00:02 dev pw0 # frames go out without ARP
# 1. Nobody listens on 17002: every frame draws an ICMP port unreachable.
ip netns exec "$ns" ping -c 20 -i 0.05 -W 0.1 10.98.0.2 >/dev/null 2>&1
before=$(cpu_ticks "$pid")
sleep 2
after=$(cpu_ticks "$pid")
check "closed peer port: no busy loop (CPU ticks while idle: $((after - before)))" \
	test $((after - before)) -le 5
# 2. A stranger.
ip netns exec "$ns" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.9', 17002))
for _ in range(7):
    s.sendto(bytes.fromhex('0003000000000001') + bytes(60), ('127.0.0.1', 17001))"
sleep 1.3
check "rate-limited log names the drop" grep -q 'dropped in the last 1 s: rx_bad_source +7' "$tmp/err"
kill -USR1 "$pid"
sleep 0.2
check "still running after ICMP errors" kill -0 "$pid"
python3 -c "
import json, sys
c = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if c['session']['tx_packets'] >= 20 and c['tunnel']['rx_bad_source'] == 7 else 1)" \
	"$tmp/out"
check "frames sent and the stranger counted" test $? = 0
# 4. The device goes away under traffic.
ip netns exec "$ns" ping -f -c 100000 -W 0.1 10.98.0.2 >/dev/null 2>&1 &
flood=$!
sleep 0.3
ip -n "$ns" link del pw0
for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
pid=
kill "$flood" 2>/dev/null
wait "$flood" 2>/dev/null
check "TAP deleted: exit 1 (got $rc)" test "$rc" = 1
check "TAP deleted: one clear line" \
	grep -q 'pw0: data path stopped: .* (the device was deleted)' "$tmp/err"
# 3. No route at all: the send fails, is counted, pwire goes on.
ip netns exec "$ns" timeout --preserve-status -s INT 1 "$PWIRE" up pw1 remote 192.0.2.9 udp_sport 17003 \
	udp_dport 17004 session_id 1 peer_session_id 2 --json >"$tmp/noroute" 2>/dev/null
rc=$?
python3 -c "
import json, sys
c = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if c['tunnel']['tx_errors'] >= 1 else 1)" "$tmp/noroute"
check "no route: counted as tx_errors, exit 0 after SIGINT (got $rc)" test $? = 0 -a "$rc" = 0
# 5. Out of memory when the buffers are allocated: pwire and its libraries
# (libbpf, libelf and zlib since the fast path) map about 10 MB before them,
# the buffers for mtu 65000 need more than 6 MB more.
ip netns exec "$ns" prlimit --as=12000000 "$PWIRE" up pw2 "${words[@]}" mtu 65000 2>"$tmp/oom"
rc=$?
check "out of memory: exit 1 (got $rc)" test "$rc" = 1
check "out of memory: one clear line" \
	grep -qx 'pwire: cannot set up the data path: Cannot allocate memory' "$tmp/oom"
check "out of memory: no device left behind" test "$(ip -n "$ns" -o link | grep -c pw2)" = 0
exit $fail
