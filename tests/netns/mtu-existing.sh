#!/bin/bash
# An existing TAP (an administrator's, `ip tuntap add`) keeps its MTU when
# no `mtu` is given, during and after pwire (pwire up used to set 1446 and
# leave it so); with `mtu N` it has N while pwire runs and its own MTU again
# once pwire has exited, by SIGINT or by SIGKILL. pwire's frame buffers are
# those of the MTU in use: with a kept MTU of 2000, above the 1446 pwire
# would have chosen and the 1500 its buffers hold at least, full-size frames
# cross (none is rx_too_big); that it does not fit the route is said.
#
#   A: pw0 (ip tuntap, mtu 1300) [pwire] ul0 10.214.0.1 --veth-- ul0 10.214.0.2 [pwire] pw0 :B
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwea$$ b=pweb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

mtu() { ip -n "$1" -o link show pw0 | grep -o 'mtu [0-9]*'; }
# start NS NAME ARGS...: pwire up pw0 in NS until its start-up line is out.
start() {
	local ns=$1 out=$2 local=10.214.0.1 remote=10.214.0.2 _
	shift 2
	[ "$ns" = "$a" ] || { local=10.214.0.2 remote=10.214.0.1; }
	pw_start "$ns" "$tmp/$out" up pw0 local "$local" remote "$remote" udp_sport 1701 \
		udp_dport 1701 session_id 1 peer_session_id 1 "$@"
	for _ in $(seq 50); do grep -q ' up: ' "$tmp/$out.err" && return 0; sleep 0.1; done
	cat "$tmp/$out.err"
	fail "pwire up $* did not start"
}
# settle NS WANT: the MTU of NS's pw0 becomes WANT within 2 s.
settle() {
	local _
	for _ in $(seq 20); do [ "$(mtu "$1")" = "mtu $2" ] && return 0; sleep 0.1; done
	return 1
}

pw_pair "$a" "$b" 10.214.0.1 10.214.0.2 24
run ip netns exec "$a" ip tuntap add mode tap name pw0
run ip -n "$a" link set pw0 mtu 1300

start "$a" keep
[ "$(mtu "$a")" = "mtu 1300" ] || fail "without mtu, pw0 runs with $(mtu "$a"), not its own 1300"
grep -q ', mtu 1300, queues 1' "$tmp/keep.err" || { cat "$tmp/keep.err"; fail "the start-up line does not say mtu 1300"; }
pw_stop
[ "$(mtu "$a")" = "mtu 1300" ] || fail "after pwire, pw0 has $(mtu "$a")"
echo "ok: without mtu, pw0 keeps its 1300, during and after"

start "$a" set mtu 1200
[ "$(mtu "$a")" = "mtu 1200" ] || fail "with mtu 1200, pw0 runs with $(mtu "$a")"
pw_stop
settle "$a" 1300 || fail "after pwire with mtu 1200, pw0 has $(mtu "$a"), not its 1300"
echo "ok: with mtu 1200, pw0 has 1200 while pwire runs and 1300 again after SIGINT"

start "$a" kill mtu 1200
[ "$(mtu "$a")" = "mtu 1200" ] || fail "with mtu 1200, pw0 runs with $(mtu "$a")"
run kill -KILL "${pids[0]}"
wait "${pids[0]}" || true
pids=()
settle "$a" 1300 || fail "after SIGKILL, pw0 has $(mtu "$a"), not its 1300"
echo "ok: and 1300 again after SIGKILL"

# A kept MTU above what pwire's buffers hold by default (1500): they follow
# it. It does not fit the route, which is said.
run ip -n "$a" link set pw0 mtu 2000
start "$a" big --json
start "$b" bigb --json mtu 2000
line="pwire: warning: pw0: mtu 2000 (the device's own) makes outer packets of up to 2054 bytes, but the route to 10.214.0.2 (dev ul0) takes 1500: they would be fragmented (mtu 1446 fits)"
grep -qxF "$line" "$tmp/big.err" || { cat "$tmp/big.err"; fail "no warning for a kept mtu 2000 over 1500"; }
run ip -n "$a" addr add 10.98.0.1/24 dev pw0
run ip -n "$b" addr add 10.98.0.2/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q -M do -s 1972 10.98.0.2 >/dev/null ||
	{ pw_stop; cat "$tmp/big"; fail "no 2000-byte ping over a kept mtu 2000"; }
pw_stop
python3 - "$tmp/big" <<'PY' || fail "A counted frames too big for its buffers"
import json, sys
c = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print("A: vnic", c["vnic"], "rx_packets", c["session"]["rx_packets"])
sys.exit(0 if c["vnic"]["rx_too_big"] == 0 and c["session"]["rx_packets"] >= 3 else 1)
PY
[ "$(mtu "$a")" = "mtu 2000" ] || fail "after pwire, pw0 has $(mtu "$a")"
echo "ok: a kept mtu 2000 (said not to fit the route): 2000-byte pings cross, rx_too_big 0"
