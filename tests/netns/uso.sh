#!/bin/bash
# UDP super-frames from the host (USO): an application in A sends with
# UDP_SEGMENT through pw0; with USO offered on the TAP the kernel hands pwire
# whole trains, which pwire cuts into datagrams; B's application must
# receive every datagram (numbered 0..7999: each number once, none twice),
# intact and in order, and pwire A must have read fewer times than it sent
# frames (the trains did arrive whole).
set -eu
: "${PWIRE:?}"
a=pwusoA$$ b=pwusoB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

pw_pair "$a" "$b" 10.207.0.1 10.207.0.2 24
common=(udp_sport 1701 udp_dport 1701 mtu 1500 --json)
pw_start "$a" "$tmp/a" up pw0 local 10.207.0.1 remote 10.207.0.2 session_id 1 peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.207.0.2 remote 10.207.0.1 session_id 2 peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 10.99.0.2 >/dev/null
# Skip only when the kernel cannot do it (a TAP of our own asks); where it
# can, pwire must have offered it.
if ! ip netns exec "$a" python3 -c '
import fcntl, os, struct
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", b"usoprobe", 0x0002 | 0x1000 | 0x4000))
fcntl.ioctl(fd, 0x400454D0, 0x01 | 0x02 | 0x04 | 0x20 | 0x40)  # TUNSETOFFLOAD ... USO4 USO6
' 2>/dev/null; then
	echo "SKIP: this kernel offers no USO on a TAP (Linux 6.2+)"
	exit 77
fi
ip netns exec "$a" ethtool -k pw0 | grep -q '^tx-udp-segmentation: on' ||
	{ echo "FAIL: pwire did not offer USO on pw0"; exit 1; }
ip netns exec "$b" python3 - "$tmp/got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: a slow reader loses nothing
s.bind(("10.99.0.2", 6000))
s.settimeout(3)
seen = set()
n = bad = dups = late = 0
last = -1
try:
    while True:
        d = s.recv(2000)
        k = int.from_bytes(d[:4], "big")
        bad += d != k.to_bytes(4, "big") + bytes((k + i) & 0xff for i in range(len(d) - 4))
        n += 1
        if k in seen:
            dups += 1
            continue
        seen.add(k)
        late += k < last  # a number below one already received: out of order
        last = max(last, k)
except socket.timeout:
    pass
distinct = len(seen & set(range(8000)))
open(sys.argv[1], "w").write(f"{n} {distinct} {dups} {late} {bad}\n")
PY
rx=$!
sleep 0.5
reads0=$(awk '/^syscr/ { print $2 }' "/proc/${pids[0]}/io")
ip netns exec "$a" python3 - <<'PY'
import socket, time
UDP_SEGMENT = 103
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.99.0.2", 6000))
s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, 1400)
k = 0
for train in range(200):  # 200 trains of 40 datagrams of 1400 bytes (the last 1000)
    buf = b""
    for i in range(40):
        n = 1400 if i < 39 else 1000
        buf += k.to_bytes(4, "big") + bytes((k + j) & 0xff for j in range(n - 4))
        k += 1
    s.send(buf)
    time.sleep(0.005)
print(f"sent {k} datagrams in 200 trains")
PY
wait "$rx"
reads=$(($(awk '/^syscr/ { print $2 }' "/proc/${pids[0]}/io") - reads0))
pw_stop
read -r got distinct dups late bad <"$tmp/got"
python3 - "$tmp/a" "$got" "$distinct" "$dups" "$late" "$bad" "$reads" <<'PY'
import json, sys
A = json.loads(open(sys.argv[1]).read().splitlines()[-1])
got, distinct, dups, late, bad, reads = map(int, sys.argv[2:8])
checks = [
    (f"B's application received each of the 8000 datagrams once ({got} received, "
     f"{distinct} distinct, {dups} duplicates)", distinct == 8000 and dups == 0 and got == 8000),
    (f"in order ({late} behind a later one)", late == 0),
    (f"intact ({bad} damaged)", bad == 0),
    (f"pwire A read them as trains: {reads} reads for 8000 frames (at most 1000)", reads <= 1000),
    (f"pwire A refused nothing (vnic {A['vnic']})", not any(A["vnic"].values())),
]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
