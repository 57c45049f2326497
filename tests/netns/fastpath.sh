#!/bin/bash
# The kernel fast path (docs/fastpath.md), pwire up fastpath on:
#
#   ns A                                                 ns B
#   pw0 10.95.0.1                                        pw0 10.95.0.2
#    | clsact egress: pw_encap       pw_decap: ul0 ingress |
#   pwire A -- ul0 10.211.0.1 ====veth==== 10.211.0.2 ul0 -- pwire B
#
# 1. Both on (cookie 4, l2spec default): the programs attached where the
#    doc says; ping 5/5; 10 MB over TCP with equal sha256; the fast path's
#    counters carry the transfer (A tx, B rx: thousands of packets, 10 MB)
#    while pwire's own share of the session (session minus fastpath) stays
#    what ARP needs; after SIGINT both exit 0 and the filters and the
#    clsact qdisc pwire made are gone on A; on B, where another filter was
#    added to that clsact meanwhile, pwire's goes and the clsact and the
#    other filter stay.
# 2. A on, B off (cookie 8, l2spec none): the same bytes on the wire, both
#    ways (l2tp_wire.py decodes a ping's datagrams on B's ul0), a 2 MB
#    transfer each way with equal sha256.
#    Neither side counted a drop.
# 3. B gone, a peer on B's address and port sends A a datagram with the
#    right cookie (the program takes it: fastpath rx_packets +1), then one
#    for each reason pwire's gate has (a wrong cookie, version 2, the T bit,
#    an unknown session, B's address from another port, too short): the
#    program passes each on, and pwire's gate counts each by its reason, as
#    without the fast path. No UDP checksum, so the program's own checks
#    decide, not its checksum rule.
# 4. fastpath auto on a session that does not qualify (seq both): one line
#    why, path user, and a ping still crosses.
# 5. Both on with `mtu 1500` over the 1500-byte veth (the TAP's MTU above
#    the route's): what would not fit once encapsulated, a 1472-byte ping and
#    the TCP transfer's GSO frames, is passed on to pwire (which fragments
#    the outer datagram); a 1000-byte ping is carried by the kernel; 2 MB
#    arrive intact.
# 7. IPv6 outer headers (before 6, which ends the test). Both on (cookie 8,
#    l2spec default): the start-up lines say path kernel; pings both ways
#    carried by both programs; 10 MB over TCP with equal sha256 with A's
#    TSO on (its super-frames passed on to pwire, B's ACKs summed by B's
#    program and verified by A's, none passed) and again with one segment
#    per GSO frame on A's TAP (the whole transfer by the kernel, both sides). Then A on, B
#    off (no cookie, l2spec none): l2tp_wire.py decodes the pings' bytes
#    both ways, a second capture checks every datagram A sends for a
#    correct, non-zero UDP checksum, 2 MB each way arrive intact, no drop
#    counted on either side. Then B gone, a peer on B's address sends A an
#    inner ICMP echo A's program takes (its checksum verified by the
#    program), one datagram per gate reason (each counted by pwire's gate)
#    and one without a UDP checksum (passed on; the kernel drops it).
# 6. Without privileges (uid 65534 on a TAP it owns): `on` refuses to start,
#    naming the kernel's refusal; `auto` says so in one line and runs on
#    the userspace engine.
set -eu -o pipefail
: "${PWIRE:?}"
a=pwfpA$$ b=pwfpB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
out=$tmp
ua=10.211.0.1 ub=10.211.0.2

pw_pair "$a" "$b" "$ua" "$ub" 24

