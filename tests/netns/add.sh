#!/bin/bash
# pwire add, set and del against a running pwired, under a ping flood
# through a pseudowire they do not touch:
#  - add vm2 on vm1's running socket (it joins it) and vm3 on a port of its
#    own: both carry a ping; still one socket on vm1's port;
#  - set vm2 mtu 1300: reopened with it, pings again;
#  - refusals with their exact replies and exit 1 (a name that runs, a name
#    that does not, a session id taken on the socket, a bad value), usage
#    errors caught by the client (exit 2), pwired still running;
#  - del vm2 and vm3: their TAPs go; 70 add/del rounds of one more on
#    vm1's socket (more than the room it opened with: places are reused);
#  - the flood through vm1 lost nothing, its counters never restarted,
#    pwired CapEff 0 throughout; the flood outlasts the dels.
#
#   netns A                                       netns B
#   pwd1..3 10.96.N.1 -- pwired ==[veth underlay]== pwire up x3 -- pw1..3 10.96.N.2
#                           10.203.0.1                10.203.0.2
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwaa$$ b=pwab$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT

pw_pair "$a" "$b" 10.203.0.1 10.203.0.2 24
conf=$tmp/pwire.conf
cat >"$conf" <<CONF
[vm1]
vnic = tap:pwd1
local = 10.203.0.1
remote = 10.203.0.2
udp_sport = 1801
udp_dport = 1801
session_id = 1
peer_session_id = 101
cookie = 0011223344556611
peer_cookie = 8899aabbccddee11
[vm6]
vnic = tap:pwd6
local = 10.203.0.1
remote = 10.203.0.2
udp_sport = 1806
udp_dport = 1806
session_id = 6
peer_session_id = 106
peer_cookie_file = $tmp/vm6.key
CONF
echo 8899aabbccddee66 >"$tmp/vm6.key"
chmod 600 "$tmp/vm6.key"
echo "+ ip netns exec $a pwired -f -c $conf &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$conf" -s "$tmp/control.sock" >"$tmp/daemon" 2>"$tmp/daemon.err" &
daemon=$!
ctl() { ip netns exec "$a" "$PWIRE" -s "$tmp/control.sock" "$@"; }
# expect_ok WANT CMD...: the reply, exactly.
expect_ok() {
	local want=$1 out rc=0
	shift
	echo "+ pwire $*" >&2
	out=$(ctl "$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ "$out" = "$want" ] ||
		{ cat "$tmp/daemon.err"; echo "FAIL: pwire $*: exit $rc, '$out', want '$want'"; exit 1; }
}
# expect_err RC WANT CMD...: exit RC and WANT on stderr, exactly.
expect_err() {
	local want_rc=$1 want=$2 rc=0
	shift 2
	echo "+ pwire $* (refused)" >&2
	ctl "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want_rc" ] && [ "$(cat "$tmp/err")" = "$want" ] ||
		{ cat "$tmp/err"; echo "FAIL: pwire $*: exit $rc, want $want_rc and '$want'"; exit 1; }
}
# B's end of vmN: its own address and port.
peer() {
	local n=$1
	pw_start "$b" "$tmp/b$n" up "pw$n" local 10.203.0.2 remote 10.203.0.1 udp_sport "180$n" \
		udp_dport "$2" session_id "10$n" peer_session_id "$n" \
		cookie "8899aabbccddee$n$n" peer_cookie "00112233445566$n$n"
}
up() {
	local n=$1
	pw_wait_up "$a" "pwd$n" || { cat "$tmp/daemon.err"; exit 1; }
	pw_wait_up "$b" "pw$n"
	run ip -n "$a" addr add "10.96.$n.1/24" dev "pwd$n"
	ip -n "$b" addr show dev "pw$n" | grep -q "10.96.$n.2/" ||
		run ip -n "$b" addr add "10.96.$n.2/24" dev "pw$n"
	run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "10.96.$n.2"
}
peer 1 1801
up 1

# 1,000 pings in 10 s: longer than every add, set and del below (the
# 70 rounds at the end are not counted on).
ip netns exec "$a" ping -q -c 1000 -i 0.01 -W 2 10.96.1.2 >"$tmp/ping" 2>&1 &
ping=$!
sleep 0.5
# vm2: A's side on vm1's socket (port 1801), to B's port 1802.
words2=(vnic tap:pwd2 local 10.203.0.1 remote 10.203.0.2 udp_sport 1801 udp_dport 1802
	session_id 2 peer_session_id 102 cookie 0011223344556622 peer_cookie 8899aabbccddee22)
expect_ok "ok: add: added vm2; 2 unchanged" add vm2 "${words2[@]}"
expect_ok "ok: add: added vm3; 3 unchanged" add vm3 vnic tap:pwd3 local 10.203.0.1 \
	remote 10.203.0.2 udp_sport 1803 udp_dport 1803 session_id 3 peer_session_id 103 \
	cookie 0011223344556633 peer_cookie 8899aabbccddee33
