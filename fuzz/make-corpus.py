#!/usr/bin/env python3
"""Write the fuzzers' seed corpora (fuzz/corpus/TARGET/) from the golden
vectors (tests/vectors/*.vec) and the bad-input catalog (tests/bad/cli.txt).
Run from the project root after either changes; the output is committed."""
import glob
import hashlib
import os
import shlex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vectors():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/vectors/*.vec"))):
        v = {}
        for line in open(path):
            if line.strip() and not line.startswith("#"):
                k, _, val = line.rstrip("\n").partition(" ")
                v.setdefault(k, val)
        v["bytes"] = bytes.fromhex(v["l2tp"])
        yield v


def write(target, data):
    d = os.path.join(ROOT, "fuzz/corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def sockrx():
    """[kind][burst] then [source][flags][len:2][size:2][bytes] (fuzz/sockrx.c)."""
    def msg(src, flags, payload, size=0, length=None):
        n = len(payload) if length is None else length
        return bytes([src, flags]) + n.to_bytes(2, "big") + (size & 0xffff).to_bytes(2, "big") + payload

    l2tp = bytes.fromhex("00030000000010010000000000000000") + bytes(60)
    ip4 = bytes.fromhex("4500005c0000400040730000c0000202c0000201")
    ip4opt = bytes.fromhex("4600006000004000407300007f0000027f00000101010100")
    write("sockrx", bytes([0, 4]) + msg(0, 0, l2tp) + msg(1, 0, l2tp) + msg(2, 0, l2tp) + msg(0, 1, l2tp))
    write("sockrx", bytes([1, 4]) + msg(0, 0, l2tp) + msg(3, 0, l2tp) + msg(4, 0, l2tp))
    write("sockrx", bytes([2, 8]) + msg(0, 0, ip4 + l2tp) + msg(0, 0, ip4opt + l2tp) + msg(0, 0, b"\x44" + bytes(30)) +
          msg(2, 0, ip4 + l2tp) + msg(0, 0, b"\x45"))
    write("sockrx", bytes([0x0b, 8]) + msg(0, 0, l2tp * 3) + msg(0, 1, bytes(10)))
    # UDP GRO: three datagrams of 76 and a short one, one message; another
    # source's train; an empty datagram from the remote; a bad size message.
    write("sockrx", bytes([4, 2]) + msg(0x08, 0, l2tp * 3 + l2tp[:40], 76) + msg(0x09, 0, l2tp * 2, 76) +
          msg(0x00, 0, b"") + msg(0x10, 0, l2tp, 5) + msg(0x18, 1, l2tp, 20))
    write("sockrx", bytes([0x15, 64]) + msg(0x08, 0, l2tp * 20, 76) + msg(0x0a, 0, l2tp * 2, 76))
    write("sockrx", bytes([4, 7]) + msg(0x08, 0, b"", 0, 0))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def superframe(kind, payload, vlan=False):
    """An Ethernet frame with TCPv4, TCPv6 or UDPv4 headers over payload, as a
    TAP with offloads hands it over (lengths for the whole, partial
    checksum). Returns (frame, l4 offset)."""
    eth = bytes.fromhex("020000000002020000000001")
    if vlan:
        eth += bytes.fromhex("81000064")
    if kind == "udp":
        l4 = (1234).to_bytes(2, "big") + (5678).to_bytes(2, "big") + (8 + len(payload)).to_bytes(2, "big") + bytes(2)
        proto = 17
    else:
        l4 = bytes.fromhex("04d2162e0000100000000000") + bytes([0x50, 0x18]) + bytes.fromhex("ffff00000000")
        proto = 6
    if kind == "tcp6":
        ip = bytes.fromhex("60000000") + (len(l4) + len(payload)).to_bytes(2, "big") + bytes([proto, 64]) + \
            bytes.fromhex("fd000000000000000000000000000001fd000000000000000000000000000002")
        eth += bytes.fromhex("86dd")
    else:
        ip = bytearray(bytes.fromhex("45000000000040004000000ac0a80001c0a80002"))
        ip[2:4] = (20 + len(l4) + len(payload)).to_bytes(2, "big")
        ip[9] = proto
        ip[10:12] = (0xffff - csum(bytes(ip))).to_bytes(2, "big")
        ip = bytes(ip)
        eth += bytes.fromhex("0800")
    return eth + ip + l4 + payload, len(eth) + len(ip)


def vnet(flags, gso_type, hdr_len, gso_size, start, offset):
    return bytes([flags, gso_type]) + b"".join(v.to_bytes(2, "little") for v in (hdr_len, gso_size, start, offset))


def taprx_taptx():
    """fuzz/taprx.c: [mtu][burst] then [len:2][vnet header + frame];
    fuzz/taptx.c: [cfg] then ops."""
    def m(b):
        return len(b).to_bytes(2, "big") + b

    pay = bytes(range(256)) * 16
    t4, l4 = superframe("tcp4", pay)
    t6, l6 = superframe("tcp6", pay[:3000])
    u4, lu = superframe("udp", pay[:2500])
    v4, lv = superframe("tcp4", pay[:3000], vlan=True)
    small, ls = superframe("udp", b"hello")
    big, lb = superframe("tcp4", bytes(60000))
    write("taprx", bytes([3, 2]) + m(vnet(1, 1, l4 + 20, 1448, l4, 16) + t4) + m(vnet(0, 0, 0, 0, 0, 0) + small))
    write("taprx", bytes([3, 64]) + m(vnet(1, 4 | 0x80, l6 + 20, 1428, l6, 16) + t6) + m(vnet(1, 5, lu + 8, 1000, lu, 6) + u4))
    write("taprx", bytes([5, 7]) + m(vnet(1, 1, lv + 20, 1400, lv, 16) + v4) + m(vnet(1, 3, 0, 1000, lu, 6) + u4) +
          m(vnet(1, 7, 0, 1000, lu, 6) + u4) + m(vnet(1, 0, 0, 0, ls, 6) + small) + m(vnet(1, 0, 0, 0, 90, 6) + small))
    write("taprx", bytes([3, 1]) + m(vnet(0, 0, 0, 0, 0, 0) + bytes(2000)) + m(bytes(5)) + m(bytes(20)) +
          m(vnet(1, 1, l4 + 20, 0, l4, 16) + t4))
    write("taprx", bytes([3, 64]) + m(vnet(1, 1, l4 + 20, 1, l4, 16) + big))  # gso_size 1: a flood
    write("taprx", bytes([0, 3]) + m(vnet(1, 1, l4 + 20, 536, l4, 16) + t4))
    # Segments too big for MTU 1500 (refused), then a frame: nothing of the
    # refused super-frame may be cut afterwards.
    write("taprx", bytes([3, 8]) + m(vnet(1, 1, l4 + 20, 1480, l4, 16) + t4) + m(vnet(0, 0, 0, 0, 0, 0) + small))

    def seg_op(kind, gso, frame):
        return bytes([2]) + gso.to_bytes(2, "big") + bytes([kind]) + len(frame).to_bytes(2, "big") + frame

    def frame_op(frame):
        return bytes([0]) + len(frame).to_bytes(2, "big") + frame

    for cfg in (0x06, 0x07, 0x16):  # MTU 1500 plain, io_uring, small send buffer
        write("taptx", bytes([cfg]) + seg_op(0, 1448, t4) + frame_op(small) + seg_op(1, 1428, t6) + bytes([4, 63, 5, 3, 7]))
        write("taptx", bytes([cfg]) + seg_op(0, 1000, t4) + bytes([4, 5]) + seg_op(0, 1448, v4) + bytes([4, 63, 7]))
    # A broken ring, again and again until the ring is full of no-ops.
    rounds = b"".join(b"".join(frame_op(superframe("udp", bytes([r, i]))[0]) for i in range(64)) + bytes([6, 63])
                      for r in range(5))
    write("taptx", bytes([0x07]) + rounds + bytes([7]))


def main():
    for v in vectors():
        clen = 0 if v["cookie"] == "-" else len(v["cookie"]) // 2
        mode = 2 if v["l2spec"] == "counter32" else 0
        for seq in (0, 2):  # seq none, seq recv
            cfg = (v["encap"] == "ip") | (clen // 4) << 1 | mode << 3 | (seq if mode else 0) << 5 | 0x80
            write("decap", bytes([cfg]) + v["bytes"])
        write("qemu" if v["sender"] == "qemu" else "uml", v["spec"].encode())
        write("qemu" if v["receiver"] == "qemu" else "uml", v["receiver_spec"].encode())
    for cfg in (0x00, 0x0b, 0x2d, 0x6c, 0x75):
        frames = b"".join(bytes([n]) + bytes(range(n % 256)) * 1 for n in (0, 17, 200))
        write("roundtrip", bytes([cfg, cfg % 7]) + frames)
    for line in open(os.path.join(ROOT, "tests/bad/cli.txt")):
        if line.startswith("#") or " | " not in line:
            continue
        args = line.split(" | ")[0].replace("$B", "")
        try:
            words = shlex.split(args)
        except ValueError:
            continue
        if "--qemu" in words and words.index("--qemu") + 1 < len(words):
            write("qemu", words[words.index("--qemu") + 1].encode())
        elif "--uml" in words and words.index("--uml") + 1 < len(words):
            write("uml", words[words.index("--uml") + 1].encode())
        elif len(words) > 2:
            write("words", " ".join(words[2:]).encode())
    sockrx()
    taprx_taptx()
    good = "remote 10.0.0.2 udp_sport 1701 udp_dport 1702 session_id 7 peer_session_id 0xfffffffe"
    for extra in ("", " cookie 0011223344556677 peer_cookie deadbeef seq both", " peer cisco encap ip",
                  " mtu 9000 offset 16 peer_offset 8 l2spec_type counter32 seq send"):
        write("words", (good + extra).encode())


if __name__ == "__main__":
    main()
