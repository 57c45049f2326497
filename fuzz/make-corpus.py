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
    good = "remote 10.0.0.2 udp_sport 1701 udp_dport 1702 session_id 7 peer_session_id 0xfffffffe"
    for extra in ("", " cookie 0011223344556677 peer_cookie deadbeef seq both", " peer cisco encap ip",
                  " mtu 9000 offset 16 peer_offset 8 l2spec_type counter32 seq send"):
        write("words", (good + extra).encode())


if __name__ == "__main__":
    main()
