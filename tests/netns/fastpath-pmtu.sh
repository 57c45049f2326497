#!/bin/bash
# The kernel fast path honours the path MTU (docs/fastpath.md, "MTU"): what
# the route to the peer cannot take whole, a path MTU learnt from ICMP
# included, goes on to pwire, whose socket fragments it, instead of leaving
# with DF set to be dropped on the way.
#
#   ns A                          ns R (router)                     ns B
#   pw0 10.98.0.1                                                   pw0 10.98.0.2
#   pwire A (fastpath on)                                           pwire B
#   ul0 10.213.1.1 ==veth 1600== ul0 10.213.1.2  ul1 10.213.2.2 ==veth 1400== ul0 10.213.2.1
#
# usage: fastpath-pmtu.sh [4|6]: the underlay's family (6: fd14:1::1 and
# so on, ICMPv6 "packet too big" instead of "fragmentation needed").
#
# 1. Pings of 56 bytes: carried by A's program (its tx_packets count them).
# 2. Pings of 1400 bytes (1482-byte outer datagrams over IPv4, 1502 over
#    IPv6, more than R's link to B takes): the first ones are dropped by R,
#    which tells A (ICMP, MTU 1400); A's kernel learns the path MTU and
#    pwire's helper reads it within a second. Then 5 of 5 answered, passed
#    on by A's program to pwire (tx_passed), whose socket fragments them,
#    `ip route get` in A shows the 1400 the fast path now keeps to, and
#    A's log says so. Then 2 MB over TCP arrive intact: the GSO frames of
#    A's TAP, whose segments would not fit, are passed on too.
set -eu -o pipefail
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
af=${1:-4}
a=pwpmA$$ r=pwpmR$$ b=pwpmB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

case $af in
4) a1=10.213.1.1 r1=10.213.1.2 r2=10.213.2.2 b2=10.213.2.1 plen=24 net1=10.213.1.0/24
	net2=10.213.2.0/24 forward=net.ipv4.ip_forward dad=() ;;
6) a1=fd14:1::1 r1=fd14:1::2 r2=fd14:2::2 b2=fd14:2::1 plen=64 net1=fd14:1::/64
	net2=fd14:2::/64 forward=net.ipv6.conf.all.forwarding dad=(nodad) ;;
*) echo "usage: $0 [4|6]"; exit 2 ;;
esac
pw_pair "$a" "$r" "$a1" "$r1" "$plen"
run ip -n "$a" link set ul0 mtu 1600
# What A's programs send must leave finished for B's socket behind a router
# (docs/fastpath.md: a veth hands frames on unchecksummed otherwise).
run ip netns exec "$a" ethtool -K ul0 tx off >/dev/null
run ip -n "$r" link set ul0 mtu 1600
run ip netns add "$b"
namespaces+=("$b")
run ip -n "$r" link add ul1 type veth peer name ul0 netns "$b"
ip -n "$b" link set lo up
run ip -n "$r" link set ul1 mtu 1400 up
run ip -n "$b" link set ul0 mtu 1400 up
run ip -n "$r" addr add "$r2/$plen" dev ul1 "${dad[@]}"
run ip -n "$b" addr add "$b2/$plen" dev ul0 "${dad[@]}"
run ip netns exec "$r" sysctl -qw "$forward=1"
run ip -n "$a" route add "$net2" via "$r1"
run ip -n "$b" route add "$net1" via "$r2"

words=(udp_sport 1701 udp_dport 1701 l2spec_type default mtu 1500 --json)
pw_start "$a" "$tmp/a" up pw0 local "$a1" remote "$b2" session_id 1 \
	peer_session_id 2 fastpath on "${words[@]}"
pw_start "$b" "$tmp/b" up pw0 local "$b2" remote "$a1" session_id 2 \
	peer_session_id 1 "${words[@]}"
pw_wait_fast "$tmp/a.err" "$a" "$b"
grep -q 'path kernel' "$tmp/a.err" || { cat "$tmp/a.err"; fail "A's start-up line does not say path kernel"; }
run ip -n "$a" addr add 10.98.0.1/24 dev pw0
run ip -n "$b" addr add 10.98.0.2/24 dev pw0

# counters EXPR: A's next JSON report checked with EXPR over f (fastpath)
# and s (session).
counters() {
	pw_report 0 "$tmp/a"
	python3 - "$tmp/a" "$1" <<'PY'
import json, sys
c = json.loads(open(sys.argv[1]).read().splitlines()[-1])
s, f = c["session"], c["fastpath"]
ok = eval(sys.argv[2])
print(f"A: {sys.argv[2]}: {'ok' if ok else 'FAILED'} (fastpath {json.dumps(f)})")
sys.exit(0 if ok else 1)
PY
}
pings() { # SIZE COUNT: the count answered
	{ ip netns exec "$a" ping -c "$2" -i 0.3 -W 1 -s "$1" 10.98.0.2 || true; } |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

echo "== 1. small frames: the kernel carries them"
got=$(pings 56 5)
echo "56 bytes: $got of 5 answered"
[ "$got" = 5 ] || fail "small pings lost"
counters 'f["tx_packets"] >= 5' || fail "A's program did not carry the small pings"

echo "== 2. frames the path cannot take whole"
ip -n "$a" route get "$b2" | grep -q ' mtu ' && fail "a path MTU known before the test"
got=$(pings 1400 3)
echo "1400 bytes, while the path MTU is learnt: ${got:-0} of 3 answered"
sleep 1.5 # the helper reads the route once a second
route=$(ip -n "$a" route get "$b2")
echo "A: $route"
grep -q ' mtu 1400' <<<"$route" || fail "A's kernel did not learn the path MTU (no ICMP from R?)"
got=$(pings 1400 5)
echo "1400 bytes: $got of 5 answered"
[ "$got" = 5 ] || fail "frames larger than the path MTU lost: the fast path still sends them whole"
counters 'f["tx_passed"] >= 5' || fail "A's program did not pass the large frames on to pwire"
grep "pwire-fastpath: the path MTU to $b2 is 1400" "$tmp/a.err" ||
	fail "A's log does not say the path MTU changed"
got=$(pings 56 3)
[ "$got" = 3 ] || fail "small pings lost after the path MTU changed"
# TCP: A's TAP hands over super-frames whose 1,448-byte segments would make
# datagrams longer than 1,400: each GSO frame must be passed on too.
rc=0
pw_tcp_copy "$a" "$b" 10.98.0.2 2000000 || rc=$?
[ "$rc" != 1 ] || fail "the transfer did not complete: segments longer than the path MTU lost"
[ "$rc" = 0 ] || fail "2 MB over TCP arrived altered"
echo "2 MB over TCP: intact"
counters 'f["tx_passed"] >= 50' || fail "A's program did not pass the GSO frames on to pwire"
pw_stop
echo "PASS"
