#!/bin/bash
# pwired reloads on SIGHUP: two pseudowires (vm1, vm2 with two queues)
# against two `pwire up`; a ping flood and an iperf3 TCP stream run through
# vm1 while the file loses vm2 and SIGHUP is sent: the flood loses nothing,
# no frame of vm1 is lost (what each side sent, the other received, in
# reports both print on the quiet link), vm1's counters keep counting (it
# was not reopened), pwd2 is gone. Then a broken file and a file adding vm3
# with io_uring on are refused; vm3 on vm1's socket and vm4 (two queues) on
# a port of its own are added (pwired's privileged helper opens them; vm3
# joins vm1's running socket), carry a ping, vm3 is changed (reopened with
# a new MTU, joining again), a veth section is not opened while the rest
# applies, all are removed; vm1 carries a ping throughout and its counters
# never restart.
#
#   netns A                                        netns B
#   pwd1..2 10.97.N.1 -- pwired ==[veth underlay]== pwire up x2 -- pw1..2 10.97.N.2
#                           10.202.0.1                10.202.0.2
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwra$$ b=pwrb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT

pw_pair "$a" "$b" 10.202.0.1 10.202.0.2 24

section() {
	cat <<CONF
[vm$1]
vnic = tap:pwd$1
local = 10.202.0.1
remote = 10.202.0.2
udp_sport = 190$1
udp_dport = 190$1
session_id = $1
peer_session_id = 10$1
cookie = 00112233445566$1$1
peer_cookie = 8899aabbccddee$1$1
${2:-}
CONF
}
# pwired re-reads the file after dropping to nobody: it must be readable.
chmod 755 "$tmp"
conf=$tmp/pwire.conf
# Replace the file whole, as an editor does.
put() { cat >"$conf.new" && chmod 644 "$conf.new" && mv "$conf.new" "$conf"; }
# vm2 with two queues: its removal joins a queue thread after the drop.
{ section 1; section 2 "queues = 2"; } | put
echo "+ ip netns exec $a pwired -f -c $conf &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$conf" -s "$tmp/control.sock" >"$tmp/daemon" 2>"$tmp/daemon.err" &
daemon=$!
for n in 1 2; do
	pw_start "$b" "$tmp/b$n" up "pw$n" local 10.202.0.2 remote 10.202.0.1 udp_sport "190$n" \
		udp_dport "190$n" session_id "10$n" peer_session_id "$n" \
		cookie "8899aabbccddee$n$n" peer_cookie "00112233445566$n$n" --json
done
for n in 1 2; do
	pw_wait_up "$a" "pwd$n" || { cat "$tmp/daemon.err"; exit 1; }
	pw_wait_up "$b" "pw$n"
	run ip -n "$a" addr add "10.97.$n.1/24" dev "pwd$n"
	run ip -n "$b" addr add "10.97.$n.2/24" dev "pw$n"
	run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "10.97.$n.2"
done

# wait_log PATTERN: until daemon.err has it (bounded: 5 s).
wait_log() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$tmp/daemon.err" && return 0
		sleep 0.1
	done
	cat "$tmp/daemon.err"
	echo "FAIL: pwired did not log '$1'"
	exit 1
}

