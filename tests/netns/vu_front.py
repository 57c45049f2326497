#!/usr/bin/env python3
"""A vhost-user front end (QEMU's side of QEMU's docs/interop/vhost-user.rst,
as pwire's src/vnic/vhost/ takes it) and the hostile scenarios of
docs/vhost-user.md section 5, test 10, run one connection each against one
running `pwire up vhost-user:SOCK ... --json`.

Guest memory is one memfd of MEM bytes (sealed against shrinking, as QEMU's
memory-backend-memfd), guest-physical 0 at front-end address UVA; the split
rings (virtio 1.2 section 2.7) are laid out in it by this script.

After each scenario: pwire closed the connection (EOF here) or, when the
scenario closes it, saw it closed; pwire still runs; one more
"guest gone: REASON" line in its log, REASON naming the scenario's fault;
pwire's counters (a SIGUSR1 snapshot, one JSON line) moved by exactly
connects +1, disconnects +1 and the scenario's counter +1, nothing else.
Then an honest front end (its first messages written a byte at a time, the
memory table's fd with the first byte) sets both rings up, sends a frame on
its TX ring that reaches the pseudowire's peer (a UDP socket here), and
receives one the peer sends in its RX ring.

Usage: vu_front.py SOCK PID OUT ERR
  SOCK  pwire's vhost-user socket; PID pwire's pid; OUT its stdout (--json);
  ERR its stderr. pwire: local 127.0.0.1 udp_sport 17001, remote 127.0.0.1
  udp_dport 17002, session_id 1, peer_session_id 2, l2spec_type none;
  this script is its peer at 127.0.0.1:17002.
"""
import errno
import fcntl
import json
import mmap
import os
import signal
import socket
import struct
import sys
import time

# Requests (proto.h).
GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE, SET_LOG_BASE = 5, 6
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
VERSION, REPLY = 1, 4
NOFD = 1 << 8

# Feature bits (virtio 1.2, linux/virtio_*.h).
F_INDIRECT, F_VERSION_1, F_PROTOCOL = 1 << 28, 1 << 32, 1 << 30
BASE_FEATURES = F_VERSION_1 | F_PROTOCOL

# Descriptor flags.
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4

MEM = 1 << 20                 # guest memory: gpa 0 .. MEM
UVA = 0x7F0000000000          # the front end's address of gpa 0
NUM = 8                       # ring size
RX, TX = 0, 1                 # the guest receives on ring 0, sends on ring 1
BUF = 0x80000                 # buffers: BUF + 0x1000 * n
HDR = 12                      # virtio_net_hdr_mrg_rxbuf (VERSION_1)
PWIRE_UDP, PEER_UDP = ("127.0.0.1", 17001), ("127.0.0.1", 17002)
SESSION = 1                   # pwire's session_id: what it receives
FRAME = (bytes.fromhex("525400000002" "525400000001" "88b5") + b"pwire-vu-front" * 4)[:60]
BACK = (bytes.fromhex("525400000001" "525400000002" "88b5") + b"pwire-vu-back" * 5)[:64]
WAIT = 5.0                    # seconds for anything pwire does


class Failed(Exception):
    pass


def ring_parts(ring):
    """Guest-physical addresses of ring's descriptor table, avail and used rings."""
    base = 0x10000 * (ring + 1)
    return base, base + 0x1000, base + 0x2000


def memfd(size=MEM, seal=True):
    fd = os.memfd_create("guest", os.MFD_ALLOW_SEALING if seal else 0)
    os.ftruncate(fd, size)
    if seal:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
    return fd


def region(gpa=0, size=MEM, uva=UVA, offset=0):
    return struct.pack("<QQQQ", gpa, size, uva, offset)


def mem_table(*regions):
    return struct.pack("<II", len(regions), 0) + b"".join(regions)


def u64(v):
    return struct.pack("<Q", v)


def state(index, num):
    return struct.pack("<II", index, num)


