#!/bin/bash
# A device name pattern (pwp%d) or an empty name (the kernel's tap%d) is
# resolved by the kernel; pwire names the device it got everywhere (the
# start-up line, the counters), and with two queues both join that one
# device rather than making a second.
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwpa$$ b=pwpb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; cat "$tmp"/*.err 2>/dev/null; exit 1; }

pw_pair "$a" "$b" 10.217.0.1 10.217.0.2 24
words=(local 10.217.0.1 remote 10.217.0.2 udp_sport 1701 udp_dport 1701 session_id 1 peer_session_id 2)
pw_start "$a" "$tmp/p" up 'pwp%d' "${words[@]}" queues 2
pw_wait_up "$a" pwp0 || fail "no pwp0"
ip -n "$a" link show pwp1 >/dev/null 2>&1 && fail "queue 1 made a second device, pwp1"
for _ in $(seq 30); do grep -q ' up: ' "$tmp/p.err" && break; sleep 0.1; done
grep -q '^pwire: pwp0 up: ' "$tmp/p.err" || fail "the start-up line does not name pwp0"
pw_stop
grep -q '^pwp0: session_id 1' "$tmp/p" || fail "the counters do not name pwp0"
pw_start "$a" "$tmp/e" up '' "${words[@]}"
pw_wait_up "$a" tap0 || fail "no tap0"
for _ in $(seq 30); do grep -q ' up: ' "$tmp/e.err" && break; sleep 0.1; done
grep -q '^pwire: tap0 up: ' "$tmp/e.err" || fail "the start-up line does not name tap0"
pw_stop
echo "ok: pwp%d became pwp0 (both queues on it), '' became tap0, each named as made"
