#!/bin/bash
# Many pseudowires on one socket: two pwired, one in each namespace, each
# with N sections (N TAPs) on the same local address and UDP port 1701
# (default N 1000). Then:
#  - each daemon has exactly one UDP socket on port 1701 (ss);
#  - every pseudowire answers a ping through it (addresses: a /30 each);
#  - `pwire show --json` lists all N on each side, each with
#    rx_packets > 0, and no session received another's frames
#    (rx_packets of session k on B == tx_packets of session k on A, on a
#    quiet link);
#  - a section removed by reload stops at once; the others still answer.
#
#   netns A                                             netns B
#   pwa1..N 172.16.x.1/30 -- pwired ==[veth]== pwired -- pwb1..N 172.16.x.2/30
#                     10.205.0.1:1701              10.205.0.2:1701
# usage: shared.sh [N]
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
n=${1:-1000}
a=pwsa$$ b=pwsb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemons=()
trap 'for d in "${daemons[@]}"; do kill "$d" 2>/dev/null || true; done; pw_cleanup' EXIT
fail() { echo "FAIL: $*"; exit 1; }

pw_pair "$a" "$b" 10.205.0.1 10.205.0.2 24
# No IPv6 on the TAPs: no router solicitation or MLD report in flight when
# the two sides' counters are compared.
for ns in "$a" "$b"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done

# conf PREFIX LOCAL REMOTE MINE THEIRS: one side's config; section k has
# session_id MINE + k and sends to THEIRS + k; the cookie it sends is the
# id it sends to, the one it expects its own.
conf() {
	local k
	for k in $(seq "$n"); do
		printf '[s%d]\nvnic = tap:%s%d\nlocal = %s\nremote = %s\nudp_sport = 1701\nudp_dport = 1701\nsession_id = %d\npeer_session_id = %d\ncookie = %016x\npeer_cookie = %016x\n\n' \
			"$k" "$1" "$k" "$2" "$3" "$(($4 + k))" "$(($5 + k))" "$(($5 + k))" "$(($4 + k))"
	done
}
chmod 755 "$tmp" # pwired re-reads its file on SIGHUP unprivileged
conf pwa 10.205.0.1 10.205.0.2 0 100000 >"$tmp/a.conf"
conf pwb 10.205.0.2 10.205.0.1 100000 0 >"$tmp/b.conf"
run ip netns exec "$a" "$PWIRED" -n -c "$tmp/a.conf" >/dev/null
run ip netns exec "$b" "$PWIRED" -n -c "$tmp/b.conf" >/dev/null

for side in a b; do
	ns=${!side}
	echo "+ ip netns exec $ns pwired -f -c $tmp/$side.conf -s $tmp/$side.sock &" >&2
	start=$(date +%s%N)
	ip netns exec "$ns" "$PWIRED" -f -c "$tmp/$side.conf" -s "$tmp/$side.sock" \
		>"$tmp/$side.out" 2>"$tmp/$side.err" &
	daemons+=($!)
	for _ in $(seq 600); do
		[ -S "$tmp/$side.sock" ] && break
		kill -0 "${daemons[-1]}" 2>/dev/null || { cat "$tmp/$side.err"; fail "pwired $side exited"; }
		sleep 0.1
	done
	[ -S "$tmp/$side.sock" ] || fail "pwired $side: no control socket after 60 s"
	echo "pwired $side: $n pseudowires up in $((($(date +%s%N) - start) / 1000000)) ms"
done

sockets=$(ip netns exec "$a" ss -Huan 'sport = :1701' | wc -l)
[ "$sockets" = 1 ] || { ip netns exec "$a" ss -uan; fail "$sockets UDP sockets on port 1701 in A, not 1"; }
echo "ok: one UDP socket on port 1701 for $n pseudowires"

# A /30 per pseudowire: 172.16.0.0/14 holds 65536 of them.
for k in $(seq "$n"); do
	net=$((k * 4))
	echo "addr add 172.$((16 + net / 65536)).$((net / 256 % 256)).$((net % 256 + 1))/30 dev pwa$k" >>"$tmp/a.ip"
	echo "addr add 172.$((16 + net / 65536)).$((net / 256 % 256)).$((net % 256 + 2))/30 dev pwb$k" >>"$tmp/b.ip"
