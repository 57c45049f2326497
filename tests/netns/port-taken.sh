#!/bin/bash
# A second `pwire up` on a local address and UDP port that a running one has
# fails at once, naming the address and the port (before, both started and
# both went dark); the first one goes on.
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwpa$$ b=pwpb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.211.0.1 10.211.0.2 24
pw_start "$a" "$tmp/a" up pw0 local 10.211.0.1 remote 10.211.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2
pw_start "$b" "$tmp/b" up pw0 local 10.211.0.2 remote 10.211.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 1
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
rc=0
run ip netns exec "$a" timeout 10 "$PWIRE" up pw1 local 10.211.0.1 remote 10.211.0.3 \
	udp_sport 1701 udp_dport 1701 session_id 7 peer_session_id 8 2>"$tmp/second.err" || rc=$?
cat "$tmp/second.err"
[ "$rc" = 1 ] || { echo "FAIL: the second pwire up exited $rc, not 1"; exit 1; }
grep -q 'cannot open the UDP socket on 10.211.0.1 port 1701: Address already in use (another socket has the port)' \
	"$tmp/second.err" || { echo "FAIL: the error does not name the address and the port"; exit 1; }
ip -n "$a" link show pw1 >/dev/null 2>&1 && { echo "FAIL: the second pwire up left pw1 behind"; exit 1; }
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.95.0.2 >/dev/null ||
	{ echo "FAIL: the first pwire up stopped carrying"; exit 1; }
pw_stop
echo "ok: the second pwire up on port 1701 refused, naming 10.211.0.1 port 1701; the first went on"
