#!/bin/bash
# Soak: FRAMES numbered frames through two pwires, with B's receive side
# impaired (drop, duplicate, reorder, corrupt, truncate at 0.5 % each, from a
# seed) and `seq both`, then the books must balance at every layer:
#
#   framer send -> [A pw0 TAP] -> pwire A ==udp/veth==> [impair] pwire B -> [B pw0] -> framer recv
#                  tx_dropped                 RcvbufErrors  impair_*  gate drops        kernel_drops
#
# - pwire A read exactly what the TAP did not drop;
# - what reached B's gate = A sent - socket drops - impair_dropped + impair_duplicated,
#   and every one of those is either rx_packets or exactly one named drop;
# - no frame arrives twice (duplicates and reordered ones are caught by seq);
# - every frame sent and not delivered intact is covered by a named counter.
#
# usage: soak.sh FRAMES PPS [SEED]     (make check runs a short one)
set -eu
: "${PWIRE:?}" "${FRAMER:?}"
frames=${1:?} pps=${2:?} seed=${3:-7}
a=pwsoakA$$ b=pwsoakB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.201.0.1 10.201.0.2 24
for ns in "$a" "$b"; do
	# Only the framer's frames on the TAPs: no IPv6 autoconf chatter.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done
common=(udp_sport 1701 udp_dport 1701 l2spec_type default seq both mtu 1500)
impair="seed=$seed,drop=0.5,dup=0.5,reorder=0.5,corrupt=0.5,truncate=0.5"
pw_start "$a" "$tmp/a" up pw0 --json local 10.201.0.1 remote 10.201.0.2 session_id 1 peer_session_id 2 \
	cookie 0011223344556677 peer_cookie 8899aabbccddeeff "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 --json local 10.201.0.2 remote 10.201.0.1 session_id 2 peer_session_id 1 \
	cookie 8899aabbccddeeff peer_cookie 0011223344556677 "${common[@]}" --impair "$impair"
for ns in "$a" "$b"; do
	pw_wait_up "$ns" pw0
	ip -n "$ns" link set pw0 txqueuelen 10000
done

ip netns exec "$b" "$FRAMER" recv pw0 3 "$frames" >"$tmp/recv" &
recv=$!
until grep -q ready "$tmp/recv"; do sleep 0.05; done
run ip netns exec "$a" "$FRAMER" send pw0 "$frames" "$pps" | tee "$tmp/send"
wait "$recv"
tap_dropped=$(ip netns exec "$a" cat /sys/class/net/pw0/statistics/tx_dropped)
udp_errors=$(pw_rcvbuf_errors "$b")
pw_stop
python3 - "$tmp" "$tap_dropped" "$udp_errors" <<'PY'
import json, sys
d = sys.argv[1]
tap_dropped, udp_errors = int(sys.argv[2]), int(sys.argv[3])
sent = json.loads(open(f"{d}/send").read())["sent"]
recv = json.loads(open(f"{d}/recv").read().splitlines()[-1])
A = json.loads(open(f"{d}/a").read().splitlines()[-1])
B = json.loads(open(f"{d}/b").read().splitlines()[-1])
im = B["impair"]
gate_drops = sum(v for k, v in {**B["tunnel"], **B["session"]}.items()
                 if k.startswith("rx_") and k not in ("rx_packets", "rx_bytes", "rx_errors",
                                                     "rx_socket_errors", "rx_sockbuf_drops"))
gate_in = A["session"]["tx_packets"] - A["tunnel"]["tx_errors"] - udp_errors \
    - im["impair_dropped"] + im["impair_duplicated"]
delivered = B["session"]["rx_packets"] - B["vnic"]["tx_errors"]
got = recv["unique"] + recv["duplicates"] + recv["corrupt"] + recv["beyond"] + recv["kernel_drops"]
lost = sent - recv["unique"]
named = tap_dropped + udp_errors + A["tunnel"]["tx_errors"] + im["impair_dropped"] + \
    gate_drops + B["vnic"]["tx_errors"] + recv["kernel_drops"] + recv["corrupt"] + recv["beyond"]
print(f"sent {sent}, delivered intact {recv['unique']}, lost {lost}")
print(f"  A TAP dropped {tap_dropped}, A read {A['session']['tx_packets']}, A vnic drops {A['vnic']}")
print(f"  impair {im}")
print(f"  B gate: in {gate_in} = rx_packets {B['session']['rx_packets']} + drops {gate_drops}"
      f" (B socket drops {udp_errors})")
print(f"  B tunnel {B['tunnel']}")
print(f"  B session {B['session']}")
print(f"  receiver {recv}")
checks = [
    ("pwire A read what the TAP did not drop",
     A["session"]["tx_packets"] == sent - tap_dropped - sum(A["vnic"].values())),
    ("every datagram at B's gate is a frame or one named drop",
     B["session"]["rx_packets"] + gate_drops == gate_in),
    ("what B wrote to its TAP reached the receiver or a counted drop", got == delivered),
    ("no frame delivered twice", recv["duplicates"] == 0),
    ("frames delivered damaged were damaged by the impairment",
     recv["corrupt"] + recv["beyond"] <= im["impair_corrupted"] + im["impair_truncated"]),
    ("every lost frame is covered by a named counter", lost <= named),
    ("impairment happened", min(im.values()) > 0 if sent >= 100000 else True),
]
bad = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if bad else 0)
PY
