#!/bin/bash
# busy_poll: with `busy_poll 10000` (10 ms) a ping every 5 ms never lets
# pwire sleep, so it blocks far less often than once per ping; without it,
# every ping wakes it at least once. After the traffic ends the polling
# stops: an idle pwire burns (next to) no CPU: a stray ARP or IPv6 frame
# may start 10 ms of polling, a runaway loop would take the whole second.
# Every ping must be answered: sleeps counted over lost pings prove nothing.
set -eu -o pipefail
: "${PWIRE:?}"
a=pwbpA$$ b=pwbpB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
sleeps() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# ping's summary line "N packets transmitted, M received, ...": N = M = $2.
all_answered() { grep -q "^$2 packets transmitted, $2 received," <<<"$1"; }

pw_pair "$a" "$b" 10.208.0.1 10.208.0.2 24
# Two pseudowires between the namespaces: pw0 polls, pw1 does not.
for dev in 0 1; do
	poll=()
	[ "$dev" = 0 ] && poll=(busy_poll 10000)
	pw_start "$a" "$tmp/a$dev" up pw$dev local 10.208.0.1 remote 10.208.0.2 udp_sport 170$dev \
		udp_dport 170$dev session_id 1 peer_session_id 2 "${poll[@]}"
	pw_start "$b" "$tmp/b$dev" up pw$dev local 10.208.0.2 remote 10.208.0.1 udp_sport 170$dev \
		udp_dport 170$dev session_id 2 peer_session_id 1
	pw_wait_up "$a" pw$dev
	pw_wait_up "$b" pw$dev
	ip -n "$a" addr add 10.9$dev.0.1/24 dev pw$dev
	ip -n "$b" addr add 10.9$dev.0.2/24 dev pw$dev
done
fail=0
for dev in 0 1; do
	pid=${pids[$((dev * 2))]}
	out=$(ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.9$dev.0.2) || true
	all_answered "$out" 3 || { echo "$out"; echo "FAIL: pw$dev lost pings before the test"; exit 1; }
	s0=$(sleeps "$pid")
	echo "+ ip netns exec $a ping -q -c 100 -i 0.005 -W 1 10.9$dev.0.2" >&2
	out=$(ip netns exec "$a" ping -q -c 100 -i 0.005 -W 1 10.9$dev.0.2) || true
	n=$(($(sleeps "$pid") - s0))
	echo "$out" | tail -n 2
	all_answered "$out" 100 || { echo "FAIL: pw$dev lost pings"; fail=1; }
	if [ "$dev" = 0 ]; then
		sleep 0.1 # past the 10 ms of polling after the last reply
		t0=$(cpu_ticks "$pid")
		sleep 1
		idle=$(($(cpu_ticks "$pid") - t0))
		echo "busy_poll 10000: pwire A slept $n times in 100 pings; CPU ticks in the idle second after: $idle"
		[ "$n" -lt 30 ] || { echo "FAIL: busy polling did not keep pwire awake"; fail=1; }
		[ "$idle" -le 10 ] || { echo "FAIL: pwire kept polling on an idle link"; fail=1; }
	else
		echo "no busy_poll: pwire A slept $n times in 100 pings"
		[ "$n" -ge 100 ] || { echo "FAIL: expected a sleep per ping without busy polling"; fail=1; }
	fi
done
pw_stop
exit $fail
