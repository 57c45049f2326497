#!/bin/bash
# A sublayer mismatch is said, on each side, naming l2spec_type; matching
# layouts count nothing as shifted under real traffic; rx_idle_seconds.
#
#   ns A: pw0 192.168.93.1 fd93::1 - pwire A - ul0 10.215.0.1
#                                                  | veth
#   ns B: pw0 192.168.93.2 fd93::2 - pwire B - ul0 10.215.0.2
#
# 1. A has l2spec_type none, B the default sublayer; they ping each other
#    (nothing crosses). A says the peer sends a sublayer it does not expect
#    (rx_unexpected_sublayer), B that its sublayer takes 4 bytes of frames
#    sent without one (rx_missing_sublayer): one line each, not repeated while
#    pings go on.
# 2. B restarted with l2spec_type none: ARP and ping both ways, IPv6 ND and
#    ping6, a 2 MB TCP transfer, ICMP echo requests in an 802.1Q tag and in
#    QinQ (written on A's TAP with AF_PACKET: no 8021q module needed), over
#    a VLAN device too where the kernel has one: A says the frames no longer
#    look shifted, B counts none, A counts no more than in step 1.
# 3. rx_idle_seconds: null before A's first frame; at least 2 once B has
#    been gone for 3 s.
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwsa$$ b=pwsb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; for f in "$tmp"/*.err; do echo "== $f"; cat "$f"; done; exit 1; }

# The last JSON counters pwire number $1 (index into pids) printed to $2,
# after a SIGUSR1, as one python expression's value: $3.
counters() {
	local n=$1 out=$2 expr=$3 lines _
	lines=$(wc -l <"$out")
	kill -USR1 "${pids[$n]}"
	for _ in $(seq 50); do
		[ "$(wc -l <"$out")" -gt "$lines" ] && break
		sleep 0.1
	done
	python3 -c "import json, sys; c = json.loads(open(sys.argv[1]).read().splitlines()[-1]); print($expr)" "$out"
}

# Wait (at most 5 s) for a line matching the extended regex $2 in file $1.
wait_line() {
	local _
	for _ in $(seq 50); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

start_b() {
	pw_start "$b" "$tmp/$1" up pw0 local 10.215.0.2 remote 10.215.0.1 udp_sport 1701 \
		udp_dport 1701 session_id 2 peer_session_id 1 l2spec_type "$2" --json
	pw_wait_up "$b" pw0
	run ip -n "$b" addr add 192.168.93.2/24 dev pw0
	run ip -n "$b" addr add fd93::2/64 dev pw0 nodad
}

pw_pair "$a" "$b" 10.215.0.1 10.215.0.2 24
pw_start "$a" "$tmp/a" up pw0 local 10.215.0.1 remote 10.215.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2 l2spec_type none --json
pw_wait_up "$a" pw0
run ip -n "$a" addr add 192.168.93.1/24 dev pw0
run ip -n "$a" addr add fd93::1/64 dev pw0 nodad
idle=$(counters 0 "$tmp/a" 'c["rx_idle_seconds"]')
[ "$idle" = None ] || fail "rx_idle_seconds before any frame: $idle, want null"

# 1. Mismatched.
start_b b default
late='^pwire: pw0: frames from the peer look shifted by 4 bytes \(rx_unexpected_sublayer \+[0-9]+ of [0-9]+ frames\): the peer seems to send a sublayer that l2spec_type none does not expect: check l2spec_type on both ends$'
early='^pwire: pw0: frames from the peer look shifted by 4 bytes \(rx_missing_sublayer \+[0-9]+ of [0-9]+ frames\): l2spec_type default takes 4 bytes of frames the peer seems to send without a sublayer: check l2spec_type on both ends$'
for _ in 1 2; do
	run ip netns exec "$a" ping -c 3 -i 0.3 -W 1 -q 192.168.93.2 >/dev/null &&
		fail "a ping crossed mismatched layouts"
	run ip netns exec "$b" ping -c 3 -i 0.3 -W 1 -q 192.168.93.1 >/dev/null &&
		fail "a ping crossed mismatched layouts"
done
wait_line "$tmp/a.err" "$late" || fail "A did not say the peer's frames look shifted"
wait_line "$tmp/b.err" "$early" || fail "B did not say its sublayer takes 4 bytes"
grep -E 'shifted' "$tmp/a.err" "$tmp/b.err"
[ "$(grep -c 'look shifted by' "$tmp/a.err")" = 1 ] || fail "A said it more than once"
[ "$(grep -c 'look shifted by' "$tmp/b.err")" = 1 ] || fail "B said it more than once"
a_late=$(counters 0 "$tmp/a" 'c["session"]["rx_unexpected_sublayer"]')
a_early=$(counters 0 "$tmp/a" 'c["session"]["rx_missing_sublayer"]')
b_early=$(counters 1 "$tmp/b" 'c["session"]["rx_missing_sublayer"]')
echo "A: rx_unexpected_sublayer $a_late rx_missing_sublayer $a_early; B: rx_missing_sublayer $b_early"
[ "$a_late" -gt 0 ] && [ "$a_early" = 0 ] && [ "$b_early" -gt 0 ] || fail "counters"

# 2. Matching: B again, with l2spec_type none.
run kill -INT "${pids[1]}"
wait "${pids[1]}" || fail "B exited $?"
pids=("${pids[0]}")
for _ in $(seq 50); do ip -n "$b" link show pw0 >/dev/null 2>&1 || break; sleep 0.1; done
sleep 0.5 # what B sent last, read
a_late=$(counters 0 "$tmp/a" 'c["session"]["rx_unexpected_sublayer"]')
start_b b2 none
run ip -n "$a" neigh flush dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 192.168.93.2 >/dev/null || fail "ping A to B"
run ip netns exec "$b" ping -c 3 -i 0.2 -W 2 -q 192.168.93.1 >/dev/null || fail "ping B to A"
run ip netns exec "$a" ping -6 -c 3 -i 0.2 -W 2 -q fd93::2 >/dev/null || fail "ping6 A to B"
echo "+ 2 MB over TCP from A to B" >&2
ip netns exec "$b" timeout 20 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.93.2", 5093)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    d = c.recv(65536)
    if not d: break
    n += len(d)
print(n)' >"$tmp/tcp" &
tcp=$!
for _ in $(seq 50); do
	ip netns exec "$b" ss -Hltn 'sport = 5093' | grep -q . && break
	sleep 0.1
done
ip netns exec "$a" timeout 20 python3 -c '
import socket
s = socket.create_connection(("192.168.93.2", 5093), timeout=10)
s.sendall(bytes(range(256)) * 8192); s.close()' || fail "TCP send"
wait "$tcp" || fail "TCP receiver"
[ "$(cat "$tmp/tcp")" = 2097152 ] || fail "TCP: $(cat "$tmp/tcp") bytes arrived, want 2097152"
# Tagged echo requests, as a guest with VLANs sends them; B's pw0 must see
# them all (the kernel there may hold the tag aside: the payload tells).
mac_b=$(ip -n "$b" -j link show pw0 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])')
ip netns exec "$b" timeout 10 python3 -c '
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("pw0", 0)); s.settimeout(0.5)
print("ready", flush=True)
n, end = 0, time.time() + 8
while n < 10 and time.time() < end:
    try:
        n += b"pwire-vlan" in s.recv(2048)
    except socket.timeout:
        pass
print(n, flush=True)' >"$tmp/tagged" &
tagged=$!
for _ in $(seq 50); do grep -q ready "$tmp/tagged" && break; sleep 0.1; done
echo "+ 10 tagged ICMP echo requests written on A's pw0" >&2
ip netns exec "$a" python3 - "$mac_b" <<'PY' || fail "tagged frames"
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x93, 1) + b"pwire-vlan" * 5
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0x4000, 64, 1, 0,
                 socket.inet_aton("192.168.5.1"), socket.inet_aton("192.168.5.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + icmp
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
src = bytes.fromhex("525400930001")
dot1q = dst + src + struct.pack("!HHH", 0x8100, 5, 0x0800) + ip
qinq = dst + src + struct.pack("!HHHHH", 0x88a8, 100, 0x8100, 5, 0x0800) + ip
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("pw0", 0))
for _ in range(5):
    s.send(dot1q)
    s.send(qinq)
PY
if ip -n "$a" link add link pw0 name pw0.5 type vlan id 5 2>/dev/null &&
	ip -n "$b" link add link pw0 name pw0.5 type vlan id 5 2>/dev/null; then
	run ip -n "$a" link set pw0.5 mtu 1400 up
	run ip -n "$b" link set pw0.5 mtu 1400 up
	run ip -n "$a" addr add 192.168.94.1/24 dev pw0.5
	run ip -n "$b" addr add 192.168.94.2/24 dev pw0.5
	run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 192.168.94.2 >/dev/null || fail "VLAN ping"
else
	echo "no VLAN devices here (no 8021q): the tagged frames above stand for a VLAN ping"
fi
wait "$tagged" || true
[ "$(tail -1 "$tmp/tagged")" = 10 ] || fail "B's pw0 got $(tail -1 "$tmp/tagged") of the 10 tagged frames"
wait_line "$tmp/a.err" '^pwire: pw0: frames from the peer no longer look shifted$' ||
	fail "A did not say the frames look right again"
b2=$(counters 1 "$tmp/b2" 'c["session"]["rx_unexpected_sublayer"], c["session"]["rx_missing_sublayer"], c["session"]["rx_packets"]')
a2=$(counters 0 "$tmp/a" 'c["session"]["rx_unexpected_sublayer"], c["session"]["rx_missing_sublayer"], c["session"]["rx_packets"]')
echo "matching layouts: B (unexpected, missing, rx_packets) $b2; A $a2"
case "$b2" in "0 0 "*) ;; *) fail "B counted frames as shifted: $b2" ;; esac
case "$a2" in "$a_late 0 "*) ;; *) fail "A counted more frames as shifted: $a2 (had $a_late)" ;; esac
[ "$(grep -c 'look shifted by' "$tmp/a.err")" = 1 ] || fail "A said it again"
grep -q 'shifted' "$tmp/b2.err" && fail "B said something of shifted frames"

# 3. B gone for 3 s.
run kill -INT "${pids[1]}"
wait "${pids[1]}" || fail "B exited $?"
pids=("${pids[0]}")
sleep 3
idle=$(counters 0 "$tmp/a" 'c["rx_idle_seconds"]')
[ "$idle" -ge 2 ] && [ "$idle" -le 5 ] || fail "rx_idle_seconds $idle 3 s after B went, want 2..5"
echo "rx_idle_seconds $idle, 3 s after the peer went"
pw_stop
echo "ok: the mismatch said on each side once, nothing counted with matching layouts"
