#!/bin/bash
# pwire <-> pwire across two network namespaces: ping, then 10 MB over TCP
# through the pseudowire with matching sha256, then both pwires stopped by
# SIGINT must exit 0 with traffic counted and no drop of any reason.
# While the ping runs, l2tp_wire.py captures the underlay and decodes every
# datagram on its own (RFC 3931/4719): T/Ver word, session ids, cookies, the
# sublayer and its numbers, the MACs and lengths of the frames inside. Both
# ends share pwire's codec, so only this catches a layout bug they share.
#
#   netns A                                   netns B
#   pw0 10.99.0.1 -- pwire ==[veth underlay]== pwire -- pw0 10.99.0.2
#                        10.200.0.1 | fd00:200::1   10.200.0.2 | fd00:200::2
#
# usage: pair.sh ENCAP(udp|ip) AF(4|6) COOKIE(0|4|8) L2SPEC(none|default-seq) [WORD VALUE]...
# (extra words go to both pwires, e.g. `mtu 1500`: frames too big for the
# underlay, so UDP GSO must fall back to single, fragmented datagrams;
# `fastpath on`: the kernel fast path's twin of a layout it qualifies for,
# where both start-up lines must say `path kernel`, the pings must have been
# carried by both sides' programs and no fast-path error counted)
set -eu
: "${PWIRE:?}"
encap=${1:?} af=${2:?} cookie=${3:?} l2spec=${4:?}
shift 4
extra=("$@")
fast=0
for ((i = 0; i + 1 < ${#extra[@]}; i++)); do
	[ "${extra[i]}" = fastpath ] && [ "${extra[i + 1]}" = on ] && fast=1
done
a=pwpa$$ b=pwpb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
out=$tmp

if [ "$af" = 4 ]; then ua=10.200.0.1 ub=10.200.0.2 plen=24; else ua=fd00:200::1 ub=fd00:200::2 plen=64; fi
pw_pair "$a" "$b" "$ua" "$ub" "$plen"

# Words per side. Session ids use the full 32-bit range.
common=(encap "$encap" "${extra[@]}")
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

pw_start "$a" "$out/a" up pw0 "${common[@]}" "${wa[@]}" --json
pw_start "$b" "$out/b" up pw0 "${common[@]}" "${wb[@]}" --json
for ns in "$a" "$b"; do
	pw_wait_up "$ns" pw0 && continue
	cat "$out"/*.err
	if [ "$fast" = 1 ] && grep -q 'refused the programs: Operation not permitted' "$out"/*.err; then
		echo "SKIP: the kernel refuses BPF programs here (EPERM)"
		exit 77
	fi
	echo "FAIL: pwire did not start in $ns"
	exit 1
done
if [ "$fast" = 1 ]; then
	for side in a b; do
		# The line may follow the device's coming up by a moment.
		for _ in $(seq 50); do
			grep -q ' up: ' "$out/$side.err" && break
			sleep 0.1
		done
		grep ' up: ' "$out/$side.err" || true
		grep -q ', path kernel (TC programs on pw0 and ul0)$' "$out/$side.err" ||
			{ echo "FAIL: ${side^^}'s start-up line does not say path kernel"; exit 1; }
	done
fi
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0

wire=(encap="$encap" af="$af" a="$ua" b="$ub" a_session=0xfffffffe b_session=0x80000001
	a_mac="$(ip netns exec "$a" cat /sys/class/net/pw0/address)"
	b_mac="$(ip netns exec "$b" cat /sys/class/net/pw0/address)" a_ip=10.99.0.1 b_ip=10.99.0.2)
[ "$encap" = udp ] && wire+=(sport=1701 dport=1701)
case $cookie in
0) wire+=(a_cookie=- b_cookie=-) ;;
4) wire+=(a_cookie=11223344 b_cookie=55667788) ;;
8) wire+=(a_cookie=0011223344556677 b_cookie=8899aabbccddeeff) ;;
esac
case $l2spec in
none) wire+=(sublayer=none) ;;
default-seq) wire+=(sublayer=seq) ;;
esac
echo "+ ip netns exec $b python3 l2tp_wire.py ul0 ${wire[*]} &" >&2
ip netns exec "$b" python3 "$(dirname "$0")/l2tp_wire.py" ul0 "${wire[@]}" >"$out/wire" 2>&1 &
sniffer=$!
trap 'kill "$sniffer" 2>/dev/null || true; pw_cleanup' EXIT
for _ in $(seq 50); do
	grep -q '^capturing' "$out/wire" && break
	kill -0 "$sniffer" 2>/dev/null || break
	sleep 0.1
done
grep -q '^capturing' "$out/wire" || { cat "$out/wire"; echo "FAIL: l2tp_wire.py did not start"; exit 1; }

run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2

kill -TERM "$sniffer"
wire_status=0
wait "$sniffer" || wire_status=$?
cat "$out/wire"
[ "$wire_status" = 0 ] || { echo "FAIL: the bytes on the underlay (l2tp_wire.py exited $wire_status)"; exit 1; }

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

pw_stop
python3 - "$fast" "$out/a" "$out/b" <<'PY'
import json, sys
bad = []
fast = sys.argv[1] == "1"
for path in sys.argv[2:]:
    c = json.loads(open(path).read().splitlines()[-1])
    print(path[-1], json.dumps(c))
    s, t, v = c["session"], c["tunnel"], c["vnic"]
    if s["rx_bytes"] < 10000000 and path.endswith("b"):
        bad.append(f"{path[-1]}: rx_bytes {s['rx_bytes']} for 10 MB")
    for group in (s, t, v):
        for k, n in group.items():
            if k not in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes") and n:
                bad.append(f"{path[-1]}: {k} {n}")
    f = c.get("fastpath")
    if fast and (not f or f["tx_errors"] or f["tx_packets"] < 3 or f["rx_packets"] < 3):
        # The pings (3 each way) at least went by the programs on both sides.
        bad.append(f"{path[-1]}: fastpath {json.dumps(f)}: want tx and rx packets >= 3, no error")
print("\n".join(bad) if bad else "counters clean on both sides")
sys.exit(1 if bad else 0)
PY
