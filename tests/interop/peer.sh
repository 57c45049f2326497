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
#
# usage: peer.sh uml|qemu udp|udp-c64-ctr|ip|udp6-c32|ip6
set -u
: "${PWIRE:?}" "${PEERS:?}"
peer=${1:?} cfg=${2:?}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/$peer-peer.sh"
ns=pwio$$

peer_words "$peer" "$cfg"

run ip netns add "$ns"
run ip -n "$ns" link set lo up
pw_up "${pw[@]}"
run ip -n "$ns" addr add 10.99.0.1/24 dev pw0 || fail "cannot address pw0"

timeout=30
[ "$peer" = qemu ] && timeout=150
interop_guest "${peer_args[@]}" --guest-ip 10.99.0.2/24 --echo --timeout $timeout

traffic 10.99.0.1 10.99.0.2
pw_down
echo "PASS: pwire <-> $peer $cfg"
