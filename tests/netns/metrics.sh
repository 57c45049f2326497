#!/bin/bash
# pwired -m: Prometheus metrics over HTTP, with the daemon's privileges
# dropped and its system-call filter on (so this also proves the filter lets
# libmicrohttpd serve):
#  - GET /metrics: 200, text/plain; version=0.0.4, every line a HELP, TYPE or
#    sample line, the same metric names and labels as `pwire show
#    --prometheus`, rx_packets of the pinged pseudowire > 0;
#  - HEAD /metrics 200 with no body, GET / 404, POST /metrics 405;
#  - 20 connections left open (more than the 16 served at once) and a client
#    that sends half a request: pwired keeps running and still answers;
#  - -m with a bad value: exit 2 naming it; a port already taken: exit 1.
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwma$$ b=pwmb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=''
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT
fail() { echo "FAIL: $*"; cat "$tmp/daemon.err" 2>/dev/null; exit 1; }

pw_pair "$a" "$b" 10.207.0.1 10.207.0.2 24
printf '[vm1]\nvnic = tap:pwm1\nlocal = 10.207.0.1\nremote = 10.207.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = 1\npeer_session_id = 2\ncookie = 00112233445566aa\npeer_cookie = 00112233445566bb\n' >"$tmp/pwire.conf"
echo "+ ip netns exec $a pwired -f -c $tmp/pwire.conf -s $tmp/control.sock -m 10.207.0.1:9420 &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/control.sock" -m 10.207.0.1:9420 \
	>"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
pw_start "$b" "$tmp/b" up pw1 local 10.207.0.2 remote 10.207.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 1 cookie 00112233445566bb peer_cookie 00112233445566aa
pw_wait_up "$a" pwm1 || fail "pwm1 did not come up"
pw_wait_up "$b" pw1
run ip -n "$a" addr add 10.97.0.1/24 dev pwm1
run ip -n "$b" addr add 10.97.0.2/24 dev pw1
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.97.0.2 >/dev/null || fail "no ping through the pseudowire"
for _ in $(seq 50); do [ -S "$tmp/control.sock" ] && break; sleep 0.1; done
run "$PWIRE" -s "$tmp/control.sock" show --prometheus >"$tmp/prom"

echo "+ HTTP from $b to 10.207.0.1:9420" >&2
ip netns exec "$b" python3 - "$tmp/prom" <<'PY' || fail "HTTP"
import http.client, re, socket, sys, time

def get(method, path):
    c = http.client.HTTPConnection("10.207.0.1", 9420, timeout=5)
    c.request(method, path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, r.getheader("Content-Type"), body

def names(text):
    out = set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = re.fullmatch(r'([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\d+|\+Inf)', line)
        assert m, f"not a sample line: {line!r}"
        out.add(m.group(1) + (m.group(2) or ""))
    return out

status, ctype, body = get("GET", "/metrics")
assert status == 200, status
assert ctype == "text/plain; version=0.0.4; charset=utf-8", ctype
assert names(body) == names(open(sys.argv[1]).read()), "not what pwire show --prometheus says"
rx = [l for l in body.splitlines() if l.startswith('pwire_rx_packets_total{session="vm1"}')]
assert rx and int(rx[0].split()[-1]) > 0, rx
print(f"ok: GET /metrics: 200, {len(body.splitlines())} lines, the names and labels of "
      "pwire show --prometheus, rx_packets > 0")
assert get("HEAD", "/metrics")[:2] == (200, ctype) and get("HEAD", "/metrics")[2] == ""
assert get("GET", "/")[0] == 404
assert get("POST", "/metrics")[0] == 405
print("ok: HEAD 200 without a body, GET / 404, POST 405")

idle = []
for _ in range(20):
    s = socket.create_connection(("10.207.0.1", 9420), timeout=5)
    idle.append(s)
half = socket.create_connection(("10.207.0.1", 9420), timeout=5)
half.sendall(b"GET /metr")
for s in idle[:10]:
    s.close()
half.close()
time.sleep(0.3)
for s in idle[10:]:
    s.close()
time.sleep(0.3)
assert get("GET", "/metrics")[0] == 200
print("ok: 20 idle connections and a half request: still answering")
PY
kill -0 "$daemon" || fail "pwired is gone"
grep -q forbidden "$tmp/daemon.err" && fail "a forbidden system call"

rc=0
ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/c2.sock" -m 10.207.0.1:http \
	>/dev/null 2>"$tmp/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad value for -m: '10.207.0.1:http'" "$tmp/bad.err" ||
	{ cat "$tmp/bad.err"; fail "-m 10.207.0.1:http: exit $rc"; }
sed 's/pwm1/pwm2/; s/udp_sport = 1701/udp_sport = 1702/' "$tmp/pwire.conf" >"$tmp/other.conf"
rc=0
ip netns exec "$a" "$PWIRED" -f -c "$tmp/other.conf" -s "$tmp/c3.sock" -m 10.207.0.1:9420 \
	>/dev/null 2>"$tmp/busy.err" || rc=$?
[ "$rc" = 1 ] && grep -q "cannot listen on 10.207.0.1 port 9420" "$tmp/busy.err" ||
	{ cat "$tmp/busy.err"; fail "a port already taken: exit $rc"; }
echo "ok: -m 10.207.0.1:http exit 2, a port taken exit 1, both named"

run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=''
[ "$rc" = 0 ] || fail "pwired exited $rc"
pw_stop
echo "ok: pwired exited 0"
