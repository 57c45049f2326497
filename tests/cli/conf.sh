#!/bin/bash
# pwired's configuration: every bad file of tests/bad/conf.txt is refused
# with exit 2 and exactly its expected line; a good file is printed
# normalized, and the normalized text parses back to itself.
set -u
: "${PWIRED:?PWIRED: the pwired binary}" "${TESTS:?TESTS: the tests directory}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 n=0
long=$(printf '%01100d' 0) l196=$(printf '%0196d' 0)

bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# One case of the catalog: its lines into case.conf, run, compare.
check_case() {
	local out rc got
	{
		for l in "${body[@]}"; do
			l=${l//@LONG@/$long}
			printf '%b\n' "${l//@196@/$l196}"
		done
	} >"$T/case.conf"
	out=$(cd "$T" && "$PWIRED" -n -c case.conf 2>"$T/err")
	rc=$?
	got=$(grep -v '^pwire: warning: ' "$T/err")
	n=$((n + 1))
	[ "$rc" = 2 ] || bad "$title: exit $rc, not 2"
	[ -z "$out" ] || bad "$title: printed a configuration"
	[ "$got" = "$expect" ] || bad "$title:"$'\n'"  expected: $expect"$'\n'"  got:      $got"
}

title= expect= body=()
while IFS= read -r line; do
	case $line in
	'### '*)
		[ -n "$title" ] && check_case
		title=${line#'### '} expect= body=() ;;
	'! '*) expect=${line#'! '} ;;
	'#'*) [ -z "$title" ] || body+=("$line") ;;
	*) body+=("$line") ;;
	esac
done <"$TESTS/bad/conf.txt"
[ -n "$title" ] && check_case
[ "$n" -ge 25 ] || bad "only $n bad cases"

# A good file: presets, aliases, comments and the QEMU string become words.
cat >"$T/good.conf" <<'CONF'
; three pseudowires
[vm1]
vnic = tap:pwa1
local = 10.9.0.1
remote = 10.9.0.2
udp_sport = 1701
udp_dport = 1701
session_id = 1
peer_session_id = 2
cookie = 0011223344556677
peer_cookie = 8899aabbccddeeff

# QEMU's -netdev l2tpv3 options, moved unchanged; vnic from the name
[vm2]
qemu = src=10.9.0.1,dst=10.9.0.2,udp=on,srcport=1702,dstport=1702,txsession=12,rxsession=11,counter=on
mtu = 1400   ; an inline comment
[pwa3]
peer = cisco
remote = 2001:db8::2
sid = 0x10
psid = 17
mac = 02:00:00:00:00:03
CONF
# The longest line libinih takes whole (197 bytes): a longer one would be cut
# and its rest read as a line of its own.
printf '; %0195d\n' 0 >>"$T/good.conf"
cat >"$T/want" <<'CONF'
[vm1]
vnic = tap:pwa1
encap = udp
local = 10.9.0.1
remote = 10.9.0.2
udp_sport = 1701
udp_dport = 1701
session_id = 1
peer_session_id = 2
cookie = 0011223344556677
peer_cookie = 8899aabbccddeeff
l2spec_type = default
seq = none
offset = 0
peer_offset = 0
queues = 1
io_uring = off
busy_poll = 0

[vm2]
vnic = tap:vm2
encap = udp
local = 10.9.0.1
remote = 10.9.0.2
udp_sport = 1702
udp_dport = 1702
session_id = 11
peer_session_id = 12
l2spec_type = counter32
seq = send
offset = 0
peer_offset = 0
mtu = 1400
queues = 1
io_uring = off
busy_poll = 0

[pwa3]
vnic = tap:pwa3
encap = ip
local = ::
remote = 2001:db8::2
session_id = 16
peer_session_id = 17
l2spec_type = none
seq = none
offset = 0
peer_offset = 0
mac = 02:00:00:00:00:03
queues = 1
io_uring = off
busy_poll = 0
CONF
"$PWIRED" -n -c "$T/good.conf" >"$T/n1" 2>"$T/err1"
rc=$?
[ "$rc" = 0 ] || bad "good.conf: exit $rc: $(cat "$T/err1")"
diff -u "$T/want" "$T/n1" || bad "good.conf: not the normalized form expected"
grep -q "good.conf:14: \[vm2\] no 64-bit peer_cookie" "$T/err1" ||
	bad "good.conf: no warning about [vm2]'s missing cookie: $(cat "$T/err1")"
"$PWIRED" -n -c "$T/n1" >"$T/n2" 2>/dev/null || bad "the normalized form is refused"
cmp -s "$T/n1" "$T/n2" || bad "the normalized form does not parse back to itself"

# The command line.
"$PWIRED" -h | grep -q '^usage: pwired' || bad "-h prints no usage"
"$PWIRED" -V | grep -qx 'pwired [0-9.]*' || bad "-V prints no version"
"$PWIRED" -c "$T/good.conf" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -q 'pwired -f' "$T/err" || bad "without -f or -n: exit $rc, $(cat "$T/err")"
"$PWIRED" -n -c "$T/absent.conf" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] && grep -qx "pwire: $T/absent.conf: No such file or directory" "$T/err" ||
	bad "a missing file: exit $rc, $(cat "$T/err")"

[ "$fails" = 0 ] || { echo "$fails failures"; exit 1; }
echo "ok: $n bad configurations refused with their line; the normalized form round-trips"
