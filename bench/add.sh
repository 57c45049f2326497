#!/bin/bash
# Pseudowires added per second through pwired's control socket (issue 13).
# Each run: a fresh network namespace (one veth for the local address), pwired
# started with B sections s0..s(B-1) (TAPs pwa0.., all on 10.210.0.1 UDP
# 1701: one socket, sessions 1..B), then ADD_N `pwire -s SOCK add sK ...`
# one at a time (K = B..B+ADD_N-1: TAP pwaK, session K+1, cookies inline),
# the loop timed with CLOCK_MONOTONIC and every add's own time kept;
# checked: every reply `ok: add: added sK; K unchanged`, B+ADD_N TAPs,
# `pwire show --json` lists B+ADD_N sessions, the expected number of UDP
# sockets; then `pwire del` of each added one, timed the same way, and
# checked (their TAPs gone, the B sessions left). Two layouts, each REPS
# times, interleaved:
#   shared:   every added section on 10.210.0.1 port 1701: each joins the socket
#   distinct: section K on port 1701+K: each add binds a socket of its own
# B (ADD_BASE) is 1 when ADD_N <= 64, else ADD_N: a running socket takes
# only as many joins as it started with members, at least 64
# (docs/architecture.md, pw_link_join), so 200 joins need 200 to start with.
# The client runs outside the namespace (the control socket is a file, not
# bound to a namespace), so each add costs one exec of pwire, its request and
# pwired's work, not an `ip netns exec`. Prints per run and the medians:
# adds/s, dels/s, the first and last add's time and the means of the first
# and last ten (does an add get slower as sessions grow?).
#
# usage: bench/add.sh [PWIRE [PWIRED]]   (default build/pwire build/pwired; as root)
# env:   REPS (3)  ADD_N (200)  ADD_BASE (1 when ADD_N <= 64, else ADD_N)
# Exit 1 when a run failed (a refused add, a missing TAP or session, a timeout).
set -eu
pwire=$(realpath "${1:-build/pwire}")
pwired=$(realpath "${2:-$(dirname "$pwire")/pwired}")
reps=${REPS:-3} n=${ADD_N:-200}
[ -x "$pwire" ] || { echo "add: no pwire at $pwire"; exit 2; }
[ -x "$pwired" ] || { echo "add: no pwired at $pwired"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "add: needs root (namespaces, TAPs)"; exit 2; }
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt 4000 ]; then echo "add: ADD_N '$n' is not 1..4000"; exit 2; fi
if [ "$n" -le 64 ]; then base=${ADD_BASE:-1}; else base=${ADD_BASE:-$n}; fi
if ! [[ "$base" =~ ^[1-9][0-9]*$ ]] || [ "$base" -gt 4000 ]; then
	echo "add: ADD_BASE '$base' is not 1..4000"
	exit 2
fi
room=$((base < 64 ? 64 : base))
[ "$n" -le "$room" ] || { echo "add: ADD_N $n joins do not fit a socket started with ADD_BASE $base (room for $room)"; exit 2; }
ns='' tmp=$(mktemp -d) daemon=''
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null || true
		timeout 10 tail --pid="$daemon" -f /dev/null 2>/dev/null || kill -KILL "$daemon" 2>/dev/null || true
	fi
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# One run: LAYOUT RUN; its result line ("RESULT layout adds/s dels/s first_ms
# last_ms first10_ms last10_ms") appended to $tmp/results.
run() {
	local layout=$1 r=$2 ok=0
	ns=pwadd$$r$layout
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add ul0 type veth peer name ul1
	ip -n "$ns" link set ul0 up
	ip -n "$ns" link set ul1 up
	ip -n "$ns" addr add 10.210.0.1/24 dev ul0
	for k in $(seq 0 $((base - 1))); do
		printf '[s%d]\nvnic = tap:pwa%d\nlocal = 10.210.0.1\nremote = 10.210.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = %d\npeer_session_id = %d\ncookie = %016x\npeer_cookie = %016x\n\n' \
			"$k" "$k" $((k + 1)) $((k + 1)) $((k + 1)) $((k + 1))
	done >"$tmp/pwire.conf"
	rm -f "$tmp/control.sock"
	ip netns exec "$ns" "$pwired" -f -c "$tmp/pwire.conf" -s "$tmp/control.sock" \
		>"$tmp/daemon.$layout.$r" 2>"$tmp/err.$layout.$r" &
	daemon=$!
	for _ in $(seq 300); do
		timeout 5 "$pwire" -s "$tmp/control.sock" show >/dev/null 2>&1 && { ok=1; break; }
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	[ "$ok" = 1 ] || { tail -3 "$tmp/err.$layout.$r"; echo "add: pwired did not answer within 30 s"; return 1; }
	# The timed loops and their checks. A bound on the whole: 60 s + 0.5 s an add.
	timeout $((60 + n)) python3 - "$pwire" "$tmp/control.sock" "$ns" "$n" "$layout" "$base" "$daemon" \
		>>"$tmp/results" <<'PY' || { tail -5 "$tmp/err.$layout.$r"; return 1; }
import json, os, statistics, subprocess, sys, time
pwire, sock, ns, layout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
n, base = int(sys.argv[4]), int(sys.argv[6])
added = range(base, base + n)
daemon = int(sys.argv[7])

def cpu():
    """CPU seconds (user + system) of pwired and every process below it."""
    stat = {}
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                f = f.read().rsplit(")", 1)[1].split()
            stat[int(d)] = (int(f[1]), int(f[11]) + int(f[12]))
        except (ValueError, OSError, IndexError):
            pass
    tree, more = {daemon}, True
    while more:
        more = False
        for pid, (ppid, _) in stat.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                more = True
    return sum(stat[p][1] for p in tree if p in stat) / os.sysconf("SC_CLK_TCK")

def ctl(*words):
    return subprocess.run([pwire, "-s", sock, *words], capture_output=True, text=True, timeout=15)

def fail(msg):
    print(f"add: {layout}: {msg}", file=sys.stderr)
    sys.exit(1)

def taps():
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show"], capture_output=True, text=True,
                         timeout=15, check=True).stdout
    return {l.split(": ")[1].split("@")[0] for l in out.splitlines() if ": pwa" in l}

