#!/bin/bash
# pwire's vhost-user vNIC with two queue pairs (queues 2, VIRTIO_NET_F_MQ)
# serving a QEMU guest (tests/peers/qemu-peer.sh --vhost-user --queues 2),
# across a pseudowire to a second pwire on a TAP, in one throw-away network
# namespace (loopback only):
#
#   netns pwvq$$ (lo: 127.0.0.1)
#   guest 10.98.0.2 (QEMU, TCG, 1 vCPU, echo :7)
#     =vhost-user $tmp/vm.sock, pairs 0 and 1= pwire A [:17001, 2 sockets, queues 2]
#     <== L2TPv3/UDP over lo ==> [:17002] pwire B -- TAP pw0 10.98.0.1
#
# A Linux guest with one vCPU uses one pair at boot (min(pairs, CPUs)):
# `ethtool -L eth0 combined 2` enables the second (the image has no
# ethtool: the host's is run from the guest's 9p directory through its own
# loader and libraries). Before it, with the guest on one pair, pings
# from four host addresses and 16 TCP echo flows all come back, pwire A's
# queue 0 received them all and queue 1 none, tx_no_guest unmoved (the
# socket program steers by the pairs the guest runs, not by queues 2).
# Also: the guest negotiated MQ (virtio-net bit 22); after ethtool -L it
# has 2 combined channels; 16 TCP echo flows from the host (each its own
# source port, so the socket steering program spreads them over pwire A's
# two sockets, i.e. over the guest's two pairs) come back intact, and pwire
# A's per-queue counters (--json, SIGUSR1 snapshots around the traffic)
# show datagrams received on both queues, with tx_no_guest unmoved (nothing
# steered to a pair the guest did not take); 10 MB through the guest by
# sha256; then the VM killed (-9) and started again: pwire A lives, serves
# the new guest, which enables its second pair again and carries flows on
# both queues once more. At the end, lib.sh's vu_counters: no vNIC or
# vhost-user drop, connects 2, disconnects 1. Skips (exit 77) only when
# qemu-peer.sh check finds something missing here, or ethtool is missing
# on the host.
#
# vhost-mq.sh client: the same with QEMU listening on the socket
# (server=on) and pwire A connecting to it (`vhost-user-client:`) as its
# unprivileged user; after the kill it finds the new QEMU by itself.
#
# vhost-mq.sh pwired: pwire A is pwired with one such section (queues = 2),
# its helper making the socket program and its map; only the one-pair
# checks (tx_no_guest from `pwire show --json`: pwired has no per-queue
# counters to show).
set -u
mode=${1:-server}
case $mode in
server) dev=vhost-user ;;
client) dev=vhost-user-client ;;
pwired) dev=vhost-user ;;
*) echo "usage: vhost-mq.sh [server|client|pwired]"; exit 2 ;;
esac
: "${PWIRE:?}" "${PEERS:?}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/qemu-peer.sh"
ethtool=$(command -v ethtool /usr/sbin/ethtool /sbin/ethtool 2>/dev/null | head -n 1)
[ -n "$ethtool" ] || { echo "SKIP: no ethtool here (Debian package ethtool) to run in the guest"; exit 77; }
ns=pwvq$$
sock=$tmp/vm.sock
if [ "$mode" = pwired ]; then
	: "${PWIRED:?}"
	mkdir -m 700 "$tmp/run" # pwired's run directory: its helper binds there only
	sock=$tmp/run/vm.sock
fi
# pwire A's user (nobody) connects in client mode: it must reach the
# socket QEMU makes (umask 0 below) through the directory.
chmod 711 "$tmp"
run ip netns add "$ns" || fail "cannot create namespace $ns"
run ip -n "$ns" link set lo up
pw_up local 127.0.0.1 remote 127.0.0.1 udp_sport 17002 udp_dport 17001 \
	session_id 2 peer_session_id 1
run ip -n "$ns" addr add 10.98.0.1/24 dev pw0 || fail "cannot address pw0"
for a in 3 4 5; do # more sources for one_pair's pings
	run ip -n "$ns" addr add "10.98.0.$a/24" dev pw0 || fail "cannot address pw0"
