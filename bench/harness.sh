#!/bin/bash
# bench/harness.sh: measure L2 overlays, one after the other, between two
# network namespaces joined by a veth underlay. bench/run.sh drives it (reps,
# progress, report); it also runs alone, as root:
#   PWIRE=build/pwire TESTS=ping bench/harness.sh vxlan naive pwire
#
#        namespace A                                      namespace B
#   DEV  10.232.0.1/24 ----- the overlay, MTU 1500 ----- DEV  10.232.0.2/24
#   ul0  10.231.0.1/24 ===== veth underlay, MTU 1600 ==== ul0  10.231.0.2/24
#
# For each overlay named: fresh namespaces, an iperf3 server in B, the
# overlay's two ends, a bounded wait until B answers through it and a
# warm-up, then each of TESTS from A to B's inner address; then everything is
# stopped (by PID) and the namespaces removed. Each test appends one row to
# RESULTS (tab-separated; bench/report.py reads it):
#   overlay rep test value unit tunnel_cpu_s busy_cpu_s steal_cpu_s wall_s key=value...
# tunnel_cpu_s: utime+stime of both tunnel processes (all threads) during the
# test; busy_cpu_s, steal_cpu_s: the whole machine's (/proc/stat).
#
# Overlays, each configured here, both ends the same but for the addresses:
#   none     the veth alone, MTU 1500 (what this machine can do)
#   vxlan    kernel VXLAN, VNI 42, UDP port 4789, over ul0
#   openvpn  OpenVPN p2p over UDP (port 1194), --dev-type tap, a static key
#            made once per BENCH_DIR with --cipher none --auth none (no
#            crypto: pwire has none), no DCO (it cannot do TAP)
#   tinc     tinc 1.0, Mode = switch, Cipher/Digest = none, Compression = 0;
#            RSA keys made once per BENCH_DIR (tincd -K)
#   naive    bench/naive.c: poll, one read()+sendto() per frame and one
#            recvfrom()+write() back; built by meson (NAIVE=, default
#            bench/naive in pwire's build directory)
#   pwire    PWIRE up DEV encap udp local UL_A remote UL_B udp_sport 1701
#            udp_dport 1701 session_id 1 peer_session_id 1 mtu IN_MTU PWIRE_ARGS
#            (with `fastpath on` or `auto` in PWIRE_ARGS, both ends' start-up
#            lines must say `path kernel`, or the run fails: a fast-path
#            variant measured on the userspace engine would be a wrong figure)
#   gro3     the GSO/GRO prototype ../shared/bench/naive/gso.c (built here
#            with cc -DFAST_CSUM, run with "grox"), only where ../shared/bench
#            is beside the project: it lives nowhere else; otherwise skipped,
#            with the reason, and no row
# The tunnels' inner MTU is IN_MTU, set on the device once it exists.
#
# Tests, each bounded by timeout(1) beyond its T seconds:
#   tcp     iperf3, 1 stream, T s: Gbit/s received (retr=, ctxsw=)
#   tcp4    iperf3, 4 streams
#   udp64   iperf3 -u -b 0 -l 64, T s: kpps received (loss%=, tx_kpps=, and
#           fwd_kpps=: the frames B's overlay device handed to B's stack a
#           second, received or dropped at the receiver's socket)
#   ping    PINGN pings 5 ms apart: median RTT in us (p99=, n=)
#
# env: T (10)  TESTS ("tcp tcp4 udp64 ping")  PWIRE (build/pwire)  PWIRE_ARGS
#      REP (1, the rep column)  LABEL (the overlay column; default the overlay)
#      BENCH_DIR (/var/tmp/pwire-bench: logs, keys)  RESULTS ($BENCH_DIR/results.tsv)
#      UL_MTU (1600)  IN_MTU (1500)  PINGN (200)  NAIVE  SHARED_BENCH
#      UL_FEATURES (none: words for `ethtool -K ul0` on both ends of the
#      underlay, e.g. "tx-udp_tnl-segmentation off tx-udp_tnl-csum-segmentation
#      off" to cut tunnel frames as a real wire does; needs ethtool)
# exit: 0 every overlay measured (or skipped with its reason); 1 one failed
# (its row says FAILED, the log names why); 2 usage or a missing tool.
set -u -o pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
T=${T:-10}
TESTS=${TESTS:-"tcp tcp4 udp64 ping"}
REP=${REP:-1}
UL_MTU=${UL_MTU:-1600}
IN_MTU=${IN_MTU:-1500}
PINGN=${PINGN:-200}
UL_FEATURES=${UL_FEATURES:-}
PWIRE=${PWIRE:-$root/build/pwire}
NAIVE=${NAIVE:-$(dirname "$PWIRE")/bench/naive}
SHARED_BENCH=${SHARED_BENCH:-$root/../shared/bench}
BENCH_DIR=${BENCH_DIR:-/var/tmp/pwire-bench}
RESULTS=${RESULTS:-$BENCH_DIR/results.tsv}
logs=$BENCH_DIR/logs
ns_a=pwb$$a ns_b=pwb$$b
ul_a=10.231.0.1 ul_b=10.231.0.2
in_a=10.232.0.1 in_b=10.232.0.2
port=1701
hz=$(getconf CLK_TCK)
tunnel_pids=() # both ends of the overlay being measured
server_pid=""  # iperf3 -s in B

