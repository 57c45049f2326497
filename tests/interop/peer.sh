#!/bin/bash
# pwire <-> a real peer: UML's vector l2tpv3 or QEMU's -netdev l2tpv3, guests
# started by tests/peers/, inside one throw-away network namespace:
#
#   netns pwio$$ (lo: 127.0.0.1, ::1)
#   pw0 10.99.0.1 -- pwire [:17001] <== L2TPv3 ==> [:17002] UML/QEMU guest 10.99.0.2 (echo :7)
#
# Checks: host -> guest ping, guest -> host ping, TCP echo through the guest
# (a line, then 128 KiB compared byte for byte). Skips (exit 77) only when the
# peer script's `check` finds something missing here (no linux.uml, no qemu,
# no kernel image...); a peer that then fails to start is a failure.
#
# usage: peer.sh uml|qemu udp|udp-c64-ctr|ip|udp6-c32|ip6
set -u
: "${PWIRE:?}" "${PEERS:?}"
peer=${1:?} cfg=${2:?}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/$peer-peer.sh"
ns=pwio$$

addr=127.0.0.1
peer_args=(--local-port 17002 --remote-port 17001)
case $cfg in
udp) pw=(peer "$peer" local "$addr" remote "$addr" udp_sport 17001 udp_dport 17002) ;;
udp-c64-ctr)
	# The peer's own spelling, mirrored.
	peer_args+=(--cookie64 --tx-cookie 0x8877665544332211 --rx-cookie 0x1122334455667788 --counter)
	if [ "$peer" = qemu ]; then
		pw=(--qemu "src=$addr,dst=$addr,udp=on,srcport=17001,dstport=17002,txsession=1,rxsession=2,cookie64=on,txcookie=0x1122334455667788,rxcookie=0x8877665544332211,counter=on")
	else
		pw=(--uml "transport=l2tpv3,udp=1,src=$addr,dst=$addr,srcport=17001,dstport=17002,tx_session=1,rx_session=2,cookie64=1,tx_cookie=0x1122334455667788,rx_cookie=0x8877665544332211,counter=1")
	fi ;;
ip) peer_args=(--ip-encap); pw=(peer "$peer" encap ip local "$addr" remote "$addr") ;;
udp6-c32)
	addr=::1
	peer_args+=(--v6 --tx-cookie 0xcafef00d --rx-cookie 0xdeadbeef)
	pw=(peer "$peer" local "$addr" remote "$addr" udp_sport 17001 udp_dport 17002
		cookie deadbeef peer_cookie cafef00d) ;;
ip6) addr=::1; peer_args=(--ip-encap --v6); pw=(peer "$peer" encap ip local "$addr" remote "$addr") ;;
*) echo "unknown config $cfg"; exit 2 ;;
esac
[ "${pw[0]}" = peer ] && pw+=(session_id 2 peer_session_id 1)

run ip netns add "$ns"
run ip -n "$ns" link set lo up
pw_up "${pw[@]}"
run ip -n "$ns" addr add 10.99.0.1/24 dev pw0 || fail "cannot address pw0"

timeout=30
[ "$peer" = qemu ] && timeout=150
interop_guest --local $addr --remote $addr --tx-session 2 --rx-session 1 "${peer_args[@]}" \
	--guest-ip 10.99.0.2/24 --echo --timeout $timeout

traffic 10.99.0.1 10.99.0.2
pw_down
echo "PASS: pwire <-> $peer $cfg"