# side NS OUT WORDS...: a pwire up pw0 with its words; fails on no start.
started() {
	local ns=$1 o=$2 _
	if pw_wait_up "$ns" pw0; then
		for _ in $(seq 50); do # the start-up line may follow by a moment
			grep -q ' up: ' "$o.err" && break
			sleep 0.1
		done
		return 0
	fi
	cat "$o.err"
	if grep -q 'refused the programs: Operation not permitted' "$o.err"; then
		echo "SKIP: the kernel refuses BPF programs here (EPERM)"
		exit 77
	fi
	echo "FAIL: pwire did not start in $ns"
	exit 1
}
report() { # NS-index: SIGUSR1, the last JSON line
	kill -USR1 "${pids[$1]}"
	sleep 0.3
}
# counters FILE: the last JSON report as "k=v" lines for the checks below.
check() {
	python3 - "$@" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
c = json.loads(open(path).read().splitlines()[-1])
s, f, t = c["session"], c.get("fastpath"), c["tunnel"]
ok = eval(expr)
print(f"{path.rsplit('/', 1)[-1]}: {expr}: {'ok' if ok else 'FAILED'} "
      f"(session {json.dumps(s)}, fastpath {json.dumps(f)})")
sys.exit(0 if ok else 1)
PY
}
xfer() { # FROM TO ADDR BYTES: a transfer over TCP, sha256 compared
	local from=$1 to=$2 addr=$3 bytes=$4 sent got
	head -c "$bytes" /dev/urandom >"$out/send"
	rm -f "$out/recv"
	ip netns exec "$to" timeout 40 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$out/recv,creat,trunc" &
	local sink=$!
	sleep 0.3
	run ip netns exec "$from" timeout 30 socat -u "OPEN:$out/send" "TCP:$addr:5001,retry=20,interval=0.1"
	wait "$sink"
	sent=$(sha256sum <"$out/send" | cut -d' ' -f1)
	got=$(sha256sum <"$out/recv" | cut -d' ' -f1)
	echo "sha256 sent $sent recv $got ($bytes bytes, $from -> $to)"
	[ "$sent" = "$got" ] || { echo "FAIL: the transfer arrived altered"; exit 1; }
}
ping5() {
	local o
	o=$(ip netns exec "$1" ping -c 5 -i 0.2 -W 2 "$2") || true
	echo "$o" | tail -n 2
	grep -q '^5 packets transmitted, 5 received' <<<"$o" || { echo "FAIL: ping $2 from $1"; exit 1; }
}

echo "== 1. fastpath on, both sides"
common=(udp_sport 1701 udp_dport 1701 l2spec_type default --json)
pw_start "$a" "$out/a1" up pw0 local "$ua" remote "$ub" session_id 10 peer_session_id 20 \
	cookie 11223344 peer_cookie 55667788 fastpath on "${common[@]}"
pw_start "$b" "$out/b1" up pw0 local "$ub" remote "$ua" session_id 20 peer_session_id 10 \
	cookie 55667788 peer_cookie 11223344 fastpath on "${common[@]}"
started "$a" "$out/a1"
started "$b" "$out/b1"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
for ns in "$a" "$b"; do
	side=${ns:4:1}
	line=$(grep ' up: ' "$out/${side,}1.err")
	echo "$line"
	grep -q ', path kernel (TC programs on pw0 and ul0)$' <<<"$line" ||
		{ echo "FAIL: $side's start-up line does not say path kernel"; exit 1; }
	pw_filters "$ns" pw0 egress | grep -q 'pw_encap.*direct-action' ||
		{ echo "FAIL: no pw_encap on $side's pw0 egress"; exit 1; }
	pw_filters "$ns" ul0 ingress | grep -q 'pw_decap.*direct-action' ||
		{ echo "FAIL: no pw_decap on $side's ul0 ingress"; exit 1; }
done
ping5 "$a" 10.95.0.2
xfer "$a" "$b" 10.95.0.2 10000000
report 0
report 1
# A sent the 10 MB, B received it, by the kernel; pwire's own share (the
# session's counters less the fast path's) is no more than ARP and the
# odd frame the programs leave (IPv6 is off: none).
check "$out/a1" 'f["tx_packets"] >= 5000 and f["tx_bytes"] >= 10000000 and s["tx_packets"] - f["tx_packets"] <= 20 and f["tx_errors"] == 0'
check "$out/b1" 'f["rx_packets"] >= 5000 and f["rx_bytes"] >= 10000000 and s["rx_packets"] - f["rx_packets"] <= 20'
check "$out/b1" 'f["tx_packets"] >= 100 and s["tx_packets"] - f["tx_packets"] <= 20'
check "$out/a1" 'f["rx_packets"] >= 100 and s["rx_packets"] - f["rx_packets"] <= 20 and s["rx_cookie_discards"] == 0'
# Someone else's filter on B's ul0 (a classic BPF that matches nothing),
# added to the clsact pwire made: at exit pwire takes only its own.
run ip netns exec "$b" tc filter add dev ul0 ingress pref 7 bpf bytecode '1,6 0 0 0,'
pw_stop
qdiscs=$(ip netns exec "$a" tc qdisc show dev ul0)
if [ -n "$(pw_filters "$a" ul0 ingress)" ] || grep -q clsact <<<"$qdiscs"; then
	echo "$qdiscs"
	echo "FAIL: the programs or pwire's clsact still on ul0 in $a after exit"
	exit 1
