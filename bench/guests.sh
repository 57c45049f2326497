#!/bin/bash
# bench/guests.sh: guest <-> guest across an L2TPv3 pseudowire, the VM user's
# view (issue 15's benchmark). Two network namespaces A and B joined by one
# veth (the underlay, MTU 1600, 10.231.30.1 and .2); in each, one QEMU guest
# (tests/peers/qemu-peer.sh, TCG, 1 vCPU, 256 MiB), eth0 10.99.30.1 in A and
# .2 in B (MTU 1500). The guests' NICs, per mode:
#   qemu   QEMU's own -netdev l2tpv3 (UDP 1701 both ways, sessions 1 and 2,
#          no cookie, no sublayer): QEMU is the tunnel end
#   tap    a QEMU TAP (gt) bridged (gbr) with the TAP of `pwire up pw ...` in
#          the same namespace: what a pwire user does today
#   vhost  `pwire up vhost-user:SOCK ...`: the guest's virtio-net queues served
#          by pwire directly (qemu-peer.sh --vhost-user, host_mtu as pwire prints)
# Both pwire modes use the same words: udp_sport/udp_dport 1701, session_id
# and peer_session_id 1 and 2, l2spec_type none, mtu 1500 (QEMU's format).
#
# Each run boots both guests (in parallel), starts `iperf3 -s` in B, waits
# (bounded) until A reaches B, pings 10 times to warm up, then measures from A
# to B: iperf3 TCP, 1 stream, T s (the Mbit/s and bytes the receiver saw), the
# host CPU during it, and ping RTT (busybox ping, 100 at 0.05 s: the median
# of the replies' times, which the floor uses, and their mean). Host
# CPU, from /proc before and after the iperf3 run, in seconds per GB received:
#   pwire    utime + stime of both pwire processes, every thread
#   qemu_io  utime + stime of both QEMUs' threads but their vCPUs (those whose
#            /proc/PID/task/TID/comm starts with "CPU "): the process's total
#            less its vCPU threads, so that worker threads which end during
#            the run (QEMU's thread pool: 9p) are counted too
# The 9p drop box the guests poll (qemu-peer.sh exec) costs QEMU a little I/O
# CPU in every mode alike. Reps are interleaved: each repetition runs every
# mode once, the order rotated per repetition; every run builds fresh
# namespaces and guests.
#
# Prints one TSV line per run, then the medians per mode, the ratios of vhost
# to tap and to qemu, and issue 15's floors under TCG, each PASS or FAIL:
# vhost >= 1.0x tap's throughput, vhost's RTT <= 1.0x tap's, vhost's CPU/GB
# (pwire + qemu_io) < tap's. Writes RESULTS_DIR/STAMP.guests.tsv (the lines)
# and RESULTS_DIR/STAMP.guests.txt (all it prints); logs in /var/tmp/pwire-guests.*.
# Exits 1 when a run failed (its line says FAILED), not for a floor.
#
# usage: bench/guests.sh [PWIRE_BINARY]   (default build/pwire; needs root)
# env:   REPS (3)  T (10 s of iperf3)  MODES ("qemu tap vhost")
#        RESULTS_DIR (bench/results)  STAMP (now, UTC: bench/run.sh passes its own)
# Installs what is missing with tests/install-deps.sh bench (QEMU, the guest's
# kernel and busybox, iperf3, which tests/peers/build-guest.sh copies in).
set -u
here=$(cd "$(dirname "$0")" && pwd)
peers=$(cd "$here/../tests/peers" && pwd)
pwire=$(realpath "${1:-build/pwire}" 2>/dev/null)
reps=${REPS:-3}
T=${T:-10}
read -r -a modes <<<"${MODES-qemu tap vhost}"
out=${RESULTS_DIR:-$here/results}
stamp=${STAMP:-$(date -u +%Y%m%dT%H%M%SZ)}
nsa=pwgb$$a
nsb=pwgb$$b
work=
pw_pids=()
hz=$(getconf CLK_TCK)