class Front:
    """One connection to pwire, with guest memory of its own."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(WAIT)
        self.s.connect(path)
        self.mfd = memfd()
        self.mem = mmap.mmap(self.mfd, MEM)
        self.kick, self.call = {}, {}
        self.extra = []  # other fds to close with it

    def close(self):
        self.s.close()
        self.mem.close()
        os.close(self.mfd)
        for fd in list(self.kick.values()) + list(self.call.values()) + self.extra:
            os.close(fd)

    def send(self, req, payload=b"", fds=(), flags=VERSION, size=None, bytewise=False):
        msg = struct.pack("<III", req, flags, len(payload) if size is None else size) + payload
        if bytewise:
            # A byte a time, fds with the first: pwire puts it together.
            for i in range(len(msg)):
                if i == 0 and fds:
                    socket.send_fds(self.s, [msg[:1]], list(fds))
                else:
                    self.s.sendall(msg[i:i + 1])
                time.sleep(0.002)
        elif fds:
            socket.send_fds(self.s, [msg], list(fds))
        else:
            self.s.sendall(msg)

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            got = self.s.recv(n - len(b))
            if not got:
                raise Failed(f"pwire closed the connection; {n - len(b)} bytes of a reply missing")
            b += got
        return b

    def ask(self, req, payload=b"", bytewise=False):
        """A request with a reply: its 8 payload bytes."""
        self.send(req, payload, bytewise=bytewise)
        r, flags, size = struct.unpack("<III", self.recv_exact(12))
        if (r, flags, size) != (req, VERSION | REPLY, 8):
            raise Failed(f"reply to request {req}: header {r} {flags:#x} {size}")
        return self.recv_exact(8)

    def negotiate(self, features=BASE_FEATURES, bytewise=False):
        self.send(SET_OWNER, bytewise=bytewise)
        offered = struct.unpack("<Q", self.ask(GET_FEATURES, bytewise=bytewise))[0]
        if features & ~offered:
            raise Failed(f"pwire offers features {offered:#x}, without {features & ~offered:#x}")
        self.ask(GET_PROTOCOL_FEATURES)
        self.send(SET_PROTOCOL_FEATURES, u64(0))
        self.send(SET_FEATURES, u64(features))
        return offered

    def set_mem(self, bytewise=False):
        self.send(SET_MEM_TABLE, mem_table(region()), fds=[self.mfd], bytewise=bytewise)

    def ring(self, ring, enable=True):
        """Ring `ring` laid out empty in memory and given to pwire: it starts."""
        desc, avail, used = ring_parts(ring)
        self.mem[desc:used + 0x1000] = bytes(used + 0x1000 - desc)
        self.send(SET_VRING_NUM, state(ring, NUM))
        self.send(SET_VRING_BASE, state(ring, 0))
        self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", ring, 0, UVA + desc, UVA + used,
                                              UVA + avail, 0))
        self.call[ring] = os.eventfd(0, os.EFD_NONBLOCK)
        self.send(SET_VRING_CALL, u64(ring), fds=[self.call[ring]])
        self.kick[ring] = os.eventfd(0)
        self.send(SET_VRING_KICK, u64(ring), fds=[self.kick[ring]])
        if enable:
            self.send(SET_VRING_ENABLE, state(ring, 1))

    def setup(self, features=BASE_FEATURES, bytewise=False):
        self.negotiate(features, bytewise)
        self.set_mem(bytewise)
        self.ring(RX)
        self.ring(TX)

    def desc(self, ring, i, addr, length, flags=0, nxt=0):
        base = ring_parts(ring)[0] + 16 * i
        self.mem[base:base + 16] = struct.pack("<QIHH", addr, length, flags, nxt)

    def post(self, ring, head, idx=None):
        """Put head in the next avail entry and publish it (or idx), then kick."""
        avail = ring_parts(ring)[1]
        old = struct.unpack_from("<H", self.mem, avail + 2)[0]
        struct.pack_into("<H", self.mem, avail + 4 + 2 * (old % NUM), head)
        struct.pack_into("<H", self.mem, avail + 2, (old + 1 if idx is None else idx) & 0xFFFF)
        os.eventfd_write(self.kick[ring], 1)

    def used(self, ring):
        """used->idx and the used elements (id, len) so far."""
        used = ring_parts(ring)[2]
        idx = struct.unpack_from("<H", self.mem, used + 2)[0]
        return idx, [struct.unpack_from("<II", self.mem, used + 4 + 8 * (i % NUM))
                     for i in range(idx)]

    def wait_eof(self):
        """pwire ends the connection: EOF (or a reset: it left bytes unread)."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            try:
                if not self.s.recv(4096):
                    return
            except ConnectionResetError:
                return
            except socket.timeout:
                break
        raise Failed(f"pwire did not close the connection within {WAIT:.0f} s")


