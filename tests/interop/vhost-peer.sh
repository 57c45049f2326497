#!/bin/bash
# A QEMU guest on pwire's vhost-user vNIC, across a pseudowire to a guest
# whose own hypervisor is the tunnel end: QEMU's -netdev l2tpv3 or UML's
# vector transport=l2tpv3 (tests/peers/), in one throw-away network
# namespace (loopback only):
#
#   netns pwvp$$ (lo: 127.0.0.1)
#   guest A 10.99.0.1 (QEMU, TCG) =vhost-user $tmp/vm.sock= pwire A [:17001]
#     <== L2TPv3/UDP over lo ==> [:17002] guest B 10.99.0.2 (QEMU l2tpv3 or UML vec0)
#
# The pseudowire's words are peer.sh's (lib.sh peer_words): pwire A says
# them its way (udp: `peer qemu|uml` and the ports and sessions), or in the
# peer's own spelling (udp-c64-ctr: --qemu/--uml with 64-bit cookies and
# the counter), the peer guest the mirror.
#
# Checks (issue 15's tests, b and c): guest A's MTU pwire's, guest A ->
# guest B ping 5 of 5, B -> A ping, 10 MB from A to B and 10 MB from B to A
# over TCP (busybox nc), each the same sha256 in the receiving guest as the
# file the sender read; then pwire A's counters (lib.sh vu_counters): no
# vNIC or vhost-user drop or violation, super-frames both ways, one guest
# connected and none gone. Skips (exit 77) only when qemu-peer.sh's or the
# peer script's check finds something missing here.
#
# usage: vhost-peer.sh qemu|uml [udp|udp-c64-ctr]
set -u
: "${PWIRE:?}" "${PEERS:?}"
peer=${1:?} cfg=${2:-udp}
case $peer in qemu | uml) ;; *) echo "usage: vhost-peer.sh qemu|uml [udp|udp-c64-ctr]"; exit 2 ;; esac
case $cfg in udp | udp-c64-ctr) ;; *) echo "usage: vhost-peer.sh qemu|uml [udp|udp-c64-ctr]"; exit 2 ;; esac
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/qemu-peer.sh"
interop_require "$PEERS/$peer-peer.sh"
ns=pwvp$$
dev=vhost-user
sock=$tmp/vm.sock
size=10485760

peer_words "$peer" "$cfg"
run ip netns add "$ns" || fail "cannot create namespace $ns"
run ip -n "$ns" link set lo up
vu_up "${pw[@]}"
# Guest A's MTU is what pwire A tells QEMU (host_mtu in its QEMU line).
mtu=$(sed -n 's/.*host_mtu=\([0-9]*\).*/\1/p' "$tmp/a.err" | head -n 1)
[ -n "$mtu" ] || fail "pwire A printed no host_mtu in its QEMU line"

# Both guests boot at once: A on pwire A's socket, B the peer.
vu_rundir=$tmp/vu
echo "+ ip netns exec $ns $PEERS/qemu-peer.sh start $vu_rundir --vhost-user $sock ... &" >&2
ip netns exec "$ns" "$PEERS/qemu-peer.sh" start "$vu_rundir" --vhost-user "$sock" --mtu "$mtu" \
	--guest-ip 10.99.0.1/24 --timeout 150 >"$tmp/vu.log" 2>&1 &
gpid=$!
timeout=30
[ "$peer" = qemu ] && timeout=150
interop_guest "${peer_args[@]}" --guest-ip 10.99.0.2/24 --timeout $timeout
wait "$gpid" || fail "guest A (vhost-user) did not start"
for _ in $(seq 50); do
	grep -q 'guest attached' "$tmp/a.err" && break
	sleep 0.1
done
kill -0 "$apid" 2>/dev/null || fail "pwire A ended while the guests booted"
snapshot