done
mtu=$(sed -n 's/.* mtu \([0-9]*\),.*/\1/p' "$tmp/pwire.err" | head -n 1)
[ -n "$mtu" ] || fail "pwire B printed no mtu in its 'up' line"
a_up() {
	if [ "$mode" = pwired ]; then
		cat >"$tmp/pwire.conf" <<CONF
[vm]
vnic = vhost-user:$sock
local = 127.0.0.1
remote = 127.0.0.1
udp_sport = 17001
udp_dport = 17002
session_id = 1
peer_session_id = 2
queues = 2
CONF
		echo "+ ip netns exec $ns $PWIRED -f -c $tmp/pwire.conf -s $tmp/run/control.sock &" >&2
		ip netns exec "$ns" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/run/control.sock" \
			>"$tmp/a.out" 2>"$tmp/a.err" &
		apid=$!
		for _ in $(seq 50); do
			[ -S "$sock" ] && return 0
			kill -0 "$apid" 2>/dev/null || fail "pwired ended: $(cat "$tmp/a.err")"
			sleep 0.1
		done
		fail "pwired made no socket $sock within 5 s"
	fi
	vu_up local 127.0.0.1 remote 127.0.0.1 udp_sport 17001 udp_dport 17002 \
		session_id 1 peer_session_id 2 queues 2
	grep -q 'queues=2 .*mq=on' "$tmp/a.err" ||
		fail "pwire A's QEMU line does not say queues=2 and mq=on"
}
# guest: the VM on the socket (QEMU connects to pwire A, or in client mode
# listens on it, its socket file open to all: umask 0).
guest() {
	local opts=(--vhost-user "$sock" --queues 2 --mtu "$mtu" --guest-ip 10.98.0.2/24 --echo
		--timeout 200)
	if [ "$mode" = client ]; then
		umask 000
		interop_guest "${opts[@]}" --vhost-server
		umask 022
	else
		interop_guest "${opts[@]}"
	fi
}

