#!/usr/bin/env python3
"""Inject TCP and UDP super-frames into a TAP with a GSO vnet header, let the kernel
segment them in software on their way out a bridged veth with TSO and GSO
off, capture the segments on the veth's peer, and compare them byte for byte
with what pwire's segmenter (tests/tools/tso-cut) makes of the same
super-frame: the same number of segments, each exactly the same bytes.
Untagged, with one 802.1Q tag, with two (802.1ad outside 802.1Q), and IPv6
with hop-by-hop, destination options and routing headers (one with a
segment left, whose checksum covers the final destination). Runs inside a
namespace prepared by gso-vs-kernel.sh.

usage: gso_vs_kernel.py tcp|udp TAP CAPTURE_IFACE TSO_CUT
(udp: exit 77 when this kernel has no USO on a TAP; nothing is compared then)
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
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
TAGS = {0: b"", 1: bytes.fromhex("81000005"), 2: bytes.fromhex("88a80064" "81000005")}
FINAL = socket.inet_pton(socket.AF_INET6, "2001:db8::99")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def ext_headers(ext, proto):
    """IPv6 extension headers (hop-by-hop, destination options, routing
    type 0 with `ext - 1` segments left, the final destination in it) and
    the first one's type; (b"", proto) for ext 0."""
    if not ext:
        return b"", proto
    pad = b"\x01\x04\0\0\0\0"
    rt = bytes([proto, 2, 0, ext - 1]) + b"\0" * 4 + FINAL
    return bytes([60, 0]) + pad + bytes([43, 0]) + pad + rt, 0


def super_frame(v6, opts, pay, flags, udp=False, tags=0, ext=0):
    """TCP (or, udp, a UDP datagram: opts and flags unused) super-frame with a
    NEEDS_CSUM checksum, as a sender's stack lays it out; returns it and where
    the L4 header starts."""
    eth = bytes.fromhex("02000000aa02" "02000000aa01") + TAGS[tags] + (b"\x86\xdd" if v6 else b"\x08\x00")
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
        exts, first = ext_headers(ext, proto)
        ip = struct.pack("!IHBB", 0x60012345, len(exts) + tcp_len, first, 64) + src + dst + exts
        # RFC 8200 section 8.1: the final destination, a routing header's last address.
        pseudo = src + (FINAL if ext else dst) + struct.pack("!IxxxB", tcp_len, proto)
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


def capture(cap):
    """One frame as it went on the wire: the receiving veth moved its outer
    VLAN tag into the packet's metadata (as a NIC strips it); put it back
    where it was, as libpcap does. Returns the frame and its direction."""
    pkt, anc, _, addr = cap.recvmsg(70000, socket.CMSG_SPACE(20))
    for level, kind, data in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", data[:20])
            if status & TP_STATUS_VLAN_VALID:
                tpid = tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
                pkt = pkt[:12] + struct.pack("!HH", tpid, tci) + pkt[12:]
    return pkt, addr[2]


def main():
    which, tap, cap_if, cut = sys.argv[1:5]
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    try:
        fcntl.ioctl(fd, TUNSETOFFLOAD, 0x01 | 0x02 | 0x04 | 0x20 | 0x40)  # CSUM TSO4 TSO6 USO4 USO6
    except OSError:
        if which == "udp":
            print("SKIP: this kernel has no USO on a TAP (Linux 6.2+): no UDP case can be compared")
            sys.exit(77)
        fcntl.ioctl(fd, TUNSETOFFLOAD, 0x01 | 0x02 | 0x04)
    subprocess.run(["ip", "link", "set", tap, "up"], check=True)
    subprocess.run(["ip", "link", "set", tap, "master", "br0"], check=True)
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    cap.bind((cap_if, 0))
    cap.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    # (v6, TCP options, payload, gso_size, TCP flags, VLAN tags, IPv6 extension headers)
    if which == "tcp":
        cases = [(False, 0, 20000, 1448, 0x18, 0, 0), (False, 12, 4001, 1000, 0x19, 0, 0),
                 (True, 0, 9000, 1428, 0x18, 0, 0), (True, 20, 3333, 700, 0x10, 0, 0),
                 (False, 0, 1449, 1448, 0x10, 0, 0), (False, 0, 300, 88, 0x18, 0, 0),
                 (False, 12, 20000, 1436, 0x18, 1, 0), (True, 0, 9000, 1428, 0x99, 1, 0),
                 (False, 0, 7001, 1444, 0x19, 2, 0), (True, 12, 5000, 1000, 0x18, 2, 0),
                 (True, 0, 9000, 1388, 0x18, 0, 1), (True, 12, 4001, 1376, 0x19, 0, 2),
                 (True, 0, 6000, 1000, 0x10, 2, 1)]
    else:
        cases = [(False, 0, 20000, 1472, 0, 0, 0), (False, 0, 4001, 999, 0, 0, 0),
                 (True, 0, 9000, 1452, 0, 0, 0), (True, 0, 1453, 1452, 0, 0, 0),
                 (False, 0, 40, 16, 0, 0, 0), (False, 0, 5000, 1468, 0, 1, 0),
                 (True, 0, 6000, 1444, 0, 2, 0), (True, 0, 9000, 1412, 0, 0, 1),
                 (True, 0, 3001, 1000, 0, 1, 2)]
    udp = which == "udp"
    bad = 0
    for v6, opts, pay, mss, flags, tags, ext in cases:
        frame, csum_start = super_frame(v6, opts, pay, flags, udp, tags, ext)
        hdr_len = csum_start + (8 if udp else 20 + opts)
        gso_type = 5 if udp else 4 if v6 else 1
        coff = 6 if udp else 16
        vh = struct.pack("=BBHHHH", 1, gso_type, hdr_len, mss, csum_start, coff)
        while select.select([cap], [], [], 0)[0]:
            cap.recv(70000)
        os.write(fd, vh + frame)
        got = []
        while select.select([cap], [], [], 0.5)[0]:
            pkt, direction = capture(cap)
            # Only this flow's segments: the namespace's own stack may answer
            # the flooded frame with a reset from the other port.
            if direction != socket.PACKET_OUTGOING and pkt[12:14] == frame[12:14] and \
                    pkt[csum_start:csum_start + 2] == frame[csum_start:csum_start + 2]:
                got.append(pkt)
        kind = "u" if udp else "6" if v6 else "4"
        mine = subprocess.run([cut, kind, str(mss), str(csum_start), str(coff)], input=frame.hex() + "\n",
                              capture_output=True, text=True, check=True).stdout.split()
        want = [bytes.fromhex(h) for h in mine]
        same = len(got) == len(want) and all(g == w for g, w in zip(got, want))
        what = (f"{which} v{6 if v6 else 4} tags={tags} ext={ext} opts={opts} payload={pay} mss={mss} "
                f"flags={flags:#x}")
        print(f"{'ok  ' if same else 'FAIL'} {what}: kernel {len(got)} segments, pwire {len(want)}")
        if not same:
            bad += 1
            print("   kernel lengths", [len(g) for g in got], "pwire lengths", [len(w) for w in want])
            for i, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    diff = [j for j in range(min(len(g), len(w))) if g[j] != w[j]][:8]
                    print(f"   segment {i}: lengths {len(g)}/{len(w)}, first differing bytes at {diff}")
                    break
    print(f"{len(cases) - bad} of {len(cases)} {which} super-frames cut byte-identical to the kernel")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