# --- The scenarios: (name, counter that moves or None, words of the reason,
# the attack). An attack gets a connected Front; it returns True when it
# closed the connection itself (no EOF to wait for). ---

def msg_only(req, payload=b"", fds=0, **kw):
    """One message alone, with `fds` copies of the memory fd."""
    def attack(f):
        extra = [os.dup(f.mfd) for _ in range(fds)]
        f.send(req, payload, fds=extra, **kw)
        for fd in extra:
            os.close(fd)
    return attack


def mem_attack(make):
    def attack(f):
        f.negotiate()
        table, fds = make(f)
        f.send(SET_MEM_TABLE, table, fds=fds)
    return attack


def unsealed(f):
    fd = memfd(seal=False)
    f.extra.append(fd)
    return mem_table(region()), [fd]


def overlapping(f):
    return mem_table(region(0, MEM // 2, UVA), region(MEM // 4, MEM // 2, UVA + MEM)), \
        [f.mfd, f.mfd]


def too_large(f):
    return mem_table(region(0, 2 * MEM)), [f.mfd]


def ring_addr_attack(desc_off):
    def attack(f):
        f.negotiate()
        f.set_mem()
        f.send(SET_VRING_NUM, state(TX, NUM))
        _, avail, used = ring_parts(TX)
        f.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", TX, 0, UVA + desc_off, UVA + used,
                                           UVA + avail, 0))
        f.kick[TX] = os.eventfd(0)
        f.send(SET_VRING_KICK, u64(TX), fds=[f.kick[TX]])
    return attack


def running_ring(f):
    f.setup()
    f.send(SET_VRING_NUM, state(TX, 4))


def cut_message(f):
    f.negotiate()
    f.send(SET_MEM_TABLE, mem_table(region())[:20], fds=[f.mfd], size=40)
    f.s.close()
    return True


def second_front(path):
    def attack(f):
        f.negotiate()  # pwire serves f: the next is one too many
        g = Front(path)
        try:
            g.wait_eof()
        finally:
            g.close()
        f.s.close()
        return True
    return attack


def ring_attack(build, features=BASE_FEATURES):
    """A valid set-up, then one chain on the TX ring made by build(f)."""
    def attack(f):
        f.setup(features)
        head, idx = build(f)
        f.post(TX, head, idx)
    return attack


def chain(*descs, head=0, idx=None):
    def build(f):
        for i, d in enumerate(descs):
            f.desc(TX, i, *d)
        return head, idx
    return build


