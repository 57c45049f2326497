#!/bin/bash
# pwire's vhost-user vNIC serving a QEMU guest (tests/peers/qemu-peer.sh
# --vhost-user), across a pseudowire to a second pwire on a TAP, all inside
# one throw-away network namespace (loopback only):
#
#   netns pwvu$$ (lo: 127.0.0.1)
#   guest 10.99.0.2 (QEMU, TCG, echo :7)
#     =vhost-user $tmp/vm.sock= pwire A [:17001]
#     <== L2TPv3/UDP over lo ==> [:17002] pwire B -- TAP pw0 10.99.0.1
#
# Checks (issue 15, M1 and M2): host -> guest ping 5 of 5, guest -> host
# ping, TCP echo through the guest (a line, 128 KiB compared byte for byte,
# then 10 MB by sha256), the guest's MTU the pseudowire's, the offloads and
# mergeable buffers negotiated and super-frames carried both ways
# (rx_super, tx_super); the VM killed (-9) and started again: pwire A
# lives, logs it, serves the new one (ping); then
# pwire A's counters (--json, a SIGUSR1 snapshot once the guest is up, and
# the last line at exit): the vNIC's rx_short, rx_bad_offload, rx_too_big
# and tx_errors 0, every vhost-user violation counter 0, and the drops that
# may move before the guest's rings run (tx_no_guest, rx_disabled) unmoved
# while the traffic ran, and some of the guest's frames sent from its
# memory uncopied (rx_lent > 0, zero copy). Skips (exit 77) only when qemu-peer.sh check finds
# something missing here.
#
# vhost.sh client: the same with QEMU listening on the socket (server=on)
# and pwire A connecting to it (`vhost-user-client:`) as its unprivileged
# user: the guest starts first, and after the kill pwire A finds the new
# QEMU by itself (it tries again each second).
set -u
mode=${1:-server}
case $mode in
server) dev=vhost-user ;;
client) dev=vhost-user-client ;;
*) echo "usage: vhost.sh [server|client]"; exit 2 ;;
esac
: "${PWIRE:?}" "${PEERS:?}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/qemu-peer.sh"
ns=pwvu$$
sock=$tmp/vm.sock
# pwire A's user (nobody) connects in client mode: it must reach the
# socket QEMU makes (umask 0 below) through the directory.
chmod 711 "$tmp"
run ip netns add "$ns" || fail "cannot create namespace $ns"
run ip -n "$ns" link set lo up
pw_up local 127.0.0.1 remote 127.0.0.1 udp_sport 17002 udp_dport 17001 \
	session_id 2 peer_session_id 1
run ip -n "$ns" addr add 10.99.0.1/24 dev pw0 || fail "cannot address pw0"
# guest [ARGS...]: the VM on the socket (QEMU connects to pwire A, or in
# client mode listens on it, its socket file open to all: umask 0).
guest() {
	if [ "$mode" = client ]; then
		umask 000
		interop_guest --vhost-user "$sock" --vhost-server --mtu "$mtu" "$@"
		umask 022
	else
		interop_guest --vhost-user "$sock" --mtu "$mtu" "$@"
	fi
}
a_up() {
	vu_up local 127.0.0.1 remote 127.0.0.1 udp_sport 17001 udp_dport 17002 \
		session_id 1 peer_session_id 2
}
# The guest's NIC gets the pseudowire's MTU from pwire (host_mtu in the
# QEMU line pwire A prints, sent as NET_SET_MTU and taken because it fits):
# the pseudowire's, as pwire B has it.
mtu=$(sed -n 's/.* mtu \([0-9]*\),.*/\1/p' "$tmp/pwire.err" | head -n 1)
[ -n "$mtu" ] || fail "pwire B printed no mtu in its 'up' line"
check_qemu_line() {
	local said
	said=$(sed -n 's/.*host_mtu=\([0-9]*\).*/\1/p' "$tmp/a.err" | head -n 1)
	[ "$said" = "$mtu" ] || fail "pwire A's QEMU line says host_mtu=${said:-nothing}, not $mtu"
	[ "$mode" = server ] || grep -q 'server=on' "$tmp/a.err" ||
		fail "pwire A's QEMU line does not say server=on"
}
if [ "$mode" = server ]; then
	a_up
	check_qemu_line
	guest --guest-ip 10.99.0.2/24 --echo --timeout 150
