#!/usr/bin/env python3
"""Capture the L2TPv3 data packets two pseudowire ends exchange on an
underlay device and check their bytes against the RFCs, so that a layout
bug both ends share (they decode what they encode) cannot pass.

Written from RFC 3931 (§4.1.1.1 over IP, §4.1.2.2 over UDP: the T/Ver word,
the 32-bit session id, a 0/4/8-byte cookie), RFC 4719 §3 (the default
L2-specific sublayer: |x|S|x|x|x|x|x|x| + a 24-bit sequence number, reserved
bits 0) and the layout table of docs/wire-format.md; it shares nothing with
pwire's code. Every captured datagram between the two addresses must hold:
the T/Ver word 00 03 00 00 (UDP), the session id and cookie the sender was
given, the sublayer word (S set, reserved bits 0, numbers one apart per
direction), then an Ethernet frame from the sender's MAC to the receiver's
(or a group address) whose length its own payload accounts for. The ping
must be seen: echo requests A to B and replies B to A, unicast both ways.

usage: l2tp_wire.py DEV KEY=VALUE...
  encap=udp|ip af=4|6 [sport=N dport=N]  a=ADDR b=ADDR  (outer, A's and B's)
  a_session=ID b_session=ID    the session id in what A sends / B sends
  a_cookie=HEX|- b_cookie=HEX|-  the cookie in what A sends / B sends
  sublayer=none|seq            no sublayer, or RFC 4719 with sequence numbers
  a_mac=MAC b_mac=MAC a_ip=ADDR b_ip=ADDR  (inner: the TAPs, IPv4)
  [echoes=N] [seconds=N]       echoes wanted each way (3), capture limit (30)
Prints "capturing on DEV" once the socket is bound, captures until SIGTERM
or SIGINT (or the limit), then prints what it saw and exits 0, or 1 with
every mismatch.
"""
import ipaddress
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
VNET_HDR_LEN = 10           # struct virtio_net_hdr
VNET_GSO_NONE = 0
VNET_GSO_UDP_L4 = 5
IPPROTO_UDP, IPPROTO_L2TP = 17, 115
SEQ_S_BIT, SEQ_RESERVED, SEQ_MASK = 0x40000000, 0xbf000000, 0x00ffffff


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def fmt_mac(b):
    return ":".join(f"{x:02x}" for x in b)


