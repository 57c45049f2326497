#!/bin/bash
# SIGHUP does not end `pwire up` (a closed terminal, a reload habit): it
# logs one line, the pseudowire keeps carrying pings, and SIGINT still ends
# it with exit 0 and its counters. And the start-up line says the whole
# layout (encap, endpoints, ids, cookie lengths, sublayer, seq, MTU).
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwha$$ b=pwhb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.210.0.1 10.210.0.2 24
pw_start "$a" "$tmp/a" up pw0 local 10.210.0.1 remote 10.210.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2
pw_start "$b" "$tmp/b" up pw0 local 10.210.0.2 remote 10.210.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 1
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.96.0.1/24 dev pw0
run ip -n "$b" addr add 10.96.0.2/24 dev pw0
run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 -q 10.96.0.2 >/dev/null
# The start-up line says the whole layout, in ip l2tp's words.
grep -q '^pwire: pw0 up: encap udp 10.210.0.1:1701 -> 10.210.0.2:1701, session_id 1 peer_session_id 2, cookie 0 bytes out 0 in, l2spec_type default, seq none, mtu 1446, queues 1' "$tmp/a.err" ||
	{ cat "$tmp/a.err"; echo "FAIL: the start-up line does not say the layout"; exit 1; }
run kill -HUP "${pids[0]}"
sleep 0.3
kill -0 "${pids[0]}" 2>/dev/null || { cat "$tmp/a.err"; echo "FAIL: SIGHUP ended pwire up"; exit 1; }
grep -q '^pwire: pw0: SIGHUP: nothing to re-read (pwired reloads on it); still running$' "$tmp/a.err" ||
	{ cat "$tmp/a.err"; echo "FAIL: no log line for SIGHUP"; exit 1; }
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.96.0.2 >/dev/null ||
	{ echo "FAIL: no ping after SIGHUP"; exit 1; }
pw_stop
grep -q 'rx_packets' "$tmp/a" || { echo "FAIL: no counters at exit"; exit 1; }
echo "ok: SIGHUP logged, the pseudowire kept running, SIGINT ended it with exit 0"
