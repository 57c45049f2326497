#!/bin/bash
# Without `mtu`, a TAP pwire makes gets the MTU of the route to `remote`
# less the encapsulation (as wg-quick sizes its device), not 1500 less it:
# over a 1400-byte underlay a full-size frame crosses in one datagram, with
# no IP fragment on the underlay. `mtu N` too big for the route is said in
# one line with both numbers; so is a remote with no route (1500 assumed).
# pwired gives each section the same default.
#
#   A: pw0 10.97.0.1 [pwire] ul0 10.211.0.1 --veth mtu 1400-- ul0 10.211.0.2 [pwire] pw0 10.97.0.2 :B
#      (A also routes 10.212.0.2 over ul0 with `mtu 1280` on the route)
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwra$$ b=pwrb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

# UDP over IPv4, 8-byte cookies, the default sublayer: outer IPv4 20 + UDP 8
# + L2TPv3 session header 8 (RFC 3931 4.1.2.2) + cookie 8 + sublayer 4
# (RFC 4719 4.6) + inner Ethernet 14.
overhead=$((20 + 8 + 8 + 8 + 4 + 14))
want=$((1400 - overhead)) # 1338
pw_pair "$a" "$b" 10.211.0.1 10.211.0.2 24
for ns in "$a" "$b"; do run ip -n "$ns" link set ul0 mtu 1400; done
words=(udp_sport 1701 udp_dport 1701 session_id 1 peer_session_id 1
	cookie 0011223344556677 peer_cookie 0011223344556677)
pw_start "$a" "$tmp/a" up pw0 local 10.211.0.1 remote 10.211.0.2 "${words[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.211.0.2 remote 10.211.0.1 "${words[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
for ns in "$a" "$b"; do
	got=$(ip -n "$ns" -o link show pw0 | grep -o 'mtu [0-9]*')
	[ "$got" = "mtu $want" ] || fail "pw0 in $ns has $got, want mtu $want (1400 less $overhead)"
done
for _ in $(seq 50); do grep -q ' up: ' "$tmp/a.err" && break; sleep 0.1; done
grep -q ", mtu $want, queues 1" "$tmp/a.err" || { cat "$tmp/a.err"; fail "the start-up line does not say mtu $want"; }
! grep -q warning "$tmp/a.err" || { cat "$tmp/a.err"; fail "a warning where everything fits"; }
echo "ok: pw0 has mtu $want on both sides (the route's 1400 less $overhead)"

run ip -n "$a" addr add 10.97.0.1/24 dev pw0
run ip -n "$b" addr add 10.97.0.2/24 dev pw0
# Fragments the underlay's IPv4 made (FragCreates, found by name: newer
# kernels add columns after it).
frag() {
	ip netns exec "$a" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "FragCreates") c = i; h = 1 } else { print $c + 0 } }' /proc/net/snmp
}
before=$(frag)
# Full-size frames (ICMP payload = MTU less IPv4 20 and ICMP 8), DF set.
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q -M do -s $((want - 28)) 10.97.0.2 >/dev/null ||
	fail "no full-size ping through the pseudowire"
after=$(frag)
[ "$after" = "$before" ] || fail "the underlay fragmented $((after - before)) datagrams"
echo "ok: full-size pings (-M do -s $((want - 28))) cross in whole datagrams (FragCreates $before, $after)"
pw_stop

# mtu 1446 cannot fit: one line naming both numbers (and what fits).
pw_start "$a" "$tmp/big" up pw0 local 10.211.0.1 remote 10.211.0.2 "${words[@]}" mtu 1446
pw_wait_up "$a" pw0
line="pwire: warning: pw0: mtu 1446 makes outer packets of up to $((1446 + overhead)) bytes, but the route to 10.211.0.2 (dev ul0) takes 1400: they would be fragmented (mtu $want fits)"
grep -qxF "$line" "$tmp/big.err" || { cat "$tmp/big.err"; fail "no warning for mtu 1446 over 1400"; }
pw_stop
echo "ok: mtu 1446 over a 1400-byte route: $line"

# The route's own mtu wins over the device's.
run ip -n "$a" route add 10.212.0.2/32 dev ul0 mtu 1280
pw_start "$a" "$tmp/rt" up pw0 remote 10.212.0.2 "${words[@]}"
pw_wait_up "$a" pw0
got=$(ip -n "$a" -o link show pw0 | grep -o 'mtu [0-9]*')
pw_stop
[ "$got" = "mtu $((1280 - overhead))" ] || { cat "$tmp/rt.err"; fail "a route with mtu 1280 gave $got"; }
echo "ok: a route with mtu 1280 gives $got"

# No route: said, and the 1500-byte underlay assumed.
pw_start "$a" "$tmp/none" up pw0 remote 198.51.100.9 "${words[@]}"
pw_wait_up "$a" pw0
got=$(ip -n "$a" -o link show pw0 | grep -o 'mtu [0-9]*')
pw_stop
line="pwire: warning: pw0: cannot find the route to 198.51.100.9 (Network is unreachable): mtu $((1500 - overhead)) assumes a 1500-byte underlay"
grep -qxF "$line" "$tmp/none.err" && [ "$got" = "mtu $((1500 - overhead))" ] ||
	{ cat "$tmp/none.err"; fail "no route: $got"; }
echo "ok: no route: $line"

# pwired: the same default, per section.
printf '[vm1]\nvnic = tap:pw1\nlocal = 10.211.0.1\nremote = 10.211.0.2\nudp_sport = 1702\nudp_dport = 1702\nsession_id = 2\npeer_session_id = 2\ncookie = 0011223344556677\npeer_cookie = 0011223344556677\n' >"$tmp/pwire.conf"
echo "+ ip netns exec $a pwired -f -c $tmp/pwire.conf &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/c.sock" >"$tmp/d" 2>"$tmp/d.err" &
pids+=($!)
for _ in $(seq 50); do grep -q ' up: ' "$tmp/d.err" && break; sleep 0.1; done
got=$(ip -n "$a" -o link show pw1 | grep -o 'mtu [0-9]*') || true
pw_stop
grep -q "^pwired: \[vm1\] pw1 up: .*, mtu $want, queues 1" "$tmp/d.err" && [ "$got" = "mtu $want" ] ||
	{ cat "$tmp/d.err"; fail "pwired's [vm1]: $got"; }
echo "ok: pwired's section gets mtu $want too"
