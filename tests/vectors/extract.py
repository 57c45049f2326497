#!/usr/bin/env python3
"""Regenerate tests/vectors/*.vec from the reference captures that real UML
and QEMU peers made (shared/peers/captures, see PROVENANCE.md there).

usage: tests/vectors/extract.py CAPTURES_DIR   (the captures of PROVENANCE.md)

Not run by `make check`: the .vec files it writes are committed. For every
capture it takes the first ICMP echo request each way, and for counter
configurations the tenth data packet each way too (a counter above 1).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
A_TX, B_TX = 0x1001, 0x2002  # side A sends session 4097, side B 8194


def pcapng_packets(path):
    """Yield the packet bytes of every Enhanced Packet Block."""
    data = open(path, "rb").read()
    off, endian = 0, "<"
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from(endian + "II", data, off)
        if btype == 0x0A0D0D0A:  # section header: learn the byte order
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            blen = struct.unpack_from(endian + "I", data, off + 4)[0]
        elif btype == 6:
            caplen = struct.unpack_from(endian + "I", data, off + 20)[0]
            yield data[off + 28:off + 28 + caplen]
        off += blen


def l2tp_of(pkt):
    """(encap, family, L2TPv3 bytes) of an Ethernet/IP packet, or None."""
    etype = struct.unpack_from("!H", pkt, 12)[0]
    ip = pkt[14:]
    if etype == 0x0800:
        ihl = (ip[0] & 15) * 4
        proto, family, payload = ip[9], 4, ip[ihl:struct.unpack_from("!H", ip, 2)[0]]
    elif etype == 0x86DD:
        proto, family, payload = ip[6], 6, ip[40:40 + struct.unpack_from("!H", ip, 4)[0]]
    else:
        return None
    if proto == 17:
        return "udp", family, payload[8:]
    if proto == 115:
        return "ip", family, payload
    return None


def spec(kind, side, cfg):
    """The exact option string the sending (or receiving) peer was given."""
    v6 = cfg.endswith("6")
    udp = cfg.startswith("udp")
    addr = "::1" if v6 else "127.0.0.1"
    if cfg == "udp-pinctr":
        tx, rx = (7, 8) if side == "A" else (8, 7)
    else:
        tx, rx = (4097, 8194) if side == "A" else (8194, 4097)
    sport, dport = (17001, 17002) if side == "A" else (17002, 17001)
    c32 = ("0xdeadbeef", "0xcafef00d") if side == "A" else ("0xcafef00d", "0xdeadbeef")
    c64 = (("0x1122334455667788", "0x8877665544332211") if side == "A" else
           ("0x8877665544332211", "0x1122334455667788"))
    if kind == "uml":
        s = f"transport=l2tpv3,udp={int(udp)},v6={int(v6)},src={addr},dst={addr}," \
            f"rx_session={rx},tx_session={tx}"
        if udp:
            s += f",srcport={sport},dstport={dport}"
        if "c32" in cfg:
            s += f",rx_cookie={c32[1]},tx_cookie={c32[0]},cookie64=0"
        if "c64" in cfg:
            s += f",rx_cookie={c64[1]},tx_cookie={c64[0]},cookie64=1,counter=1,pin_counter=0"
        if "pinctr" in cfg:
            s += ",counter=1,pin_counter=1"
        return s
    s = f"src={addr},dst={addr},udp={'on' if udp else 'off'},ipv6={'on' if v6 else 'off'}," \
        f"txsession={tx},rxsession={rx}"
    if udp:
        s += f",srcport={sport},dstport={dport}"
    if "c32" in cfg:
        s += f",txcookie={c32[0]},rxcookie={c32[1]}"
    if "c64" in cfg:
        s += f",txcookie={c64[0]},rxcookie={c64[1]},cookie64=on,counter=on"
    if "pinctr" in cfg:
        s += ",counter=on,pincounter=on"
    return s


def is_echo_request(frame):
    if len(frame) < 14 + 21 or frame[12:14] != b"\x08\x00":
        return False
    ihl = (frame[14] & 15) * 4
    return frame[14 + 9] == 1 and frame[14 + ihl] == 8


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    captures = sys.argv[1]
    written = 0
    for name in sorted(os.listdir(captures)):
        if not name.endswith(".pcapng"):
            continue
        a_kind, b_kind, cfg = name[:-7].split("-", 2)
        cookie_len = 8 if "c64" in cfg else 4 if "c32" in cfg else 0
        counter = "ctr" in cfg
        picked = {}
        for no, pkt in enumerate(pcapng_packets(os.path.join(captures, name)), 1):
            got = l2tp_of(pkt)
            if not got:
                continue
            encap, family, l2 = got
            at = 4 if encap == "udp" else 0
            session = struct.unpack_from("!I", l2, at)[0]
            side = "A" if session in (A_TX, 7) else "B"
            hlen = at + 4 + cookie_len + (4 if counter else 0)
            frame = l2[hlen:]
            seen = picked.setdefault(side, [])
            want = (not seen and is_echo_request(frame)) or (
                counter and len(seen) == 1 and "pinctr" not in cfg and
                struct.unpack_from("!I", l2, hlen - 4)[0] >= 10)
            if not want:
                continue
            seen.append(no)
            kind = a_kind if side == "A" else b_kind
            other = b_kind if side == "A" else a_kind
            word = struct.unpack_from("!I", l2, hlen - 4)[0] if counter else None
            stem = f"{name[:-7]}.{side}{len(seen)}"
            with open(os.path.join(HERE, stem + ".vec"), "w") as f:
                f.write(f"# {kind} ({'A' if side == 'A' else 'B'} side) sent this; "
                        f"{other} received it. Extracted by extract.py from\n"
                        f"# shared/peers/captures/{name} (see PROVENANCE.md there and here).\n")
                f.write(f"capture {name}\npacket {no}\nsender {kind}\n")
                f.write(f"spec {spec(kind, side, cfg)}\n")
                f.write(f"receiver {other}\n")
                f.write(f"receiver_spec {spec(other, 'B' if side == 'A' else 'A', cfg)}\n")
                f.write(f"encap {encap}\nfamily {family}\nsession 0x{session:x}\n")
                f.write(f"cookie {l2[at + 4:at + 4 + cookie_len].hex() or '-'}\n")
                f.write(f"l2spec {'counter32' if counter else 'none'}\n")
                if counter:
                    f.write(f"counter {word}\n")
                f.write(f"l2tp {l2.hex()}\nframe {frame.hex()}\n")
            written += 1
    print(f"{written} vectors written")


if __name__ == "__main__":
    main()