case "${1:-}" in
"" | -h | --help)
	sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
	;;
esac

say() { echo "harness: $*" >&2; }
log() { echo "[$(date +%T)] $*" >>"$logs/harness.log"; }

for c in ip iperf3 jq ping ss timeout awk; do
	command -v "$c" >/dev/null || { say "needs $c (bench/run.sh installs what is missing)"; exit 2; }
done
[ "$(id -u)" = 0 ] || { say "needs root (network namespaces)"; exit 2; }
mkdir -p "$logs" || exit 2

# Stop processes by PID: TERM, up to 5 s to exit, then KILL.
stop_pids() {
	local p i
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

teardown() {
	stop_pids "${tunnel_pids[@]}" $server_pid
	tunnel_pids=() server_pid=""
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
	return 0
}
trap teardown EXIT
trap 'exit 130' INT TERM HUP

# Fresh namespaces, the veth between them, an iperf3 server in B.
underlay_up() { # mtu
	teardown
	ip netns add "$ns_a" && ip netns add "$ns_b" &&
		ip -n "$ns_a" link add ul0 mtu "$1" type veth peer name ul0 netns "$ns_b" mtu "$1" &&
		ip -n "$ns_a" addr add $ul_a/24 dev ul0 && ip -n "$ns_b" addr add $ul_b/24 dev ul0 &&
		ip -n "$ns_a" link set ul0 up && ip -n "$ns_b" link set ul0 up &&
		ip -n "$ns_a" link set lo up && ip -n "$ns_b" link set lo up || return 1
	if [ -n "$UL_FEATURES" ]; then
		# shellcheck disable=SC2086 # the words are ethtool's, one by one
		ip netns exec "$ns_a" ethtool -K ul0 $UL_FEATURES &&
			ip netns exec "$ns_b" ethtool -K ul0 $UL_FEATURES || return 1
	fi
	ip netns exec "$ns_b" iperf3 -s >>"$logs/iperf3-server.log" 2>&1 &
	server_pid=$!
	local i
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$ns_b" ss -Hltn 'sport = :5201')" ] && return 0
		sleep 0.1
	done
	log "iperf3 server did not listen in $ns_b"
	return 1
}

# Wait (bounded) for a tunnel program to create DEV in NS, then give DEV
# the inner MTU and address and bring it up.
inner_up() { # ns dev addr
	local i
	for i in $(seq 100); do
		ip -n "$1" link show "$2" >/dev/null 2>&1 && break
		alive || return 1
		sleep 0.1
	done
	ip -n "$1" link set "$2" mtu "$IN_MTU" up && ip -n "$1" addr add "$3/24" dev "$2" && return 0
	log "$2 did not appear in $1, or would not take MTU $IN_MTU"
	return 1
}

alive() {
	local p
	for p in "${tunnel_pids[@]}"; do
		kill -0 "$p" 2>/dev/null || { log "tunnel process $p exited"; return 1; }
	done
	return 0
}

# Start one tunnel end in NS; $! is the program itself (ip netns exec execs it).
start_end() { # side(A|B) ns program args...
	local side=$1 ns=$2
	shift 2
	log "$ns: $*"
	ip netns exec "$ns" "$@" >"$logs/$label-r$REP-$side.log" 2>&1 &
	tunnel_pids+=($!)
}

