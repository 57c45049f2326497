#!/bin/bash
# Every bad command line in tests/bad/cli.txt exits 2 with exactly its
# expected error line on stderr, and leaves no TAP device behind (the whole
# command line is checked before anything is created). Runs in a throw-away
# network namespace so "no device behind" can be checked exactly.
set -u
: "${PWIRE:?PWIRE must name the pwire binary}" "${TESTS:?TESTS must name the tests directory}"
ns=pwbad$$
ip netns add "$ns" || { echo "SKIP: cannot create a network namespace"; exit 77; }
err=$(mktemp)
trap 'ip netns del "$ns" 2>/dev/null; rm -f "$err"' EXIT
fail=0 n=0
while IFS= read -r line; do
	case "$line" in '#'* | '') continue ;; esac
	args=${line%% | *}
	want=${line#* | }
	n=$((n + 1))
	eval "set -- $args"
	got=$(ip netns exec "$ns" timeout 5 "$PWIRE" "$@" 2>&1 >/dev/null)
	rc=$?
	links=$(ip -n "$ns" -o link show | grep -vc ': lo:')
	if [ "$rc" != 2 ] || [ "$got" != "$want" ] || [ "$links" != 0 ]; then
		echo "FAIL: pwire $args"
		echo "  exit $rc (want 2), devices left: $links"
		echo "  got:  $got"
		echo "  want: $want"
		fail=$((fail + 1))
	fi
done <"$TESTS/bad/cli.txt"

# Without CAP_NET_ADMIN the TAP cannot be made: one clear line, exit 1
# (lo up: a route to 127.0.0.1, so no warning that there is none).
ip -n "$ns" link set lo up
want="pwire: cannot open TAP device pwperm0: creating it needs CAP_NET_ADMIN (Operation not permitted): run as root or give pwire the capability (setcap cap_net_admin+ep \$(command -v pwire)); or make it once, as root: ip tuntap add pwperm0 mode tap user 65534"
got=$(ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PWIRE" up pwperm0 remote 127.0.0.1 udp_sport 17999 udp_dport 17998 session_id 1 \
	peer_session_id 2 2>&1 >/dev/null)
rc=$?
n=$((n + 1))
if [ "$rc" != 1 ] || [ "$got" != "$want" ]; then
	echo "FAIL: TAP permission: exit $rc (want 1)"
	echo "  got:  $got"
	echo "  want: $want"
	fail=$((fail + 1))
fi

# RFC 3931 section 8.2: a warning when a pseudowire beyond loopback has no
# 64-bit peer_cookie, none with one. pwire warns before its "DEV up:" line,
# so the count is taken only once that line is out (waited for, 5 s at
# most): a pwire stopped before it got there proves nothing.
warn_of() { # peer_cookie words...: the number of warnings, or "not up"
	local pid err=$err.warn$#  # a file each: nothing of one run in the other's
	ip netns exec "$ns" "$PWIRE" up pwwarn0 remote 192.0.2.2 udp_sport 17999 udp_dport 17998 \
		session_id 1 peer_session_id 2 "$@" 2>"$err" >/dev/null &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^pwire: pwwarn0 up:' "$err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	if grep -q '^pwire: pwwarn0 up:' "$err"; then
		grep -c 'no 64-bit peer_cookie on a pseudowire to 192.0.2.2' "$err"
	else
		echo "not up: $(cat "$err")"
	fi
}
n=$((n + 2))
got=$(warn_of)
[ "$got" = 1 ] || { echo "FAIL: without a cookie: $got warnings, want 1"; fail=$((fail + 1)); }
got=$(warn_of peer_cookie 0011223344556677)
[ "$got" = 0 ] || {
	echo "FAIL: with a 64-bit peer_cookie: $got warnings, want 0; its stderr:"
	cat "$err.warn2"
	fail=$((fail + 1))
}
k1=$("$PWIRE" genkey) k2=$("$PWIRE" genkey)
n=$((n + 1))
if ! [[ $k1 =~ ^[0-9a-f]{16}$ ]] || [ "$k1" = "$k2" ]; then
	echo "FAIL: genkey gave '$k1' then '$k2'"
	fail=$((fail + 1))
fi
echo "$n bad command lines, $fail failed"
[ "$n" -gt 50 ] && [ "$fail" = 0 ]