peer 2 1801
peer 3 1803
up 2
up 3
socks=$(ip netns exec "$a" ss -Huan 'sport = :1801' | wc -l)
[ "$socks" = 1 ] || { ip netns exec "$a" ss -uan; echo "FAIL: $socks sockets on port 1801"; exit 1; }

expect_ok "ok: set: changed vm2; 3 unchanged" set vm2 mtu 1300
ip -n "$a" link show pwd2 | grep -q ' mtu 1300 ' || { echo "FAIL: pwd2 not at mtu 1300"; exit 1; }
# An alias (psid) replaces the key it names; the mtu set before stays.
expect_ok "ok: set: changed vm2; 3 unchanged" set vm2 psid 112
expect_ok "ok: set: changed vm2; 3 unchanged" set vm2 peer_session_id 102
ip -n "$a" link show pwd2 | grep -q ' mtu 1300 ' || { echo "FAIL: pwd2 lost its mtu 1300"; exit 1; }
up 2

# Refused by pwired: exit 1, its one line; nothing changes.
expect_err 1 "error: add refused, the running configuration kept: add: vm2 runs already (set changes it)" \
	add vm2 "${words2[@]}"
expect_err 1 "error: del refused, the running configuration kept: del: vm9 is not running" del vm9
expect_err 1 "error: add refused, the running configuration kept: control:1: [vm4] session_id 1 on 10.203.0.1 port 1801: already the session of [vm1] (line 1)" \
	add vm4 vnic tap:pwd4 local 10.203.0.1 remote 10.203.0.2 udp_sport 1801 udp_dport 1804 \
	session_id 1 peer_session_id 104
expect_err 1 "error: set refused, the running configuration kept: control:1: [vm3] mtu 20 is out of range (68..65473: 65535 less 62 bytes of encapsulation)" \
	set vm3 mtu 20
# Refused by the client, as pwired's parser would: exit 2.
expect_err 2 "pwire: add vm4: no KEY VALUE to add" add vm4
expect_err 2 "pwire: add vm4: cookie_file: pwired reads no file for a client: give the cookie itself" \
	add vm4 cookie_file /etc/shadow
ip -n "$a" link show pwd4 >/dev/null 2>&1 && { echo "FAIL: pwd4 made by a refused add"; exit 1; }

expect_ok "ok: del: removed vm2; 3 unchanged" del vm2
expect_ok "ok: del: removed vm3; 2 unchanged" del vm3
kill -0 "$ping" || { echo "FAIL: the flood ended before the dels: it proves nothing of them"; exit 1; }
# A member's place is taken again when it left: vm1's socket (opened with
# room for 65) takes 70 add/del rounds of vm5.
for i in $(seq 70); do
	out=$(ctl add vm5 vnic tap:pwd5 local 10.203.0.1 remote 10.203.0.2 udp_sport 1801 \
		udp_dport 1805 session_id 5 peer_session_id 105 2>&1) &&
		out=$(ctl del vm5 2>&1) ||
		{ echo "$out"; echo "FAIL: add/del round $i of vm5 on vm1's socket"; exit 1; }
done
for n in 2 3; do
	ip -n "$a" link show "pwd$n" >/dev/null 2>&1 && { echo "FAIL: pwd$n still exists"; exit 1; }
done
# vm6's cookie came from a file, which the helper reads for no client: set
# carries the cookie's digits instead (refused otherwise).
expect_ok "ok: set: changed vm6; 1 unchanged" set vm6 mtu 1300
grep -qx $'CapEff:\t0000000000000000' "/proc/$daemon/status" ||
	{ echo "FAIL: pwired holds capabilities"; exit 1; }

rc=0
wait "$ping" || rc=$?
cat "$tmp/ping"
[ "$rc" = 0 ] && grep -q ' 0% packet loss' "$tmp/ping" ||
	{ echo "FAIL: the flood through vm1 lost pings while vm2 and vm3 came and went"; exit 1; }
run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ "$rc" = 0 ] || { cat "$tmp/daemon.err"; echo "FAIL: pwired exited $rc"; exit 1; }
rx=$(awk '$0 == "[vm1]" { f = 1 } f && /^  session:/ {
	for (i = 2; i < NF; i++) if ($i == "rx_packets") { print $(i + 1); exit } }' "$tmp/daemon")
[ "${rx:-0}" -ge 1003 ] || { echo "FAIL: vm1 rx_packets '${rx:-}' < 1003: its counters restarted"; exit 1; }
grep -q '^pwired: add: added vm2; 2 unchanged$' "$tmp/daemon.err" ||
	{ cat "$tmp/daemon.err"; echo "FAIL: pwired did not log the add"; exit 1; }
pw_stop
echo "ok: vm2 (joining vm1's socket) and vm3 added, vm2 set, both deleted, refusals exact, 1000 pings through vm1 unharmed"
