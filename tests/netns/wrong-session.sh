#!/bin/bash
# A peer that sends to a session id we do not have: the drop log names the
# id that came and ours ("rx_bad_session +N (the last came for session 99;
# this one is 1)"), so a mistyped id on either end shows in one line.
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwsa$$ b=pwsb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.212.0.1 10.212.0.2 24
pw_start "$a" "$tmp/a" up pw0 local 10.212.0.1 remote 10.212.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2
# B's peer_session_id is mistyped: 99 where A has 1.
pw_start "$b" "$tmp/b" up pw0 local 10.212.0.2 remote 10.212.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 99
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$b" addr add 10.94.0.2/24 dev pw0
run ip netns exec "$b" ping -c 3 -i 0.2 -W 1 -q 10.94.0.1 >/dev/null || true
for _ in $(seq 30); do
	grep -q 'rx_bad_session +[0-9]* (the last came for session 99; this one is 1)' "$tmp/a.err" && break
	sleep 0.1
done
pw_stop
grep 'rx_bad_session' "$tmp/a.err" | head -2
grep -q 'rx_bad_session +[0-9]* (the last came for session 99; this one is 1)' "$tmp/a.err" ||
	{ cat "$tmp/a.err"; echo "FAIL: the drop log does not name the session that came"; exit 1; }
echo "ok: the drop log names session 99, which came, and 1, ours"