# 400 pings in 4 s and a 4-second TCP stream (200 Mbit/s) through vm1; vm2
# removed in the middle of them. What the kernel could not deliver before
# (a TAP's first MLD report to a port the other side had not bound yet:
# NoPorts) is counted now and allowed for below (at most that many, for
# NoPorts counts every port: vm2's too); nothing after.
noports() { ip netns exec "$1" awk '/^Udp:/ { if (h) { print $3 } else { h = 1 } }' /proc/net/snmp; }
lost_ab=$(noports "$b") lost_ba=$(noports "$a")
flood=400
ip netns exec "$b" timeout 20 iperf3 -s -1 -B 10.97.1.2 >/dev/null 2>&1 &
server=$!
sleep 0.3
echo "+ ip netns exec $a ping -c $flood -i 0.01 10.97.1.2 &" >&2
ip netns exec "$a" ping -q -c "$flood" -i 0.01 -W 2 10.97.1.2 >"$tmp/ping" 2>&1 &
ping=$!
echo "+ ip netns exec $a iperf3 -c 10.97.1.2 -t 4 -b 200M &" >&2
ip netns exec "$a" timeout 20 iperf3 -c 10.97.1.2 -t 4 -b 200M >"$tmp/iperf" 2>&1 &
iperf=$!
sleep 1
section 1 | put
run kill -HUP "$daemon"
wait_log '^pwired: reload: removed vm2; 1 unchanged$'
rc=0
wait "$ping" || rc=$?
cat "$tmp/ping"
[ "$rc" = 0 ] && grep -q " 0% packet loss" "$tmp/ping" ||
	{ cat "$tmp/daemon.err"; echo "FAIL: vm1 lost frames during the reload"; exit 1; }
wait "$iperf" || { cat "$tmp/iperf"; echo "FAIL: iperf3 through vm1 failed"; exit 1; }
wait "$server" || true
grep -E 'sender|receiver' "$tmp/iperf"
# What vm1 sent, pw1 received, and back: no frame lost to the reload. pw1
# is pids[0].
for try in 1 2 3 4 5; do
	sleep 0.5
	kill -USR1 "${pids[0]}"
	sleep 0.2
	"$PWIRE" -s "$tmp/control.sock" show --json >"$tmp/a.json"
	python3 - "$tmp/a.json" "$tmp/b1" "$lost_ab" "$lost_ba" <<'PY' && break
import json, sys
A = [x for x in json.load(open(sys.argv[1]))["sessions"] if x["name"] == "vm1"][0]["counters"]["session"]
B = json.loads(open(sys.argv[2]).read().splitlines()[-1])["session"]
ab, ba = int(sys.argv[3]), int(sys.argv[4])
print(f"vm1 tx {A['tx_packets']} rx {A['rx_packets']}, pw1 tx {B['tx_packets']} rx {B['rx_packets']}, "
      f"lost to unbound ports before the reload: {ab} A to B, {ba} B to A")
# (NoPorts counts every port: some of those were vm2's.)
sys.exit(0 if 0 <= A["tx_packets"] - B["rx_packets"] <= ab and
         0 <= B["tx_packets"] - A["rx_packets"] <= ba else 1)
PY
	[ "$try" = 5 ] && { echo "FAIL: frames of vm1 lost during the reload"; exit 1; }
done
gone=
for _ in $(seq 20); do
	ip -n "$a" link show pwd2 >/dev/null 2>&1 || { gone=1; break; }
	sleep 0.1
done
[ -n "$gone" ] || { echo "FAIL: pwd2 still exists after vm2 was removed"; exit 1; }

# A broken file: refused, with its file and line, and vm1 still runs.
{ section 1; echo "bogus_key = 1"; } | put
run kill -HUP "$daemon"
wait_log "reload refused, the running configuration kept: $conf:12: "
# vm3 with io_uring on: refused whole (asked with `pwire reload` this time:
# the first reason is the client's error, exit 1), and vm4 beside it is
# not opened either.
{ section 1; section 3 "io_uring = on"; section 4; } | put
rc=0
ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload 2>"$tmp/client.err" || rc=$?
cat "$tmp/client.err"
[ "$rc" = 1 ] && grep -qx "error: reload refused, the running configuration kept: $conf:12: adding vm3 with io_uring on: that needs a restart (its ring is set up before pwired drops its privileges)" "$tmp/client.err" ||
	{ echo "FAIL: pwire reload: exit $rc, want 1 and the reason"; exit 1; }
ip -n "$a" link show pwd4 >/dev/null 2>&1 && { echo "FAIL: pwd4 opened by a refused reload"; exit 1; }

