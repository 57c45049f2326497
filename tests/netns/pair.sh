#!/bin/bash
# pwire <-> pwire across two network namespaces: ping, then 10 MB over TCP
# through the pseudowire with matching sha256, then both pwires stopped by
# SIGINT must exit 0 with traffic counted and no drop of any reason.
#
#   netns A                                   netns B
#   pw0 10.99.0.1 -- pwire ==[veth underlay]== pwire -- pw0 10.99.0.2
#                        10.200.0.1 | fd00:200::1   10.200.0.2 | fd00:200::2
#
# usage: pair.sh ENCAP(udp|ip) AF(4|6) COOKIE(0|4|8) L2SPEC(none|default-seq)
set -eu
: "${PWIRE:?}"
encap=${1:?} af=${2:?} cookie=${3:?} l2spec=${4:?}
a=pwpa$$ b=pwpb$$
out=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
run() { echo "+ $*" >&2; "$@"; }

if [ "$af" = 4 ]; then ua=10.200.0.1 ub=10.200.0.2 plen=24; else ua=fd00:200::1 ub=fd00:200::2 plen=64; fi
run ip netns add "$a"
run ip netns add "$b"
run ip -n "$a" link add ul0 type veth peer name ul0 netns "$b"
for ns in "$a" "$b"; do run ip -n "$ns" link set lo up; run ip -n "$ns" link set ul0 up; done
run ip -n "$a" addr add "$ua/$plen" dev ul0 nodad
run ip -n "$b" addr add "$ub/$plen" dev ul0 nodad

# Words per side. Session ids use the full 32-bit range.
common=(encap "$encap")
[ "$encap" = udp ] && common+=(udp_sport 1701 udp_dport 1701)
case $l2spec in
none) common+=(l2spec_type none) ;;
default-seq) common+=(l2spec_type default seq both) ;;
*) echo "bad L2SPEC $l2spec"; exit 2 ;;
esac
wa=(local "$ua" remote "$ub" session_id 0x80000001 peer_session_id 0xfffffffe)
wb=(local "$ub" remote "$ua" session_id 0xfffffffe peer_session_id 0x80000001)
case $cookie in
0) ;;
4) wa+=(cookie 11223344 peer_cookie 55667788); wb+=(cookie 55667788 peer_cookie 11223344) ;;
8) wa+=(cookie 0011223344556677 peer_cookie 8899aabbccddeeff)
   wb+=(cookie 8899aabbccddeeff peer_cookie 0011223344556677) ;;
*) echo "bad COOKIE $cookie"; exit 2 ;;
esac

start() { # NS OUTFILE WORDS...
	local ns=$1 o=$2
	shift 2
	echo "+ ip netns exec $ns $PWIRE up pw0 $* --json &" >&2
	ip netns exec "$ns" "$PWIRE" up pw0 "$@" --json >"$o" 2>"$o.err" &
	pids+=($!)
}
start "$a" "$out/a" "${common[@]}" "${wa[@]}"
start "$b" "$out/b" "${common[@]}" "${wb[@]}"
for ns in "$a" "$b"; do
	for _ in $(seq 50); do
		ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && break
		sleep 0.1
	done
done
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0

run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2

head -c 10000000 /dev/urandom >"$out/send"
echo "+ ip netns exec $b socat -u TCP-LISTEN:5001,reuseaddr OPEN:recv &" >&2
ip netns exec "$b" timeout 40 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$out/recv,creat,trunc" &
sink=$!
sleep 0.3
run ip netns exec "$a" timeout 30 socat -u "OPEN:$out/send" TCP:10.99.0.2:5001,retry=20,interval=0.1
wait "$sink"
sent=$(sha256sum <"$out/send" | cut -d' ' -f1)
got=$(sha256sum <"$out/recv" | cut -d' ' -f1)
echo "sha256 sent $sent"
echo "sha256 recv $got"
[ "$sent" = "$got" ] || { echo "FAIL: the 10 MB arrived altered"; exit 1; }

for i in 0 1; do
	kill -INT "${pids[$i]}"
	wait "${pids[$i]}" || { echo "FAIL: pwire exited $?"; cat "$out/a.err" "$out/b.err"; exit 1; }
done
pids=()
python3 - "$out/a" "$out/b" <<'PY'
import json, sys
bad = []
for path in sys.argv[1:]:
    c = json.loads(open(path).read().splitlines()[-1])
    print(path[-1], json.dumps(c))
    s, t, v = c["session"], c["tunnel"], c["vnic"]
    if s["rx_packets"] < 7000 and path.endswith("b"):
        bad.append(f"{path[-1]}: rx_packets {s['rx_packets']} for 10 MB")
    for group in (s, t, v):
        for k, n in group.items():
            if k not in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes") and n:
                bad.append(f"{path[-1]}: {k} {n}")
print("\n".join(bad) if bad else "counters clean on both sides")
sys.exit(1 if bad else 0)
PY
