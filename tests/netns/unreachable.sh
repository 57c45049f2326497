#!/bin/bash
# Frames to a remote the kernel cannot reach: each refused datagram is
# counted in tx_errors and not in tx_packets, and the drop log says why in
# the kernel's words ("(the last refused: Network is unreachable)").
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwua$$ b=pwub$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; cat "$tmp/a" "$tmp/a.err"; exit 1; }

pw_pair "$a" "$b" 10.215.0.1 10.215.0.2 24
# 10.216.0.9: no route to it.
pw_start "$a" "$tmp/a" up pw0 local 10.215.0.1 remote 10.216.0.9 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2 --json
pw_wait_up "$a" pw0
run ip -n "$a" addr add 10.92.0.1/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 1 -q 10.92.0.2 >/dev/null || true
for _ in $(seq 30); do
	grep -q 'tx_errors +[0-9]* (the last refused: Network is unreachable)' "$tmp/a.err" && break
	sleep 0.1
done
pw_stop
grep 'tx_errors' "$tmp/a.err" | head -2
grep -q 'tx_errors +[0-9]* (the last refused: Network is unreachable)' "$tmp/a.err" ||
	fail "the drop log does not say why the datagrams were refused"
python3 - "$tmp/a" <<'PY' || fail "refused datagrams counted as sent"
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(f"tx_packets {r['session']['tx_packets']}, tx_errors {r['tunnel']['tx_errors']}")
sys.exit(0 if r["session"]["tx_packets"] == 0 and r["tunnel"]["tx_errors"] > 0 else 1)
PY
echo "ok: refused datagrams counted in tx_errors only, the reason logged"
