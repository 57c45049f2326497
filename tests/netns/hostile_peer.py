#!/usr/bin/env python3
"""A hostile L2TPv3 peer: sends one datagram per receive-gate reason to a
running pwire, between valid frames, and prints the counters it expects.
Wrong sources come from another address and, over UDP, from the peer's own
address with another port (the gate must check both).

Usage: hostile_peer.py udp|ip  (pwire listens on 127.0.0.1, UDP port 17001,
session 0x1001, peer_cookie 1122334455667788, l2spec default, seq recv; this
peer is 127.0.0.2, UDP port 17002.)
"""
import json
import socket
import struct
import sys
import time

PWIRE, PEER, OTHER = "127.0.0.1", "127.0.0.2", "127.0.0.3"
SPORT, DPORT = 17002, 17001
SESSION, COOKIE = 0x1001, bytes.fromhex("1122334455667788")
FRAME = bytes.fromhex("ffffffffffff" "525400123456" "88b5") + b"pwire-hostile" * 4


def l2tp(encap, session=SESSION, cookie=COOKIE, word=None, seq=0, frame=FRAME, ver=3):
    sub = struct.pack("!I", 0x40000000 | seq if word is None else word)
    body = struct.pack("!I", session) + cookie + sub + frame
    return (struct.pack("!I", ver << 16) + body) if encap == "udp" else body


def ipv4_with_options(src, dst, payload):
    """An IPv4 header with 4 bytes of options (IHL 6) and protocol 115."""
    opts = b"\x01\x01\x01\x00"  # NOP NOP NOP EOL
    ihl = 6
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), 0x1234, 0,
                      64, 115, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opts
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return hdr[:10] + struct.pack("!H", ~s & 0xffff) + hdr[12:] + payload


def main():
    encap = sys.argv[1]
    expect = {"rx_packets": 0}
    if encap == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((PEER, SPORT))
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other.bind((OTHER, SPORT))
        other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other_port.bind((PEER, SPORT + 1))
        send = lambda b: s.sendto(b, (PWIRE, DPORT))
        send_other = lambda b: other.sendto(b, (PWIRE, DPORT))
        send_other_port = lambda b: other_port.sendto(b, (PWIRE, DPORT))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 115)
        s.bind((PEER, 0))
        other = socket.socket(socket.AF_INET, socket.SOCK_RAW, 115)
        other.bind((OTHER, 0))
        send = lambda b: s.sendto(b, (PWIRE, 0))
        send_other = lambda b: other.sendto(b, (PWIRE, 0))

    def case(counter, data, sender=send):
        sender(data)
        expect[counter] = expect.get(counter, 0) + 1
        time.sleep(0.02)

    seq = 0
    case("rx_packets", l2tp(encap, seq=seq)); seq += 1
    case("rx_truncated", l2tp(encap, seq=seq, frame=FRAME + bytes(4000)))
    case("rx_short", l2tp(encap)[:3])
    case("rx_bad_session", l2tp(encap, session=0x9999, seq=seq))
    case("rx_cookie_discards", l2tp(encap, cookie=bytes(8), seq=seq))
    case("rx_seq_discards", l2tp(encap, word=0, seq=seq))
    case("rx_packets", l2tp(encap, seq=seq)); seq += 1
    case("rx_oos_packets", l2tp(encap, seq=seq - 1))
    case("rx_bad_source", l2tp(encap, seq=seq), sender=send_other)
    case("rx_short", l2tp(encap, seq=seq, frame=FRAME[:10]))
    if encap == "udp":
        # The peer's address, another port: a stranger all the same.
        case("rx_bad_source", l2tp(encap, seq=seq), sender=send_other_port)
        case("rx_bad_version", l2tp(encap, seq=seq, ver=2))
        t = bytearray(l2tp(encap, seq=seq)); t[0] |= 0x80
        case("rx_control", bytes(t))
    else:
        case("rx_control", struct.pack("!I", 0) + bytes(16))
        # An IPv4 header with options must be skipped by its IHL.
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        case("rx_packets", ipv4_with_options(PEER, PWIRE, l2tp(encap, seq=seq)),
             sender=lambda b: raw.sendto(b, (PWIRE, 0)))
        seq += 1
    case("rx_packets", l2tp(encap, seq=seq)); seq += 1
    print(json.dumps(expect))


if __name__ == "__main__":
    main()
