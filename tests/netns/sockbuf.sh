#!/bin/bash
# A full socket send buffer (EAGAIN/ENOBUFS): the underlay is throttled to
# 10 Mbit/s (tbf, with a queue long enough never to drop) and A's TAP is
# flooded far faster. pwire A must count the full socket (tx_eagain), keep
# what it could not send (no datagram lost after it took a frame), wait for
# room without spinning, and push the back-pressure to its TAP, where the
# kernel drops and counts (tx_dropped):
#
#   framer send -> [A pw0] -> pwire A -> socket (full) -> tbf 10 Mbit -> pwire B -> [B pw0] -> framer recv
#                  tx_dropped   tx_eagain
set -eu
: "${PWIRE:?}" "${FRAMER:?}"
frames=20000 pps=50000
a=pwsbA$$ b=pwsbB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

pw_pair "$a" "$b" 10.202.0.1 10.202.0.2 24
for ns in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done
# Skip only when the kernel has no tbf (tc: "Specified qdisc kind is unknown"
# and sch_tbf cannot be loaded); any other tc error fails the test.
tbf=(tc qdisc add dev ul0 root tbf rate 10mbit burst 16k limit 64mb)
echo "+ ip netns exec $a ${tbf[*]}" >&2
if ! err=$(ip netns exec "$a" "${tbf[@]}" 2>&1); then
	if grep -q 'qdisc kind is unknown' <<<"$err" && ! modprobe -q sch_tbf 2>/dev/null; then
		echo "SKIP: the kernel has no tbf qdisc (sch_tbf) to throttle the underlay: $err"
		exit 77
	fi
	# sch_tbf was just loaded, or the error is not about tbf being absent.
	err=$(ip netns exec "$a" "${tbf[@]}" 2>&1) ||
		{ echo "FAIL: tc could not add the tbf qdisc: $err"; exit 1; }
fi
common=(udp_sport 1701 udp_dport 1701 mtu 1500)
pw_start "$a" "$tmp/a" up pw0 --json local 10.202.0.1 remote 10.202.0.2 session_id 1 \
	peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 --json local 10.202.0.2 remote 10.202.0.1 session_id 2 \
	peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0

ip netns exec "$b" "$FRAMER" recv pw0 3 "$frames" >"$tmp/recv" &
recv=$!
until grep -q ready "$tmp/recv"; do sleep 0.05; done
run ip netns exec "$a" "$FRAMER" send pw0 "$frames" "$pps" | tee "$tmp/send"
# The flood is over; the socket is still full and drains at 10 Mbit/s.
before=$(cpu_ticks "${pids[0]}")
sleep 0.8
ticks=$(($(cpu_ticks "${pids[0]}") - before))
# In bytes from tc's JSON: its text form says "3902Kb" for a backlog within
# 16 bytes of a multiple of 1024, which a pattern for "NNNb" read as none.
backlog=$(ip netns exec "$a" tc -s -j qdisc show dev ul0 |
	python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["backlog"])')
wait "$recv"
tap_dropped=$(ip netns exec "$a" cat /sys/class/net/pw0/statistics/tx_dropped)
udp_errors=$(pw_rcvbuf_errors "$b")
pw_stop
python3 - "$tmp" "$tap_dropped" "$udp_errors" "$ticks" "${backlog:-0}" <<'PY'
import json, sys
d = sys.argv[1]
tap_dropped, udp_errors, ticks, backlog = map(int, sys.argv[2:6])
sent = json.loads(open(f"{d}/send").read())["sent"]
recv = json.loads(open(f"{d}/recv").read().splitlines()[-1])
A = json.loads(open(f"{d}/a").read().splitlines()[-1])
B = json.loads(open(f"{d}/b").read().splitlines()[-1])
print(f"sent {sent}, A TAP dropped {tap_dropped}, A read {A['session']['tx_packets']}, "
      f"A tunnel {A['tunnel']}")
print(f"B rx_packets {B['session']['rx_packets']}, B socket drops {udp_errors}, receiver {recv}")
print(f"A's CPU ticks in 0.8 s while the socket stayed full: {ticks} (qdisc backlog then {backlog} B)")
checks = [
    ("the socket was full: tx_eagain counted", A["tunnel"]["tx_eagain"] > 0),
    ("back-pressure reached the TAP (the kernel dropped there)", tap_dropped > 0),
    ("pwire A read what the TAP did not drop", A["session"]["tx_packets"] == sent - tap_dropped),
    ("nothing pwire A took was lost: B received all of it",
     B["session"]["rx_packets"] == A["session"]["tx_packets"] and A["tunnel"]["tx_errors"] == 0
     and udp_errors == 0),
    ("every frame B received reached the receiver once",
     recv["unique"] == B["session"]["rx_packets"] and recv["duplicates"] == 0
     and recv["corrupt"] == 0),
    ("the socket was still full while measuring", backlog > 0),
    ("no busy loop while waiting for room (<= 20 ticks)", ticks <= 20),
]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
