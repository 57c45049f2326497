#!/bin/bash
# pwired -g GROUP: the control socket is mode 0660 and GROUP's, and a member
# of GROUP (by its primary group or a supplementary one) may use it; anyone
# else is stopped by the file mode, and, with the mode widened, by the
# SO_PEERCRED check (an error reply naming the group).
set -eu
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) is not installed"; exit 77; }
a=pwga$$ b=pwgb$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=''
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT
fail() { echo "FAIL: $*"; cat "$tmp/daemon.err" 2>/dev/null; exit 1; }
group=54320 other=54321

pw_pair "$a" "$b" 10.208.0.1 10.208.0.2 24
chmod 755 "$tmp"
printf '[vm1]\nvnic = tap:pwg1\nlocal = 10.208.0.1\nremote = 10.208.0.2\nudp_sport = 1701\nudp_dport = 1701\nsession_id = 1\npeer_session_id = 2\ncookie = 00112233445566aa\npeer_cookie = 00112233445566bb\n' >"$tmp/pwire.conf"
sock=$tmp/control.sock
echo "+ ip netns exec $a pwired -f -c $tmp/pwire.conf -s $sock -g $group &" >&2
ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$sock" -g "$group" \
	>"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "no control socket"
[ "$(stat -c '%a %g' "$sock")" = "660 $group" ] || fail "socket is $(stat -c '%a %g' "$sock"), not 660 $group"
echo "ok: the socket is mode 660, group $group"

# client ARGS...: pwire show as uid $other with setpriv ARGS; rc in $rc.
client() {
	rc=0
	setpriv --reuid $other "$@" "$PWIRE" -s "$sock" show >"$tmp/o" 2>"$tmp/e" || rc=$?
}
client --regid $other --groups $group
[ "$rc" = 0 ] && grep -q '^vm1: ' "$tmp/o" || { cat "$tmp/e"; fail "a supplementary member was refused (rc $rc)"; }
client --regid $group --clear-groups
[ "$rc" = 0 ] && grep -q '^vm1: ' "$tmp/o" || { cat "$tmp/e"; fail "a primary member was refused (rc $rc)"; }
echo "ok: members by supplementary and by primary group answered"
# A member may show and reload, not have root's helper make a TAP: add,
# set and del are root's alone.
rc=0
setpriv --reuid $other --regid $other --groups $group "$PWIRE" -s "$sock" add vm9 \
	vnic tap:pwg9 remote 127.0.0.1 udp_sport 1799 udp_dport 1799 session_id 9 \
	peer_session_id 9 >"$tmp/o" 2>"$tmp/e" || rc=$?
[ "$rc" = 1 ] && grep -qx "error: add: only root may add, set or del a pseudowire" "$tmp/e" ||
	{ cat "$tmp/e"; fail "a member's add: rc $rc"; }
ip -n "$a" link show pwg9 >/dev/null 2>&1 && fail "a member's add made pwg9"
echo "ok: a member's add refused"
client --regid $other --clear-groups
[ "$rc" = 1 ] && [ ! -s "$tmp/o" ] || fail "a non-member got a reply (rc $rc)"
chmod 0666 "$sock"
client --regid $other --clear-groups
[ "$rc" = 1 ] && [ ! -s "$tmp/o" ] || fail "a non-member got a reply through a widened mode (rc $rc)"
grep -qx "error: permission denied: uid $other is not root or uid [0-9]* or in group $group" "$tmp/e" ||
	{ cat "$tmp/e"; fail "no permission error naming the group"; }
echo "ok: a non-member refused by the mode, and by SO_PEERCRED when the mode is widened"

rc=0
ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$tmp/c2.sock" -g no-such-group-here \
	>/dev/null 2>"$tmp/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad value for -g: 'no-such-group-here' (no such group)" "$tmp/bad.err" ||
	{ cat "$tmp/bad.err"; fail "-g no-such-group-here: exit $rc"; }
echo "ok: an unknown group is a usage error"
run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=''
[ "$rc" = 0 ] || fail "pwired exited $rc"
