#!/bin/bash
# A device pwire makes gets the same MAC at every start (a restart used to
# cost a 20-40 s outage while the far side's ARP entry pointed at the old
# random one); the two ends of a pair get different ones; `mac random` gives
# a new one each start; a TAP that exists keeps its own.
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwma$$ b=pwmb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

pw_pair "$a" "$b" 10.213.0.1 10.213.0.2 24
mac() { ip -n "$1" -j link show "$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])'; }
# start NS ARGS...: pwire up pw0 with ARGS in NS until up; stop: SIGINT.
start() {
	local ns=$1 local=$2 remote=$3
	shift 3
	pw_start "$ns" "$tmp/$ns" up pw0 local "$local" remote "$remote" udp_sport 1701 udp_dport 1701 \
		session_id 1 peer_session_id 1 "$@"
	pw_wait_up "$ns" pw0
}
start "$a" 10.213.0.1 10.213.0.2
start "$b" 10.213.0.2 10.213.0.1
ma=$(mac "$a" pw0) mb=$(mac "$b" pw0)
pw_stop
start "$a" 10.213.0.1 10.213.0.2
ma2=$(mac "$a" pw0)
pw_stop
echo "A: $ma then $ma2; B: $mb"
[ "$ma" = "$ma2" ] || fail "A's MAC changed across a restart"
[ "$ma" != "$mb" ] || fail "both ends got one MAC"
[ $((0x${ma%%:*} & 3)) = 2 ] || fail "$ma is not locally administered unicast"
start "$a" 10.213.0.1 10.213.0.2 mac random
r1=$(mac "$a" pw0)
pw_stop
start "$a" 10.213.0.1 10.213.0.2 mac random
r2=$(mac "$a" pw0)
pw_stop
echo "mac random: $r1 then $r2"
[ "$r1" != "$r2" ] && [ "$r1" != "$ma" ] || fail "mac random gave $r1 and $r2"
run ip netns exec "$a" ip tuntap add mode tap name pw0
run ip -n "$a" link set pw0 address 02:11:22:33:44:55
start "$a" 10.213.0.1 10.213.0.2
mine=$(mac "$a" pw0)
pw_stop
[ "$mine" = 02:11:22:33:44:55 ] || fail "an existing TAP's MAC was changed to $mine"
echo "ok: stable across restarts, distinct per end, random on request, an existing TAP's kept"