fi
echo "after exit: no filter and no clsact left on A's ul0"
filters=$(ip netns exec "$b" tc filter show dev ul0 ingress)
if [ -n "$(pw_filters "$b" ul0 ingress)" ] || ! grep -q 'pref 7 bpf' <<<"$filters"; then
	echo "$filters"
	echo "FAIL: B's ul0 after exit: pwire's program left, or the other filter (pref 7) gone"
	exit 1
fi
echo "after exit: B's ul0 keeps the other filter and its clsact, without pwire's program"
run ip netns exec "$b" tc qdisc del dev ul0 clsact

echo "== 2. A on, B off: the same bytes on the wire"
# A veth hands skbs over as they are: A's frames would reach B's socket
# with the inner checksum still to be filled in (CHECKSUM_PARTIAL) and TSO
# frames uncut, which only a kernel receiver takes. A real NIC fills and
# cuts them; so does A's ul0 with its checksum offload off (it has TSO off
# with it). docs/fastpath.md says so.
run ip netns exec "$a" ethtool -K ul0 tx off >/dev/null
common=(udp_sport 1701 udp_dport 1701 l2spec_type none --json)
pw_start "$a" "$out/a2" up pw0 local "$ua" remote "$ub" session_id 10 peer_session_id 20 \
	cookie 0011223344556677 peer_cookie 8899aabbccddeeff fastpath on "${common[@]}"
pw_start "$b" "$out/b2" up pw0 local "$ub" remote "$ua" session_id 20 peer_session_id 10 \
	cookie 8899aabbccddeeff peer_cookie 0011223344556677 fastpath off "${common[@]}"
started "$a" "$out/a2"
started "$b" "$out/b2"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
grep -q 'path kernel' "$out/a2.err" || { echo "FAIL: A is not on the fast path"; exit 1; }
! grep -q 'path ' "$out/b2.err" || { echo "FAIL: B (fastpath off) names a path"; exit 1; }
wire=(encap=udp af=4 a="$ua" b="$ub" a_session=20 b_session=10 sport=1701 dport=1701
	a_cookie=0011223344556677 b_cookie=8899aabbccddeeff sublayer=none
	a_mac="$(ip netns exec "$a" cat /sys/class/net/pw0/address)"
	b_mac="$(ip netns exec "$b" cat /sys/class/net/pw0/address)" a_ip=10.95.0.1 b_ip=10.95.0.2)
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
ping5 "$a" 10.95.0.2
ping5 "$b" 10.95.0.1
kill -TERM "$sniffer"
wire_status=0
wait "$sniffer" || wire_status=$?
cat "$out/wire"
[ "$wire_status" = 0 ] || { echo "FAIL: the bytes on the underlay (l2tp_wire.py exited $wire_status)"; exit 1; }
xfer "$a" "$b" 10.95.0.2 2000000
xfer "$b" "$a" 10.95.0.1 2000000
report 0
report 1
check "$out/a2" 'f["tx_packets"] >= 1000 and f["tx_errors"] == 0 and s["rx_errors"] == 0 and not any(t.values())'
check "$out/b2" 'f is None and s["rx_errors"] == 0 and not any(t.values())'
kill -INT "${pids[1]}"
wait "${pids[1]}" || { echo "FAIL: pwire B exited $?"; cat "$out/b2.err"; exit 1; }
pids=("${pids[0]}")

echo "== 3. what the gate refuses goes on to pwire's gate"
report 0
before=$(tail -n 1 "$out/a2")
echo "+ ip netns exec $b python3 (from $ub:1701 and :1702, no UDP checksum)" >&2
ip netns exec "$b" python3 - "$ua" "$ub" <<'PY'
import socket, struct, sys
a, b = sys.argv[1], sys.argv[2]
def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: checksum 0
    s.bind((b, port))
    return s
peer, other = sock(1701), sock(1702)
frame = bytes.fromhex("ffffffffffff" "525400123456" "88b5") + b"pwire-fastpath" * 4
good = bytes.fromhex("8899aabbccddeeff")
def l2tp(word=0x00030000, session=10, cookie=good, body=frame):
    return struct.pack("!II", word, session) + cookie + body
for s, d in ((peer, l2tp()),                                      # taken by the kernel
             (peer, l2tp(cookie=bytes.fromhex("8899aabbccddeef0"))),  # rx_cookie_discards
             (peer, l2tp(word=0x00020000)),                       # rx_bad_version
             (peer, l2tp(word=0x80030000)),                       # rx_control
             (peer, l2tp(session=99)),                            # rx_bad_session
             (other, l2tp()),                                     # rx_bad_source
             (peer, l2tp(body=frame[:10]))):                      # rx_short
    s.sendto(d, (a, 1701))
