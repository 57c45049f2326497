#!/bin/bash
# pwired's control socket (docs/control.md): pwired with two pseudowires in
# namespace A against two `pwire up` in namespace B, a ping through each,
# then `pwire -s SOCKET show` in its three forms (text; --json parsed with
# json.loads; --prometheus checked line by line), the socket's mode, a
# client of another uid refused (by the file mode, then by SO_PEERCRED),
# and every bad request of tests/bad/control.txt answered with its one
# error line, plus clients that stop half-way, connect and close, or sit
# idle (timed out after about 5 s, even when they hold every slot): pwired
# keeps running and still answers show.
#
#   netns A                                        netns B
#   pwc1,2 10.97.N.1 -- pwired ==[veth underlay]== pwire up x2 -- pw1,2 10.97.N.2
#                        10.203.0.1                  10.203.0.2
set -eu
: "${PWIRE:?}" "${PWIRED:?}" "${TESTS:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3 to parse JSON"; exit 77; }
a=pwca$$ b=pwcb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon= idle=
trap '[ -z "$idle" ] || kill "$idle" 2>/dev/null || true
      [ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT

pw_pair "$a" "$b" 10.203.0.1 10.203.0.2 24
chmod 0755 "$tmp"
sock=$tmp/run/control.sock
conf=$tmp/pwire.conf
for n in 1 2; do
	cat >>"$conf" <<CONF
[vm$n]
vnic = tap:pwc$n
local = 10.203.0.1
remote = 10.203.0.2
udp_sport = 190$n
udp_dport = 190$n
session_id = $n
peer_session_id = 10$n

CONF
done
echo "+ ip netns exec $a pwired -f -c $conf -s $sock &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$conf" -s "$sock" >"$tmp/daemon" 2>"$tmp/daemon.err" &
daemon=$!
for n in 1 2; do
	pw_start "$b" "$tmp/b$n" up "pw$n" local 10.203.0.2 remote 10.203.0.1 udp_sport "190$n" \
		udp_dport "190$n" session_id "10$n" peer_session_id "$n"
done
for n in 1 2; do
	pw_wait_up "$a" "pwc$n" || { cat "$tmp/daemon.err"; exit 1; }
	pw_wait_up "$b" "pw$n"
	run ip -n "$a" addr add "10.97.$n.1/24" dev "pwc$n"
	run ip -n "$b" addr add "10.97.$n.2/24" dev "pw$n"
done
for n in 1 2; do
	run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 "10.97.$n.2"
done

fail() { echo "FAIL: $*"; cat "$tmp/daemon.err"; exit 1; }
alive() { kill -0 "$daemon" 2>/dev/null || fail "pwired ended ($1)"; }

# The socket: made by pwired in a directory it created, root's, 0600.
[ "$(stat -c '%F %a %u' "$sock")" = "socket 600 0" ] || fail "socket is $(stat -c '%F %a %u' "$sock")"
[ "$(stat -c %a "$tmp/run")" = 755 ] || fail "directory mode $(stat -c %a "$tmp/run")"

# Text: one block per pseudowire.
run "$PWIRE" -s "$sock" show >"$tmp/text"
cat "$tmp/text"
for n in 1 2; do
	grep -qx "vm$n: vnic tap:pwc$n encap udp local 10.203.0.1 remote 10.203.0.2 udp_sport 190$n udp_dport 190$n" "$tmp/text" ||
		fail "no vm$n block in the text show"
	# The path: auto over a veth stays on the userspace engine.
	grep -qEx "  session_id $n peer_session_id 10$n rx_idle_seconds [0-9]+ path user" "$tmp/text" ||
		fail "no ids, rx_idle_seconds and path user for vm$n"
done

# JSON: the names, every counter of every group, traffic counted.
run "$PWIRE" -s "$sock" show --json >"$tmp/json"
python3 - "$tmp/json" <<'PY' || fail "show --json"
import json, sys
d = json.loads(open(sys.argv[1]).read())
s = d["sessions"]
assert [x["name"] for x in s] == ["vm1", "vm2"], [x["name"] for x in s]
want = {
    "session": ["tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "rx_cookie_discards",
                "rx_seq_discards", "rx_oos_packets", "rx_unexpected_sublayer",
                "rx_missing_sublayer", "rx_errors"],
    "tunnel": ["rx_truncated", "rx_short", "rx_bad_source", "rx_bad_version", "rx_control",
               "rx_bad_session", "rx_socket_errors", "rx_sockbuf_drops", "tx_errors", "tx_eagain"],
    "vnic": ["rx_too_big", "rx_short", "rx_bad_offload", "tx_errors"],
}
for i, x in enumerate(s, 1):
    assert x["vnic"] == "tap:pwc%d" % i and x["encap"] == "udp", x
    assert x["local"] == "10.203.0.1" and x["remote"] == "10.203.0.2", x
    assert x["session_id"] == i and x["peer_session_id"] == 100 + i, x
    for g, names in want.items():
        assert sorted(x["counters"][g]) == sorted(names), (g, sorted(x["counters"][g]))
        assert all(isinstance(v, int) for v in x["counters"][g].values())
    assert x["counters"]["session"]["rx_packets"] > 0, x
    assert isinstance(x["rx_idle_seconds"], int) and 0 <= x["rx_idle_seconds"] < 60, x
print("ok: show --json:", len(s), "sessions")
PY

# Prometheus: HELP and TYPE before each family, samples by the rules.
run "$PWIRE" -s "$sock" show --prometheus >"$tmp/prom"
python3 - "$tmp/prom" <<'PY' || fail "show --prometheus"
import re, sys
sample = re.compile(r'^(pwire_[a-z_]+_total)\{session="([^"\\]*)"(,reason="([a-z_]+)")?\} ([0-9]+)$')
# The gauges: each sample's regex gives its session and its value. The path
# each session runs on is pwire_path_info's (the default fastpath auto says it).
gauges = {
    "pwire_rx_idle_seconds": r'\{session="([^"\\]*)"\} ([0-9]+|\+Inf)$',
    "pwire_path_info": r'\{session="([^"\\]*)",path="(user|kernel)"\} 1$',
}
typed, seen, rx, value = set(), {}, {}, {g: {} for g in gauges}
for line in open(sys.argv[1]).read().splitlines():
    hit = [(g, m) for g, r in gauges.items() for m in [re.match("^" + g + r, line)] if m]
    if hit:
        g, m = hit[0]
        assert g in typed, "sample before its TYPE: " + line
        value[g][m.group(1)] = m.group(2)
        continue
    g = next((g for g in gauges if line == "# TYPE %s gauge" % g), None)
    if g:
        typed.add(g)
        continue
    if any(line.startswith("# HELP %s " % g) for g in gauges):
        continue
    m = re.match(r'^# (HELP|TYPE) (pwire_[a-z_]+_total) (.+)$', line)
    if m:
        if m.group(1) == "TYPE":
            assert m.group(3) == "counter" and m.group(2) not in typed, line
            typed.add(m.group(2))
        continue
    m = sample.match(line)
    assert m, "bad line: %r" % line
    fam = m.group(1)
    assert fam in typed, "sample before its TYPE: " + line
    assert (m.group(4) is not None) == fam.endswith("_dropped_total"), line
    seen.setdefault(fam, set()).add((m.group(2), m.group(4)))
    if fam == "pwire_rx_packets_total":
        rx[m.group(2)] = int(m.group(5))
assert rx.get("vm1", 0) > 0 and rx.get("vm2", 0) > 0, rx
idle, path = value["pwire_rx_idle_seconds"], value["pwire_path_info"]
assert sorted(idle) == ["vm1", "vm2"] and all(v != "+Inf" for v in idle.values()), idle
assert path == {"vm1": "user", "vm2": "user"}, path  # auto over a veth
assert ("vm1", "rx_cookie_discards") in seen["pwire_rx_dropped_total"]
assert ("vm2", "vnic_rx_too_big") in seen["pwire_rx_dropped_total"]
assert ("vm1", "tx_errors") in seen["pwire_tx_dropped_total"]
print("ok: show --prometheus:", len(typed), "families")
PY

# Another uid (not 65534: with no `pwire` user, pwired itself runs as nobody,
# which its socket lets in): the file mode stops it first...
other=54321
awk -v o=$other '/^Uid:/ { exit $2 == o }' "/proc/$daemon/status" || fail "pwired runs as uid $other"
rc=0
setpriv --reuid $other --regid $other --clear-groups "$PWIRE" -s "$sock" show >"$tmp/o" 2>"$tmp/e" || rc=$?
cat "$tmp/e"
[ "$rc" = 1 ] && grep -q "the control socket is root's" "$tmp/e" || fail "uid $other not refused (rc $rc)"
# ...and with the mode widened, SO_PEERCRED: an error reply and one log line.
chmod 0666 "$sock"
rc=0
setpriv --reuid $other --regid $other --clear-groups "$PWIRE" -s "$sock" show >"$tmp/o" 2>"$tmp/e" || rc=$?
cat "$tmp/e"
[ "$rc" = 1 ] && [ ! -s "$tmp/o" ] || fail "uid $other got a reply (rc $rc)"
grep -qx "error: permission denied: uid $other is not root or uid [0-9]*" "$tmp/e" ||
	fail "no permission error for uid $other"
grep -q "^pwired: control: refused a client of uid $other " "$tmp/daemon.err" ||
	fail "no log line for the refused client"
chmod 0600 "$sock"

# An idle client holds a connection the whole time: nobody waits for it.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"sh"); time.sleep(60)' "$sock" &
idle=$!

# The catalog: each bad request its own reply line.
python3 - "$sock" "$TESTS/bad/control.txt" <<'PY' || fail "bad requests"
import codecs, re, socket, sys
path, n, bad = sys.argv[1], 0, 0
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    req, want = line.split(" | ", 1)
    m = re.fullmatch(r"(.*)\*([0-9]+)", req)
    data = codecs.escape_decode(m.group(1) if m else req)[0] * (int(m.group(2)) if m else 1)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except ConnectionResetError:
        pass
    s.close()
    n += 1
    if got != want.encode() + b"\n":
        bad += 1
        print("FAIL: %r: got %r, want %r" % (req, got, want))
print("ok:", n - bad, "of", n, "bad requests answered as expected")
sys.exit(1 if bad or n < 10 else 0)
PY
alive "bad requests"

# Clients that go away: before a byte, half-way, before reading the reply
# (pwired's reply then meets a closed socket: no SIGPIPE).
python3 - "$sock" <<'PY'
import socket, sys
for data in (b"", b"sho", b"show\n", b"show --json\n", b"x" * 1000):
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        if data:
            s.send(data)
        s.close()
PY
sleep 0.3
alive "clients that went away"
run "$PWIRE" -s "$sock" show >"$tmp/text2"
grep -q "^vm2: vnic tap:pwc2 " "$tmp/text2" || fail "no show after the bad clients"
kill -0 "$idle" || fail "the idle client ended early"

kill "$idle"
idle=

# Idle clients may hold every slot (16), but not for long: the 17th is told
# so, and each idle one gets its timeout line within about 5 s; then show
# answers again.
python3 - "$sock" <<'PY' || fail "idle clients"
import socket, sys, time
path, idle = sys.argv[1], []
for _ in range(16):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.send(b"sh")
    idle.append(s)
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(path)
got = s.recv(200)
assert got == b"error: too many control connections, try again\n", got
t0 = time.monotonic()
for s in idle:
    s.settimeout(10)
    got = s.recv(200)
    assert got == b"error: no request within 5 s\n", got
dt = time.monotonic() - t0
assert dt < 7, dt
print("ok: 16 idle clients held every slot, the 17th was told, all timed out within %.1f s" % dt)
PY
run "$PWIRE" -s "$sock" show --json >/dev/null

run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ "$rc" = 0 ] || fail "pwired exited $rc"
rc=0
"$PWIRE" -s "$sock" show 2>"$tmp/e" || rc=$?
cat "$tmp/e"
[ "$rc" = 1 ] && grep -q "is pwired running?" "$tmp/e" || fail "no 'is pwired running?' (rc $rc)"
pw_stop
echo "ok: pwired's control socket: show in three forms, refusals, bad clients"