done
# Each side's neighbours written in, permanent: a namespace's ARP table
# collects garbage past 512 entries (gc_thresh2, settable only on the host).
ip -n "$a" -j link show >"$tmp/a.links"
ip -n "$b" -j link show >"$tmp/b.links"
python3 - "$tmp" "$n" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
mac = {l["ifname"]: l["address"] for s in "ab" for l in json.load(open(f"{d}/{s}.links"))}
for me, other, host in (("a", "b", 2), ("b", "a", 1)):
    with open(f"{d}/{me}.ip", "a") as f:
        for k in range(1, n + 1):
            net = k * 4
            ip = f"172.{16 + net // 65536}.{net // 256 % 256}.{net % 256 + host}"
            f.write(f"neigh add {ip} lladdr {mac[f'pw{other}{k}']} dev pw{me}{k} nud permanent\n")
PY
run ip -n "$a" -batch "$tmp/a.ip"
run ip -n "$b" -batch "$tmp/b.ip"

# One ping each, 50 at a time; every one answered.
echo "+ ping each of the $n pseudowires" >&2
lost=0 pings=()
for k in $(seq "$n"); do
	net=$((k * 4))
	dst=172.$((16 + net / 65536)).$((net / 256 % 256)).$((net % 256 + 2))
	{ ip netns exec "$a" ping -c 1 -W 3 -q "$dst" >/dev/null 2>&1 || echo "$k" >>"$tmp/lost"; } &
	pings+=($!)
	if [ ${#pings[@]} = 50 ] || [ "$k" = "$n" ]; then
		wait "${pings[@]}"
		pings=()
	fi
done
if [ -f "$tmp/lost" ]; then lost=$(wc -l <"$tmp/lost"); fi
[ "$lost" = 0 ] || fail "$lost of $n pseudowires did not answer (first: $(sort -n "$tmp/lost" | head -5 | tr '\n' ' '))"
echo "ok: $n pings answered"

# Compared on a quiet link; a snapshot that caught a frame in flight is
# taken again, five times at most.
for try in 1 2 3 4 5; do
	sleep 0.5
	"$PWIRE" -s "$tmp/a.sock" show --json >"$tmp/a.json"
	"$PWIRE" -s "$tmp/b.sock" show --json >"$tmp/b.json"
	python3 - "$tmp/a.json" "$tmp/b.json" "$n" <<'PY' && break
import json, sys
A = json.load(open(sys.argv[1]))["sessions"]
B = json.load(open(sys.argv[2]))["sessions"]
n = int(sys.argv[3])
assert len(A) == n and len(B) == n, (len(A), len(B))
for side, S in (("A", A), ("B", B)):
    idle = [x["name"] for x in S if x["counters"]["session"]["rx_packets"] == 0]
    assert not idle, f"{side}: {len(idle)} sessions received nothing: {idle[:5]}"
    bad = {k: v for x in S for k, v in x["counters"]["tunnel"].items()
           if v and k not in ("tx_eagain",)}
    assert not bad, f"{side}: socket drops {bad}"
# Session k of A sent what session k of B received (and back): no frame
# went to another session.
for x, y in zip(A, B):
    sa, sb = x["counters"]["session"], y["counters"]["session"]
    assert x["name"] == y["name"], (x["name"], y["name"])
    assert sa["tx_packets"] == sb["rx_packets"] and sb["tx_packets"] == sa["rx_packets"], \
        (x["name"], sa, sb)
print(f"ok: show --json lists {n} sessions on each side, each with rx_packets > 0, "
      "each receiving exactly what its peer sent")
PY
	[ "$try" = 5 ] && fail "show --json"
done

# Reload without s1 on A: it stops at once; s2 still answers.
grep -v '^$' "$tmp/a.conf" | awk '/^\[s1\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' >"$tmp/a2.conf"
chmod 644 "$tmp/a2.conf"
mv "$tmp/a2.conf" "$tmp/a.conf"
run kill -HUP "${daemons[0]}"
for _ in $(seq 50); do
	ip -n "$a" link show pwa1 >/dev/null 2>&1 || break
	sleep 0.1
done
ip -n "$a" link show pwa1 >/dev/null 2>&1 && { cat "$tmp/a.err"; fail "pwa1 still there after the reload"; }
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 172.16.0.10 >/dev/null || fail "s2 stopped answering after s1 was removed"
echo "ok: s1 removed by reload, s2 still answers"

for i in "${!daemons[@]}"; do
	kill -TERM "${daemons[$i]}"
	rc=0
	wait "${daemons[$i]}" || rc=$?
	[ "$rc" = 0 ] || { cat "$tmp"/*.err; fail "pwired exited $rc"; }
done
daemons=()
echo "ok: both pwired exited 0"
