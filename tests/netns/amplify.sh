#!/bin/bash
# Offload amplification: a guest writes one 60 KB TCP super-frame with
# gso_size 1 (a vnet header, as a VM's virtio-net would) into a TAP bridged
# with pwire's. The kernel hands it to pwire whole; pwire must refuse it
# (rx_bad_offload) instead of cutting it into 60,000 datagrams, while a ping
# through the pseudowire around it loses nothing. Then a 60 KB frame with
# gso_size 1448 from the same guest must still be cut and carried.
#
#   netns A                                                netns B
#   guest TAP gtap0 --[br0 10.99.0.1]-- pw0 -- pwire ==[veth]== pwire -- pw0 10.99.0.2
#   (python: vnet header + super-frame)
set -eu
: "${PWIRE:?}"
a=pwampA$$ b=pwampB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.212.0.1 10.212.0.2 24
for ns in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
common=(udp_sport 1701 udp_dport 1701 --json)
pw_start "$a" "$tmp/a" up pw0 local 10.212.0.1 remote 10.212.0.2 session_id 1 peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.212.0.2 remote 10.212.0.1 session_id 2 peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" link add br0 type bridge
run ip -n "$a" link set pw0 master br0
run ip -n "$a" link set br0 up
run ip -n "$a" addr add 10.99.0.1/24 dev br0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null

# The guest: a TAP with a vnet header, in the bridge; writes super-frames.
# usage: guest GSO_SIZE COUNT -- each a 60,000-byte TCP payload to B's MAC.
mac_b=$(ip -n "$b" -j link show pw0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
cat >"$tmp/guest.py" <<'PY'
import fcntl, os, socket, struct, subprocess, sys, time
mac_b, mss, count = bytes.fromhex(sys.argv[1].replace(":", "")), int(sys.argv[2]), int(sys.argv[3])
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", b"gtap0", 0x0002 | 0x1000 | 0x4000))  # TAP NO_PI VNET_HDR
fcntl.ioctl(fd, 0x400454D0, 0x01 | 0x02 | 0x04)  # TUNSETOFFLOAD CSUM TSO4 TSO6
subprocess.run(["ip", "link", "set", "gtap0", "master", "br0", "up"], check=True)
time.sleep(0.3)

def csum(b):
    b += b"\0" * (len(b) & 1)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

pay = bytes(i & 0xff for i in range(60000))
src, dst = socket.inet_aton("10.99.0.1"), socket.inet_aton("10.99.0.2")
tcp_len = 20 + len(pay)
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, 1, 0x4000, 64, 6, 0, src, dst))
ip[10:12] = struct.pack("!H", ~csum(bytes(ip)) & 0xffff)
tcp = bytearray(struct.pack("!HHIIBBHHH", 40000, 5999, 1, 1, 0x50, 0x10, 1000, 0, 0))
tcp[16:18] = struct.pack("!H", csum(src + dst + struct.pack("!BBH", 0, 6, tcp_len)))  # NEEDS_CSUM
frame = mac_b + bytes.fromhex("020000aa0001") + b"\x08\x00" + bytes(ip) + bytes(tcp) + pay
vh = struct.pack("=BBHHHH", 1, 1, 54, mss, 34, 16)  # NEEDS_CSUM, GSO_TCPV4, hdr_len, gso_size
for _ in range(count):
    os.write(fd, vh + frame)
    time.sleep(0.2)
time.sleep(0.5)
PY

# Ping through the pseudowire while the guest writes three gso_size 1
# super-frames; then three honest ones (gso_size 1448: 42 segments each).
echo "+ ip netns exec $a ping -c 30 -i 0.05 10.99.0.2 & (while the guest writes)" >&2
ip netns exec "$a" ping -c 30 -i 0.05 -W 2 10.99.0.2 >"$tmp/ping" 2>&1 &
ping_pid=$!
run ip netns exec "$a" python3 "$tmp/guest.py" "$mac_b" 1 3
wait "$ping_pid" || { cat "$tmp/ping"; echo "FAIL: the ping around the super-frames lost packets"; exit 1; }
grep -E 'packets transmitted' "$tmp/ping"
run ip netns exec "$a" python3 "$tmp/guest.py" "$mac_b" 1448 3
sleep 0.5

pw_stop
python3 - "$tmp/a" "$tmp/b" <<'PY'
import json, sys
a, b = (json.loads(open(p).read().splitlines()[-1]) for p in sys.argv[1:3])
sent, bad = a["session"]["tx_packets"], a["vnic"]["rx_bad_offload"]
got = b["session"]["rx_packets"]
print(f"A: tx_packets {sent}, rx_bad_offload {bad}; B: rx_packets {got}")
# Three refused frames, 3 x 42 segments of the honest ones, pings, ARP:
# a few hundred. Cut at gso_size 1 they were 3 x 60,000.
fail = []
if bad != 3:
    fail.append(f"rx_bad_offload {bad}, want 3 (one per gso_size 1 super-frame)")
if sent > 1000:
    fail.append(f"A sent {sent} datagrams: the gso_size 1 super-frames were cut (a flood)")
if sent < 3 * 42 + 30:
    fail.append(f"A sent {sent} datagrams: the honest super-frames (3 x 42 segments) and pings did not all go")
if got < 3 * 42:
    fail.append(f"B received {got} frames, fewer than the 3 x 42 segments of the honest super-frames")
print("\n".join("FAIL: " + f for f in fail) if fail else "no flood: refused and counted, the rest carried")
sys.exit(1 if fail else 0)
PY
