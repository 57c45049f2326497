#!/bin/bash
# pwire <-> Linux's own L2TPv3 (l2tp_eth), in a QEMU guest booting Debian's
# kernel (this host's kernel may have no l2tp at all). One guest, one
# throw-away namespace, every configuration in turn:
#
#   netns pwlx$$
#   pw0 10.99.N.1 -- pwire                     QEMU guest (tests/peers/qemu-peer.sh --tap)
#     kt0 10.231.0.1, fd31::1  <== TAP ==>  eth0 10.231.0.2, fd31::2
#                   <===== L2TPv3 =====>  ip l2tp tunnel N, session l2eN 10.99.N.2 (echo :7)
#
# For each configuration: pwire up, `ip l2tp add tunnel` + `add session` in
# the guest with the mirror-image words, both ends at pwire's MTU; ping both
# ways, TCP echo of a line and of 128 KiB; then both ends are taken down.
# Skips (exit 77) only when qemu-peer.sh check finds something missing here.
#
# usage: linux.sh [CONFIG...]   (default: all)
#   udp4 udp6 ip4 ip6   encapsulation and underlay family (l2spec default)
#   udp4-c4 ip6-c8      4- and 8-byte cookies
#   udp6-seq            seq both (numbered and checked both ways)
#   ip4-none            l2spec_type none
set -u
: "${PWIRE:?}" "${PEERS:?}"
all=(udp4 udp6 ip4 ip6 udp4-c4 ip6-c8 udp6-seq ip4-none)
[ $# -gt 0 ] && configs=("$@") || configs=("${all[@]}")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/qemu-peer.sh" --tap
ns=pwlx$$
gip=/usr/local/sbin/ip

run ip netns add "$ns"
run ip -n "$ns" link set lo up
interop_guest --tap kt0 --guest-ip 10.231.0.2/24 --guest-ip fd31::2/64 --echo --timeout 150
run ip -n "$ns" addr add 10.231.0.1/24 dev kt0
run ip -n "$ns" addr add fd31::1/64 dev kt0 nodad
run ip -n "$ns" link set kt0 up

# guest CMD: run CMD in the guest, show it and what it printed.
guest() {
	echo "+ guest: $1" >&2
	"$script" exec "$rundir" --timeout 20 -- "$1"
}

n=0
for cfg in "${configs[@]}"; do
	n=$((n + 1))
	echo "=== linux $cfg"
	host=10.231.0.1 peer=10.231.0.2
	case $cfg in *6*) host=fd31::1 peer=fd31::2 ;; esac
	encap=${cfg%%[46]*}
	port=$((1700 + n))
	pw=(encap "$encap" local "$host" remote "$peer" session_id 10 peer_session_id 20)
	tunnel="tunnel_id $n peer_tunnel_id $n encap $encap local $peer remote $host"
	session="name l2e$n tunnel_id $n session_id 20 peer_session_id 10"
	if [ "$encap" = udp ]; then
		pw+=(udp_sport "$port" udp_dport "$port")
		tunnel+=" udp_sport $port udp_dport $port"
	fi
	case $cfg in
	udp4 | udp6 | ip4 | ip6) ;;
	*-c4) pw+=(cookie 0a0b0c0d peer_cookie 01020304); session+=" cookie 01020304 peer_cookie 0a0b0c0d" ;;
	*-c8)
		pw+=(cookie 1122334455667788 peer_cookie 8877665544332211)
		session+=" cookie 8877665544332211 peer_cookie 1122334455667788" ;;
	*-seq) pw+=(seq both); session+=" seq both" ;;
	*-none) pw+=(l2spec_type none); session+=" l2spec_type none" ;;
	*) fail "unknown configuration $cfg" ;;
	esac

	pw_up "${pw[@]}"
	run ip -n "$ns" addr add "10.99.$n.1/24" dev pw0 || fail "cannot address pw0"
	mtu=$(ip -n "$ns" -o link show pw0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	guest "$gip l2tp add tunnel $tunnel && $gip l2tp add session $session &&
		$gip link set l2e$n mtu $mtu up && $gip addr add 10.99.$n.2/24 dev l2e$n" ||
		fail "ip l2tp in the guest"
	traffic "10.99.$n.1" "10.99.$n.2"
	guest "$gip -s link show l2e$n; $gip l2tp del session tunnel_id $n session_id 20 &&
		$gip l2tp del tunnel tunnel_id $n" || fail "ip l2tp del in the guest"
	pw_down
	echo "PASS: pwire <-> linux $cfg"
done
echo "PASS: pwire <-> linux l2tp_eth: ${configs[*]}"