[ "$(id -u)" = 0 ] || { echo "guests: needs root (network namespaces, TAPs)"; exit 2; }
[ -x "$pwire" ] || { echo "guests: no pwire binary at ${1:-build/pwire}"; exit 2; }
case $reps in [1-9] | [1-9][0-9]) ;; *) echo "guests: REPS '$reps': 1 to 99"; exit 2 ;; esac
case $T in [1-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;; *) echo "guests: T '$T': 1 to 999 s"; exit 2 ;; esac
[ ${#modes[@]} -gt 0 ] || { echo "guests: MODES is empty"; exit 2; }
for m in "${modes[@]}"; do
	case $m in qemu | tap | vhost) ;; *) echo "guests: unknown mode '$m' (qemu, tap, vhost)"; exit 2 ;; esac
done

log() { echo "guests: [$(date +%T)] $*" >&2; }

# stop_pid PID: SIGINT, SIGKILL after 5 s; reaped.
stop_pid() {
	local _
	kill -INT "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# teardown: the guests and pwires of the last run (by PID), its namespaces.
teardown() {
	local p r
	trap '' PIPE # tee may be gone (Ctrl-C): clean up all the same
	for r in "$work"/run-*/a "$work"/run-*/b; do
		[ -s "$r/pid" ] && "$peers/qemu-peer.sh" stop "$r" >/dev/null 2>&1
	done
	for p in "${pw_pids[@]}"; do stop_pid "$p"; done
	pw_pids=()
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	return 0
}

# underlay: fresh namespaces A and B, one veth between them.
underlay() {
	ip netns add "$nsa" && ip netns add "$nsb" &&
		ip -n "$nsa" link add ul type veth peer name ul netns "$nsb" || return 1
	ip -n "$nsa" addr add 10.231.30.1/24 dev ul && ip -n "$nsb" addr add 10.231.30.2/24 dev ul || return 1
	for n in "$nsa" "$nsb"; do
		ip -n "$n" link set lo up && ip -n "$n" link set ul mtu 1600 up || return 1
	done
}

# side A|B: this side's namespace, addresses and ids into s_*.
side() {
	if [ "$1" = A ]; then
		s_ns=$nsa s_local=10.231.30.1 s_remote=10.231.30.2 s_sid=1 s_psid=2
	else
		s_ns=$nsb s_local=10.231.30.2 s_remote=10.231.30.1 s_sid=2 s_psid=1
	fi
}

# pw_start SIDE LOG DEV: `pwire up DEV ...` in the side's namespace, until
# it has printed its "up" line (5 s at most).
pw_start() {
	local _ pid
	side "$1"
	ip netns exec "$s_ns" "$pwire" up "$3" local "$s_local" remote "$s_remote" \
		udp_sport 1701 udp_dport 1701 session_id "$s_sid" peer_session_id "$s_psid" \
		l2spec_type none mtu 1500 >"$2" 2>&1 &
	pid=$!
	pw_pids+=("$pid")
	for _ in $(seq 50); do
		grep -q ' up: ' "$2" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	log "pwire up $3 in $s_ns: not up within 5 s: $(tail -n 3 "$2")"
	return 1
}

# guests_start RUN ARGS_A -- ARGS_B: both guests booted in parallel, each with
# qemu-peer.sh start RUN/x ARGS... in its namespace; 0 once both are ready.
guests_start() {
	local run=$1 a=() b=() pa pb rc=0
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	mkdir -p "$run/a" "$run/b"
	ip netns exec "$nsa" "$peers/qemu-peer.sh" start "$run/a" "${a[@]}" --guest-ip 10.99.30.1/24 \
		--timeout 180 >"$run/a.log" 2>&1 &
	pa=$!
	ip netns exec "$nsb" "$peers/qemu-peer.sh" start "$run/b" "${b[@]}" --guest-ip 10.99.30.2/24 \
		--timeout 180 >"$run/b.log" 2>&1 &
	pb=$!
	wait "$pa" || { rc=1; log "guest A did not start: $(tail -n 5 "$run/a.log")"; }
	wait "$pb" || { rc=1; log "guest B did not start: $(tail -n 5 "$run/b.log")"; }
	return $rc
}

# start_mode MODE RUN: underlay, tunnel ends and guests of one run.
start_mode() {
	local mode=$1 run=$2 x n mtu _
	underlay || { log "cannot build the namespaces"; return 1; }
	case $mode in
	qemu)
		guests_start "$run" --local 10.231.30.1 --local-port 1701 --remote 10.231.30.2 \
			--remote-port 1701 --tx-session 2 --rx-session 1 -- \
			--local 10.231.30.2 --local-port 1701 --remote 10.231.30.1 \
			--remote-port 1701 --tx-session 1 --rx-session 2 || return 1 ;;
	tap)
		for x in A B; do
			side $x
			pw_start $x "$run/pwire-$x.log" pw || return 1
			ip -n "$s_ns" link add gbr type bridge && ip -n "$s_ns" link set gbr up &&
				ip -n "$s_ns" link set pw master gbr || return 1
		done
		guests_start "$run" --tap gt -- --tap gt || return 1
		for n in "$nsa" "$nsb"; do
			ip -n "$n" link set gt master gbr && ip -n "$n" link set gt up || return 1
		done ;;
	vhost)
		for x in A B; do
			pw_start $x "$run/pwire-$x.log" "vhost-user:$run/vu-$x.sock" || return 1
		done
		mtu=$(sed -n 's/.*host_mtu=\([0-9]*\).*/\1/p' "$run/pwire-A.log" | head -n 1)
		[ -n "$mtu" ] || { log "pwire printed no QEMU line with host_mtu"; return 1; }
		guests_start "$run" --vhost-user "$run/vu-A.sock" --mtu "$mtu" -- \
			--vhost-user "$run/vu-B.sock" --mtu "$mtu" || return 1 ;;
	esac
	for x in a b; do
		grep -q '^CPU ' /proc/"$(cat "$run/$x/pid")"/task/*/comm || {
			log "QEMU of guest $x has no thread named 'CPU ...' (-name ...,debug-threads=on)"
			return 1
		}
	done
	g "$run/b" 20 'iperf3 -s -D >/dev/null 2>&1' >/dev/null || { log "iperf3 -s failed in guest B"; return 1; }
	for _ in $(seq 20); do
		if g "$run/a" 10 'ping -c 1 -W 1 10.99.30.2' >/dev/null 2>&1; then
			g "$run/a" 20 'ping -c 10 -i 0.1 10.99.30.2' >/dev/null 2>&1
			return 0
		fi
		sleep 0.5
	done
	log "$mode: guest A cannot reach guest B"
	return 1
}

# g RUNDIR TIMEOUT CMD: CMD in that guest.
g() { "$peers/qemu-peer.sh" exec "$1" --timeout "$2" -- "$3"; }

# ticks PID [io]: utime + stime of the process PID (every thread, those
# ended too), in clock ticks; with io, less its threads named "CPU ...".
ticks() {
	local pid=$1 st f t comm sum
	read -r st <"/proc/$pid/stat" || return 1
	read -r -a f <<<"${st##*) }" # fields from the 3rd on: utime is the 14th
	sum=$((f[11] + f[12]))
	if [ "${2:-}" = io ]; then
		for t in /proc/"$pid"/task/*; do
			read -r comm <"$t/comm" 2>/dev/null || continue
			[[ $comm == "CPU "* ]] || continue
			read -r st <"$t/stat" || continue
			read -r -a f <<<"${st##*) }"
			sum=$((sum - f[11] - f[12]))
		done
	fi
	echo "$sum"
}

# cpu RUN: "PWIRE_TICKS QEMU_IO_TICKS" now.
cpu() {
	local p q=0 w=0 r
	for p in "${pw_pids[@]}"; do w=$((w + $(ticks "$p"))); done
	for r in "$1/a" "$1/b"; do q=$((q + $(ticks "$(cat "$r/pid")" io))); done
	echo "$w $q"
}

# measure MODE REP RUN: one TSV line.
measure() {
	local mode=$1 rep=$2 run=$3 c0 c1 res mbit bytes
	read -r -a c0 <<<"$(cpu "$run")"
	g "$run/a" $((T + 40)) "iperf3 -c 10.99.30.2 -t $T -J" >"$run/iperf3.json" 2>"$run/iperf3.err"
	read -r -a c1 <<<"$(cpu "$run")"
	res=$(python3 - "$run/iperf3.json" <<-'PY'
		import json, sys
		try:
		    r = json.load(open(sys.argv[1]))["end"]["sum_received"]
		    print(f'{r["bits_per_second"] / 1e6:.1f} {r["bytes"]}')
		except Exception:
		    print("FAILED 0")
	PY
	)
	read -r mbit bytes <<<"$res"
	g "$run/a" 30 'ping -c 100 -i 0.05 10.99.30.2' >"$run/ping.txt" 2>&1
	python3 - "$mode" "$rep" "$mbit" "$bytes" "$run/ping.txt" "${c0[@]}" "${c1[@]}" "$hz" <<-'PY'
		import re, statistics, sys
		mode, rep, mbit, nbytes, ping, w0, q0, w1, q1, hz = sys.argv[1:]
		w = (int(w1) - int(w0)) / int(hz)
		q = (int(q1) - int(q0)) / int(hz)
		gb = int(nbytes) / 1e9
		per = lambda s: f"{s / gb:.2f}" if gb > 0 else "FAILED"
		t = [float(x) for x in re.findall(r"time=([0-9.]+) ms", open(ping).read())]
		# Fewer than half the replies: the run failed.
		med, avg = (f"{statistics.median(t):.3f}", f"{statistics.mean(t):.3f}") \
		    if len(t) >= 50 else ("FAILED", "FAILED")
		print("\t".join([mode, rep, mbit, nbytes, med, avg, f"{w:.2f}", f"{q:.2f}", per(w),
		                 per(q), per(w + q)]))
	PY
}

main() {
	local rep k m run line failed=0 total done_runs=0 start per left
	# main runs in a subshell (its output goes to tee): the traps are its own.
	trap teardown EXIT
	trap 'exit 130' INT TERM
	"$here/../tests/install-deps.sh" bench || { echo "guests: tests/install-deps.sh bench failed"; return 2; }
	if ! why=$("$peers/qemu-peer.sh" check); then
		echo "guests: QEMU guests cannot run here: $why"
		return 2
	fi
	guest=$("$peers/build-guest.sh") || { echo "guests: tests/peers/build-guest.sh failed"; return 2; }
	grep -q iperf3 "$guest/contents" || { echo "guests: the guest image $guest has no iperf3"; return 2; }
	mkdir -p "$out" || return 2
	work=$(mktemp -d /var/tmp/pwire-guests.XXXXXX) || return 2
	chmod 755 "$work"
	total=$((reps * ${#modes[@]}))
	per=$((45 + T))
	echo "guests: $total runs ($reps reps x ${modes[*]}), T=$T s, about $((total * per / 60)) min;" \
		"pwire $pwire, $(nproc) CPUs, QEMU TCG, guest $guest"
	printf '# %s kernel=%s T=%s REPS=%s MODES=%s\n' "$(date -Is)" "$(uname -r)" "$T" "$reps" \
		"${modes[*]}" >"$tsv"
	printf '#mode\trep\ttcp_mbit\tbytes\tping_med_ms\tping_avg_ms\tpwire_cpu_s\tqemu_io_cpu_s\tpwire_s_per_gb\tqemu_io_s_per_gb\tcpu_s_per_gb\n' |
		tee -a "$tsv"
	start=$(date +%s)
	for rep in $(seq "$reps"); do
		k=$(((rep - 1) % ${#modes[@]}))
		for m in "${modes[@]:k}" "${modes[@]:0:k}"; do
			if [ "$done_runs" -gt 0 ]; then per=$((($(date +%s) - start) / done_runs)); fi
			left=$(((total - done_runs) * per))
			log "[$((done_runs + 1))/$total] rep $rep $m (about $((left / 60)) min $((left % 60)) s left)"
			run=$work/run-$rep-$m
			mkdir -p "$run"
			if start_mode "$m" "$run"; then
				line=$(measure "$m" "$rep" "$run")
			else
				line=$(printf '%s\t%s\tFAILED' "$m" "$rep")
			fi
			[[ $line == *FAILED* ]] && failed=$((failed + 1))
			echo "$line" | tee -a "$tsv"
			teardown
			done_runs=$((done_runs + 1))
		done
	done
	python3 - "$tsv" <<-'PY'
		import collections, statistics, sys
		cols = ["tcp_mbit", "bytes", "ping_med_ms", "ping_avg_ms", "pwire_cpu_s", "qemu_io_cpu_s",
		        "pwire_s_per_gb", "qemu_io_s_per_gb", "cpu_s_per_gb"]
		v = collections.defaultdict(lambda: collections.defaultdict(list))
		for line in open(sys.argv[1]):
		    if line.startswith("#"):
		        continue
		    f = line.rstrip("\n").split("\t")
		    for c, x in zip(cols, f[2:]):
		        try:
		            v[f[0]][c].append(float(x))
		        except ValueError:
		            pass
		med = {m: {c: statistics.median(x) for c, x in d.items() if x} for m, d in v.items()}
		def show(m, c, fmt):
		    x = med.get(m, {}).get(c)
		    return "-" if x is None else fmt.format(x)
		print("\nguests: medians (TCG; CPU in host seconds per GB received)")
		print(f"{'mode':6} {'TCP Mbit/s':>11} {'ping ms':>8} {'(mean)':>7} {'pwire s/GB':>11}"
		      f" {'QEMU-I/O s/GB':>14}"
		      f" {'sum s/GB':>9} {'runs':>5}")
		for m in ("qemu", "tap", "vhost"):
		    if m in v:
		        n = len(v[m]["tcp_mbit"])
		        print(f"{m:6} {show(m, 'tcp_mbit', '{:,.0f}'):>11} {show(m, 'ping_med_ms', '{:.2f}'):>8}"
		              f" {show(m, 'ping_avg_ms', '{:.2f}'):>7}"
		              f" {show(m, 'pwire_s_per_gb', '{:.2f}'):>11}"
		              f" {show(m, 'qemu_io_s_per_gb', '{:.2f}'):>14} {show(m, 'cpu_s_per_gb', '{:.2f}'):>9}"
		              f" {n:>5}")
		def ratio(a, b, c):
		    x, y = med.get(a, {}).get(c), med.get(b, {}).get(c)
		    return None if x is None or not y else x / y
		for base in ("tap", "qemu"):
		    r = [ratio("vhost", base, c) for c in ("tcp_mbit", "ping_med_ms", "cpu_s_per_gb")]
		    fmt = lambda x: "-" if x is None else f"{x:.2f}x"
		    print(f"guests: vhost / {base}: throughput {fmt(r[0])}, RTT {fmt(r[1])}, CPU/GB {fmt(r[2])}")
		floors = [("vhost throughput >= 1.0x tap's", "tcp_mbit", lambda r: r >= 1.0),
		          ("vhost RTT <= 1.0x tap's", "ping_med_ms", lambda r: r <= 1.0),
		          ("vhost CPU/GB < tap's", "cpu_s_per_gb", lambda r: r < 1.0)]
		for name, c, ok in floors:
		    r = ratio("vhost", "tap", c)
		    print(f"guests: floor {name}: " +
		          ("n/a (no median of both)" if r is None else f"{r:.2f}x: {'PASS' if ok(r) else 'FAIL'}"))
	PY
	echo "guests: lines in $tsv, logs in $work"
	if [ "$failed" -gt 0 ]; then
		echo "guests: $failed of $total runs failed (FAILED lines; logs in $work)"
		return 1
	fi
	return 0
}

tsv=$out/$stamp.guests.tsv
mkdir -p "$out" || exit 2
main 2>&1 | tee "$out/$stamp.guests.txt"
exit "${PIPESTATUS[0]}"
