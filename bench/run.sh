#!/bin/bash
# make bench: pwire beside the alternatives a user would pick instead, in one
# run on one pair of namespaces joined by a veth underlay, interleaved and
# repeated (../shared/bench/overlay-bench.sh does the measuring). Prints
# progress with the time left, then one table of every figure as a ratio to
# kernel VXLAN and to OpenVPN; writes bench/results/STAMP.{tsv,json,svg}.
#
# usage: bench/run.sh PWIRE_BINARY
# env:   REPS (3)  T (10 s per test)  OVERLAYS ("none vxlan openvpn tinc naive gro3 pwire")
#        TESTS ("tcp udp64 ping")  PWIRE_ARGS (extra words for both pwires)
set -eu
pwire=$(realpath "${1:-build/pwire}")
here=$(cd "$(dirname "$0")" && pwd)
harness=${BENCH_HARNESS:-$here/../../shared/bench/overlay-bench.sh}
[ -x "$harness" ] || { echo "bench: no harness at $harness"; exit 2; }
export REPS=${REPS:-3} T=${T:-10} TESTS=${TESTS:-"tcp udp64 ping"}
overlays=${OVERLAYS:-"none vxlan openvpn tinc naive gro3 pwire"}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
export BENCH_DIR=/var/tmp/pwire-bench-$stamp
out=$here/results
mkdir -p "$out"
command -v gnuplot >/dev/null || {
	echo "bench: installing gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
}

n_overlays=$(wc -w <<<"$overlays")
total=$((REPS * n_overlays))
per=$((8 + T * $(wc -w <<<"$TESTS") + 6)) # seconds per overlay run, first guess
echo "bench: $total runs ($REPS reps x $n_overlays overlays: $overlays), T=$T s, about $((total * per / 60)) min"
start=$(date +%s)
done_runs=0
# The harness logs "=== rep R overlay O" as it starts each run: show where we
# are and what is left, re-estimated from the time the runs so far took.
PWIRE=$pwire "$harness" $overlays 2>&1 | while IFS= read -r line; do
	case $line in
	*"=== rep "*)
		now=$(date +%s)
		if [ "$done_runs" -gt 0 ]; then per=$(((now - start) / done_runs)); fi
		left=$(((total - done_runs) * per))
		done_runs=$((done_runs + 1))
		printf 'bench: [%d/%d] %s (about %d min %02d s left)\n' "$done_runs" "$total" \
			"${line#*=== }" $((left / 60)) $((left % 60))
		;;
	*"unreachable"* | *FAILED* | *"no binary"*) echo "bench: $line" ;;
	esac
done
cp "$BENCH_DIR/raw/results.tsv" "$out/$stamp.tsv"
python3 "$here/report.py" "$out/$stamp.tsv" "$out/$stamp"
ln -sf "$stamp.svg" "$out/latest.svg"
ln -sf "$stamp.json" "$out/latest.json"
echo "bench: results in bench/results/$stamp.{tsv,json,svg} (raw logs in $BENCH_DIR)"
