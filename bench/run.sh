#!/bin/bash
# make bench: pwire beside the alternatives a user would pick instead, in one
# run, interleaved and repeated. bench/harness.sh does the measuring (one
# overlay at a time in a fresh pair of namespaces joined by a veth underlay;
# its header says how each overlay is set up). This script installs what is
# missing, prints progress with the time left, then one table of every
# figure as a ratio to kernel VXLAN and to OpenVPN, and the floors of the
# performance issue; writes RESULTS_DIR/STAMP.{tsv,json,svg} and points
# RESULTS_DIR/latest.{json,svg} at them.
#
# Each repetition runs every overlay once (in an order rotated per
# repetition), then each pwire variant (pwire with other words, under its own
# name), so variants are interleaved with the rest as the overlays are with
# each other.
#
# usage: bench/run.sh PWIRE_BINARY
# env:   REPS (3)  T (10 s per test)  OVERLAYS ("none vxlan openvpn tinc naive gro3 pwire")
#        TESTS ("tcp tcp4 udp64 ping")  PWIRE_ARGS (extra words for both pwires)
#        VARIANTS ("NAME:WORDS:TESTS;..."; "" for none), default:
#          pwire-uring:io_uring on:tcp udp64   the TAP writes through io_uring
#          pwire-bp:busy_poll 10000:ping        busy polling, for latency (10 ms: longer
#                                               than the ping test's 5 ms gaps)
#          pwire-q2:queues 2:tcp4               2 queues, 4 streams (against pwire's tcp4)
#          pwire-fast:fastpath on:tcp tcp4 udp64 ping   the kernel fast path (TC
#                                               programs; docs/fastpath.md); the harness
#                                               fails the run unless both ends say path kernel
#        RESULTS_DIR (bench/results)  NAIVE (the naive forwarder; default
#        bench/naive in pwire's build directory)
#        SESSIONS (bench/sessions in pwire's build directory; "" skips it):
#          after the overlays, bench/sessions.sh (10,000 sessions on one
#          socket, REPS times) prints its own figures and floors and writes
#          RESULTS_DIR/STAMP.sessions.txt
#        STARTUP (pwired in pwire's build directory; "" skips it): then
#          bench/startup.sh (pwired with 1,000 TAP pseudowires, exec to
#          READY=1, REPS times), into RESULTS_DIR/STAMP.startup.txt
#        ADDS (pwired in pwire's build directory; "" skips it): then
#          bench/add.sh (ADD_N, 200, pseudowires added then deleted one
#          `pwire add`/`del` at a time through pwired's control socket, on one
#          socket and on a socket each, REPS times), into RESULTS_DIR/STAMP.add.txt
#        GUESTS (the modes of bench/guests.sh, "qemu tap vhost"; "" skips it):
#          last, bench/guests.sh (two QEMU guests across a pseudowire: QEMU's
#          l2tpv3, TAPs bridged with pwire's TAP, pwire's vhost-user; iperf3,
#          ping and host CPU per GB, REPS times), into RESULTS_DIR/STAMP.guests.{tsv,txt}
# gro3 (the GSO/GRO prototype) runs only where ../shared/bench is beside the
# project; elsewhere it is skipped, saying so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pwire=$(realpath "${1:-build/pwire}")
[ -x "$pwire" ] || { echo "bench: no pwire binary at ${1:-build/pwire}"; exit 2; }
reps=${REPS:-3}
export T=${T:-10} UL_MTU=${UL_MTU:-1600} IN_MTU=${IN_MTU:-1500}
export NAIVE=${NAIVE:-$(dirname "$pwire")/bench/naive}
sessions=${SESSIONS-$(dirname "$pwire")/bench/sessions}
startup=${STARTUP-$(dirname "$pwire")/pwired}
adds=${ADDS-$(dirname "$pwire")/pwired}
guests=${GUESTS-qemu tap vhost}
export SHARED_BENCH=${SHARED_BENCH:-$here/../../shared/bench}
tests=${TESTS:-"tcp tcp4 udp64 ping"}
overlays=${OVERLAYS:-"none vxlan openvpn tinc naive gro3 pwire"}
variants=${VARIANTS-"pwire-uring:io_uring on:tcp udp64;pwire-bp:busy_poll 10000:ping;pwire-q2:queues 2:tcp4;pwire-fast:fastpath on:tcp tcp4 udp64 ping"}
out=${RESULTS_DIR:-$here/results}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=/var/tmp/pwire-bench-$stamp
tsv=$out/$stamp.tsv

[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)"; exit 2; }
[ -x "$NAIVE" ] || { echo "bench: no naive forwarder at $NAIVE (ninja -C BUILD builds bench/naive)"; exit 2; }
[ -z "$sessions" ] || [ -x "$sessions" ] ||
	{ echo "bench: no sessions benchmark at $sessions (ninja -C BUILD builds bench/sessions)"; exit 2; }
[ -z "$startup" ] || [ -x "$startup" ] || { echo "bench: no pwired at $startup"; exit 2; }
[ -z "$adds" ] || [ -x "$adds" ] || { echo "bench: no pwired at $adds"; exit 2; }

