#!/bin/bash
# pwire <-> a real peer (UML vector l2tpv3 or QEMU -netdev l2tpv3), started
# by ../shared/peers/, inside one throw-away network namespace:
#
#   netns pwio$$ (lo: 127.0.0.1, ::1)
#   pw0 10.99.0.1 -- pwire [:17001] <== L2TPv3 ==> [:17002] UML/QEMU guest 10.99.0.2 (echo :7)
#
# Checks: host -> guest ping, guest -> host ping, TCP echo through the guest.
# A peer that cannot start here is reported as a skip (exit 77) with its reason.
#
# usage: peer.sh uml|qemu udp|udp-c64-ctr|ip|udp6-c32|ip6
set -u
: "${PWIRE:?}" "${PEERS:?}"
peer=${1:?} cfg=${2:?}
script=$PEERS/$peer-peer.sh
[ -x "$script" ] || { echo "SKIP: no peer script $script"; exit 77; }
ns=pwio$$
name=pwt$peer$$
tmp=$(mktemp -d)
rundir=$tmp/run
pid=
cleanup() {
	"$script" stop --name "$name" --rundir "$rundir" >/dev/null 2>&1
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
run() { echo "+ $*" >&2; "$@"; }
fail() { echo "FAIL: $*"; echo "--- pwire:"; cat "$tmp/pwire.out" "$tmp/pwire.err"; exit 1; }

addr=127.0.0.1
peer_args=(--local-port 17002 --remote-port 17001)
case $cfg in
udp) pw=(peer "$peer" local $addr remote $addr udp_sport 17001 udp_dport 17002) ;;
udp-c64-ctr)
	# The peer's own spelling, mirrored.
	peer_args+=(--cookie64 --tx-cookie 0x8877665544332211 --rx-cookie 0x1122334455667788 --counter)
	if [ "$peer" = qemu ]; then
		pw=(--qemu "src=$addr,dst=$addr,udp=on,srcport=17001,dstport=17002,txsession=1,rxsession=2,cookie64=on,txcookie=0x1122334455667788,rxcookie=0x8877665544332211,counter=on")
	else
		pw=(--uml "transport=l2tpv3,udp=1,src=$addr,dst=$addr,srcport=17001,dstport=17002,tx_session=1,rx_session=2,cookie64=1,tx_cookie=0x1122334455667788,rx_cookie=0x8877665544332211,counter=1")
	fi ;;
ip) peer_args=(--ip-encap); pw=(peer "$peer" encap ip local $addr remote $addr) ;;
udp6-c32)
	addr=::1
	peer_args+=(--v6 --tx-cookie 0xcafef00d --rx-cookie 0xdeadbeef)
	pw=(peer "$peer" local $addr remote $addr udp_sport 17001 udp_dport 17002
		cookie deadbeef peer_cookie cafef00d) ;;
ip6) addr=::1; peer_args=(--ip-encap --v6); pw=(peer "$peer" encap ip local $addr remote $addr) ;;
*) echo "unknown config $cfg"; exit 2 ;;
esac
[ "${pw[0]}" = peer ] && pw+=(session_id 2 peer_session_id 1)

run ip netns add "$ns"
run ip -n "$ns" link set lo up
echo "+ ip netns exec $ns $PWIRE up pw0 ${pw[*]} &" >&2
ip netns exec "$ns" "$PWIRE" up pw0 "${pw[@]}" >"$tmp/pwire.out" 2>"$tmp/pwire.err" &
pid=$!
for _ in $(seq 50); do
	ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && break
	sleep 0.1
done
run ip -n "$ns" addr add 10.99.0.1/24 dev pw0 || fail "pwire did not bring pw0 up"

timeout=30
[ "$peer" = qemu ] && timeout=150
if ! run ip netns exec "$ns" "$script" start --name "$name" --rundir "$rundir" \
	--local $addr --remote $addr --tx-session 2 --rx-session 1 "${peer_args[@]}" \
	--guest-ip 10.99.0.2/24 --echo --timeout $timeout >"$tmp/peer.log" 2>&1; then
	echo "SKIP: $peer cannot run here: $(tail -n 3 "$tmp/peer.log" | tr '\n' ' ')"
	[ -f "$rundir/console.log" ] && tail -n 5 "$rundir/console.log"
	exit 77
fi

replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.99.0.2 | grep -c 'bytes from')
echo "host -> guest: $replies/5 replies"
[ "$replies" -ge 3 ] || fail "host -> guest ping: $replies/5"
run "$script" exec --name "$name" --rundir "$rundir" --timeout 20 -- 'ping -c 3 -W 2 10.99.0.1' ||
	fail "guest -> host ping"
got=$(echo "hello through $peer" | ip netns exec "$ns" nc -w 3 10.99.0.2 7)
echo "echo: $got"
[ "$got" = "hello through $peer" ] || fail "TCP echo returned '$got'"

kill -INT "$pid"
wait "$pid" || fail "pwire exited $?"
pid=
cat "$tmp/pwire.err" "$tmp/pwire.out"
echo "PASS: pwire <-> $peer $cfg"
