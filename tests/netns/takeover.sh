#!/bin/bash
# Port takeover: while a ping runs through a pwire pair, an unprivileged user
# (uid 65534) on B's host binds B's underlay address and UDP port with
# SO_REUSEADDR, then SO_REUSEPORT, then both, then the wildcard address with
# SO_REUSEADDR. Each bind must fail, or the socket must receive nothing; every
# ping must come back. Does not depend on pwire's own user: the kernel checks
# the sockets' owner, the user that created them.
#
#   netns A                                   netns B
#   pw0 10.99.0.1 -- pwire ==[veth underlay]== pwire -- pw0 10.99.0.2
#                   UA:1701                    UB:1701 <-- uid 65534 binds UB:1701
#
# usage: takeover.sh QUEUES(1|2) AF(4|6)
set -eu
: "${PWIRE:?}"
queues=${1:?} af=${2:?}
a=pwtoA$$ b=pwtoB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is not installed"; exit 77; }
py=/usr/bin/python3 # not a per-user shim: uid 65534 must be able to run it

if [ "$af" = 4 ]; then ua=10.205.0.1 ub=10.205.0.2 plen=24 any=0.0.0.0
else ua=fd00:205::1 ub=fd00:205::2 plen=64 any=::; fi
pw_pair "$a" "$b" "$ua" "$ub" "$plen"
common=(udp_sport 1701 udp_dport 1701 queues "$queues" --json)
pw_start "$a" "$tmp/a" up pw0 local "$ua" remote "$ub" session_id 1 peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local "$ub" remote "$ua" session_id 2 peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null
# The attacker (read from stdin: $tmp is root's alone): bind ADDR:1701 with
# the options, report on stdout, then count what it receives for 2 s.
cat >"$tmp/attacker.py" <<'PY'
import os, select, socket, sys, time
addr, opts = sys.argv[1], sys.argv[2].split("+")
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
for o in opts:
    s.setsockopt(socket.SOL_SOCKET, {"reuseaddr": socket.SO_REUSEADDR,
                                     "reuseport": socket.SO_REUSEPORT}[o], 1)
try:
    s.bind((addr, 1701))
except OSError as e:
    print(f"uid {os.getuid()}: bind refused ({e.strerror})")
    sys.exit(0)
print(f"uid {os.getuid()}: bound", flush=True)
got, end = 0, time.monotonic() + 2
while (left := end - time.monotonic()) > 0:
    if select.select([s], [], [], left)[0]:
        s.recv(65536)
        got += 1
print(f"received {got} datagrams")
PY

fail=0
for try in "$ub reuseaddr" "$ub reuseport" "$ub reuseaddr+reuseport" "$any reuseaddr"; do
	set -- $try
	rep=$tmp/report-$2-${1//:/_}
	echo "+ ip netns exec $b setpriv --reuid 65534 ... attacker.py $1 $2 &" >&2
	ip netns exec "$b" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$py" - "$1" "$2" <"$tmp/attacker.py" >"$rep" &
	attacker=$!
	for _ in $(seq 50); do [ -s "$rep" ] && break; sleep 0.1; done
	[ -s "$rep" ] || { echo "FAIL: the attacker did not report"; exit 1; }
	if ! run ip netns exec "$a" ping -c 10 -i 0.1 -W 1 10.99.0.2 >"$tmp/ping"; then
		echo "FAIL: ping lost while uid 65534 held $1:1701 with $2"
		fail=1
	fi
	wait "$attacker"
	grep -E 'transmitted' "$tmp/ping"
	echo "attacker $1 $2: $(tr '\n' ' ' <"$rep")"
	if grep -q bound "$rep" && ! grep -q '^received 0 ' "$rep"; then
		echo "FAIL: uid 65534 received pwire's datagrams on $1:1701 with $2"
		fail=1
	fi
done
[ "$fail" = 0 ] || exit 1
pw_stop
echo "no bind took the port over"
