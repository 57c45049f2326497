#!/bin/bash
# 10,000 sessions on one socket (issue 13's floors): bench/sessions.c drains
# K datagrams spread over 10,000 sessions, and over 1, from one UDP socket
# through one engine into null vNICs; this script runs both, interleaved, REPS
# times each in a fresh network namespace of its own (loopback only, removed
# on exit), then prints the median rate of each, their ratio, and what a
# session costs in memory: (RSS with 10,000 - RSS with 1) / 9,999, both read
# before any traffic; then REPS runs of `sessions --pair` (1 session and N in
# one process, their rounds alternating, so both see the same machine) and
# the median of their ratios, the figure held against the floor. The floors:
# ratio >= 0.95, <= 1024 bytes a session.
#
# usage: bench/sessions.sh [SESSIONS_BINARY]   (default build/bench/sessions)
# env:   REPS (3)  K (datagrams per round, 200000)  ROUNDS (per run, 9)
#        N (sessions of the many run, 10000)
# Exit 1 when a run failed (a datagram dropped, a setup error); floors not
# met are printed as such, not an error of the script.
set -eu
bin=$(realpath "${1:-build/bench/sessions}")
reps=${REPS:-3}
k=${K:-200000}
rounds=${ROUNDS:-9}
many=${N:-10000}
[ -x "$bin" ] || { echo "sessions: no benchmark binary at ${1:-build/bench/sessions}" \
	"(ninja -C BUILD builds bench/sessions)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "sessions: needs root (a network namespace)"; exit 2; }

ns=pwire-sessions-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up

declare -A pps rss
failed=0
total=$((2 * reps))
i=0
echo "sessions: $total runs ($reps reps x 1 and $many sessions), K=$k datagrams x $rounds rounds each"
for rep in $(seq "$reps"); do
	# Interleaved, the order swapped every repetition.
	order="1 $many"
	[ $((rep % 2)) = 0 ] && order="$many 1"
	for n in $order; do
		i=$((i + 1))
		printf 'sessions: [%d/%d] rep %d, N=%d: ' "$i" "$total" "$rep" "$n"
		if line=$(ip netns exec "$ns" timeout 300 "$bin" "$n" "$k" "$rounds"); then
			echo "$line"
		else
			echo "${line:-no output} (FAILED)"
			failed=$((failed + 1))
			continue
		fi
		read -r _ _ _ r _ _ _ _ _ p _ _ <<<"$line"
		pps[$n]="${pps[$n]:-} $p"
		rss[$n]="${rss[$n]:-} $r"
	done
done
if [ -z "${pps[1]:-}" ] || [ -z "${pps[$many]:-}" ]; then
	echo "sessions: no complete pair of runs"
	exit 1
fi
# The same in one process: 1 session and N, their rounds alternating.
paired=
for rep in $(seq "$reps"); do
	printf 'sessions: paired %d/%d: ' "$rep" "$reps"
	if line=$(ip netns exec "$ns" timeout 300 "$bin" --pair "$many" "$k" "$rounds"); then
		echo "$line"
		read -r _ _ _ _ _ _ _ _ _ _ _ q _ _ <<<"$line"
		paired="$paired $q"
	else
		echo "${line:-no output} (FAILED)"
		failed=$((failed + 1))
	fi
done

python3 - "$many" "${pps[1]}" "${pps[$many]}" "${rss[1]}" "${rss[$many]}" "${paired:- }" <<'EOF'
import statistics, sys
many = int(sys.argv[1])
p1, pn, r1, rn, pq = ([float(v) for v in a.split()] for a in sys.argv[2:7])
m1, mn = statistics.median(p1), statistics.median(pn)
ratio = statistics.median(pq) if pq else mn / m1
per = (statistics.median(rn) - statistics.median(r1)) * 1024 / (many - 1)
met = lambda ok: "met" if ok else "NOT met"
print(f"sessions: 1 session:  median {m1:,.0f} pps (of {', '.join(f'{v:,.0f}' for v in p1)})")
print(f"sessions: {many:,} sessions: median {mn:,.0f} pps (of {', '.join(f'{v:,.0f}' for v in pn)})")
print(f"sessions: ratio of the medians above: {mn / m1:.3f}")
print(f"sessions: ratio {many:,} / 1, paired in one process (the floor's figure): {ratio:.3f}"
      f" (median of {', '.join(f'{v:.3f}' for v in pq)}; floor >= 0.95: {met(ratio >= 0.95)})")
print(f"sessions: memory per session: {per:.0f} bytes = (RSS {statistics.median(rn):.0f} KiB - "
      f"{statistics.median(r1):.0f} KiB) / {many - 1:,} (floor <= 1024: {met(per <= 1024)})")
EOF
if [ "$failed" -gt 0 ]; then
	echo "sessions: $failed of $total runs failed"
	exit 1
fi