# Adding vm3 on vm1's socket (10.202.0.1 port 1901, to a second address of
# B's) and vm4 (two queues: its threads and steering programs) on a port of
# its own: pwired, unprivileged by now, has its privileged helper open
# their TAPs (and vm4's sockets); vm3 joins vm1's running socket. Both
# carry a ping, vm1 untouched, and A still has one socket on port 1901.
vm3() {
	section 3 "${1:-}" | sed 's/^udp_sport = 1903$/udp_sport = 1901/; s/^udp_dport = 1903$/udp_dport = 1901/; s/^remote = 10.202.0.2$/remote = 10.202.0.3/'
}
run ip -n "$b" addr add 10.202.0.3/24 dev ul0
{ section 1; vm3; section 4 "queues = 2"; } | put
out=$(ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload) ||
	{ cat "$tmp/daemon.err"; echo "FAIL: pwire reload adding vm3 and vm4 failed"; exit 1; }
echo "$out"
[ "$out" = "ok: reload: added vm3, added vm4; 1 unchanged" ] ||
	{ echo "FAIL: pwire reload said '$out'"; exit 1; }
pw_start "$b" "$tmp/b3" up pw3 local 10.202.0.3 remote 10.202.0.1 udp_sport 1901 \
	udp_dport 1901 session_id 103 peer_session_id 3 \
	cookie 8899aabbccddee33 peer_cookie 0011223344556633
pw_start "$b" "$tmp/b4" up pw4 local 10.202.0.2 remote 10.202.0.1 udp_sport 1904 \
	udp_dport 1904 session_id 104 peer_session_id 4 \
	cookie 8899aabbccddee44 peer_cookie 0011223344556644
for n in 3 4; do
	pw_wait_up "$a" "pwd$n" || { cat "$tmp/daemon.err"; exit 1; }
	pw_wait_up "$b" "pw$n"
	run ip -n "$a" addr add "10.97.$n.1/24" dev "pwd$n"
	run ip -n "$b" addr add "10.97.$n.2/24" dev "pw$n"
	run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "10.97.$n.2"
done
socks=$(ip netns exec "$a" ss -Huan 'sport = :1901' | wc -l)
[ "$socks" = 1 ] || { ip netns exec "$a" ss -uan; echo "FAIL: $socks sockets on port 1901 in A"; exit 1; }
grep -qx $'CapEff:\t0000000000000000' "/proc/$daemon/status" ||
	{ echo "FAIL: pwired holds capabilities after opening vm3 and vm4"; exit 1; }
# The helper: pwired's one child, root with CAP_NET_BIND_SERVICE (10),
# CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_PERFMON (38: the fast path's
# programs need the verifier's privileged rules) and CAP_BPF (39) and
# nothing else, not even in its bounding set, and NoNewPrivs.
helper=$(pgrep -P "$daemon")
[ "$(wc -w <<<"$helper")" = 1 ] && [ "$(cat "/proc/$helper/comm")" = pwired-priv ] ||
	{ echo "FAIL: pwired's children: '$helper'"; exit 1; }
for k in CapEff CapPrm CapBnd; do
	grep -qx "$k:"$'\t000000c000003400' "/proc/$helper/status" ||
		{ grep '^Cap' "/proc/$helper/status"; echo "FAIL: the helper's $k"; exit 1; }
done
grep -qx $'NoNewPrivs:\t1' "/proc/$helper/status" || { echo "FAIL: the helper may gain privileges"; exit 1; }
# vm3 changed: closed and opened again with its new MTU, joining vm1's
# socket again (its session id free again).
{ section 1; vm3 "mtu = 1300"; section 4 "queues = 2"; } | put
out=$(ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload) ||
	{ cat "$tmp/daemon.err"; echo "FAIL: pwire reload changing vm3 failed"; exit 1; }
[ "$out" = "ok: reload: changed vm3; 2 unchanged" ] ||
	{ echo "FAIL: pwire reload said '$out'"; exit 1; }