openvpn_end() { # side ns local remote
	start_end "$1" "$2" openvpn --dev "l2$1" --dev-type tap --proto udp4 \
		--local "$3" --lport 1194 --remote "$4" --rport 1194 \
		--secret "$BENCH_DIR/openvpn.key" --cipher none --auth none --disable-dco \
		--fast-io --tun-mtu "$IN_MTU" --mssfix 0 --verb 3
}

tinc_keys() { # both sides' RSA keys, made once per BENCH_DIR
	local side d=$BENCH_DIR/tinc
	for side in A B; do
		[ -s "$d/$side/rsa_key.priv" ] && [ -s "$d/$side.pub" ] && continue
		rm -rf "${d:?}/$side" && mkdir -p "$d/$side/hosts" || return 1
		echo "Name = $side" >"$d/$side/tinc.conf"
		# tinc 1.0: the private key to rsa_key.priv, the public one onto hosts/$side
		tincd -c "$d/$side" -K 2048 </dev/null >>"$logs/tinc-keys.log" 2>&1
		sed -n '/BEGIN RSA PUBLIC KEY/,/END RSA PUBLIC KEY/p' "$d/$side/hosts/$side" >"$d/$side.pub"
		[ -s "$d/$side.pub" ] || { log "tincd -K made no key (see $logs/tinc-keys.log)"; return 1; }
	done
}

tinc_end() { # side ns local other
	local side=$1 d=$BENCH_DIR/tinc s
	cat >"$d/$side/tinc.conf" <<-EOF
		Name = $side
		Mode = switch
		DeviceType = tap
		Interface = l2$side
		AddressFamily = ipv4
		BindToAddress = $3
		ConnectTo = $4
	EOF
	for s in A B; do # each side knows both hosts: address, settings, public key
		{
			printf 'Address = %s\nPort = 655\n' "$([ $s = A ] && echo $ul_a || echo $ul_b)"
			printf 'Cipher = none\nDigest = none\nCompression = 0\n'
			cat "$d/$s.pub"
		} >"$d/$side/hosts/$s"
	done
	start_end "$side" "$2" tincd -c "$d/$side" -D --pidfile="$d/$side.pid" \
		--logfile="$logs/$label-r$REP-$side.tinc.log"
}

gro3_build() {
	local src=$SHARED_BENCH/naive/gso.c
	[ -x "$BENCH_DIR/gro3" ] && [ "$BENCH_DIR/gro3" -nt "$src" ] && return 0
	cc -O2 -g -Wall -DFAST_CSUM -o "$BENCH_DIR/gro3" "$src" >>"$logs/gro3-build.log" 2>&1 ||
		{ log "cc $src failed (see $logs/gro3-build.log)"; return 1; }
}

# Both ends of overlay $1; sets target (B's address through the overlay).
overlay_up() {
	target=$in_b
	case $1 in
	none)
		target=$ul_b
		return 0
		;;
	vxlan)
		ip -n "$ns_a" link add l2A type vxlan id 42 local $ul_a remote $ul_b dstport 4789 dev ul0 &&
			ip -n "$ns_b" link add l2B type vxlan id 42 local $ul_b remote $ul_a dstport 4789 dev ul0 ||
			return 1
		;;
	openvpn)
		if [ ! -s "$BENCH_DIR/openvpn.key" ]; then
			openvpn --genkey secret "$BENCH_DIR/openvpn.key" >>"$logs/openvpn-key.log" 2>&1 ||
				{ log "openvpn --genkey failed"; return 1; }
		fi
		openvpn_end A "$ns_a" $ul_a $ul_b
		openvpn_end B "$ns_b" $ul_b $ul_a
		;;
	tinc)
		tinc_keys || return 1
		tinc_end A "$ns_a" $ul_a B
		tinc_end B "$ns_b" $ul_b A
		;;
	naive)
		[ -x "$NAIVE" ] || { log "no naive forwarder at $NAIVE (ninja builds bench/naive; or set NAIVE=)"; return 1; }
		start_end A "$ns_a" "$NAIVE" l2A $ul_a $ul_b $port 1
		start_end B "$ns_b" "$NAIVE" l2B $ul_b $ul_a $port 1
		;;
	gro3)
		gro3_build || return 1
		start_end A "$ns_a" "$BENCH_DIR/gro3" l2A $ul_a:$port $ul_b:$port 1 $((4 << 20)) grox
		start_end B "$ns_b" "$BENCH_DIR/gro3" l2B $ul_b:$port $ul_a:$port 1 $((4 << 20)) grox
		;;
	pwire)
		[ -x "$PWIRE" ] || { log "no pwire binary at $PWIRE (set PWIRE=)"; return 1; }
		# shellcheck disable=SC2086 # PWIRE_ARGS is a list of words
		start_end A "$ns_a" "$PWIRE" up l2A encap udp local $ul_a remote $ul_b \
			udp_sport $port udp_dport $port session_id 1 peer_session_id 1 mtu "$IN_MTU" ${PWIRE_ARGS:-}
		# shellcheck disable=SC2086
		start_end B "$ns_b" "$PWIRE" up l2B encap udp local $ul_b remote $ul_a \
			udp_sport $port udp_dport $port session_id 1 peer_session_id 1 mtu "$IN_MTU" ${PWIRE_ARGS:-}
		;;
	*)
		log "unknown overlay $1"
		return 1
		;;
	esac
	inner_up "$ns_a" l2A $in_a && inner_up "$ns_b" l2B $in_b
}