class Checker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.af = int(cfg["af"])
        self.encap = cfg["encap"]
        self.addr = {"a": ipaddress.ip_address(cfg["a"]), "b": ipaddress.ip_address(cfg["b"])}
        self.errors = []
        self.datagrams = {"a": 0, "b": 0}
        self.last_seq = {"a": None, "b": None}
        self.echo = {"a": 0, "b": 0}
        self.kinds = {}

    def error(self, what):
        if len(self.errors) < 40:
            self.errors.append(what)

    def packet(self, pkt, vnet):
        """One captured Ethernet frame of the underlay (after the vnet header)."""
        if len(pkt) < 14:
            return
        etype = struct.unpack_from("!H", pkt, 12)[0]
        l3 = pkt[14:]
        if self.af == 4:
            if etype != 0x0800 or len(l3) < 20 or l3[0] >> 4 != 4:
                return
            ihl = (l3[0] & 0x0f) * 4
            total, frag, proto = struct.unpack_from("!H", l3, 2)[0], struct.unpack_from("!H", l3, 6)[0], l3[9]
            src, dst = ipaddress.ip_address(l3[12:16]), ipaddress.ip_address(l3[16:20])
            if vnet[1] == VNET_GSO_NONE:
                l3 = l3[:total]
            payload = l3[ihl:]
            fragment = frag & 0x3fff
        else:
            if etype != 0x86dd or len(l3) < 40 or l3[0] >> 4 != 6:
                return
            plen, proto = struct.unpack_from("!H", l3, 4)[0], l3[6]
            src, dst = ipaddress.ip_address(l3[8:24]), ipaddress.ip_address(l3[24:40])
            if vnet[1] == VNET_GSO_NONE:
                l3 = l3[:40 + plen]
            payload = l3[40:]
            fragment = proto == 44
        if {src, dst} != set(self.addr.values()):
            return
        want = IPPROTO_UDP if self.encap == "udp" else IPPROTO_L2TP
        if fragment:
            self.error(f"{src} -> {dst}: a fragment on the underlay during the ping")
            return
        if proto != want:
            return
        sender = "a" if src == self.addr["a"] else "b"
        if self.encap == "udp":
            if len(payload) < 8:
                self.error(f"{sender}: UDP header cut")
                return
            sport, dport, ulen = struct.unpack_from("!HHH", payload)
            if (sport, dport) != (int(self.cfg["sport"]), int(self.cfg["dport"])):
                self.error(f"{sender}: UDP ports {sport} -> {dport}")
                return
            data = payload[8:]
            if vnet[1] == VNET_GSO_UDP_L4:
                size = vnet[3]
                grams = [data[i:i + size] for i in range(0, len(data), size)]
            elif vnet[1] == VNET_GSO_NONE:
                if ulen != len(payload):
                    self.error(f"{sender}: UDP length {ulen}, datagram {len(payload)}")
                grams = [data]
            else:
                self.error(f"{sender}: GSO type {vnet[1]} on the underlay")
                return
        else:
            grams = [payload]
        for g in grams:
            self.l2tp(sender, g)

    def l2tp(self, sender, g):
        """One L2TPv3 data message from sender ('a' or 'b')."""
        receiver = "b" if sender == "a" else "a"
        where = f"{sender}->{receiver} #{self.datagrams[sender]}"
        self.datagrams[sender] += 1
        at = 0
        if self.encap == "udp":
            # RFC 3931 §4.1.2.2: T bit 0 (data), x bits 0, Ver 3, Reserved 0.
            if g[:4] != b"\x00\x03\x00\x00":
                self.error(f"{where}: T/Ver word {g[:4].hex()}, want 00030000")
                return
            at = 4
        session = struct.unpack_from("!I", g, at)[0] if len(g) >= at + 4 else None
        want = int(self.cfg[sender + "_session"], 0)
        if session != want:
            self.error(f"{where}: session id {session}, want {want}")
            return
        at += 4
        cookie = b"" if self.cfg[sender + "_cookie"] == "-" else bytes.fromhex(self.cfg[sender + "_cookie"])
        if g[at:at + len(cookie)] != cookie:
            self.error(f"{where}: cookie {g[at:at + len(cookie)].hex()}, want {cookie.hex()}")
            return
        at += len(cookie)
        if self.cfg["sublayer"] == "seq":
            if len(g) < at + 4:
                self.error(f"{where}: no room for the sublayer word")
                return
            word = struct.unpack_from("!I", g, at)[0]
            at += 4
            if not word & SEQ_S_BIT or word & SEQ_RESERVED:
                self.error(f"{where}: sublayer word {word:08x}: want S set, reserved bits 0")
                return
            seq = word & SEQ_MASK
            last = self.last_seq[sender]
            if last is not None and seq != (last + 1) & SEQ_MASK:
                self.error(f"{where}: sequence {seq} after {last}")
            self.last_seq[sender] = seq
        self.frame(where, sender, receiver, g[at:])

    def frame(self, where, sender, receiver, f):
        if len(f) < 14:
            self.error(f"{where}: {len(f)} bytes left for the Ethernet frame")
            return
        dst, src, etype = f[:6], f[6:12], struct.unpack_from("!H", f, 12)[0]
        if src != mac(self.cfg[sender + "_mac"]):
            self.error(f"{where}: source MAC {fmt_mac(src)}, want {self.cfg[sender + '_mac']}")
            return
        unicast = dst == mac(self.cfg[receiver + "_mac"])
        if not unicast and not dst[0] & 1:
            self.error(f"{where}: destination MAC {fmt_mac(dst)}, want {self.cfg[receiver + '_mac']} or a group")
            return
        body = f[14:]
        if etype == 0x0800 and len(body) >= 20:
            need = struct.unpack_from("!H", body, 2)[0]
            kind = "ipv4"
        elif etype == 0x86dd and len(body) >= 40:
            need = 40 + struct.unpack_from("!H", body, 4)[0]
            kind = "ipv6"
        elif etype == 0x0806 and len(body) >= 28:
            need = 28
            kind = "arp"
            if body[8:14] != src:
                self.error(f"{where}: ARP sender {fmt_mac(body[8:14])} is not the frame's source")
        else:
            self.error(f"{where}: ethertype {etype:04x} with {len(body)} bytes")
            return
        # The frame is exactly its payload, or padded to the 60-byte minimum.
        if len(f) != 14 + need and not (len(f) == 60 and 14 + need < 60):
            self.error(f"{where}: {kind} frame of {len(f)} bytes for a {need}-byte payload")
            return
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind == "ipv4" and body[9] == 1 and unicast:
            src_ip, dst_ip = ipaddress.ip_address(body[12:16]), ipaddress.ip_address(body[16:20])
            icmp_type = body[(body[0] & 0x0f) * 4]
            want = (8, "a_ip", "b_ip") if sender == "a" else (0, "b_ip", "a_ip")
            if (icmp_type, str(src_ip), str(dst_ip)) == (want[0], self.cfg[want[1]], self.cfg[want[2]]):
                self.echo[sender] += 1

    def verdict(self):
        want = int(self.cfg.get("echoes", 3))
        if self.echo["a"] < want:
            self.error(f"{self.echo['a']} echo requests seen from A to B, want {want}")
        if self.echo["b"] < want:
            self.error(f"{self.echo['b']} echo replies seen from B to A, want {want}")
        return not self.errors


def main():
    dev = sys.argv[1]
    cfg = dict(a.split("=", 1) for a in sys.argv[2:])
    check = Checker(cfg)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((dev, 0))
    print(f"capturing on {dev}", flush=True)
    frames = 0
    end = time.monotonic() + float(cfg.get("seconds", 30))
    while time.monotonic() < end and frames < 100000:
        # Once told to stop, take what is queued (a reply the pinger has
        # already seen was queued here before it left) and no more.
        try:
            ready, _, _ = select.select([s], [], [], 0 if stop else 0.1)
        except InterruptedError:
            continue
        if not ready:
            if stop:
                break
            continue
        data = s.recv(65536 + VNET_HDR_LEN)
        frames += 1
        vnet = struct.unpack_from("=BBHHHH", data)
        check.packet(data[VNET_HDR_LEN:], vnet)
    ok = check.verdict()
    print(f"l2tp_wire: {check.datagrams['a']} datagrams A->B, {check.datagrams['b']} B->A, "
          f"frames {check.kinds}, echoes {check.echo['a']} / {check.echo['b']}")
    for e in check.errors:
        print("FAIL: " + e)
    if ok:
        print("every captured header matches RFC 3931/4719 and the configured ids, cookies, MACs")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
