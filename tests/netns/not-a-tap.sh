#!/bin/bash
# A device that exists and is not a TAP (a veth, a TUN, a bridge, lo) is
# refused before anything changes, naming what it is (it was "Invalid
# argument"), by pwire up and by pwired: exit 2, the device as it was.
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwna$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

run ip netns add "$a"
namespaces+=("$a")
run ip -n "$a" link add pwv0 type veth peer name pwv1
run ip -n "$a" link set pwv0 mtu 1234
run ip netns exec "$a" ip tuntap add mode tun name pwt0
run ip -n "$a" link add pwb0 type bridge
words=(local 127.0.0.1 remote 127.0.0.2 udp_sport 1701 udp_dport 1701 session_id 1 peer_session_id 2)
for dev in "pwv0:is a veth, not a TAP" "pwt0:is a TUN, not a TAP (it carries IP packets, not Ethernet frames)" "pwb0:is a bridge, not a TAP" \
	"lo:is a device of another kind, not a TAP"; do
	name=${dev%%:*} want=${dev#*:}
	rc=0
	ip netns exec "$a" timeout 10 "$PWIRE" up "$name" "${words[@]}" 2>"$tmp/err" || rc=$?
	[ "$rc" = 2 ] && grep -qx "pwire: $name exists and $want" "$tmp/err" ||
		{ cat "$tmp/err"; fail "pwire up $name: exit $rc"; }
done
[ "$(ip -n "$a" -o link show pwv0 | grep -o 'mtu [0-9]*')" = "mtu 1234" ] || fail "pwv0 was changed"
echo "ok: pwire up on a veth, a TUN, a bridge and lo: exit 2, each named, pwv0 unchanged"

printf '[vm1]\nvnic = tap:pwv0\nlocal = 127.0.0.1\nremote = 127.0.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = 1\npeer_session_id = 2\ncookie = 0011223344556677\npeer_cookie = 0011223344556677\n' >"$tmp/pwire.conf"
rc=0
ip netns exec "$a" timeout 10 "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/c.sock" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -qx 'pwire: \[vm1\] vnic tap:pwv0: pwv0 exists and is a veth, not a TAP' "$tmp/err" ||
	{ cat "$tmp/err"; fail "pwired with vnic tap:pwv0: exit $rc"; }
echo "ok: pwired with vnic tap:pwv0: exit 2, named"