# With fastpath on or auto, both pwires' start-up lines (their logs) say
# `path kernel`; anything else fails the run, naming what the line said.
fast_path_checked() {
	[ "$overlay" = pwire ] || return 0
	case " ${PWIRE_ARGS:-} " in
	*" fastpath on "* | *" fastpath auto "*) ;;
	*) return 0 ;;
	esac
	local side f line
	for side in A B; do
		f=$logs/$label-r$REP-$side.log
		line=$(grep -m 1 ' up: ' "$f")
		case $line in
		*", path kernel ("*) log "$side: $line" ;;
		*)
			log "pwire $side is not on the kernel fast path: ${line:-no start-up line} ($f)"
			say "$label: pwire $side is not on the kernel fast path: ${line:-no start-up line}"
			return 1
			;;
		esac
	done
}

# Bounded wait until B answers through the overlay (tinc needs a few
# seconds to connect), then a warm-up: ARP, MAC learning, PMTU.
reachable() {
	local i
	for i in $(seq 15); do
		alive || return 1
		timeout 3 ip netns exec "$ns_a" ping -n -q -c 1 -W 1 "$target" >/dev/null 2>&1 && break
		[ "$i" = 15 ] && { log "$target unreachable through $label for 15 s"; return 1; }
	done
	timeout 10 ip netns exec "$ns_a" ping -n -q -c 20 -i 0.05 -W 1 "$target" >/dev/null 2>&1
	return 0
}

