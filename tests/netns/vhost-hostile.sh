#!/bin/bash
# A hostile vhost-user front end against one pwire (docs/vhost-user.md
# section 5, test 10): tests/netns/vu_front.py connects to pwire's socket in
# QEMU's place, once per scenario: messages against the request table (size,
# fds, flags, requests unknown or not offered, features, memory tables,
# ring addresses and sizes, a message cut off, a 4 GiB payload, a second
# front end) and rings broken after a valid set-up (a descriptor outside
# memory, a loop, bad indexes, indirect tables, a write-only descriptor on
# the TX ring, avail->idx jumping, a zero length). After each: the
# connection closed by pwire, pwire alive, one "guest gone: REASON" line
# naming the fault, and its counters moved by exactly connects,
# disconnects and the scenario's own counter. Then an honest front end
# (no QEMU) carries a frame each way through the same pwire.
#
#   netns pwvuh$$ (lo only)
#   vu_front.py =vhost-user $out/vm.sock= pwire [127.0.0.1:17001]
#     <== L2TPv3/UDP ==> 127.0.0.1:17002 vu_front.py (the peer)
set -eu
: "${PWIRE:?}" "${TESTS:?}"
ns=pwvuh$$
out=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
run() { echo "+ $*" >&2; "$@"; }
fail() {
	echo "FAIL: $*"
	echo "--- pwire's log:"
	cat "$out/stderr"
	exit 1
}

run ip netns add "$ns"
run ip -n "$ns" link set lo up
sock=$out/vm.sock
set -- ip netns exec "$ns" "$PWIRE" up "vhost-user:$sock" local 127.0.0.1 remote 127.0.0.1 \
	udp_sport 17001 udp_dport 17002 session_id 1 peer_session_id 2 l2spec_type none --json
echo "+ $* &" >&2
"$@" >"$out/counters" 2>"$out/stderr" &
pid=$!
for _ in $(seq 50); do
	[ -S "$sock" ] && grep -q ' up: ' "$out/stderr" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -S "$sock" ] || fail "pwire made no socket $sock within 5 s"

rc=0
run ip netns exec "$ns" python3 "$TESTS/netns/vu_front.py" "$sock" "$pid" "$out/counters" \
	"$out/stderr" || rc=$?
kill -0 "$pid" 2>/dev/null || fail "pwire is gone"
kill -INT "$pid"
prc=0
wait "$pid" || prc=$?
pid=
[ "$rc" = 0 ] || fail "vu_front.py: a scenario failed"
[ "$prc" = 0 ] || fail "pwire exited $prc"
grep -c ': guest gone: ' "$out/stderr" | sed 's/^/guest gone lines: /'
echo "pwire's last counters: $(tail -n 1 "$out/counters")"
echo "PASS: pwire survived every hostile front end and served the honest one"
