# shellcheck shell=bash
# tests/interop/lib.sh: what peer.sh and linux.sh share. Source it, then:
#   interop_require SCRIPT [ARGS]  SKIP (exit 77) when SCRIPT check says the
#                                  peer cannot run here, with its reason
#   interop_guest SCRIPT START_ARGS...  boot the guest in $ns (FAIL with its log)
#   pw_up ARGS...                  pwire up pw0 ARGS in $ns, wait until pw0 is up
#   pw_down                        SIGINT pwire; FAIL unless it exits 0
#   traffic HOST_IP GUEST_IP       ping both ways, TCP echo of a line and of 128 KiB
#   fail MESSAGE                   print FAIL, the logs, exit 1
# Everything is removed on exit: the guest and pwire (by PID), $ns, $tmp.
tmp=$(mktemp -d)
rundir=$tmp/run
ns=
script=
pwpid=

interop_cleanup() {
	[ -n "$script" ] && "$script" stop "$rundir"
	if [ -n "$pwpid" ]; then
		kill "$pwpid" 2>/dev/null
		wait "$pwpid" 2>/dev/null
	fi
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap interop_cleanup EXIT
trap 'exit 1' INT TERM

run() {
	echo "+ $*" >&2
	"$@"
}

fail() {
	echo "FAIL: $*"
	local f
	for f in "$tmp/pwire.err" "$tmp/pwire.out" "$tmp/peer.log"; do
		[ -s "$f" ] && echo "--- $f:" && cat "$f"
	done
	[ -f "$rundir/console.log" ] && echo "--- guest console (end):" && tail -n 15 "$rundir/console.log"
	exit 1
}

# Skip only for what the peer script itself detects as missing here (exit
# 77 with the reason); a missing or broken script is a failure.
interop_require() {
	local why rc
	[ -x "$1" ] || fail "no peer script $1"
	script=$1
	shift
	why=$("$script" check "$@")
	rc=$?
	case $rc in
	0) ;;
	77) echo "SKIP: $why"; exit 77 ;;
	*) fail "$script check exited $rc: $why" ;;
	esac
}

interop_guest() {
	run ip netns exec "$ns" "$script" start "$rundir" "$@" >"$tmp/peer.log" 2>&1 ||
		fail "the peer did not start"
}

pw_up() {
	local _
	echo "+ ip netns exec $ns $PWIRE up pw0 $* &" >&2
	ip netns exec "$ns" "$PWIRE" up pw0 "$@" >"$tmp/pwire.out" 2>"$tmp/pwire.err" &
	pwpid=$!
	for _ in $(seq 50); do
		ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && return 0
		kill -0 "$pwpid" 2>/dev/null || break
		sleep 0.1
	done
	fail "pwire did not bring pw0 up"
}

pw_down() {
	local rc=0
	kill -INT "$pwpid"
	wait "$pwpid" || rc=$?
	pwpid=
	[ "$rc" = 0 ] || fail "pwire exited $rc"
	cat "$tmp/pwire.err" "$tmp/pwire.out"
}

traffic() {
	local host=$1 guest=$2 replies got
	replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 "$guest" | grep -c 'bytes from')
	echo "host -> guest: $replies/5 replies"
	[ "$replies" -ge 3 ] || fail "host -> guest ping: $replies/5"
	# Once more before failing: a UML guest's kernel under load was seen to
	# WARN in its own sendto path (tomoyo) and lose all three, while the
	# pseudowire carried everything else (one CI run, 2026-11-29).
	run "$script" exec "$rundir" --timeout 20 -- "ping -c 3 -W 2 $host" ||
		{ echo "guest -> host ping: none back, trying once more"; \
		  run "$script" exec "$rundir" --timeout 20 -- "ping -c 3 -W 2 $host"; } ||
		fail "guest -> host ping"
	got=$(echo "hello through the pseudowire" | ip netns exec "$ns" timeout 20 nc -N -w 5 "$guest" 7)
	[ "$got" = "hello through the pseudowire" ] || fail "TCP echo returned '$got'"
	head -c 131072 /dev/urandom >"$tmp/bulk"
	ip netns exec "$ns" timeout 30 nc -N -w 5 "$guest" 7 <"$tmp/bulk" >"$tmp/back"
	cmp "$tmp/bulk" "$tmp/back" || fail "TCP echo of 128 KiB: $(stat -c %s "$tmp/back") bytes came back, not the same"
	echo "TCP echo: a line and 128 KiB came back intact"
}
