#!/bin/bash
# The kernel fast path joins TCP segments that a wire cut (docs/fastpath.md,
# "GRO on receive"): where the underlay is not a veth carrying super-frames
# whole, each session gets a GRO pair (pwgi<N>/pwgo<N>, N the TAP's
# ifindex); decap sends TCP through it, the pair's NAPI joins the segments
# and pw_gro hands them to the TAP, as VXLAN's gro_cells do.
#
#   ns A                                                ns B
#   pw0 10.97.0.1   pwire A (fastpath on)               pw0 10.97.0.2   pwire B (fastpath on)
#   ul0 10.215.1.1 ================ veth ================ ul0 10.215.1.2
#
# 0. The veth with its tunnel segmentation on (super-frames cross it whole):
#    no pair is made.
# 1. Tunnel segmentation off on both ends (a real wire's case: A's kernel
#    cuts every super-frame into datagrams): B has the pair, pw_gro on
#    pwgo<N>'s ingress.
# 2. Pings answered; ICMP goes straight into the TAP (B's rx_gro_frames
#    does not move).
# 3. 8 MB over TCP from A to B arrive intact, joined: B's rx_packets (the
#    segments) at least twice its rx_gro_frames (the frames GRO made); the
#    same over IPv6 inside the pseudowire.
# 4. A frame the host sends into pwgi<N> itself (not decap's) does not
#    reach B's stack.
# 5. pwgo<N> taken down: within the helper's second, B's log says the pair
#    is down and TCP arrives intact without it (rx_gro_frames unmoved); up
#    again: the log says so and TCP goes through it again.
# 6. pwire stops: the pairs are gone, in A and in B.
# 7. pwired in B with a fast section: its privileged helper makes the pair;
#    `pwire del` of the section takes it away.
set -eu -o pipefail
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
command -v ethtool >/dev/null || { echo "SKIP: no ethtool (tests/install-deps.sh installs it)"; exit 77; }
a=pwgrA$$ b=pwgrB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT
fail() { echo "FAIL: $*"; exit 1; }

pw_pair "$a" "$b" 10.215.1.1 10.215.1.2 24
words=(udp_sport 1701 udp_dport 1701 l2spec_type none fastpath on --json)
start() {
	pw_start "$a" "$tmp/a" up pw0 local 10.215.1.1 remote 10.215.1.2 session_id 1 \
		peer_session_id 2 "${words[@]}"
	pw_start "$b" "$tmp/b" up pw0 local 10.215.1.2 remote 10.215.1.1 session_id 2 \
		peer_session_id 1 "${words[@]}"
	pw_wait_fast "$tmp/b.err" "$a" "$b"
	for _ in $(seq 50); do # the start-up line follows the TAP's coming up
		grep -q 'path kernel' "$tmp/b.err" && return 0
		sleep 0.1
	done
	cat "$tmp/b.err"
	fail "B is not on the kernel path"
}
pairs() { ip -n "$1" -o link show | grep -c ' pwg[io][0-9]*@' || true; }

echo "== 0. tunnel segmentation on: no pair"
start
[ "$(pairs "$b")" = 0 ] || { ip -n "$b" link show; fail "a GRO pair over a veth that carries super-frames whole"; }
pw_stop

echo "== 1. tunnel segmentation off: B has the pair"
for ns in "$a" "$b"; do
	run ip netns exec "$ns" ethtool -K ul0 tx-udp_tnl-segmentation off \
		tx-udp_tnl-csum-segmentation off >/dev/null
done
start
n=$(ip netns exec "$b" cat /sys/class/net/pw0/ifindex)
ip -n "$b" link show "pwgi$n" >/dev/null && ip -n "$b" link show "pwgo$n" >/dev/null ||
	{ cat "$tmp/b.err"; ip -n "$b" link show; fail "no GRO pair pwgi$n/pwgo$n in B"; }
ip netns exec "$b" tc filter show dev "pwgo$n" ingress | grep -q pw_gro ||
	fail "pw_gro is not on pwgo$n's ingress"
run ip -n "$a" addr add 10.97.0.1/24 dev pw0
run ip -n "$b" addr add 10.97.0.2/24 dev pw0
run ip -n "$a" addr add fd97::1/64 dev pw0 nodad
run ip -n "$b" addr add fd97::2/64 dev pw0 nodad

# b_fast KEY: B's fastpath counter KEY, from its next JSON report.
b_fast() {
	pw_report 1 "$tmp/b"
	python3 -c 'import json, sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["fastpath"][sys.argv[2]])' "$tmp/b" "$1"
}

