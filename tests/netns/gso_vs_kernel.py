#!/usr/bin/env python3
"""Inject TCP and UDP super-frames into a TAP with a GSO vnet header, let the kernel
segment them in software on their way out a bridged veth with TSO and GSO
off, capture the segments on the veth's peer, and compare them byte for byte
with what pwire's segmenter (tests/tools/tso-cut) makes of the same
super-frame. Runs inside a namespace prepared by gso-vs-kernel.sh.

usage: gso_vs_kernel.py TAP CAPTURE_IFACE TSO_CUT
"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys

TUNSETIFF, IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x400454CA, 0x0002, 0x1000, 0x4000
TUNSETOFFLOAD = 0x400454D0
ETH_P_ALL = 0x0003


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def super_frame(v6, opts, pay, flags, udp=False):
    """TCP (or, udp, a UDP datagram: opts and flags unused) super-frame with a
    NEEDS_CSUM checksum; returns it and where the L4 header starts."""
    eth = bytes.fromhex("02000000aa02" "02000000aa01") + (b"\x86\xdd" if v6 else b"\x08\x00")
    proto, coff = (17, 6) if udp else (6, 16)
    tcp_len = (8 if udp else 20 + opts) + pay
    if udp:
        tcp = bytearray(struct.pack("!HHHH", 40000, 5001, tcp_len & 0xffff, 0))
    else:
        tcp = bytearray(struct.pack("!HHIIBBHHH", 40000, 5001, 0xfffff000, 0x1000,
                                    ((20 + opts) // 4) << 4, flags, 501, 0, 0) + b"\x01" * opts)
    data = bytes((i * 7 + 3) & 0xff for i in range(pay))
    if v6:
        src, dst = socket.inet_pton(socket.AF_INET6, "fd00:9::1"), socket.inet_pton(socket.AF_INET6, "fd00:9::2")
        ip = struct.pack("!IHBB", 0x60012345, tcp_len, proto, 64) + src + dst
        pseudo = src + dst + struct.pack("!IxxxB", tcp_len, proto)
    else:
        src, dst = socket.inet_aton("10.9.0.1"), socket.inet_aton("10.9.0.2")
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_len, 0x1234, 0x4000, 64, proto,
                                   0, src, dst))
        ip[10:12] = struct.pack("!H", ~csum(bytes(ip)) & 0xffff)
        ip = bytes(ip)
        pseudo = src + dst + struct.pack("!BBH", 0, proto, tcp_len)
    # NEEDS_CSUM: the field holds the folded pseudo-header sum.
    tcp[coff:coff + 2] = struct.pack("!H", csum(pseudo))
    return eth + ip + bytes(tcp) + data, len(eth) + len(ip)


def main():
    tap, cap_if, cut = sys.argv[1:4]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    try:
        fcntl.ioctl(fd, TUNSETOFFLOAD, 0x01 | 0x02 | 0x04 | 0x20 | 0x40)  # CSUM TSO4 TSO6 USO4 USO6
        uso = True
    except OSError:
        fcntl.ioctl(fd, TUNSETOFFLOAD, 0x01 | 0x02 | 0x04)
        uso = False
        print("skip UDP cases: this kernel has no USO on a TAP (Linux 6.2+)")
    subprocess.run(["ip", "link", "set", tap, "up"], check=True)
    subprocess.run(["ip", "link", "set", tap, "master", "br0"], check=True)
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    cap.bind((cap_if, 0))
    # (v6, TCP options, payload, gso_size, TCP flags, udp)
    cases = [(False, 0, 20000, 1448, 0x18, False), (False, 12, 4001, 1000, 0x19, False),
             (True, 0, 9000, 1428, 0x18, False), (True, 20, 3333, 700, 0x10, False),
             (False, 0, 1449, 1448, 0x10, False)]
    if uso:
        cases += [(False, 0, 20000, 1472, 0, True), (False, 0, 4001, 999, 0, True),
                  (True, 0, 9000, 1452, 0, True), (True, 0, 1453, 1452, 0, True)]
    bad = 0
    for v6, opts, pay, mss, flags, udp in cases:
        frame, csum_start = super_frame(v6, opts, pay, flags, udp)
        hdr_len = csum_start + (8 if udp else 20 + opts)
        gso_type = 5 if udp else 4 if v6 else 1
        vh = struct.pack("=BBHHHH", 1, gso_type, hdr_len, mss, csum_start, 6 if udp else 16)
        while select.select([cap], [], [], 0)[0]:
            cap.recv(70000)
        os.write(fd, vh + frame)
        got = []
        while select.select([cap], [], [], 0.5)[0]:
            pkt, addr = cap.recvfrom(70000)
            # Only this flow's segments: the namespace's own stack may answer
            # the flooded frame with a reset from the other port.
            if addr[2] != socket.PACKET_OUTGOING and pkt[12:14] == frame[12:14] and \
                    pkt[csum_start:csum_start + 2] == frame[csum_start:csum_start + 2]:
                got.append(pkt)
        kind = "u" if udp else "6" if v6 else "4"
        mine = subprocess.run([cut, kind, str(mss)], input=frame.hex() + "\n",
                              capture_output=True, text=True, check=True).stdout.split()
        want = [bytes.fromhex(h) for h in mine]
        # The kernel pads short frames to 60 bytes on the wire; compare the IP datagram.
        same = len(got) == len(want) and all(g[:len(w)] == w for g, w in zip(got, want))
        print(f"{'ok  ' if same else 'FAIL'} {'udp' if udp else 'tcp'} v{6 if v6 else 4} opts={opts} "
              f"payload={pay} mss={mss} flags={flags:#x}: kernel {len(got)} segments, pwire {len(want)}")
        if not same:
            bad += 1
            print("   kernel lengths", [len(g) for g in got], "seqs",
                  [struct.unpack("!I", g[csum_start + 4:csum_start + 8])[0] for g in got])
            for i, (g, w) in enumerate(zip(got, want)):
                if g[:len(w)] != w:
                    diff = [j for j in range(min(len(g), len(w))) if g[j] != w[j]][:8]
                    print(f"   segment {i}: lengths {len(g)}/{len(w)}, first differing bytes at {diff}")
                    break
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