# ethtool and what it links, for the guest (its /pw is $rundir).
guest_ethtool() {
	local lib
	mkdir -p "$rundir/et" || fail "cannot make $rundir/et"
	cp "$ethtool" "$rundir/et/ethtool"
	for lib in $(ldd "$ethtool" | grep -o '/[^ ]*'); do
		cp "$lib" "$rundir/et/"
	done
	ls "$rundir"/et/ld-linux* >/dev/null 2>&1 || fail "no loader among ethtool's libraries"
}
gexec() {
	"$PEERS/qemu-peer.sh" exec "$rundir" --timeout "${2:-30}" -- "$1"
}
# Boot a guest on the socket, wait until pwire A serves it, give it its
# second pair.
guest_up() {
	local n=$1 out gpid
	if [ "$mode" != client ] && [ "$n" = 1 ]; then
		a_up
		guest
	elif [ "$n" = 1 ]; then
		# QEMU's vhost-user netdev waits for its back end before the
		# guest runs: pwire A connects while the guest starts.
		guest &
		gpid=$!
		for _ in $(seq 100); do
			[ -S "$sock" ] && break
			sleep 0.1
		done
		a_up
		wait "$gpid" || fail "the guest did not start"
	else
		guest
	fi
	for _ in $(seq 50); do
		[ "$(grep -c 'guest attached' "$tmp/a.err")" -ge "$n" ] && break
		sleep 0.1
	done
	kill -0 "$apid" 2>/dev/null || fail "pwire A ended while the guest booted"
	bits=$(gexec 'cat /sys/class/net/eth0/device/features')
	echo "guest virtio features: $bits"
	[ "${bits:22:1}" = 1 ] || fail "the guest did not negotiate VIRTIO_NET_F_MQ (bit 22): $bits"
	one_pair
	[ "$mode" = pwired ] && return
	guest_ethtool
	et="/pw/et/$(basename "$rundir"/et/ld-linux*) --library-path /pw/et /pw/et/ethtool"
	gexec "$et -l eth0" || fail "ethtool -l in the guest"
	gexec "$et -L eth0 combined 2" || fail "ethtool -L eth0 combined 2 in the guest"
	out=$(gexec "$et -l eth0")
	echo "$out"
	# The second "Combined:" is the current setting.
	[ "$(echo "$out" | grep 'Combined:' | tail -n 1 | tr -dc 0-9)" = 2 ] ||
		fail "the guest's eth0 does not use 2 combined channels"
	run ip -n "$ns" neigh flush dev pw0
}
# flows N: N TCP echo connections to the guest, each its own source port
# (its own flow), 64 KiB each, compared byte for byte.
flows() {
	local i
	head -c 65536 /dev/urandom >"$tmp/flow"
	for i in $(seq "$1"); do
		ip netns exec "$ns" timeout 30 nc -N -w 5 10.98.0.2 7 <"$tmp/flow" >"$tmp/flow.back" ||
			fail "TCP echo flow $i: nc failed"
		cmp -s "$tmp/flow" "$tmp/flow.back" ||
			fail "TCP echo flow $i: $(stat -c %s "$tmp/flow.back") bytes came back, not the same"
	done
	echo "TCP echo: $1 flows of 64 KiB came back intact"
}
# queues_moved FROM TO: between pwire A's JSON lines FROM and TO (1-based),
# each queue received at least 20 datagrams for the guest, and tx_no_guest
# did not move (none was steered to a pair the guest does not serve).
queues_moved() {
	python3 - "$tmp/a.out" "$1" "$2" <<'PY' || fail "pwire A's queues"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
a, b = (json.loads(lines[int(i) - 1]) for i in sys.argv[2:4])
bad = []
for q, (qa, qb) in enumerate(zip(a["queues"], b["queues"])):
    rx, tx = qb["rx_packets"] - qa["rx_packets"], qb["tx_packets"] - qa["tx_packets"]
    print(f"pwire A queue {q}: rx_packets +{rx} (to the guest's pair {q}), "
          f"tx_packets +{tx} (from its pair {q})")
    if rx < 20:
        bad.append(f"queue {q} received {rx} datagrams for the guest: its pair carried none")
if len(a["queues"]) != 2:
    bad.append(f"pwire A reports {len(a['queues'])} queues, not 2")
moved = b["vhost"]["tx_no_guest"] - a["vhost"]["tx_no_guest"]
if moved:
    bad.append(f"tx_no_guest moved by {moved}: frames steered to a pair the guest does not serve")
print("\n".join("FAIL: " + x for x in bad) if bad else "pwire A: both queue pairs carried frames")
sys.exit(1 if bad else 0)
PY
}
lines() { wc -l <"$tmp/a.out"; }
pwired_show() {
	ip netns exec "$ns" "$PWIRE" -s "$tmp/run/control.sock" show --json || fail "pwire show"
}
# one_pair: the guest runs pair 0 only (before ethtool -L): nothing sent
# to it is lost to pair 1. Pings from four source addresses and 16 TCP
# echo flows (whose hashes modulo 2 would put about half on pair 1) all
# come back; pwire A's queue 0 received every datagram for the guest,
# queue 1 none; tx_no_guest unmoved. Every check runs before it fails.
one_pair() {
	local from replies src i ok=0 lost=()
	# A restarted guest has another MAC.
	run ip -n "$ns" neigh flush dev pw0
	if [ "$mode" = pwired ]; then
		pwired_show >"$tmp/show.0"
	else
		snapshot
		from=$(lines)
	fi
	for src in 10.98.0.1 10.98.0.3 10.98.0.4 10.98.0.5; do
		replies=$(ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 -I "$src" 10.98.0.2 |
			grep -c 'bytes from')
		echo "host ($src) -> guest on one pair: $replies/3 replies"
		[ "$replies" = 3 ] || lost+=("ping from $src: $replies/3")
	done
	head -c 65536 /dev/urandom >"$tmp/flow"
	for i in $(seq 16); do
		if ip netns exec "$ns" timeout 10 nc -N -w 3 10.98.0.2 7 <"$tmp/flow" >"$tmp/flow.back" &&
			cmp -s "$tmp/flow" "$tmp/flow.back"; then
			ok=$((ok + 1))
		else
			lost+=("TCP echo flow $i")
		fi
	done
	echo "TCP echo on one pair: $ok of 16 flows of 64 KiB came back intact"
	if [ "$mode" = pwired ]; then
		pwired_show >"$tmp/show.1"
		python3 - "$tmp/show.0" "$tmp/show.1" <<'PY' || lost+=("pwired's tx_no_guest")
import json, sys
a, b = (json.load(open(f))["sessions"][0]["counters"]["vhost"]["tx_no_guest"] for f in sys.argv[1:3])
print(f"pwired, guest on one pair: tx_no_guest +{b - a}")
sys.exit(1 if b != a else 0)
PY
		[ ${#lost[@]} = 0 ] || fail "with the guest on one pair: $(IFS=,; echo "${lost[*]}")"
		return
	fi
	snapshot
	python3 - "$tmp/a.out" "$from" "$(lines)" <<'PY' || lost+=("pwire A's queues")
import json, sys
lines = open(sys.argv[1]).read().splitlines()
a, b = (json.loads(lines[int(i) - 1]) for i in sys.argv[2:4])
rx = [qb["rx_packets"] - qa["rx_packets"] for qa, qb in zip(a["queues"], b["queues"])]
moved = b["vhost"]["tx_no_guest"] - a["vhost"]["tx_no_guest"]
print(f"pwire A, guest on one pair: rx_packets +{rx} by queue, tx_no_guest +{moved}")
bad = []
if len(rx) != 2 or rx[0] < 20:
    bad.append(f"queue 0 received {rx[:1]} datagrams: the flows did not reach pair 0")
if len(rx) == 2 and rx[1]:
    bad.append(f"queue 1 received {rx[1]} datagrams for a pair the guest does not run")
if moved:
    bad.append(f"tx_no_guest moved by {moved}: frames steered to a pair the guest does not run")
print("\n".join("FAIL: " + x for x in bad) if bad else "pwire A: every datagram to pair 0")
sys.exit(1 if bad else 0)
PY
	[ ${#lost[@]} = 0 ] || fail "with the guest on one pair: $(IFS=,; echo "${lost[*]}")"
}

guest_up 1
if [ "$mode" = pwired ]; then
	echo "PASS: pwired's vhost-user vNIC with two queue pairs, the guest on one: nothing lost"
	exit 0
fi
snapshot
from=$(lines)
replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.98.0.2 | grep -c 'bytes from')
echo "host -> guest: $replies/5 replies"
[ "$replies" = 5 ] || fail "host -> guest ping: $replies/5"
flows 16
head -c 10485760 /dev/urandom >"$tmp/bulk10"
ip netns exec "$ns" timeout 180 nc -N -w 10 10.98.0.2 7 <"$tmp/bulk10" >"$tmp/back10"
want=$(sha256sum <"$tmp/bulk10") got=$(sha256sum <"$tmp/back10")
[ "$want" = "$got" ] || fail "10 MB through the guest: $(stat -c %s "$tmp/back10") bytes came back, sha256 differs"
echo "TCP echo: 10 MB through the guest and back, sha256 ${want%% *}"
snapshot
queues_moved "$from" "$(lines)"

# The VM dies and comes back (another run directory: another MAC).
kill -9 "$(cat "$rundir/pid")"
for _ in $(seq 50); do
	grep -q 'guest gone' "$tmp/a.err" && break
	sleep 0.1
done
grep -q 'guest gone' "$tmp/a.err" || fail "pwire A did not say the guest was gone"
kill -0 "$apid" 2>/dev/null || fail "pwire A ended with its guest"
rundir=$tmp/run2
guest_up 2
snapshot
from=$(lines)
replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.98.0.2 | grep -c 'bytes from')
echo "host -> restarted guest: $replies/5 replies"
[ "$replies" -ge 3 ] || fail "host -> restarted guest ping: $replies/5"
flows 16
snapshot
queues_moved "$from" "$(lines)"

rc=0
kill -INT "$apid"
wait "$apid" || rc=$?
apid=
cat "$tmp/a.err"
pw_down
# A guest, killed, another: connects 2 by the last snapshots, disconnects 1.
vu_counters 2 2 1
[ "$rc" = 0 ] || fail "pwire A exited $rc (with the guest attached)"
echo "PASS: a QEMU guest with two queue pairs on pwire's vhost-user vNIC ($dev), both carrying frames"