# CPU accounting over one test ----------------------------------------------
tunnel_ticks() { # utime+stime of the tunnel processes, all threads
	local p t=0 s
	for p in "${tunnel_pids[@]}"; do
		s=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || s=0
		t=$((t + ${s:-0}))
	done
	echo "$t"
}
tunnel_ctxsw() { # voluntary + involuntary context switches, all threads
	local p t=0 s
	for p in "${tunnel_pids[@]}"; do
		s=$(cat /proc/"$p"/task/*/status 2>/dev/null |
			awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }')
		t=$((t + ${s:-0}))
	done
	echo "$t"
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat; } # busy steal

cpu_begin() {
	c0=$(tunnel_ticks)
	x0=$(tunnel_ctxsw)
	read -r b0 s0 <<<"$(machine_ticks)"
	w0=$(date +%s.%N)
}
cpu_end() { # sets cpu ("tunnel busy steal wall") and ctxsw
	local c1 x1 b1 s1 w1
	c1=$(tunnel_ticks)
	x1=$(tunnel_ctxsw)
	read -r b1 s1 <<<"$(machine_ticks)"
	w1=$(date +%s.%N)
	cpu=$(awk -v hz="$hz" -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v s="$((s1 - s0))" \
		-v w0="$w0" -v w1="$w1" 'BEGIN { printf "%.2f %.2f %.2f %.2f", c / hz, b / hz, s / hz, w1 - w0 }')
	ctxsw=$((x1 - x0))
}

emit() { printf '%s\n' "$*" | tr ' ' '\t' >>"$RESULTS"; }

test_tcp() { # streams
	local tag=tcp j gbps retr
	[ "$1" != 1 ] && tag=tcp$1
	j=$logs/$label-r$REP-$tag.json
	cpu_begin
	timeout -k 2 $((T + 20)) ip netns exec "$ns_a" iperf3 -c "$target" -t "$T" -P "$1" -J \
		--connect-timeout 3000 >"$j" 2>"$j.err"
	cpu_end
	gbps=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e9 * 1000 | floor / 1000' "$j" 2>/dev/null) || gbps=0
	retr=$(jq -r '.end.sum_sent.retransmits // 0' "$j" 2>/dev/null) || retr=0
	emit "$label $REP $tag ${gbps:-0} Gbit/s $cpu retr=${retr:-0} ctxsw=$ctxsw"
}

# Frames B's overlay device has handed to B's stack so far (its rx_packets).
delivered() { ip netns exec "$ns_b" cat /sys/class/net/l2B/statistics/rx_packets 2>/dev/null || echo 0; }

test_udp64() {
	local j=$logs/$label-r$REP-udp64.json r rx loss tx d0 d1 fwd
	d0=$(delivered)
	cpu_begin
	timeout -k 2 $((T + 20)) ip netns exec "$ns_a" iperf3 -c "$target" -u -b 0 -l 64 -t "$T" -J \
		--connect-timeout 3000 >"$j" 2>"$j.err"
	cpu_end
	d1=$(delivered)
	# received = sent - lost, over the test's seconds
	r=$(jq -r '.end.sum | "\((.packets - .lost_packets) / .seconds / 1000 * 10 | floor / 10) \(.lost_percent | floor) \(.packets / .seconds / 1000 * 10 | floor / 10)"' \
		"$j" 2>/dev/null) || r=""
	read -r rx loss tx <<<"${r:-0 100 0}"
	# delivered: what the overlay handed to B's stack, over the same seconds
	# (more than rx when B's iperf3, short of CPU, drops at its socket)
	fwd=$(jq -r --argjson d "$((d1 - d0))" '.end.sum | ($d / .seconds / 1000 * 10 | floor / 10)' \
		"$j" 2>/dev/null) || fwd=0
	emit "$label $REP udp64 $rx kpps $cpu loss%=$loss tx_kpps=$tx fwd_kpps=${fwd:-0} ctxsw=$ctxsw"
}

test_ping() {
	local f=$logs/$label-r$REP-ping.txt st median p99 n
	cpu_begin
	timeout -k 2 $((PINGN / 100 + 20)) ip netns exec "$ns_a" ping -n -c "$PINGN" -i 0.005 -W 1 \
		"$target" >"$f" 2>&1
	cpu_end
	st=$(grep -o 'time=[0-9.]*' "$f" | cut -d= -f2 | sort -g | awk '
		{ us[NR] = $1 * 1000 }
		END {
			if (NR == 0) { print "0 0 0"; exit }
			med = NR % 2 ? us[(NR + 1) / 2] : (us[NR / 2] + us[NR / 2 + 1]) / 2
			i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
			printf "%.0f %.0f %d\n", med, us[i], NR
		}')
	read -r median p99 n <<<"$st"
	emit "$label $REP ping $median us $cpu p99=$p99 n=$n ctxsw=$ctxsw"
}

[ -s "$RESULTS" ] || emit "# $(date -Is) kernel=$(uname -r) T=$T REPS=1 UL_MTU=$UL_MTU IN_MTU=$IN_MTU TESTS=$TESTS overlays=$*"
status=0
for overlay in "$@"; do
	label=${LABEL:-$overlay}
	if [ "$overlay" = gro3 ] && [ ! -f "$SHARED_BENCH/naive/gso.c" ]; then
		say "gro3 skipped: the GSO/GRO prototype it measures lives only in ../shared/bench/naive/gso.c, which is not beside this project ($SHARED_BENCH)"
		continue
	fi
	log "=== rep $REP overlay $overlay as $label"
	mtu=$UL_MTU
	[ "$overlay" = none ] && mtu=$IN_MTU
	if ! underlay_up "$mtu" || ! overlay_up "$overlay" || ! reachable || ! fast_path_checked; then
		say "$label: FAILED to come up (see $logs/harness.log and $logs/$label-r$REP-*.log)"
		emit "$label $REP FAILED 0 - 0 0 0 0"
		status=1
		teardown
		continue
	fi
	for t in $TESTS; do
		case $t in
		tcp) test_tcp 1 ;;
		tcp4) test_tcp 4 ;;
		udp64) test_udp64 ;;
		ping) test_ping ;;
		*) say "unknown test $t" && exit 2 ;;
		esac
	done
	if ! alive; then
		say "$label: a tunnel process died during the tests (see $logs/$label-r$REP-*.log)"
		status=1
	fi
	teardown
done
exit $status