ip -n "$a" link show pwd3 | grep -q ' mtu 1300 ' ||
	{ ip -n "$a" link show pwd3; echo "FAIL: pwd3 did not get mtu 1300"; exit 1; }
run ip -n "$a" addr add 10.97.3.1/24 dev pwd3
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -s 1000 10.97.3.2

# vm5 on the underlay's veth, which is not a TAP, and vm6 beside it: the
# rest of the reload applies (vm4 goes, vm6 runs), vm5 is not running, and
# the client hears why.
{ section 1; vm3 "mtu = 1300"; section 5 | sed 's/^vnic = tap:pwd5$/vnic = tap:ul0/'; section 6; } | put
rc=0
ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload 2>"$tmp/client.err" || rc=$?
cat "$tmp/client.err"
[ "$rc" = 1 ] && grep -qx "error: reload applied, but what it adds or changes could not be opened (the log says why): not running" "$tmp/client.err" ||
	{ echo "FAIL: pwire reload with a veth: exit $rc"; exit 1; }
wait_log '^pwire: \[vm5\] vnic tap:ul0: ul0 exists and is a veth, not a TAP$'
ip -n "$a" link show pwd4 >/dev/null 2>&1 && { echo "FAIL: pwd4 still exists"; exit 1; }
ip -n "$a" link show pwd6 >/dev/null 2>&1 || { echo "FAIL: vm6 not opened beside vm5"; exit 1; }
run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 10.97.3.2

# Back to vm1 alone, asked the same way: vm3 goes, vm1 stays.
section 1 | put
out=$(ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload) ||
	{ echo "FAIL: pwire reload back to vm1 failed"; exit 1; }
echo "$out"
[ "$out" = "ok: reload: removed vm3, removed vm6; 1 unchanged" ] ||
	{ echo "FAIL: pwire reload said '$out'"; exit 1; }
out=$(ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" reload) ||
	{ echo "FAIL: pwire reload of an unchanged file failed"; exit 1; }
[ "$out" = "ok: reload: 1 unchanged" ] || { echo "FAIL: pwire reload said '$out'"; exit 1; }
kill -0 "$daemon" || { cat "$tmp/daemon.err"; echo "FAIL: pwired ended on a reload"; exit 1; }
for n in 2 3 4; do
	ip -n "$a" link show "pwd$n" >/dev/null 2>&1 && { echo "FAIL: pwd$n exists"; exit 1; }
done
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.97.1.2

run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
cat "$tmp/daemon"
[ "$rc" = 0 ] || { cat "$tmp/daemon.err"; echo "FAIL: pwired exited $rc"; exit 1; }
for _ in $(seq 50); do kill -0 "$helper" 2>/dev/null || break; sleep 0.1; done
kill -0 "$helper" 2>/dev/null && { echo "FAIL: the helper outlived pwired"; exit 1; }
[ "$(grep -c '^\[vm' "$tmp/daemon")" = 1 ] && grep -qx '\[vm1\]' "$tmp/daemon" ||
	{ echo "FAIL: pwired did not end with vm1 alone"; exit 1; }
# Every echo reply since the start came in through the same vm1: a link
# reopened by the reload would have counted from 0 again.
rx=$(awk '$0 == "[vm1]" { f = 1 } f && /^  session:/ {
	for (i = 2; i < NF; i++) if ($i == "rx_packets") { print $(i + 1); exit } }' "$tmp/daemon")
[ "${rx:-0}" -ge $((3 + flood + 3)) ] ||
	{ echo "FAIL: vm1 rx_packets '${rx:-}' < $((3 + flood + 3)): its counters were reset"; exit 1; }
cat "$tmp/daemon.err"
pw_stop
echo "ok: vm2 removed under a ping flood and a TCP stream through vm1 (0 frames lost, counters kept), bad reloads refused, vm3 and vm4 added, changed and removed"