else
	# QEMU's vhost-user netdev waits for its back end before the guest
	# runs: pwire A connects while the guest starts.
	guest --guest-ip 10.99.0.2/24 --echo --timeout 150 &
	gpid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	a_up
	check_qemu_line
	wait "$gpid" || fail "the guest did not start"
fi
# The guest's NIC is served once the rings run (in client mode a moment
# after pwire A connected): wait for the connection.
for _ in $(seq 50); do
	grep -q 'guest attached' "$tmp/a.err" && break
	sleep 0.1
done
kill -0 "$apid" 2>/dev/null || fail "pwire A ended while the guest booted"
snapshot
gmtu=$("$PEERS/qemu-peer.sh" exec "$rundir" --timeout 20 -- 'cat /sys/class/net/eth0/mtu')
echo "guest eth0 mtu: $gmtu (pwire's: $mtu)"
[ "$gmtu" = "$mtu" ] || fail "the guest's MTU is $gmtu, not the pseudowire's $mtu"

replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.99.0.2 | grep -c 'bytes from')
echo "host -> guest: $replies/5 replies"
[ "$replies" = 5 ] || fail "host -> guest ping: $replies/5"
traffic 10.99.0.1 10.99.0.2
# The guest took pwire's offloads (virtio feature bits, as the guest's
# driver negotiated them: CSUM 0, GUEST_CSUM 1, GUEST_TSO4 7, GUEST_TSO6 8,
# HOST_TSO4 11, HOST_TSO6 12, MRG_RXBUF 15), and 10 MB go through it and
# back intact, as its super-frames both ways (rx_super, tx_super below).
bits=$("$PEERS/qemu-peer.sh" exec "$rundir" --timeout 20 -- 'cat /sys/class/net/eth0/device/features')
echo "guest virtio features: $bits"
for b in 0 1 7 8 11 12 15; do
	[ "${bits:$b:1}" = 1 ] || fail "the guest did not negotiate virtio-net feature bit $b: $bits"
done
head -c 10485760 /dev/urandom >"$tmp/bulk10"
ip netns exec "$ns" timeout 120 nc -N -w 10 10.99.0.2 7 <"$tmp/bulk10" >"$tmp/back10"
want=$(sha256sum <"$tmp/bulk10") got=$(sha256sum <"$tmp/back10")
[ "$want" = "$got" ] || fail "10 MB through the guest: $(stat -c %s "$tmp/back10") bytes came back, sha256 differs"
echo "TCP echo: 10 MB through the guest and back, sha256 ${want%% *}"
snapshot

# The VM dies (kill -9) and comes back: pwire A lives on, says so, and
# serves the new one (another run directory: another MAC, so the host's
# neighbour entry is flushed).
kill -9 "$(cat "$rundir/pid")"
for _ in $(seq 50); do
	grep -q 'guest gone' "$tmp/a.err" && break
	sleep 0.1
done
grep -q 'guest gone' "$tmp/a.err" || fail "pwire A did not say the guest was gone"
kill -0 "$apid" 2>/dev/null || fail "pwire A ended with its guest"
rundir=$tmp/run2
guest --guest-ip 10.99.0.2/24 --timeout 150
for _ in $(seq 50); do
	[ "$(grep -c 'guest attached' "$tmp/a.err")" -ge 2 ] && break
	sleep 0.1
done
run ip -n "$ns" neigh flush dev pw0
replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.99.0.2 | grep -c 'bytes from')
echo "host -> restarted guest: $replies/5 replies"
[ "$replies" -ge 3 ] || fail "host -> restarted guest ping: $replies/5"

rc=0
kill -INT "$apid"
wait "$apid" || rc=$?
apid=
cat "$tmp/a.err"
pw_down
# A guest, killed, another: connects 1 then 2, disconnects 1.
vu_counters 1 2 1
# Zero copy happened: some of the guest's frames went out from its memory.
lent=$(python3 -c 'import json, sys
after = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(next((v["rx_lent"] for v in after.values() if isinstance(v, dict) and "rx_lent" in v), -1))' \
	"$tmp/a.out") || fail "pwire A's counters: no JSON line"
echo "pwire A rx_lent $lent"
[ "$lent" -gt 0 ] || fail "pwire A sent none of the guest's frames uncopied (rx_lent $lent)"
[ "$rc" = 0 ] || fail "pwire A exited $rc (with the guest attached)"
echo "PASS: a QEMU guest on pwire's vhost-user vNIC ($dev), through the pseudowire"