PY
sleep 0.3
report 0
python3 - "$before" "$(tail -n 1 "$out/a2")" <<'PY'
import json, sys
b, n = (json.loads(x) for x in sys.argv[1:3])
d = lambda g, k: n[g][k] - b[g][k]
moved = {k: d("fastpath", k) for k in ("rx_packets", "rx_passed")}
moved.update({k: d("session", k) for k in ("rx_packets", "rx_cookie_discards")})
for k in n["tunnel"]:
    if d("tunnel", k):
        moved[k] = d("tunnel", k)
want = {"rx_packets": 1, "rx_passed": 2, "rx_cookie_discards": 1, "rx_bad_version": 1,
        "rx_control": 1, "rx_bad_session": 1, "rx_bad_source": 1, "rx_short": 1}
print("A moved:", moved)
if moved != want:
    print("FAIL: expected", want, "(the right cookie carried by the kernel, counted in the "
          "session's rx_packets through the fastpath group; the short and the wrong cookie "
          "passed on by the program as the session's (rx_passed); every other reason "
          "counted by pwire's gate)")
sys.exit(0 if moved == want else 1)
PY
pw_stop

echo "== 4. fastpath auto on a session that does not qualify"
common=(udp_sport 1701 udp_dport 1701 l2spec_type default seq both --json)
pw_start "$a" "$out/a4" up pw0 local "$ua" remote "$ub" session_id 10 peer_session_id 20 \
	fastpath auto "${common[@]}"
pw_start "$b" "$out/b4" up pw0 local "$ub" remote "$ua" session_id 20 peer_session_id 10 \
	"${common[@]}"
started "$a" "$out/a4"
started "$b" "$out/b4"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
grep 'fastpath\|path user' "$out/a4.err"
grep -qx "pwire: pw0: fastpath auto: the userspace engine: sequence numbers (seq is not none: one ordered number space, the userspace engine's)" "$out/a4.err" ||
	{ echo "FAIL: no line saying why A stays in userspace"; exit 1; }
grep -q ', path user$' "$out/a4.err" || { echo "FAIL: A's start-up line does not say path user"; exit 1; }
[ -z "$(pw_filters "$a" ul0 ingress)" ] ||
	{ echo "FAIL: a program attached for a session that does not qualify"; exit 1; }
ping5 "$a" 10.95.0.2
pw_stop

echo "== 5. a TAP MTU above the route's: what does not fit goes to pwire"
# A veth checks no GSO frame against its MTU: with tunnel segmentation off,
# A's ul0 cuts them as a real wire would, and a segment too big is dropped.
run ip netns exec "$a" ethtool -K ul0 tx on tx-udp_tnl-segmentation off \
	tx-udp_tnl-csum-segmentation off >/dev/null
common=(udp_sport 1701 udp_dport 1701 l2spec_type default mtu 1500 fastpath on --json)
pw_start "$a" "$out/a5" up pw0 local "$ua" remote "$ub" session_id 10 peer_session_id 20 \
	"${common[@]}"
pw_start "$b" "$out/b5" up pw0 local "$ub" remote "$ua" session_id 20 peer_session_id 10 \
	"${common[@]}"
started "$a" "$out/a5"
started "$b" "$out/b5"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
ip netns exec "$a" ping -c 1 -W 2 10.95.0.2 >/dev/null || true # ARP, before the counting
report 0
before=$(tail -n 1 "$out/a5")
o=$(ip netns exec "$a" ping -c 5 -i 0.2 -W 2 -s 1000 10.95.0.2) || true
grep -q '^5 packets transmitted, 5 received' <<<"$o" || { echo "$o"; echo "FAIL: 1000-byte pings"; exit 1; }
report 0
mid=$(tail -n 1 "$out/a5")
o=$(ip netns exec "$a" ping -c 5 -i 0.2 -W 2 -s 1472 -M dont 10.95.0.2) || true
grep -q '^5 packets transmitted, 5 received' <<<"$o" || { echo "$o"; echo "FAIL: 1472-byte pings"; exit 1; }
report 0
big=$(tail -n 1 "$out/a5")
xfer "$a" "$b" 10.95.0.2 2000000
report 0
python3 - "$before" "$mid" "$big" "$(tail -n 1 "$out/a5")" <<'PY'
import json, sys
b, m, g, x = (json.loads(a)["fastpath"] for a in sys.argv[1:5])
small = {k: m[k] - b[k] for k in ("tx_packets", "tx_passed")}
large = {k: g[k] - m[k] for k in ("tx_packets", "tx_passed")}
tcp = {k: x[k] - g[k] for k in ("tx_packets", "tx_passed")}
print("A's fast path: 1000-byte pings", small, "1472-byte pings", large, "2 MB over TCP", tcp)
# The host's own small frames (IPv6 neighbour and MLD messages) go by the
# kernel meanwhile; an ARP one would be passed on, hence the 1 allowed.
ok = (small["tx_packets"] >= 5 and small["tx_passed"] <= 1 and large["tx_passed"] >= 5
      and large["tx_passed"] - 5 <= 1 and tcp["tx_passed"] >= 20 and x["tx_errors"] == 0)