# g a|b CMD [SEC]: run CMD in guest A or B (its output; its status), for
# at most SEC seconds (30).
g() {
	case $1 in
	a) "$PEERS/qemu-peer.sh" exec "$vu_rundir" --timeout "${3:-30}" -- "$2" ;;
	b) "$script" exec "$rundir" --timeout "${3:-30}" -- "$2" ;;
	esac
}
# gdir a|b: the guest's run directory as it sees it: QEMU's over 9p at
# /pw, UML's over hostfs where it is. hdir a|b: as the host sees it.
gdir() {
	if [ "$1" = b ] && [ "$peer" = uml ]; then echo "$rundir"; else echo /pw; fi
}
hdir() {
	if [ "$1" = a ]; then echo "$vu_rundir"; else echo "$rundir"; fi
}

gmtu=$(g a 'cat /sys/class/net/eth0/mtu')
echo "guest A eth0 mtu: $gmtu (pwire A's: $mtu)"
[ "$gmtu" = "$mtu" ] || fail "guest A's MTU is $gmtu, not the pseudowire's $mtu"

replies=$(g a 'ping -c 5 -W 2 10.99.0.2' | grep -c 'bytes from')
echo "guest A -> guest B: $replies/5 replies"
[ "$replies" = 5 ] || fail "guest A -> guest B ping: $replies/5"
# Once more before failing, as lib.sh's traffic does for a UML guest.
g b 'ping -c 3 -W 2 10.99.0.1' || { echo "guest B -> guest A ping: none back, trying once more"; \
	g b 'ping -c 3 -W 2 10.99.0.1'; } || fail "guest B -> guest A ping"
echo "guest B -> guest A: ping answered"

# transfer NAME FROM TO TO_IP PORT: $size random bytes, from the FROM
# guest's run directory through busybox nc to the TO guest's, which checks
# its sha256. busybox nc ends at the end of its input, so the receiver's is
# a pipe that stays open (sleep), and the receiver is stopped once its file
# has every byte (watched, bounded); the sender ends by itself.
transfer() {
	local name=$1 from=$2 to=$3 ip=$4 port=$5 fdir tdir thost want got n _
	fdir=$(gdir "$from") tdir=$(gdir "$to") thost=$(hdir "$to")
	head -c "$size" /dev/urandom >"$(hdir "$from")/$name.bulk"
	want=$(sha256sum <"$(hdir "$from")/$name.bulk")
	want=${want%% *}
	g "$to" "sleep 200 | nc -l -p $port >$tdir/$name.got 2>$tdir/$name.err & echo \$! >$tdir/$name.pid" ||
		fail "$name: guest $to did not start its receiver"
	sleep 1
	g "$from" "nc 10.99.0.$ip $port <$fdir/$name.bulk" 150 ||
		fail "$name: guest $from's nc failed or did not end in 150 s"
	n=0
	for _ in $(seq 100); do
		n=$(stat -c %s "$thost/$name.got" 2>/dev/null || echo 0)
		[ "$n" -ge "$size" ] && break
		sleep 0.2
	done
	g "$to" "kill \$(cat $tdir/$name.pid)" >/dev/null 2>&1
	[ "$n" = "$size" ] || fail "$name: guest $to received $n of $size bytes"
	got=$(g "$to" "sha256sum $tdir/$name.got") || fail "$name: sha256sum in guest $to"
	got=${got%% *}
	echo "$name: $size bytes, guest $from sent sha256 $want, guest $to has $got"
	[ "$got" = "$want" ] || fail "$name: the sha256 in guest $to differs from what guest $from sent"
	rm -f "$(hdir "$from")/$name.bulk" "$thost/$name.got"
}
transfer a2b a b 2 5001
transfer b2a b a 1 5002
snapshot

rc=0
kill -INT "$apid"
wait "$apid" || rc=$?
apid=
cat "$tmp/a.err"
# One guest, connected once, still there at the end.
vu_counters 1 1 0
[ "$rc" = 0 ] || fail "pwire A exited $rc (with the guest attached)"
echo "PASS: a QEMU guest on pwire's vhost-user vNIC <-> a $peer l2tpv3 guest ($cfg)"
