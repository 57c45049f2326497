#!/bin/bash
# make bench: pwire beside the alternatives a user would pick instead, in one
# run on one pair of namespaces joined by a veth underlay, interleaved and
# repeated (../shared/bench/overlay-bench.sh does the measuring). Prints
# progress with the time left, then one table of every figure as a ratio to
# kernel VXLAN and to OpenVPN, and the floors of the performance issue;
# writes bench/results/STAMP.{tsv,json,svg}.
#
# Each repetition runs every overlay once, then each pwire variant (pwire
# with other words, under its own name), so variants are interleaved with
# the rest as the overlays are with each other.
#
# usage: bench/run.sh PWIRE_BINARY
# env:   REPS (3)  T (10 s per test)  OVERLAYS ("none vxlan openvpn tinc naive gro3 pwire")
#        TESTS ("tcp tcp4 udp64 ping")  PWIRE_ARGS (extra words for both pwires)
#        VARIANTS ("NAME:WORDS:TESTS;..."; "" for none), default:
#          pwire-uring:io_uring on:tcp udp64   the TAP writes through io_uring
#          pwire-bp50:busy_poll 50:ping         busy polling, for latency
#          pwire-q2:queues 2:tcp4               2 queues, 4 streams (against pwire's tcp4)
set -eu
pwire=$(realpath "${1:-build/pwire}")
here=$(cd "$(dirname "$0")" && pwd)
harness=${BENCH_HARNESS:-$here/../../shared/bench/overlay-bench.sh}
[ -x "$harness" ] || { echo "bench: no harness at $harness"; exit 2; }
reps=${REPS:-3}
export T=${T:-10}
tests=${TESTS:-"tcp tcp4 udp64 ping"}
overlays=${OVERLAYS:-"none vxlan openvpn tinc naive gro3 pwire"}
variants=${VARIANTS-"pwire-uring:io_uring on:tcp udp64;pwire-bp50:busy_poll 50:ping;pwire-q2:queues 2:tcp4"}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=/var/tmp/pwire-bench-$stamp
out=$here/results
mkdir -p "$out" "$work"
command -v gnuplot >/dev/null || {
	echo "bench: installing gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
}

IFS=';' read -r -a vlist <<<"$variants"
n_overlays=$(wc -w <<<"$overlays")
total=$((reps * (n_overlays + ${#vlist[@]})))
per=$((8 + T * $(wc -w <<<"$tests") + 6)) # seconds per run, first guess
echo "bench: $total runs ($reps reps x ($overlays + ${#vlist[@]} pwire variants)), T=$T s, about $((total * per / 60)) min"
start=$(date +%s)
done_runs=0
tsv=$out/$stamp.tsv

# One harness call: OVERLAYS... with TESTS and PWIRE_ARGS from the caller;
# its rows are appended to $tsv as repetition $rep, under $name if given.
measure() { # rep name(or "") dir overlays...
	local rep=$1 name=$2 dir=$3
	shift 3
	local n=$#
	BENCH_DIR=$dir REPS=1 PWIRE=$pwire "$harness" "$@" 2>&1 | while IFS= read -r line; do
		case $line in
		*"=== rep "*)
			now=$(date +%s)
			if [ "$done_runs" -gt 0 ]; then per=$(((now - start) / done_runs)); fi
			left=$(((total - done_runs) * per))
			printf 'bench: [%d/%d] rep %d %s (about %d min %02d s left)\n' $((done_runs + 1)) \
				"$total" "$rep" "${name:-${line##*overlay }}" $((left / 60)) $((left % 60))
			done_runs=$((done_runs + 1))
			;;
		*"unreachable"* | *FAILED* | *"no binary"*) echo "bench: $line" ;;
		esac
	done
	done_runs=$((done_runs + n))
	[ -s "$tsv" ] || grep '^#' "$dir/raw/results.tsv" | head -n 1 |
		sed "s/REPS=1/REPS=$reps/; s/\$/\tvariants=${variants//;/,}/" >"$tsv"
	grep -v '^#' "$dir/raw/results.tsv" |
		awk -F'\t' -v OFS='\t' -v rep="$rep" -v name="$name" \
			'{ $2 = rep; if (name != "") $1 = name; print }' >>"$tsv"
}

for rep in $(seq "$reps"); do
	# The harness rotates the overlay order by its own rep; rotate here.
	read -r -a ov <<<"$overlays"
	k=$(((rep - 1) % ${#ov[@]}))
	ov=("${ov[@]:k}" "${ov[@]:0:k}")
	TESTS=$tests measure "$rep" "" "$work/rep$rep" "${ov[@]}"
	for v in "${vlist[@]}"; do
		IFS=: read -r name words vtests <<<"$v"
		TESTS=$vtests PWIRE_ARGS="${PWIRE_ARGS:-} $words" measure "$rep" "$name" \
			"$work/rep$rep-$name" pwire
	done
done
python3 "$here/report.py" "$tsv" "$out/$stamp"
ln -sf "$stamp.svg" "$out/latest.svg"
ln -sf "$stamp.json" "$out/latest.json"
echo "bench: results in bench/results/$stamp.{tsv,json,svg} (raw logs in $work)"