if not ok:
    print("FAIL: expected the 1000-byte pings carried by the kernel, the 1472-byte ones and the "
          "transfer's GSO frames passed on to pwire")
sys.exit(0 if ok else 1)
PY
pw_stop

echo "== 7. IPv6 outer: both on, then A on and B off"
# The underlay gets IPv6 addresses beside the IPv4 ones. Over IPv6 the
# program computes each datagram's UDP checksum (its inner transport part
# derived: docs/fastpath.md) and passes GSO frames on to pwire; B's
# program verifies what veth hands over unverified (a local sender's
# CHECKSUM_PARTIAL frames, TCP's every segment) the same way.
run ip netns exec "$a" ethtool -K ul0 tx on tx-udp_tnl-segmentation on \
	tx-udp_tnl-csum-segmentation on >/dev/null
u6a=fd00:211::1 u6b=fd00:211::2
run ip -n "$a" addr add $u6a/64 dev ul0 nodad
run ip -n "$b" addr add $u6b/64 dev ul0 nodad
common=(udp_sport 1701 udp_dport 1701 l2spec_type default fastpath on --json)
pw_start "$a" "$out/a7" up pw0 local $u6a remote $u6b session_id 10 peer_session_id 20 \
	cookie 0011223344556677 peer_cookie 8899aabbccddeeff "${common[@]}"
pw_start "$b" "$out/b7" up pw0 local $u6b remote $u6a session_id 20 peer_session_id 10 \
	cookie 8899aabbccddeeff peer_cookie 0011223344556677 "${common[@]}"
started "$a" "$out/a7"
started "$b" "$out/b7"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
for side in a b; do
	grep ' up: ' "$out/${side}7.err"
	grep -q ", path kernel (TC programs on pw0 and ul0)$" "$out/${side}7.err" ||
		{ echo "FAIL: ${side^^}'s start-up line does not say path kernel over IPv6"; exit 1; }
done
ping5 "$a" 10.95.0.2
report 0
report 1
# The pings both ways by the kernel: A's requests encapsulated by A's
# program and taken by B's, B's replies the other way.
check "$out/a7" 'f["tx_packets"] >= 5 and f["rx_packets"] >= 5 and f["tx_errors"] == 0'
check "$out/b7" 'f["tx_packets"] >= 5 and f["rx_packets"] >= 5 and f["tx_errors"] == 0'
before_a=$(tail -n 1 "$out/a7")
before_b=$(tail -n 1 "$out/b7")
# TCP with A's TAP offloads on: A's TSO frames go on to pwire; B's ACKs
# (single segments, their TCP checksum left to the device) are summed by
# B's program and verified by A's.
xfer "$a" "$b" 10.95.0.2 10000000
report 0
report 1
python3 - "$before_a" "$(tail -n 1 "$out/a7")" "$before_b" "$(tail -n 1 "$out/b7")" <<'PY'
import json, sys
a0, a1, b0, b1 = (json.loads(x)["fastpath"] for x in sys.argv[1:5])
d = lambda n, o, k: n[k] - o[k]
moved = {"A tx_passed": d(a1, a0, "tx_passed"), "A rx_packets": d(a1, a0, "rx_packets"),
         "A rx_passed": d(a1, a0, "rx_passed"), "B tx_packets": d(b1, b0, "tx_packets"),
         "B tx_passed": d(b1, b0, "tx_passed"), "errors": a1["tx_errors"] + b1["tx_errors"]}
