#!/bin/bash
# pwire <-> a real peer: UML's vector l2tpv3 or QEMU's -netdev l2tpv3, guests
# started by tests/peers/, inside one throw-away network namespace:
#
#   netns pwio$$ (lo: 127.0.0.1, ::1)
#   pw0 10.99.0.1 -- pwire [:17001] <== L2TPv3 ==> [:17002] UML/QEMU guest 10.99.0.2 (echo :7)
#
# Checks: host -> guest ping, guest -> host ping, TCP echo through the guest
# (a line, then 128 KiB compared byte for byte). Skips (exit 77) only when the
# peer script's `check` finds something missing here (no linux.uml, no qemu,
# no kernel image...); a peer that then fails to start is a failure.
# With `fast` (a layout the kernel fast path takes: UDP, no sequence
# numbers), pwire runs with `fastpath on` (docs/fastpath.md): its start-up
# line must say `path kernel` (the underlay is lo: the peer is on this
# host), and both TC programs must have carried frames with no error.
#
# usage: peer.sh uml|qemu udp|udp-c64-ctr|ip|udp6-c32|ip6 [fast]
set -u
: "${PWIRE:?}" "${PEERS:?}"
peer=${1:?} cfg=${2:?} fast=${3:-}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/$peer-peer.sh"
ns=pwio$$

peer_words "$peer" "$cfg"
# Without `fast`, the userspace engine (`auto`, the default, would take
# the kernel path over lo where the layout qualifies: the twins test that).
if [ "$fast" = fast ]; then pw+=(fastpath on --json); else pw+=(fastpath off); fi

run ip netns add "$ns"
run ip -n "$ns" link set lo up
pw_up "${pw[@]}"
run ip -n "$ns" addr add 10.99.0.1/24 dev pw0 || fail "cannot address pw0"
if [ "$fast" = fast ]; then
	grep ' up: ' "$tmp/pwire.err"
	grep -q ', path kernel (TC programs on pw0 and lo)$' "$tmp/pwire.err" ||
		fail "the start-up line does not say path kernel"
fi

timeout=30
[ "$peer" = qemu ] && timeout=150
interop_guest "${peer_args[@]}" --guest-ip 10.99.0.2/24 --echo --timeout $timeout

traffic 10.99.0.1 10.99.0.2
pw_down
if [ "$fast" = fast ]; then
	# The programs carried the traffic both ways (the pings and the echo:
	# well over 10 frames), and the kernel refused none of it.
	tail -n 1 "$tmp/pwire.out" | python3 -c '
import json, sys
f = json.loads(sys.stdin.read()).get("fastpath")
print("fastpath", json.dumps(f))
sys.exit(0 if f and f["tx_packets"] >= 10 and f["rx_packets"] >= 10 and not f["tx_errors"] else 1)' ||
		fail "the fast path did not carry the traffic both ways (counters above)"
fi
echo "PASS: pwire <-> $peer $cfg${fast:+ (fast path)}"