def sockets():
    out = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Huan"], capture_output=True,
                         text=True, timeout=15, check=True).stdout
    return len([l for l in out.splitlines() if "10.210.0.1:" in l])

def sessions():
    p = ctl("show", "--json")
    if p.returncode != 0:
        fail(f"show --json: exit {p.returncode}: {p.stderr.strip()}")
    return [s["name"] for s in json.loads(p.stdout)["sessions"]]

adds = []
c0 = cpu()
t0 = time.monotonic_ns()
for k in added:
    port = 1701 if layout == "shared" else 1701 + k
    words = ["add", f"s{k}", "vnic", f"tap:pwa{k}", "local", "10.210.0.1", "remote", "10.210.0.2",
             "udp_sport", str(port), "udp_dport", str(port), "session_id", str(k + 1),
             "peer_session_id", str(k + 1), "cookie", f"{k + 1:016x}", "peer_cookie", f"{k + 1:016x}"]
    a = time.monotonic_ns()
    p = ctl(*words)
    adds.append(time.monotonic_ns() - a)
    want = f"ok: add: added s{k}; {k} unchanged"
    if p.returncode != 0 or p.stdout.strip() != want:
        fail(f"add s{k}: exit {p.returncode}: {(p.stdout + p.stderr).strip()!r}, want {want!r}")
add_s = (time.monotonic_ns() - t0) / 1e9
add_cpu = cpu() - c0

want_taps = {f"pwa{k}" for k in range(base + n)}
if taps() != want_taps:
    fail(f"after the adds: {len(taps())} TAPs, want {base + n} "
         f"(missing: {sorted(want_taps - taps())[:5]})")
names = sessions()
if sorted(names) != sorted(f"s{k}" for k in range(base + n)):
    fail(f"after the adds: show --json lists {len(names)} sessions, want {base + n}")
want_socks = 1 if layout == "shared" else n + 1
if sockets() != want_socks:
    fail(f"after the adds: {sockets()} UDP sockets on 10.210.0.1, want {want_socks}")

c0 = cpu()
t0 = time.monotonic_ns()
for k in added:
    p = ctl("del", f"s{k}")
    want = f"ok: del: removed s{k}; {2 * base + n - k - 1} unchanged"
    if p.returncode != 0 or p.stdout.strip() != want:
        fail(f"del s{k}: exit {p.returncode}: {(p.stdout + p.stderr).strip()!r}, want {want!r}")
del_s = (time.monotonic_ns() - t0) / 1e9
del_cpu = cpu() - c0
if taps() != {f"pwa{k}" for k in range(base)} or sorted(sessions()) != sorted(f"s{k}" for k in range(base)):
    fail(f"after the dels: {len(taps())} TAPs, {len(sessions())} sessions, want {base} (pwa0.., s0..)")

ms = [a / 1e6 for a in adds]
ten = min(10, n)
print(f"RESULT {layout} {n / add_s:.1f} {n / del_s:.1f} {ms[0]:.2f} {ms[-1]:.2f} "
      f"{statistics.mean(ms[:ten]):.2f} {statistics.mean(ms[-ten:]):.2f} "
      f"{add_cpu * 1000 / n:.2f} {del_cpu * 1000 / n:.2f}")
PY
	kill -TERM "$daemon"
	local rc=0
	timeout 10 tail --pid="$daemon" -f /dev/null || { echo "add: pwired did not stop within 10 s"; return 1; }
	wait "$daemon" || rc=$?
	daemon=''
	[ "$rc" = 0 ] || { tail -3 "$tmp/err.$layout.$r"; echo "add: pwired exited $rc on SIGTERM"; return 1; }
	ip netns del "$ns"
	ns=''
	tail -1 "$tmp/results" | awk -v r="$r" '{
		printf "add: run %d %-8s adds %6.1f/s, dels %6.1f/s; an add: first %.1f ms, last %.1f ms, first ten %.1f ms, last ten %.1f ms; pwired CPU %.2f ms an add, %.2f a del\n",
			r, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
}

: >"$tmp/results"
for r in $(seq "$reps"); do
	# The order alternates per run, so neither layout always goes first.
	if [ $((r % 2)) = 1 ]; then order="shared distinct"; else order="distinct shared"; fi
	for layout in $order; do run "$layout" "$r" || exit 1; done
done
echo "add: $n adds to a pwired started with $base pseudowires on one socket (to $((base + n))), then $n dels;" \
	"medians of $reps runs:"
for layout in shared distinct; do
	awk -v l="$layout" '$2 == l { for (i = 3; i <= 10; i++) v[i, ++c[i]] = $i }
	function med(i,   k, j, t, m) {
		m = c[i]
		for (k = 1; k <= m; k++) a[k] = v[i, k]
		for (k = 2; k <= m; k++) for (j = k; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return a[int((m + 1) / 2)]
	}
	END { printf "add: %-8s (%s): %s adds/s, %s dels/s; an add: first %s ms, last %s ms, first ten %s ms, last ten %s ms; pwired CPU %s ms an add, %s a del\n",
		l, l == "shared" ? "all on one socket " : "a socket each add", med(3), med(4), med(5), med(6), med(7), med(8), med(9), med(10) }' \
		"$tmp/results"
done