print("10 MB with TSO:", moved)
ok = (moved["A tx_passed"] >= 20 and moved["B tx_packets"] >= 30 and
      moved["A rx_packets"] >= moved["B tx_packets"] - 5 and moved["A rx_passed"] <= 5 and
      moved["errors"] == 0)
if not ok:
    print("FAIL: expected A's TSO frames passed on to pwire, B's ACKs carried by both programs "
          "(summed by B's, verified by A's), no error")
sys.exit(0 if ok else 1)
PY
# With one segment per GSO frame on A's TAP (TCP builds super-frames even
# with TSO off) every segment is a single frame: the kernel carries the
# whole transfer both ways.
run ip -n "$a" link set pw0 gso_max_segs 1
before_a=$(tail -n 1 "$out/a7")
before_b=$(tail -n 1 "$out/b7")
xfer "$a" "$b" 10.95.0.2 10000000
report 0
report 1
python3 - "$before_a" "$(tail -n 1 "$out/a7")" "$before_b" "$(tail -n 1 "$out/b7")" <<'PY'
import json, sys
a0, a1, b0, b1 = (json.loads(x)["fastpath"] for x in sys.argv[1:5])
d = lambda n, o, k: n[k] - o[k]
moved = {"A tx_packets": d(a1, a0, "tx_packets"), "A tx_bytes": d(a1, a0, "tx_bytes"),
         "A tx_passed": d(a1, a0, "tx_passed"), "B rx_packets": d(b1, b0, "rx_packets"),
         "B rx_bytes": d(b1, b0, "rx_bytes"), "B rx_passed": d(b1, b0, "rx_passed")}
print("10 MB without TSO:", moved)
ok = (moved["A tx_packets"] >= 6000 and moved["A tx_bytes"] >= 10000000 and
      moved["A tx_passed"] <= 5 and moved["B rx_packets"] >= moved["A tx_packets"] - 5 and
      moved["B rx_bytes"] >= 10000000 and moved["B rx_passed"] <= 5)
if not ok:
    print("FAIL: expected the 10 MB carried by A's program and taken by B's")
sys.exit(0 if ok else 1)
PY
pw_stop

# A on, B off: the bytes on the wire decoded by l2tp_wire.py, and every
# datagram A sends checked for a correct, non-zero UDP checksum (B's kernel
# would not: veth marks them verified). A's ul0 fills inner checksums in
# software (tx off), as a userspace receiver needs (docs/fastpath.md).
run ip netns exec "$a" ethtool -K ul0 tx off >/dev/null
common=(udp_sport 1701 udp_dport 1701 l2spec_type none --json)
pw_start "$a" "$out/a7m" up pw0 local $u6a remote $u6b session_id 10 peer_session_id 20 \
	fastpath on "${common[@]}"
pw_start "$b" "$out/b7m" up pw0 local $u6b remote $u6a session_id 20 peer_session_id 10 \
	fastpath off "${common[@]}"
started "$a" "$out/a7m"
started "$b" "$out/b7m"
run ip -n "$a" addr add 10.95.0.1/24 dev pw0
run ip -n "$b" addr add 10.95.0.2/24 dev pw0
grep -q 'path kernel' "$out/a7m.err" || { echo "FAIL: A is not on the fast path"; exit 1; }
wire=(encap=udp af=6 a=$u6a b=$u6b a_session=20 b_session=10 sport=1701 dport=1701
	a_cookie=- b_cookie=- sublayer=none
	a_mac="$(ip netns exec "$a" cat /sys/class/net/pw0/address)"
	b_mac="$(ip netns exec "$b" cat /sys/class/net/pw0/address)" a_ip=10.95.0.1 b_ip=10.95.0.2)
