#!/bin/bash
# The kernel fast path follows a route that moves to another device
# (docs/fastpath.md, "Encapsulation"): its programs stay on the first
# underlay, so once the route to the peer leaves by another device they
# pass every frame on to pwire, whose socket follows the route; when the
# route comes back, the kernel carries the frames again.
#
#   ns A                                                    ns B
#   pw0 10.99.0.1                                           pw0 10.99.0.2
#   pwire A (fastpath on), 10.214.9.1 on lo                 pwire B, 10.214.9.2 on lo
#   ul0 10.214.1.1 =============== veth =============== ul0 10.214.1.2
#   ul1 10.214.2.1 =============== veth =============== ul1 10.214.2.2
#
# 1. The route to B over ul0: the programs attach there; pings carried by
#    A's program.
# 2. The route moved to ul1 and ul0 taken down: within a second or two the
#    pings are answered again, every one passed on to pwire (tx_passed,
#    tx_moved), none carried by the program; A's log says where the route
#    went.
# 3. The route back on ul0 (up again): the program carries the pings again,
#    and A's log says so.
set -eu -o pipefail
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwmvA$$ b=pwmvB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

pw_pair "$a" "$b" 10.214.1.1 10.214.1.2 24
run ip -n "$a" link add ul1 type veth peer name ul1 netns "$b"
for ns in "$a" "$b"; do run ip -n "$ns" link set ul1 up; done
run ip -n "$a" addr add 10.214.2.1/24 dev ul1
run ip -n "$b" addr add 10.214.2.2/24 dev ul1
run ip -n "$a" addr add 10.214.9.1/32 dev lo
run ip -n "$b" addr add 10.214.9.2/32 dev lo
run ip -n "$a" route add 10.214.9.2/32 via 10.214.1.2 dev ul0
run ip -n "$b" route add 10.214.9.1/32 via 10.214.1.1 dev ul0

words=(udp_sport 1701 udp_dport 1701 l2spec_type none --json)
pw_start "$a" "$tmp/a" up pw0 local 10.214.9.1 remote 10.214.9.2 session_id 1 \
	peer_session_id 2 fastpath on "${words[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.214.9.2 remote 10.214.9.1 session_id 2 \
	peer_session_id 1 "${words[@]}"
pw_wait_fast "$tmp/a.err" "$a" "$b"
grep -q 'path kernel (TC programs on pw0 and ul0)' "$tmp/a.err" ||
	{ cat "$tmp/a.err"; fail "A's start-up line does not say path kernel on ul0"; }
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0

# fast: A's fastpath counters now (its next JSON report) into ft
# (tx_packets), fp (tx_passed) and fm (tx_moved).
fast() {
	pw_report 0 "$tmp/a"
	read -r ft fp fm < <(python3 -c 'import json, sys
f = json.loads(open(sys.argv[1]).read().splitlines()[-1])["fastpath"]
print(f["tx_packets"], f["tx_passed"], f["tx_moved"])' "$tmp/a")
}
pings() { # COUNT: the count answered
	{ ip netns exec "$a" ping -c "$1" -i 0.2 -W 1 10.99.0.2 || true; } |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
# carried WHAT COUNT: COUNT pings all answered, and what A's program did
# with them: "kernel" (tx_packets grew by COUNT or more, tx_passed by less,
# tx_moved not at all) or "pwire" (tx_passed and tx_moved grew by COUNT or
# more, tx_packets not at all).
carried() {
	local what=$1 n=$2 t0 p0 m0 t1 p1 m1 got
	fast
	t0=$ft p0=$fp m0=$fm
	got=$(pings "$n")
	fast
	t1=$ft p1=$fp m1=$fm
	echo "$n pings: $got answered; A's program: tx_packets +$((t1 - t0)), tx_passed" \
		"+$((p1 - p0)), tx_moved +$((m1 - m0))"
	[ "$got" = "$n" ] || fail "pings lost ($what expected to carry them)"
	case $what in
	kernel) [ $((t1 - t0)) -ge "$n" ] && [ $((p1 - p0)) -lt "$n" ] && [ $((m1 - m0)) = 0 ] ;;
	pwire) [ $((p1 - p0)) -ge "$n" ] && [ $((m1 - m0)) -ge "$n" ] && [ $((t1 - t0)) = 0 ] ;;
	esac || fail "the pings were not carried by $what"
}

echo "== 1. the route over ul0"
carried kernel 5

echo "== 2. the route moved to ul1, ul0 down"
run ip -n "$a" route replace 10.214.9.2/32 via 10.214.2.2 dev ul1
run ip -n "$b" route replace 10.214.9.1/32 via 10.214.2.1 dev ul1
run ip -n "$a" link set ul0 down
sleep 2 # the helper looks once a second
carried pwire 5
grep 'pwire-fastpath: the route to 10.214.9.2 leaves by ul1, not ul0' "$tmp/a.err" ||
	fail "A's log does not say the route moved"

echo "== 3. the route back on ul0"
run ip -n "$a" link set ul0 up
run ip -n "$a" route replace 10.214.9.2/32 via 10.214.1.2 dev ul0
run ip -n "$b" route replace 10.214.9.1/32 via 10.214.1.1 dev ul0
sleep 2
carried kernel 5
grep 'pwire-fastpath: the route to 10.214.9.2 leaves by ul0 again' "$tmp/a.err" ||
	fail "A's log does not say the route came back"
pw_stop
echo "PASS"
