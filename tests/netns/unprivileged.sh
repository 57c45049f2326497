#!/bin/bash
# Without root: on a TAP the user owns (`ip tuntap add pw0 mode tap user
# 65534`, brought up), `pwire up pw0` run as uid 65534 changes nothing that
# needs CAP_NET_ADMIN, runs (no capabilities, NoNewPrivs, the system-call
# filter) and carries pings; it used to fail setting the MTU. What does need
# CAP_NET_ADMIN fails at once (exit 1) saying which change and how else; a
# copy of pwire with `setcap cap_net_admin+ep` does it, and the MTU it set
# is undone when it exits.
#
#   A: pw0 (user 65534) [pwire as 65534] ul0 10.215.0.1 --veth-- ul0 10.215.0.2 [pwire as root] pw0 :B
set -eu
: "${PWIRE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv (util-linux)"; exit 77; }
a=pwua$$ b=pwub$$
user=65534
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
fail() { echo "FAIL: $*"; exit 1; }

words=(udp_sport 1701 udp_dport 1701 session_id 1 peer_session_id 1)
as_user=(setpriv --reuid="$user" --regid="$user" --clear-groups)
# start_user OUT BIN ARGS...: BIN up pw0 ARGS as $user in A, until its
# start-up line is out.
start_user() {
	local out=$1 bin=$2 _
	shift 2
	echo "+ ip netns exec $a ${as_user[*]} $bin up pw0 $* &" >&2
	ip netns exec "$a" "${as_user[@]}" "$bin" up pw0 local 10.215.0.1 remote 10.215.0.2 \
		"${words[@]}" "$@" >"$tmp/$out" 2>"$tmp/$out.err" &
	pids+=($!)
	for _ in $(seq 50); do grep -q ' up: ' "$tmp/$out.err" && return 0; sleep 0.1; done
	cat "$tmp/$out.err"
	fail "pwire up as $user did not start"
}
# refused WANT ARGS...: pwire up ARGS as $user exits 1 with the line WANT.
refused() {
	local want=$1 rc=0
	shift
	ip netns exec "$a" "${as_user[@]}" timeout 10 "$PWIRE" up "$@" local 10.215.0.1 \
		remote 10.215.0.2 "${words[@]}" >/dev/null 2>"$tmp/refused.err" || rc=$?
	[ "$rc" = 1 ] && grep -qxF "$want" "$tmp/refused.err" ||
		{ cat "$tmp/refused.err"; fail "pwire up $* as $user: exit $rc, not the line: $want"; }
}
mtu() { ip -n "$a" -o link show pw0 | grep -o 'mtu [0-9]*'; }
cap="needs CAP_NET_ADMIN (Operation not permitted): run as root or give pwire the capability (setcap cap_net_admin+ep \$(command -v pwire))"

pw_pair "$a" "$b" 10.215.0.1 10.215.0.2 24
run ip netns exec "$a" ip tuntap add pw0 mode tap user "$user"
run ip -n "$a" link set pw0 up
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
start_user a "$PWIRE"
pw_start "$b" "$tmp/b" up pw0 local 10.215.0.2 remote 10.215.0.1 "${words[@]}"
pw_wait_up "$b" pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0
run ip netns exec "$a" ping -c 3 -i 0.2 -W 2 -q 10.99.0.2 >/dev/null ||
	{ cat "$tmp/a.err"; fail "no ping through pwire run as $user"; }
status=$(cat "/proc/${pids[0]}/status")
for f in "Uid:	$user	$user	$user	$user" "CapEff:	0000000000000000" \
	"CapPrm:	0000000000000000" "NoNewPrivs:	1" "Seccomp:	2"; do
	grep -qxF "$f" <<<"$status" || { echo "$status"; fail "pwire as $user: no '$f' in its status"; }
done
pw_stop
grep -q rx_packets "$tmp/a" || fail "no counters at exit"
[ "$(mtu)" = "mtu 1500" ] && ip -n "$a" link show pw0 | grep -q ',UP' ||
	fail "pw0 was changed: $(ip -n "$a" -o link show pw0)"
echo "ok: pwire up as uid $user on its own TAP: pings, no capabilities, NoNewPrivs, filtered; pw0 as it was"

refused "pwire: cannot open TAP device pw0: changing its MTU from 1500 to 1300 $cap; or leave out mtu (it keeps its 1500)" pw0 mtu 1300
run ip -n "$a" link set pw0 down
refused "pwire: cannot open TAP device pw0: bringing it up $cap; or bring it up once, as root: ip link set pw0 up" pw0
run ip -n "$a" link set pw0 up
refused "pwire: cannot open TAP device pw9: creating it $cap; or make it once, as root: ip tuntap add pw9 mode tap user $user" pw9
run ip netns exec "$a" ip tuntap add pw7 mode tap user 0
run ip -n "$a" link set pw7 up
refused "pwire: cannot open TAP device pw7: attaching to it (it belongs to uid 0) $cap" pw7
echo "ok: each change that needs CAP_NET_ADMIN is named, with a way out"

# setcap: a copy of pwire with cap_net_admin+ep may change the MTU, and
# puts it back at exit.
if findmnt -no OPTIONS -T "$tmp" | grep -qw nosuid; then
	echo "SKIP: $tmp is on a nosuid mount: file capabilities do not apply"
	exit 77
fi
command -v setcap >/dev/null || { echo "SKIP: no setcap (libcap2-bin)"; exit 77; }
run mkdir -p "$tmp/bin"
run cp "$PWIRE" "$tmp/bin/pwire"
run chmod 755 "$tmp" "$tmp/bin"
run setcap cap_net_admin+ep "$tmp/bin/pwire"
start_user capped "$tmp/bin/pwire" mtu 1300
[ "$(mtu)" = "mtu 1300" ] || fail "setcap'd pwire with mtu 1300: pw0 has $(mtu)"
grep -qxF "CapEff:	0000000000000000" "/proc/${pids[0]}/status" ||
	fail "setcap'd pwire kept capabilities after opening"
pw_stop
for _ in $(seq 20); do [ "$(mtu)" = "mtu 1500" ] && break; sleep 0.1; done
[ "$(mtu)" = "mtu 1500" ] || fail "after setcap'd pwire, pw0 has $(mtu), not its 1500"
echo "ok: setcap cap_net_admin+ep: mtu 1300 set while it ran, 1500 back after, no capability kept"