def scenarios(path):
    buf = BUF
    ind = BUF + 0x2000
    return [
        ("payload size wrong for the request", "bad_msg", "GET_FEATURES: size 8, want 0",
         msg_only(GET_FEATURES, u64(0))),
        ("a byte short", "bad_msg", "SET_FEATURES: size 7, want 8",
         msg_only(SET_FEATURES, u64(F_VERSION_1)[:7])),
        ("an fd missing", "bad_msg", "SET_VRING_KICK: ring 1: 0 fds, want 1",
         msg_only(SET_VRING_KICK, u64(TX))),
        ("an fd too many", "bad_msg", "SET_OWNER: 1 fds, want none",
         msg_only(SET_OWNER, fds=1)),
        ("nine fds with one message", "bad_msg", "fds cut off (MSG_CTRUNC)",
         msg_only(SET_MEM_TABLE, mem_table(region()), fds=9)),
        ("version 0 in the flags", "bad_msg", "flags 0x0: version 0, want 1",
         msg_only(GET_FEATURES, flags=0)),
        ("the reply bit in a request", "bad_msg", "reply bit set in a request",
         msg_only(GET_FEATURES, flags=VERSION | REPLY)),
        ("an unknown request", "bad_msg", "request 99 (unknown) not offered",
         msg_only(99)),
        ("a request not offered", "bad_msg", "request 6 (SET_LOG_BASE) not offered",
         msg_only(SET_LOG_BASE, u64(0))),
        ("a protocol feature not negotiated", "bad_msg",
         "GET_QUEUE_NUM needs protocol feature MQ", msg_only(GET_QUEUE_NUM)),
        ("SET_FEATURES with a feature not offered", "bad_msg",
         "SET_FEATURES: features 0x10000000000 not offered",
         msg_only(SET_FEATURES, u64(F_VERSION_1 | 1 << 40))),
        ("SET_FEATURES without VERSION_1", "bad_msg", "without VERSION_1",
         msg_only(SET_FEATURES, u64(F_PROTOCOL))),
        ("SET_MEM_TABLE of an unsealed memfd", "bad_mem_table",
         "not sealed against shrinking", mem_attack(unsealed)),
        ("SET_MEM_TABLE with overlapping regions", "bad_mem_table",
         "memory regions 0 and 1 overlap in guest-physical", mem_attack(overlapping)),
        ("SET_MEM_TABLE with a region larger than its file", "bad_mem_table",
         f"file of {MEM} bytes is shorter than", mem_attack(too_large)),
        ("SET_MEM_TABLE with 0 regions", "bad_msg", "SET_MEM_TABLE: size 8, want 40..264",
         msg_only(SET_MEM_TABLE, struct.pack("<II", 0, 0))),
        ("ring addresses outside memory", "bad_ring_addr",
         f"ring descriptor table at {UVA + MEM:#x} (128 bytes) is outside every memory region",
         ring_addr_attack(MEM)),
        ("a misaligned descriptor table", "bad_ring_addr",
         "is not aligned to 16 bytes", ring_addr_attack(0x10008)),
        ("a ring size not a power of two", "bad_msg",
         "SET_VRING_NUM: ring size 3: a power of two", msg_only(SET_VRING_NUM, state(TX, 3))),
        ("a ring of the device's second pair", "bad_msg",
         "SET_VRING_NUM: ring 2: the device has no such ring",
         msg_only(SET_VRING_NUM, state(2, NUM))),
        ("a running ring resized", "bad_msg", "SET_VRING_NUM: ring 1 is running",
         running_ring),
        ("a message cut in the middle, then closed", None,
         "the front end closed the connection within a message", cut_message),
        ("a header claiming a 4 GiB payload", "bad_msg",
         "SET_MEM_TABLE: payload of 4294967295 bytes, more than 264",
         msg_only(SET_MEM_TABLE, size=0xFFFFFFFF)),
        ("a second front end while one is attached", "conn_refused",
         "the front end closed the connection", second_front(path)),
        ("a descriptor outside guest memory", "desc_out_of_region",
         "ring 1: desc_out_of_region (descriptor 0, address 0x200000, 100 bytes)",
         ring_attack(chain((2 * MEM, 100)))),
        ("a descriptor over the end of guest memory", "desc_out_of_region",
         f"ring 1: desc_out_of_region (descriptor 0, address {MEM - 10:#x}, 100 bytes)",
         ring_attack(chain((MEM - 10, 100)))),
        ("a head past the ring", "desc_bad_index", "ring 1: desc_bad_index (descriptor 8",
         ring_attack(chain((buf, 100), head=NUM))),
        # The index named is the bad next; address and length are its
        # descriptor's (0's).
        ("a next past the ring", "desc_bad_index",
         "ring 1: desc_bad_index (descriptor 8, address 0x80000, 100 bytes)",
         ring_attack(chain((buf, 100, D_NEXT, NUM)))),
        ("a chain that loops", "desc_chain_too_long", "ring 1: desc_chain_too_long",
         ring_attack(chain((buf, 64, D_NEXT, 1), (buf + 64, 64, D_NEXT, 0)))),
        ("an indirect table not negotiated", "desc_bad_indirect",
         "ring 1: desc_bad_indirect (descriptor 0, address 0x82000, 32 bytes)",
         ring_attack(chain((ind, 32, D_INDIRECT)))),
        ("an indirect table of a bad length", "desc_bad_indirect",
         "ring 1: desc_bad_indirect (descriptor 0, address 0x82000, 17 bytes)",
         ring_attack(chain((ind, 17, D_INDIRECT)), BASE_FEATURES | F_INDIRECT)),
        ("a write-only descriptor on the TX ring", "desc_wrong_dir",
         "ring 1: desc_wrong_dir (descriptor 0, address 0x80000, 100 bytes)",
         ring_attack(chain((buf, 100, D_WRITE)))),
        ("avail->idx jumping past the ring size", "avail_idx_jump", "ring 1: avail_idx_jump",
         ring_attack(chain((buf, 100), idx=NUM + 1))),
        ("a zero-length descriptor", "desc_zero_len",
         "ring 1: desc_zero_len (descriptor 0, address 0x80000, 0 bytes)",
         ring_attack(chain((buf, 0)))),
    ]