read -r -a ov <<<"$overlays"
[ ${#ov[@]} -gt 0 ] || { echo "bench: OVERLAYS is empty"; exit 2; }
if [[ " ${ov[*]} " == *" gro3 "* ]] && [ ! -f "$SHARED_BENCH/naive/gso.c" ]; then
	echo "bench: gro3 skipped: the GSO/GRO prototype it measures lives only in" \
		"../shared/bench/naive/gso.c, which is not beside this project"
	for i in "${!ov[@]}"; do [ "${ov[i]}" = gro3 ] && unset 'ov[i]'; done
	ov=("${ov[@]}")
fi

# The Debian packages the bench needs, installed only when missing.
need=()
want() { command -v "$1" >/dev/null || need+=("$2"); }
want iperf3 iperf3
want jq jq
want ping iputils-ping
want ss iproute2
want timeout coreutils
want python3 python3
want gnuplot gnuplot-nox
[[ " ${ov[*]} " == *" openvpn "* ]] && want openvpn openvpn
[[ " ${ov[*]} " == *" tinc "* ]] && want tincd tinc
[ -n "${UL_FEATURES:-}" ] && want ethtool ethtool
[[ " ${ov[*]} " == *" gro3 "* ]] && want cc gcc
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$out" "$work"
IFS=';' read -r -a vlist <<<"$variants"
n_tests=$(wc -w <<<"$tests")
total=$((reps * (${#ov[@]} + ${#vlist[@]})))
per=$((10 + T * n_tests)) # seconds per run, a first guess
echo "bench: $total runs ($reps reps x (${ov[*]} + ${#vlist[@]} pwire variants)), T=$T s," \
	"about $((total * per / 60)) min"
printf '# %s kernel=%s T=%s REPS=%s UL_MTU=%s IN_MTU=%s UL_FEATURES=%s TESTS=%s overlays=%s\tvariants=%s\n' \
	"$(date -Is)" "$(uname -r)" "$T" "$reps" "$UL_MTU" "$IN_MTU" "${UL_FEATURES:-}" "$tests" "${ov[*]}" \
	"${variants//;/,}" >"$tsv"

start=$(date +%s)
done_runs=0
failed=0
# One overlay (or variant) once, its rows appended to $tsv.
measure() { # rep label overlay tests pwire_args
	local now left
	now=$(date +%s)
	if [ "$done_runs" -gt 0 ]; then per=$(((now - start) / done_runs)); fi
	left=$(((total - done_runs) * per))
	printf 'bench: [%d/%d] rep %d %s (about %d min %02d s left)\n' $((done_runs + 1)) "$total" \
		"$1" "$2" $((left / 60)) $((left % 60))
	REP=$1 LABEL=$2 TESTS=$4 PWIRE_ARGS=$5 PWIRE=$pwire BENCH_DIR=$work RESULTS=$tsv \
		"$here/harness.sh" "$3" || failed=$((failed + 1))
	done_runs=$((done_runs + 1))
}

for rep in $(seq "$reps"); do
	k=$(((rep - 1) % ${#ov[@]}))
	for o in "${ov[@]:k}" "${ov[@]:0:k}"; do
		measure "$rep" "$o" "$o" "$tests" "${PWIRE_ARGS:-}"
	done
	for v in "${vlist[@]}"; do
		IFS=: read -r name words vtests <<<"$v"
		measure "$rep" "$name" pwire "$vtests" "${PWIRE_ARGS:-} $words"
	done
done
python3 "$here/report.py" "$tsv" "$out/$stamp"
ln -sf "$stamp.json" "$out/latest.json"
if [ -f "$out/$stamp.svg" ]; then ln -sf "$stamp.svg" "$out/latest.svg"; fi
sessions_failed=0
if [ -n "$sessions" ]; then
	echo "bench: 10,000 sessions on one socket (bench/sessions.sh, REPS=$reps)"
	REPS=$reps "$here/sessions.sh" "$sessions" | tee "$out/$stamp.sessions.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || sessions_failed=1
fi
if [ -n "$startup" ]; then
	echo "bench: pwired's start with 1,000 TAP pseudowires (bench/startup.sh, REPS=$reps)"
	REPS=$reps "$here/startup.sh" "$startup" | tee "$out/$stamp.startup.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || sessions_failed=1
fi
if [ -n "$adds" ]; then
	echo "bench: pseudowires added and deleted through pwired's control socket (bench/add.sh, REPS=$reps)"
	REPS=$reps "$here/add.sh" "$pwire" "$adds" | tee "$out/$stamp.add.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || sessions_failed=1
fi
if [ -n "$guests" ]; then
	echo "bench: guest <-> guest, modes $guests (bench/guests.sh, REPS=$reps)"
	REPS=$reps MODES=$guests RESULTS_DIR=$out STAMP=$stamp "$here/guests.sh" "$pwire" ||
		sessions_failed=1
fi
echo "bench: results in $out/$stamp.{tsv,json,svg} (raw logs in $work)"
if [ "$failed" -gt 0 ]; then
	echo "bench: $failed of $total runs failed (FAILED rows; logs in $work/logs)"
	exit 1
fi
if [ "$sessions_failed" = 1 ]; then
	echo "bench: the sessions, startup, add or guests benchmark failed (its lines above)"
	exit 1
fi