echo "+ ip netns exec $b python3 l2tp_wire.py ul0 ${wire[*]} &" >&2
ip netns exec "$b" python3 "$(dirname "$0")/l2tp_wire.py" ul0 "${wire[@]}" >"$out/wire6" 2>&1 &
sniffer=$!
echo "+ ip netns exec $b python3 (UDP checksums of A's datagrams on ul0) &" >&2
ip netns exec "$b" python3 - $u6a $u6b >"$out/csum6" 2>&1 <<'PY' &
import ipaddress, select, signal, socket, struct, sys, time
src, dst = (ipaddress.ip_address(x).packed for x in sys.argv[1:3])
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.setsockopt(263, 15, 1)  # PACKET_VNET_HDR: flags say whether the bytes are final
s.bind(("ul0", 0))
print("capturing", flush=True)
def sum16(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack(f"!{len(b) // 2}H", b))
good, bad, partial = 0, [], 0
end = time.monotonic() + 30
while not stop and time.monotonic() < end:
    try:
        if not select.select([s], [], [], 0.1)[0]:
            continue
    except InterruptedError:
        continue
    d = s.recv(70000)
    flags, gso = d[0], d[1]
    p = d[10 + 14:]
    if len(p) < 48 or p[6] != 17 or p[8:24] != src or p[24:40] != dst:
        continue
    if flags & 1 or gso:  # NEEDS_CSUM or a GSO skb: not the final bytes
        partial += 1
        continue
    plen = struct.unpack_from("!H", p, 4)[0]
    u = p[40:40 + plen]
    c = struct.unpack_from("!H", u, 6)[0]
    t = sum16(src + dst + struct.pack("!IxxxB", len(u), 17) + u)
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    if c == 0 or t != 0xffff:
        bad.append(f"checksum {c:#06x}, sum {t:#06x}, {len(u)} bytes")
    else:
        good += 1
print(f"A's datagrams: {good} with a correct UDP checksum, {len(bad)} wrong, {partial} not final")
for x in bad[:10]:
    print("FAIL:", x)
sys.exit(0 if good >= 10 and not bad else 1)
PY
csum=$!
trap 'kill "$sniffer" "$csum" 2>/dev/null || true; pw_cleanup' EXIT
for _ in $(seq 50); do
	grep -q '^capturing' "$out/wire6" && grep -q '^capturing' "$out/csum6" && break
	sleep 0.1
done
grep -q '^capturing' "$out/wire6" && grep -q '^capturing' "$out/csum6" ||
	{ cat "$out/wire6" "$out/csum6"; echo "FAIL: a capture did not start"; exit 1; }
ping5 "$a" 10.95.0.2
ping5 "$b" 10.95.0.1
o=$(ip netns exec "$a" ping -c 5 -i 0.2 -W 2 -s 1200 10.95.0.2) || true
grep -q '^5 packets transmitted, 5 received' <<<"$o" || { echo "$o"; echo "FAIL: 1200-byte pings"; exit 1; }
kill -TERM "$sniffer" "$csum"
wire_status=0 csum_status=0
wait "$sniffer" || wire_status=$?
wait "$csum" || csum_status=$?
cat "$out/wire6" "$out/csum6"
[ "$wire_status" = 0 ] || { echo "FAIL: the bytes on the underlay (l2tp_wire.py exited $wire_status)"; exit 1; }
[ "$csum_status" = 0 ] || { echo "FAIL: A's UDP checksums over IPv6"; exit 1; }
xfer "$a" "$b" 10.95.0.2 2000000
xfer "$b" "$a" 10.95.0.1 2000000
report 0
report 1
check "$out/a7m" 'f["tx_packets"] >= 15 and f["tx_errors"] == 0 and s["rx_errors"] == 0 and not any(t.values())'
check "$out/b7m" 'f is None and s["rx_errors"] == 0 and not any(t.values())'
# B gone: what A's IPv6 gate refuses goes on to pwire's gate, counted by its
# reason as over IPv4 (part 3; no cookie here); a datagram without a UDP
# checksum is passed on too (the kernel drops it before the socket, as
# without the program): the short one and it are the program's rx_passed.
# B's ul0 sums in software (tx off), so A's program verifies the checksums
# itself; the frame it takes is an inner ICMP echo, whose sum it derives.
kill -INT "${pids[1]}"
wait "${pids[1]}" || { echo "FAIL: pwire B exited $?"; cat "$out/b7m.err"; exit 1; }
pids=("${pids[0]}")
run ip netns exec "$b" ethtool -K ul0 tx off >/dev/null
report 0
before=$(tail -n 1 "$out/a7m")
echo "+ ip netns exec $b python3 (from [$u6b]:1701 and :1702)" >&2
ip netns exec "$b" python3 - $u6a $u6b "$(ip netns exec "$a" cat /sys/class/net/pw0/address)" <<'PY'
import socket, struct, sys
a, b, mac = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3].replace(":", ""))
def csum(d):
    d += b"\0" * (len(d) % 2)
    t = sum(struct.unpack(f"!{len(d) // 2}H", d))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
