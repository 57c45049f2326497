#!/bin/bash
# Multiqueue: two pwires with `queues N` (a multiqueue TAP, N UDP sockets on
# one port, N burst loops), IPv4 or IPv6 underlay, 32 TCP flows over inner
# IPv4 and 32 over inner IPv6 (50 Mbit/s each), a 10 MB transfer checked by
# sha256. Then, from the exit counters:
#  - every queue carried traffic both ways on both sides (flows are spread);
#  - what queue q of A sent, queue q of B received, and back (each flow
#    stayed on one queue end to end, and nothing was lost but what the
#    kernel dropped and counted: a full receive buffer), in reports both
#    print at once on the quiet link, counted from the pings on (what the
#    ends sent each other while they started may have met a group of
#    sockets not yet steered);
#  - no drop of any reason.
# Every ping must be answered and each iperf3 run must succeed (its exit
# status, and bytes received on every stream).
# usage: multiqueue.sh QUEUES AF(4|6)
set -eu -o pipefail
: "${PWIRE:?}"
queues=${1:?} af=${2:?}
a=pwmqA$$ b=pwmqB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }
# ping DST: 3 pings, all answered.
ping3() {
	local out
	echo "+ ip netns exec $a ping -c 3 -i 0.2 -W 2 $1" >&2
	out=$(ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "$1") || true
	echo "$out" | tail -n 2
	grep -q '^3 packets transmitted, 3 received,' <<<"$out" || { echo "FAIL: pings to $1 lost"; exit 1; }
}

if [ "$af" = 4 ]; then ua=10.204.0.1 ub=10.204.0.2 plen=24; else ua=fd00:204::1 ub=fd00:204::2 plen=64; fi
pw_pair "$a" "$b" "$ua" "$ub" "$plen"
common=(udp_sport 1701 udp_dport 1701 queues "$queues" --json)
pw_start "$a" "$tmp/a" up pw0 local "$ua" remote "$ub" session_id 1 peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local "$ub" remote "$ua" session_id 2 peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
run ip -n "$a" addr add fd00:99::1/64 dev pw0 nodad
run ip -n "$b" addr add fd00:99::2/64 dev pw0 nodad
ping3 10.99.0.2
ping3 fd00:99::2
pw_queues_base "$tmp/a" "$tmp/b" "$a" "$b"

for dst in 10.99.0.2 fd00:99::2; do
	ip netns exec "$b" timeout 20 iperf3 -s -1 >/dev/null &
	server=$!
	sleep 0.3
	status=0
	run ip netns exec "$a" timeout 20 iperf3 -c "$dst" -P 32 -b 50M -t 2 -J >"$tmp/iperf3" || status=$?
	wait "$server" || { echo "FAIL: the iperf3 server for $dst exited $?"; exit 1; }
	python3 - "$tmp/iperf3" "$status" <<'PY'
import json, sys
status = int(sys.argv[2])
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    r = {}
end = r.get("end", {})
streams = [s["receiver"]["bytes"] for s in end.get("streams", []) if "receiver" in s]
got = end.get("sum_received", {})
print(f"iperf3: {len(streams)} streams, {got.get('bits_per_second', 0) / 1e6:.0f} Mbit/s received, "
      f"exit {status}{', error: ' + r['error'] if 'error' in r else ''}")
ok = status == 0 and "error" not in r and len(streams) == 32 and all(b > 0 for b in streams)
print("ok   iperf3 ran, every stream delivered" if ok else "FAIL iperf3")
sys.exit(0 if ok else 1)
PY
done

head -c 10000000 /dev/urandom >"$tmp/send"
ip netns exec "$b" timeout 30 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$tmp/recv,creat,trunc" &
sink=$!
sleep 0.3
run ip netns exec "$a" timeout 20 socat -u "OPEN:$tmp/send" TCP:10.99.0.2:5001,retry=20,interval=0.1
wait "$sink"
matched=no
pw_queues_match "$tmp/a" "$tmp/b" "$queues" "$a" "$b" && matched=yes
pw_stop
python3 - "$tmp" "$queues" "$(sha256sum <"$tmp/send")" "$(sha256sum <"$tmp/recv")" "$matched" <<'PY'
import json, sys
d, n, sent, got, matched = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
A = json.loads(open(f"{d}/a").read().splitlines()[-1])
B = json.loads(open(f"{d}/b").read().splitlines()[-1])
qa, qb = A["queues"], B["queues"]
for q in range(n):
    print(f"queue {q}: A tx {qa[q]['tx_packets']} rx {qa[q]['rx_packets']}, "
          f"B tx {qb[q]['tx_packets']} rx {qb[q]['rx_packets']}")
drops = {f"{side}.{g}.{k}": v for side, X in (("A", A), ("B", B))
         for g in ("session", "tunnel", "vnic") for k, v in X[g].items()
         if v and k not in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "tx_eagain")}
checks = [
    ("the 10 MB arrived intact", sent == got),
    (f"{n} queues on each side", len(qa) == n and len(qb) == n),
    # 64 flows over N <= 4 queues: a queue with no flow at all is a
    # 4 * (3/4)^64 chance; one flow carries thousands of frames one way and
    # (ACKs joined by GRO) hundreds the other.
    ("every queue carried at least 100 frames each way on both sides",
     all(min(q["tx_packets"], q["rx_packets"]) >= 100 for q in qa + qb)),
    ("what each queue of A sent, the same queue of B received, and back (a quiet snapshot)",
     matched == "yes"),
    (f"no drops ({drops})", not drops),
]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
