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
    good = "remote 10.0.0.2 udp_sport 1701 udp_dport 1702 session_id 7 peer_session_id 0xfffffffe"
    for extra in ("", " cookie 0011223344556677 peer_cookie deadbeef seq both", " peer cisco encap ip",
                  " mtu 9000 offset 16 peer_offset 8 l2spec_type counter32 seq send"):
        write("words", (good + extra).encode())


if __name__ == "__main__":
    main()