class Pwire:
    """The pwire under test: alive, its counters, its log."""

    def __init__(self, pid, out, err):
        self.pid, self.out, self.err = pid, out, err

    def alive(self):
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            raise Failed("pwire is gone") from None
        with open(f"/proc/{self.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                raise Failed("pwire is gone (a zombie)")

    def counters(self):
        """A SIGUSR1 snapshot: the JSON line pwire prints."""
        with open(self.out) as f:
            n = len(f.read().splitlines())
        os.kill(self.pid, signal.SIGUSR1)
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            with open(self.out) as f:
                text = f.read()
            lines = text.splitlines()
            if len(lines) > n and text.endswith("\n"):
                return json.loads(lines[-1])
            time.sleep(0.02)
        raise Failed("pwire printed no counters on SIGUSR1")

    def gone_lines(self):
        with open(self.err, errors="replace") as f:
            return [l.rstrip("\n") for l in f if ": guest gone" in l]

    def wait_gone(self, seen):
        """The next 'guest gone' line past the first `seen` ones."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            lines = self.gone_lines()
            if len(lines) > seen:
                if len(lines) > seen + 1:
                    raise Failed(f"{len(lines) - seen} 'guest gone' lines: {lines[seen:]}")
                return lines[seen]
            time.sleep(0.05)
        raise Failed(f"no 'guest gone' line within {WAIT:.0f} s")


def moved(before, after):
    """Every counter of every group that moved: {group.name: delta}."""
    d = {}
    for group, v in after.items():
        if not isinstance(v, dict):
            continue
        for name, value in v.items():
            if value != before[group][name]:
                d[f"{group}.{name}"] = value - before[group][name]
    return d


def run_scenario(path, pw, name, counter, reason, attack):
    before = pw.counters()
    seen = len(pw.gone_lines())
    f = Front(path)
    try:
        closed = attack(f)
        if not closed:
            f.wait_eof()
    finally:
        f.close()
    line = pw.wait_gone(seen)
    pw.alive()
    if "(several times)" in line:
        raise Failed(f"the log says several front ends went: {line}")
    if f": guest gone: " not in line or reason not in line.split(": guest gone: ", 1)[1]:
        raise Failed(f"the log line does not name '{reason}': {line}")
    want = {"vhost.connects": 1, "vhost.disconnects": 1}
    if counter:
        want[f"vhost.{counter}"] = 1
    got = moved(before, pw.counters())
    if got != want:
        raise Failed(f"counters moved {got}, want {want}")
    return line.split(": guest gone: ", 1)[1]


def honest(path, pw):
    """A well-behaved front end after all the others: frames both ways."""
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(PEER_UDP)
    peer.settimeout(WAIT)
    before = pw.counters()
    seen = len(pw.gone_lines())
    f = Front(path)
    try:
        f.setup(bytewise=True)
        # Guest to pseudowire: [vnet header][frame] in two descriptors.
        f.mem[BUF:BUF + HDR] = bytes(HDR)
        f.mem[BUF + 0x100:BUF + 0x100 + len(FRAME)] = FRAME
        f.desc(TX, 0, BUF, HDR, D_NEXT, 1)
        f.desc(TX, 1, BUF + 0x100, len(FRAME))
        f.post(TX, 0)
        try:
            dgram, src = peer.recvfrom(2048)
        except socket.timeout:
            raise Failed(f"the guest's frame did not reach the peer within {WAIT:.0f} s") \
                from None
        # L2TPv3 over UDP (RFC 3931 4.1.2.2): T/ver word, session id, then
        # (no cookie, l2spec none) the frame.
        want = struct.pack("!II", 0x00030000, 2) + FRAME
        if src != PWIRE_UDP or dgram != want:
            raise Failed(f"the peer got {dgram.hex()} from {src}, want {want.hex()}")
        end = time.monotonic() + WAIT
        while f.used(TX)[0] < 1 and time.monotonic() < end:
            time.sleep(0.01)
        if f.used(TX) != (1, [(0, 0)]):
            raise Failed(f"TX ring: used {f.used(TX)}, want idx 1 with chain 0 of length 0")
        # Pseudowire to guest: one writable chain on the RX ring.
        f.desc(RX, 0, BUF + 0x1000, 2048, D_WRITE)
        f.post(RX, 0)
        peer.sendto(struct.pack("!II", 0x00030000, SESSION) + BACK, PWIRE_UDP)
        while f.used(RX)[0] < 1 and time.monotonic() < end:
            time.sleep(0.01)
        if f.used(RX) != (1, [(0, HDR + len(BACK))]):
            raise Failed(f"RX ring: used {f.used(RX)}, want idx 1 with chain 0 of "
                         f"{HDR + len(BACK)} bytes")
        got = f.mem[BUF + 0x1000:BUF + 0x1000 + HDR + len(BACK)]
        if got[HDR:] != BACK or got[10:12] != b"\x01\x00":
            raise Failed(f"RX buffer {got.hex()}: want num_buffers 1 and the peer's frame")
        for ring in (RX, TX):
            try:
                os.eventfd_read(f.call[ring])
            except BlockingIOError:
                raise Failed(f"pwire did not call the guest for ring {ring}") from None
        # Where pwire stopped the TX ring: after the one chain.
        base = f.ask(GET_VRING_BASE, state(TX, 0))
        if struct.unpack("<II", base) != (TX, 1):
            raise Failed(f"GET_VRING_BASE of ring 1: {struct.unpack('<II', base)}, want (1, 1)")
    finally:
        f.close()
        peer.close()
    line = pw.wait_gone(seen)
    pw.alive()
    if not line.endswith(": guest gone: the front end closed the connection"):
        raise Failed(f"log: {line}")
    # Its frame is a plain one in one piece: sent from its memory (rx_lent).
    want = {"vhost.connects": 1, "vhost.disconnects": 1, "vhost.calls": 2,
            "vhost.rx_lent": 1,
            "session.tx_packets": 1, "session.tx_bytes": len(FRAME),
            "session.rx_packets": 1, "session.rx_bytes": len(BACK)}
    got = moved(before, pw.counters())
    if got != want:
        raise Failed(f"counters moved {got}, want {want}")


def main():
    path, pid, out, err = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    pw = Pwire(pid, out, err)
    failed = 0
    for name, counter, reason, attack in scenarios(path):
        try:
            why = run_scenario(path, pw, name, counter, reason, attack)
            print(f"ok   {name}: {counter or 'disconnects'} +1; guest gone: {why}")
        except (Failed, OSError) as e:
            failed += 1
            print(f"FAIL {name}: {e}")
            try:
                pw.alive()
            except Failed:
                print("FAIL pwire died: no further scenario")
                return 1
    try:
        honest(path, pw)
        print("ok   an honest front end after them: a frame each way, calls 2, "
              "GET_VRING_BASE 1")
    except (Failed, OSError) as e:
        failed += 1
        print(f"FAIL the honest front end: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
