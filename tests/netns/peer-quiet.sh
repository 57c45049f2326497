#!/bin/bash
# A peer that goes quiet and comes back is said: "no frames from the peer
# for 10 s" once, and "frames from the peer again after N s" when it is
# back (B's pwire stopped with SIGSTOP, resumed with SIGCONT).
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwqa$$ b=pwqb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; cat "$tmp/a.err"; exit 1; }

pw_pair "$a" "$b" 10.214.0.1 10.214.0.2 24
pw_start "$a" "$tmp/a" up pw0 local 10.214.0.1 remote 10.214.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2
pw_start "$b" "$tmp/b" up pw0 local 10.214.0.2 remote 10.214.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 1
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.93.0.1/24 dev pw0
run ip -n "$b" addr add 10.93.0.2/24 dev pw0
run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 -q 10.93.0.2 >/dev/null
run kill -STOP "${pids[1]}"
for _ in $(seq 150); do
	grep -q '^pwire: pw0: no frames from the peer for 1[0-9] s$' "$tmp/a.err" && break
	sleep 0.1
done
grep -q '^pwire: pw0: no frames from the peer for 1[0-9] s$' "$tmp/a.err" || fail "no line for the quiet peer"
[ "$(grep -c 'no frames from the peer' "$tmp/a.err")" = 1 ] || fail "the quiet peer was logged more than once"
run kill -CONT "${pids[1]}"
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.93.0.2 >/dev/null || fail "no ping after SIGCONT"
for _ in $(seq 30); do
	grep -q '^pwire: pw0: frames from the peer again after [0-9]* s$' "$tmp/a.err" && break
	sleep 0.1
done
grep -q '^pwire: pw0: frames from the peer again after [0-9]* s$' "$tmp/a.err" || fail "no line for the peer's return"
grep 'from the peer' "$tmp/a.err"
pw_stop
echo "ok: the quiet peer logged once, its return logged"
