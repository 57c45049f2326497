#!/bin/bash
# Paste what you have (issue 14): a whole `ip l2tp add tunnel ...` +
# `ip l2tp add session ...` pair, as separate words or as two quoted
# lines, starts the same pseudowire as pwire's own words (the start-up
# line says so), its device named by `name`, or l2tpeth0 as ip l2tp would;
# cookies read from files only their owner may read carry a ping between
# two namespaces, and pwired -n prints such a file's path, never the cookie.
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwpa$$ b=pwpb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; cat "$tmp"/*.err 2>/dev/null; exit 1; }

pw_pair "$a" "$b" 10.213.0.1 10.213.0.2 24

# The start-up line of one pwire up in A (DEV as shown, the rest from "up:").
up_line() { # DEV ARGS...
	local dev=$1 out=$tmp/line.$RANDOM
	shift
	pw_start "$a" "$out" up "$@"
	pw_wait_up "$a" "$dev" || fail "$dev did not come up: $*"
	for _ in $(seq 50); do grep -q "^pwire: $dev up:" "$out.err" && break; sleep 0.1; done
	pw_stop
	grep "^pwire: $dev up:" "$out.err" | sed "s/^pwire: $dev up: //"
}

tunnel='tunnel_id 7 peer_tunnel_id 8 encap udp local 10.213.0.1 remote 10.213.0.2 udp_sport 5000 udp_dport 5001'
session='session_id 10 peer_session_id 20 cookie 0011223344556677 peer_cookie 8899aabbccddeeff l2spec_type none'
# shellcheck disable=SC2086 # the words, split as a shell splits a pasted line
want=$(up_line pwp0 pwp0 $tunnel $session)
[ -n "$want" ] || fail "no start-up line for the plain words"
echo "plain words: $want"
# shellcheck disable=SC2086
got=$(up_line pwp0 ip l2tp add tunnel $tunnel ip l2tp add session name pwp0 tunnel_id 7 $session)
[ "$got" = "$want" ] || fail "pasted as words: '$got'"
got=$(up_line pwp0 "ip l2tp add tunnel $tunnel" "ip l2tp add session name pwp0 tunnel_id 7 $session")
[ "$got" = "$want" ] || fail "pasted as two quoted lines: '$got'"
# shellcheck disable=SC2086
got=$(up_line pwp0 pwp0 l2tp add tunnel $tunnel add session tunnel_id 7 $session)
[ "$got" = "$want" ] || fail "after DEV, with the shorter prefixes: '$got'"
# No name: ip l2tp's (the kernel's) default, l2tpeth0.
got=$(up_line l2tpeth0 "ip l2tp add tunnel $tunnel" "ip l2tp add session tunnel_id 7 $session")
[ "$got" = "$want" ] || fail "without name, as l2tpeth0: '$got'"
echo "ok: the pasted pair in four forms is the same pseudowire"

# Cookies from files: A reads both, B has them as words; a ping crosses.
key=$tmp/keys
mkdir -m 700 "$key"
(umask 077 && echo 0011223344556677 >"$key/tx" && printf '8899aabbccddeeff\n\n' >"$key/rx")
pw_start "$a" "$tmp/a" up pwc0 local 10.213.0.1 remote 10.213.0.2 udp_sport 1701 udp_dport 1701 \
	session_id 1 peer_session_id 2 cookie_file "$key/tx" peer_cookie_file "$key/rx"
pw_start "$b" "$tmp/b" up pwc0 local 10.213.0.2 remote 10.213.0.1 udp_sport 1701 udp_dport 1701 \
	session_id 2 peer_session_id 1 cookie 8899aabbccddeeff peer_cookie 0011223344556677
pw_wait_up "$a" pwc0 && pw_wait_up "$b" pwc0 || fail "the cookie_file pair did not come up"
ip -n "$a" addr add 10.95.0.1/24 dev pwc0
ip -n "$b" addr add 10.95.0.2/24 dev pwc0
ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.95.0.2 >/dev/null || fail "no ping with cookie files"
pw_stop
grep -q 'cookie 8 bytes out 8 in' "$tmp/a.err" || fail "A's start-up line has no 8-byte cookies"
echo "ok: cookies from files (mode 0600) carry a ping"

# Readable by the group: refused before anything is made, naming the file.
chmod 640 "$key/tx"
err=$(ip netns exec "$a" timeout 5 "$PWIRE" up pwc1 remote 10.213.0.2 udp_sport 1702 udp_dport 1702 \
	session_id 1 peer_session_id 2 cookie_file "$key/tx" 2>&1 >/dev/null) && rc=0 || rc=$?
[ "$rc" = 2 ] && [ "$err" = "pwire: cookie_file $key/tx: group or others have access to it (mode 0640): chmod 600 it" ] ||
	fail "a 0640 cookie_file: exit $rc, '$err'"
! ip -n "$a" link show pwc1 >/dev/null 2>&1 || fail "pwc1 was made"
chmod 600 "$key/tx"
echo "ok: a cookie_file others may read is refused: $err"

# pwired -n: the path as given, never the secret.
cat >"$tmp/pw.conf" <<CONF
[vm1]
remote = 10.213.0.2
udp_sport = 1703
udp_dport = 1703
session_id = 1
peer_session_id = 2
cookie_file = $key/tx
peer_cookie_file = $key/rx
CONF
out=$("$PWIRED" -n -c "$tmp/pw.conf" 2>"$tmp/conf.err") || fail "pwired -n refused the file"
grep -qx "cookie_file = $key/tx" <<<"$out" && grep -qx "peer_cookie_file = $key/rx" <<<"$out" ||
	fail "pwired -n does not print the cookie_file keys: $out"
if grep -Eq '0011223344556677|8899aabbccddeeff' - "$tmp/conf.err" <<<"$out"; then
	fail "pwired -n printed a cookie: $out"
fi
echo "ok: pwired -n prints cookie_file = $key/tx, no cookie"
