#!/bin/bash
# pwired with three pseudowires (three TAPs, three UDP ports) in namespace A
# against three `pwire up` in namespace B: a ping through each; SIGUSR1
# prints the three pseudowires' counters; then SIGTERM must make pwired exit
# 0 after printing them again, each with rx_packets > 0, and take its TAPs
# with it.
#
#   netns A                                        netns B
#   pwd1..3 10.98.N.1 -- pwired ==[veth underlay]== pwire up x3 -- pw1..3 10.98.N.2
#                           10.201.0.1                10.201.0.2
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwda$$ b=pwdb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT

pw_pair "$a" "$b" 10.201.0.1 10.201.0.2 24

conf=$tmp/pwire.conf
for n in 1 2 3; do
	cat >>"$conf" <<CONF
[vm$n]
vnic = tap:pwd$n
local = 10.201.0.1
remote = 10.201.0.2
udp_sport = 180$n
udp_dport = 180$n
session_id = $n
peer_session_id = 10$n
cookie = 00112233445566$n$n
peer_cookie = 8899aabbccddee$n$n

CONF
done
run ip netns exec "$a" "$PWIRED" -n -c "$conf" >/dev/null
# Its own control socket: not the host's /run/pwire, where another may listen.
echo "+ ip netns exec $a pwired -f -c $conf -s $tmp/control.sock &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$conf" -s "$tmp/control.sock" >"$tmp/daemon" 2>"$tmp/daemon.err" &
daemon=$!

for n in 1 2 3; do
	pw_start "$b" "$tmp/b$n" up "pw$n" local 10.201.0.2 remote 10.201.0.1 udp_sport "180$n" \
		udp_dport "180$n" session_id "10$n" peer_session_id "$n" \
		cookie "8899aabbccddee$n$n" peer_cookie "00112233445566$n$n"
done
for n in 1 2 3; do
	pw_wait_up "$a" "pwd$n" || { cat "$tmp/daemon.err"; exit 1; }
	pw_wait_up "$b" "pw$n"
	run ip -n "$a" addr add "10.98.$n.1/24" dev "pwd$n"
	run ip -n "$b" addr add "10.98.$n.2/24" dev "pw$n"
done
for n in 1 2 3; do
	run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "10.98.$n.2"
done

# One privilege drop for all: not root, no capability left.
st=/proc/$daemon/status
awk '/^Uid:/ { exit !($2 != 0 && $3 != 0) }' "$st" || { grep '^Uid' "$st"; echo "FAIL: pwired runs as root"; exit 1; }
grep -qx $'CapEff:\t0000000000000000' "$st" || { grep '^CapEff' "$st"; echo "FAIL: pwired kept capabilities"; exit 1; }

# SIGUSR1: every pseudowire's counters, and pwired keeps running.
run kill -USR1 "$daemon"
for _ in $(seq 20); do
	[ "$(grep -c '^\[vm[123]\]$' "$tmp/daemon")" = 3 ] && break
	sleep 0.1
done
[ "$(grep -c '^\[vm[123]\]$' "$tmp/daemon")" = 3 ] || {
	cat "$tmp/daemon"; echo "FAIL: SIGUSR1 printed no counters of the three"; exit 1; }
kill -0 "$daemon" || { echo "FAIL: pwired ended on SIGUSR1"; exit 1; }

run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
cat "$tmp/daemon"
[ "$rc" = 0 ] || { cat "$tmp/daemon.err"; echo "FAIL: pwired exited $rc"; exit 1; }
# The default, fastpath auto, over a veth: the userspace engine, saying why.
grep -q '^pwired: \[vm1\] pwd1: fastpath auto: the userspace engine: the underlay ul0 (veth) ' \
	"$tmp/daemon.err" || { cat "$tmp/daemon.err"; echo "FAIL: [vm1]: no line why auto stayed on the userspace engine"; exit 1; }
for n in 1 2 3; do
	rx=$(awk -v s="[vm$n]" '$0 == s { f++ } f == 2 && /^  session:/ {
		for (i = 2; i < NF; i++) if ($i == "rx_packets") { print $(i + 1); exit } }' \
		"$tmp/daemon")
	[ "${rx:-0}" -gt 0 ] || { echo "FAIL: [vm$n]: rx_packets '${rx:-}' after the ping"; exit 1; }
	grep -Eq "^pwd$n: session_id $n peer_session_id 10$n rx_idle_seconds [0-9]+( path user)?\$" "$tmp/daemon" ||
		{ echo "FAIL: [vm$n]: no counters for pwd$n"; exit 1; }
	if ip -n "$a" link show "pwd$n" >/dev/null 2>&1; then
		echo "FAIL: pwd$n still exists after pwired exited"
		exit 1
	fi
done
pw_stop
echo "ok: three pseudowires of one pwired pinged, counted and removed"