echo "== 2. pings: straight into the TAP"
g0=$(b_fast rx_gro_frames)
got=$({ ip netns exec "$a" ping -c 5 -i 0.2 -W 1 10.97.0.2 || true; } |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
echo "pings: $got of 5 answered"
[ "$got" = 5 ] || fail "pings lost"
g1=$(b_fast rx_gro_frames)
[ "$g1" = "$g0" ] || fail "ICMP went through the GRO pair (rx_gro_frames $g0 -> $g1)"

echo "== 3. 8 MB over TCP: intact, joined"
p0=$(b_fast rx_packets)
rc=0
pw_tcp_copy "$a" "$b" 10.97.0.2 8000000 || rc=$?
[ "$rc" != 1 ] || fail "the transfer did not complete"
[ "$rc" = 0 ] || fail "8 MB over TCP arrived altered"
p1=$(b_fast rx_packets)
g2=$(b_fast rx_gro_frames)
segs=$((p1 - p0)) frames=$((g2 - g1))
echo "B: $segs segments decapsulated, $frames frames out of the GRO pair"
[ "$segs" -ge 5000 ] || fail "B's program decapsulated $segs frames for 8 MB: not the kernel's path"
[ "$frames" -gt 0 ] && [ "$segs" -ge $((2 * frames)) ] ||
	fail "the GRO pair did not join the segments ($segs segments, $frames frames)"
rc=0
pw_tcp_copy "$a" "$b" fd97::2 4000000 || rc=$?
[ "$rc" = 0 ] || fail "4 MB over TCP and IPv6 inside did not arrive intact ($rc)"
p2=$(b_fast rx_packets)
g3=$(b_fast rx_gro_frames)
segs=$((p2 - p1)) frames=$((g3 - g2))
echo "B, IPv6 inside: $segs segments decapsulated, $frames frames out of the GRO pair"
[ "$frames" -gt 0 ] && [ "$segs" -ge $((2 * frames)) ] ||
	fail "the GRO pair did not join IPv6 segments ($segs segments, $frames frames)"

echo "== 4. the host's own frame into pwgi$n: dropped"
mac=$(ip netns exec "$b" cat /sys/class/net/pw0/address)
ip netns exec "$b" timeout 3 socat -u UDP-RECV:5002 "OPEN:$tmp/udp,creat,trunc" &
udp=$!
sleep 0.3
ip netns exec "$b" python3 - "pwgi$n" "$mac" <<'PY'
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
payload = b"not decap's"
udp = struct.pack("!HHHH", 4000, 5002, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.97.0.1"), socket.inet_aton("10.97.0.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
eth = bytes.fromhex(sys.argv[2].replace(":", "")) + bytes.fromhex("020000000001") + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for _ in range(3):
    s.send(eth + ip + udp)
PY
wait "$udp" || true
[ ! -s "$tmp/udp" ] || fail "a frame the host sent into pwgi$n reached B's stack: $(cat "$tmp/udp")"
echo "not delivered"

echo "== 5. the pair down, then up again"
# wait_log TEXT: B's log says TEXT within 3 s (the helper looks once a second).
wait_log() {
	for _ in $(seq 30); do
		grep -q "$1" "$tmp/b.err" && return 0
		sleep 0.1
	done
	cat "$tmp/b.err"
	fail "B's log does not say: $1"
}
run ip -n "$b" link set "pwgo$n" down
wait_log "the GRO pair pwgi$n/pwgo$n is gone or down"
g4=$(b_fast rx_gro_frames)
rc=0
pw_tcp_copy "$a" "$b" 10.97.0.2 2000000 || rc=$?
[ "$rc" = 0 ] || fail "2 MB over TCP with the pair down did not arrive intact ($rc)"
g5=$(b_fast rx_gro_frames)
[ "$g5" = "$g4" ] || fail "frames came out of a pair that is down ($g4 -> $g5)"
run ip -n "$b" link set "pwgo$n" up
wait_log "the GRO pair pwgi$n/pwgo$n is up again"
rc=0
pw_tcp_copy "$a" "$b" 10.97.0.2 2000000 || rc=$?
[ "$rc" = 0 ] || fail "2 MB over TCP with the pair up again did not arrive intact ($rc)"
g6=$(b_fast rx_gro_frames)
[ "$g6" -gt "$g5" ] || fail "the pair up again, but TCP does not go through it"
echo "down: TCP intact without it; up: through it again"

echo "== 6. pwire stops: the pairs go"
pw_stop
for ns in "$a" "$b"; do
	[ "$(pairs "$ns")" = 0 ] || { ip -n "$ns" link show; fail "a GRO pair outlived pwire in $ns"; }
done

echo "== 7. pwired: the pair made by its privileged helper, gone with the section"
sock=$tmp/control.sock
cat >"$tmp/pwire.conf" <<CONF
[gro]
vnic = tap:pwd0
local = 10.215.1.2
remote = 10.215.1.1
udp_sport = 1701
udp_dport = 1701
session_id = 2
peer_session_id = 1
fastpath = on
CONF
ip netns exec "$b" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$sock" >"$tmp/daemon" 2>"$tmp/daemon.err" &
daemon=$!
for _ in $(seq 50); do
	grep -q 'pwd0 up: .*path kernel' "$tmp/daemon.err" && break
	sleep 0.1
done
grep -q 'pwd0 up: .*path kernel' "$tmp/daemon.err" || { cat "$tmp/daemon.err"; fail "pwired's [gro] is not on the kernel path"; }
n=$(ip netns exec "$b" cat /sys/class/net/pwd0/ifindex)
ip -n "$b" link show "pwgo$n" >/dev/null || { cat "$tmp/daemon.err"; fail "pwired made no GRO pair for pwd0"; }
ip netns exec "$b" tc filter show dev "pwgo$n" ingress | grep -q pw_gro || fail "pw_gro is not on pwgo$n's ingress"
run ip netns exec "$b" "$PWIRE" -s "$sock" del gro
for _ in $(seq 50); do
	[ "$(pairs "$b")" = 0 ] && break
	sleep 0.1
done
[ "$(pairs "$b")" = 0 ] || { ip -n "$b" link show; fail "the GRO pair outlived pwired's section"; }
kill "$daemon"
wait "$daemon" || fail "pwired exited $?"
daemon=
echo "PASS"
