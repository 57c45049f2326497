#!/bin/bash
# A hostile peer against one pwire: every receive-gate reason arrives between
# valid frames over a real socket (including a datagram longer than the
# buffer, a wrong source address or (UDP) port, and for IP encap an IPv4
# header with options).
# Each reason's counter must move by exactly one, every valid frame must
# reach the TAP, nothing else may move.
#
#   netns pwhostile$$ (lo only)
#   hostile_peer.py 127.0.0.2[:17002] --L2TPv3--> 127.0.0.1[:17001] pwire --> TAP pw0
#   and a stranger at 127.0.0.3
set -eu
: "${PWIRE:?}" "${TESTS:?}"
encap=${1:?usage: hostile.sh udp|ip}
ns=pwhostile$$
out=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
run() { echo "+ $*" >&2; "$@"; }

run ip netns add "$ns"
run ip -n "$ns" link set lo up
ports=()
[ "$encap" = udp ] && ports=(udp_sport 17001 udp_dport 17002)
set -- ip netns exec "$ns" "$PWIRE" up pw0 encap "$encap" local 127.0.0.1 remote 127.0.0.2 \
	"${ports[@]}" session_id 0x1001 peer_session_id 0x2002 \
	cookie aabbccddeeff0011 peer_cookie 1122334455667788 l2spec_type default seq recv \
	--json
echo "+ $* &" >&2
"$@" >"$out/counters" 2>"$out/stderr" &
pid=$!
for _ in $(seq 50); do
	ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && break
	sleep 0.1
done
expect=$(run ip netns exec "$ns" python3 "$TESTS/netns/hostile_peer.py" "$encap")
sleep 0.3
tap_rx=$(ip netns exec "$ns" cat /sys/class/net/pw0/statistics/rx_packets)
kill -TERM "$pid"
wait "$pid" || { echo "pwire exited $?"; cat "$out/stderr"; exit 1; }
pid=
cat "$out/stderr"
echo "expected: $expect"
echo "pwire:    $(cat "$out/counters")"
python3 - "$expect" "$out/counters" "$tap_rx" <<'PY'
import json, sys
want = json.loads(sys.argv[1])
got = json.loads(open(sys.argv[2]).read().splitlines()[-1])
flat = {**got["session"], **got["tunnel"]}
bad = []
for name, value in flat.items():
    if name in ("tx_packets", "tx_bytes", "rx_bytes", "rx_errors"):
        continue
    if value != want.get(name, 0):
        bad.append(f"{name}: {value}, want {want.get(name, 0)}")
if int(sys.argv[3]) != want["rx_packets"]:
    bad.append(f"TAP received {sys.argv[3]} frames, want {want['rx_packets']}")
if any(got["vnic"].values()):
    bad.append(f"vnic counters moved: {got['vnic']}")
print("\n".join(bad) if bad else "every counter as expected")
sys.exit(1 if bad else 0)
PY