def sock(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((b, port))
    return s
peer, other = sock(1701), sock(1702)
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x77, 1) + b"pwire-fastpath-v6" * 3
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                 bytes([10, 95, 0, 9]), bytes([10, 95, 0, 1]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = mac + bytes.fromhex("525400123456" "0800") + ip + icmp
def l2tp(word=0x00030000, session=10, body=frame):
    return struct.pack("!II", word, session) + body
for s, d in ((peer, l2tp()),                         # taken by the kernel
             (peer, l2tp(session=11)),               # rx_bad_session
             (peer, l2tp(word=0x00020000)),          # rx_bad_version
             (peer, l2tp(word=0x80030000)),          # rx_control
             (other, l2tp()),                        # rx_bad_source
             (peer, l2tp(body=frame[:10]))):         # rx_short (passed on)
    s.sendto(d, (a, 1701))
peer.setsockopt(socket.IPPROTO_UDP, 101, 1)  # UDP_NO_CHECK6_TX: checksum 0
peer.sendto(l2tp(), (a, 1701))               # passed on; the kernel drops it
PY
sleep 0.3
report 0
python3 - "$before" "$(tail -n 1 "$out/a7m")" <<'PY'
import json, sys
b, n = (json.loads(x) for x in sys.argv[1:3])
d = lambda g, k: n[g][k] - b[g][k]
moved = {k: d("fastpath", k) for k in ("rx_packets", "rx_passed")}
moved.update({k: d("session", k) for k in ("rx_packets", "rx_cookie_discards")})
for k in n["tunnel"]:
    if d("tunnel", k):
        moved[k] = d("tunnel", k)
want = {"rx_packets": 1, "rx_passed": 2, "rx_cookie_discards": 0, "rx_bad_version": 1,
        "rx_control": 1, "rx_bad_session": 1, "rx_bad_source": 1, "rx_short": 1}
print("A moved:", moved)
if moved != want:
    print("FAIL: expected", want)
sys.exit(0 if moved == want else 1)
PY
pw_stop
run ip netns exec "$a" ethtool -K ul0 tx on >/dev/null
run ip netns exec "$b" ethtool -K ul0 tx on >/dev/null

echo "== 6. without privileges: on refuses, auto falls back"
run ip -n "$a" tuntap add pw9 mode tap user 65534
run ip -n "$a" link set pw9 up
unpriv=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$PWIRE" up pw9
	local "$ua" remote "$ub" udp_sport 1709 udp_dport 1709 session_id 9 peer_session_id 9)
rc=0
ip netns exec "$a" timeout 5 "${unpriv[@]}" fastpath on 2>"$out/u6.err" >/dev/null || rc=$?
grep -v warning "$out/u6.err"
[ "$rc" = 1 ] || { echo "FAIL: fastpath on without privileges exited $rc (want 1)"; exit 1; }
grep -q '^pwire: pw9: fastpath on: the kernel refused the programs: Operation not permitted (loading them needs CAP_BPF and CAP_NET_ADMIN)' "$out/u6.err" ||
	{ echo "FAIL: not the kernel's refusal, named"; exit 1; }
# auto over a veth that leaves checksums to its receiver: not even tried.
rc=0
ip netns exec "$a" timeout --preserve-status -s INT 1 "${unpriv[@]}" 2>"$out/u6.err" >/dev/null || rc=$?
grep -v warning "$out/u6.err"
[ "$rc" = 0 ] || { echo "FAIL: the default (auto) over a veth exited $rc (want 0 after SIGINT)"; exit 1; }
grep -q '^pwire: pw9: fastpath auto: the userspace engine: the underlay ul0 (veth) is a virtual device that may hand frames on' "$out/u6.err" &&
	grep -q 'up: .*, path user$' "$out/u6.err" ||
	{ echo "FAIL: auto over a veth with tx checksum offload did not stay on the userspace engine, saying why"; exit 1; }
# With the offload off the kernel finishes frames itself: auto tries, and
# the kernel refuses this user.
run ip netns exec "$a" ethtool -K ul0 tx off >/dev/null
rc=0
ip netns exec "$a" timeout --preserve-status -s INT 1 "${unpriv[@]}" fastpath auto 2>"$out/u6.err" >/dev/null || rc=$?
grep -v warning "$out/u6.err"
[ "$rc" = 0 ] || { echo "FAIL: fastpath auto without privileges exited $rc (want 0 after SIGINT)"; exit 1; }
grep -q '^pwire: pw9: fastpath auto: the userspace engine: the kernel refused the programs: Operation not permitted' "$out/u6.err" &&
	grep -q 'up: .*, path user$' "$out/u6.err" ||
	{ echo "FAIL: auto did not fall back to the userspace engine, saying why"; exit 1; }
echo "PASS"
