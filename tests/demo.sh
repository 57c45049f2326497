#!/bin/bash
# make demo: two network namespaces joined by a veth pair, one pwire in each
# with a TAP device, a ping and 10 MB across the pseudowire checked by
# sha256, both sides' counters, then everything removed again.
set -eu
PWIRE=$(realpath "${1:-build/pwire}")
a=pwdemoA$$ b=pwdemoB$$
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
say() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "make demo needs root (namespaces, TAP devices)"; exit 1; }
cat <<EOF2
pwire demo: an L2TPv3 Ethernet pseudowire (UDP, 64-bit cookies, RFC 4719
sequence numbers) between two namespaces.

EOF2
printf '   %-34s%34s\n' "netns $a" "netns $b" "pw0 10.99.0.1/24" "pw0 10.99.0.2/24" \
	"  |" "|  "
echo "   pwire --- udp 10.200.0.1:1701 === veth === 10.200.0.2:1701 --- pwire"

say "underlay"
pw_pair "$a" "$b" 10.200.0.1 10.200.0.2 24 2>&1

say "one pwire in each namespace"
wa=(local 10.200.0.1 remote 10.200.0.2 udp_sport 1701 udp_dport 1701 session_id 100
	peer_session_id 200 cookie 0011223344556677 peer_cookie 8899aabbccddeeff seq both)
wb=(local 10.200.0.2 remote 10.200.0.1 udp_sport 1701 udp_dport 1701 session_id 200
	peer_session_id 100 cookie 8899aabbccddeeff peer_cookie 0011223344556677 seq both)
pw_start "$a" "$tmp/a.out" up pw0 "${wa[@]}" 2>&1
pw_start "$b" "$tmp/b.out" up pw0 "${wb[@]}" 2>&1
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
ip -n "$a" -br link show pw0

say "ping across the pseudowire"
run ip netns exec "$a" ping -c 3 -i 0.3 10.99.0.2

say "10 MB through the pseudowire over TCP, checked by sha256"
head -c 10000000 /dev/urandom >"$tmp/send"
ip netns exec "$b" timeout 60 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$tmp/recv,creat,trunc" &
sink=$!
sleep 0.3
start=$(date +%s.%N)
run ip netns exec "$a" timeout 60 socat -u "OPEN:$tmp/send" TCP:10.99.0.2:5001,retry=20,interval=0.1
wait "$sink"
end=$(date +%s.%N)
sent=$(sha256sum <"$tmp/send" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/recv" | cut -d' ' -f1)
echo "sent     sha256 $sent"
echo "received sha256 $got"
[ "$sent" = "$got" ] || { echo "MISMATCH: the data arrived altered"; exit 1; }
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'10 MB in {s:.2f} s: {10/s:.1f} MB/s, {80/s:.0f} Mbit/s (informational)')" "$start" "$end"

say "stop (SIGINT): each pwire prints its start-up line and, at exit, its counters"
for p in "${pids[@]}"; do kill -INT "$p"; wait "$p"; done
pids=()
echo "--- $a"; cat "$tmp/a.out.err" "$tmp/a.out"
echo "--- $b"; cat "$tmp/b.out.err" "$tmp/b.out"

say "removing the namespaces (the TAP devices went with their pwire)"
pw_cleanup
trap - EXIT
echo "demo done"
