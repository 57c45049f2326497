#!/bin/bash
# pwire runs unprivileged once everything is open: two pwires with
# `queues 2`, and while ping and a 2 MB transfer go through them, every
# thread of each (/proc/PID/task/TID/status) shows the default user (pwire,
# else nobody: Uid and Gid non-zero), no supplementary groups, CapEff,
# CapPrm and CapBnd 0, NoNewPrivs 1, Seccomp 2 (filter). At SIGINT both
# exit 0 and print their counters, and the TAP they created is gone. Then
# `user root` keeps uid 0 (with a warning) but still runs under the filter.
# That a forbidden call ends pwire with its one line is tests/unit/test_privs.c.
#
#   netns A                                   netns B
#   pw0 10.99.0.1 -- pwire ==[veth underlay]== pwire -- pw0 10.99.0.2
#                   10.205.0.1                10.205.0.2
set -eu
: "${PWIRE:?}"
a=pwprA$$ b=pwprB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: pwire has nothing to drop"; exit 77; }

user=pwire
getent passwd pwire >/dev/null || user=nobody
uid=$(id -u "$user") gid=$(id -g "$user")
echo "expected user: $user (uid $uid gid $gid)"

pw_pair "$a" "$b" 10.205.0.1 10.205.0.2 24
common=(udp_sport 1701 udp_dport 1701 queues 2 cookie 0011223344556677
	peer_cookie 0011223344556677 --json)
pw_start "$a" "$tmp/a" up pw0 local 10.205.0.1 remote 10.205.0.2 session_id 1 peer_session_id 2 \
	"${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.205.0.2 remote 10.205.0.1 session_id 2 peer_session_id 1 \
	"${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
run ip -n "$a" addr add 10.99.0.1/24 dev pw0
run ip -n "$b" addr add 10.99.0.2/24 dev pw0

# The up line comes after the drop and the threads' start (pw_wait_up sees
# the TAP come up before).
wait_started() { # ERRFILE
	local _
	for _ in $(seq 50); do
		grep -q ' up: ' "$1" && return 0
		sleep 0.1
	done
	echo "FAIL: no up line in $1"
	cat "$1"
	return 1
}
wait_started "$tmp/a.err"
wait_started "$tmp/b.err"

# status_check PID UIDS THREADS SECCOMP: every thread's status fields.
status_check() {
	local pid=$1 want_uid=$2 want_threads=$3 want_seccomp=$4 n=0 t f bad=0
	for t in /proc/"$pid"/task/*; do
		n=$((n + 1))
		f=$(cat "$t/status")
		check() { # FIELD WANT
			local got
			got=$(awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' <<<"$f" |
				tr -s '\t ' ' ')
			if [ "$got" != "$2" ]; then
				echo "FAIL: pid $pid thread ${t##*/}: $1 '$got', want '$2'"
				bad=1
			fi
		}
		check Uid "$want_uid $want_uid $want_uid $want_uid"
		if [ "$want_uid" != 0 ]; then
			check Gid "$gid $gid $gid $gid"
			check Groups ""
			check CapEff 0000000000000000
			check CapPrm 0000000000000000
			check CapInh 0000000000000000
			check CapBnd 0000000000000000
			check CapAmb 0000000000000000
		fi
		check NoNewPrivs 1
		check Seccomp "$want_seccomp"
	done
	echo "pid $pid: $n threads checked"
	[ "$n" = "$want_threads" ] || { echo "FAIL: pid $pid has $n threads, want $want_threads"; bad=1; }
	return "$bad"
}

# While traffic flows: ping and a transfer, then the status of every thread.
head -c 2000000 /dev/urandom >"$tmp/send"
ip netns exec "$b" timeout 30 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$tmp/recv,creat,trunc" &
sink=$!
ip netns exec "$a" ping -c 20 -i 0.1 -W 2 10.99.0.2 >"$tmp/ping" &
pinger=$!
sleep 0.3
run ip netns exec "$a" timeout 20 socat -u "OPEN:$tmp/send" TCP:10.99.0.2:5001,retry=20,interval=0.1
fail=0
for p in "${pids[@]}"; do
	status_check "$p" "$uid" 2 2 || fail=1
done
wait "$sink"
wait "$pinger" || { echo "FAIL: ping lost replies"; cat "$tmp/ping"; fail=1; }
tail -n 2 "$tmp/ping"
cmp -s "$tmp/send" "$tmp/recv" || { echo "FAIL: the 2 MB arrived altered"; fail=1; }
grep -h " up: " "$tmp/a.err" "$tmp/b.err"
for s in a b; do
	# The default fastpath auto over a veth: the userspace engine.
	grep -Eq "queues 2, user $user, path user\$" "$tmp/$s.err" ||
		{ echo "FAIL: $s: the up line does not end in 'user $user, path user'"; fail=1; }
done

# SIGINT: exit 0 (pw_stop), the counters printed, the TAPs gone.
pw_stop
for s in a b; do
	python3 -c 'import json,sys; c = json.loads(open(sys.argv[1]).read().splitlines()[-1]);
assert c["session"]["rx_packets"] > 0 and c["session"]["tx_packets"] > 0, c' "$tmp/$s" ||
		{ echo "FAIL: $s: no counters at exit"; fail=1; }
done
for ns in "$a" "$b"; do
	if ip -n "$ns" link show pw0 >/dev/null 2>&1; then
		echo "FAIL: pw0 is still in $ns after pwire exited"
		fail=1
	fi
done

# `user root`: stays root, warns, the filter still applies.
pw_start "$a" "$tmp/r" up pw1 local 10.205.0.1 remote 10.205.0.2 session_id 1 peer_session_id 2 \
	udp_sport 1702 udp_dport 1702 peer_cookie 0011223344556677 user root
pw_wait_up "$a" pw1
wait_started "$tmp/r.err"
status_check "${pids[0]}" 0 1 2 || fail=1
pw_stop
want="pwire: warning: pw1: user root: the data path keeps root's identity and capabilities; only the system-call filter confines it"
grep -qxF "$want" "$tmp/r.err" || { echo "FAIL: user root: no warning"; cat "$tmp/r.err"; fail=1; }

[ "$fail" = 0 ] && echo "unprivileged in every thread, traffic intact, TAPs removed"
exit "$fail"
