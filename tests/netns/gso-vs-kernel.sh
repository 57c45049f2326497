#!/bin/bash
# pwire's TCP or UDP segmentation (core/gso.c) against the kernel's own GSO: the
# same super-frames (untagged, one or two VLAN tags, IPv6 extension headers)
# are written into a TAP with a GSO vnet header, bridged out a veth with TSO
# and GSO off (so the kernel segments them in software), and captured on the
# veth's peer; every segment must be byte-identical, none missing or extra.
#
#   netns pwgso$$:  tap (GSO writes) --[br0]-- vA (tso off, gso off) === vB (capture)
#
# usage: gso-vs-kernel.sh tcp|udp   (udp: exit 77 where the kernel has no USO)
set -u
: "${TSO_CUT:?}" "${TESTS:?}"
which=${1:?tcp or udp}
command -v ethtool >/dev/null || { echo "SKIP: ethtool is not installed"; exit 77; }
ns=pwgso$$
trap 'ip netns del "$ns" 2>/dev/null' EXIT
ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
ip -n "$ns" link add br0 type bridge
ip -n "$ns" link add vA type veth peer name vB
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set vA master br0
for l in br0 vA vB; do ip -n "$ns" link set "$l" up; done
ip netns exec "$ns" ethtool -K vA tso off gso off tx-udp-segmentation off tx-checksumming off >/dev/null 2>&1
ip netns exec "$ns" ethtool -K br0 tso off gso off tx-udp-segmentation off >/dev/null 2>&1
ip netns exec "$ns" python3 "$TESTS/netns/gso_vs_kernel.py" "$which" pwgsotap vB "$TSO_CUT"
