# shellcheck shell=bash
# tests/lib.sh: what the namespace tests share. Source it, then:
#   pw_pair A B ADDR_A ADDR_B PLEN  two namespaces joined by a veth (ul0 in each)
#   pw_start NS OUT ARGS...         a pwire in NS (stdout to OUT, stderr to OUT.err)
#   pw_wait_up NS DEV               wait (bounded) until DEV is up in NS
#   pw_wait_fast ERR NS...          pw0 up in each NS; else skip (77) when ERR (the
#                                   stderr of a pwire with fastpath on) says the
#                                   kernel refused the programs for want of
#                                   privilege, fail otherwise
#   pw_stop                         SIGINT every pwire started; fail unless each exits 0
#   pw_report I OUT                 SIGUSR1 to the Ith pwire started, then wait
#                                   (bounded) until OUT, its stdout, has a new line
#   pw_rcvbuf_errors NS             the UDP RcvbufErrors count of NS (/proc/net/snmp)
#   pw_filters NS DEV DIR           the `tc filter show` lines of DEV's DIR hook
#                                   (ingress|egress) in NS naming pwire's
#                                   programs (pw_encap, pw_decap)
#   pw_kernel_lost FROM TO          datagrams the kernel dropped (and counted)
#                                   between FROM's ul0 and a UDP socket in TO
#   pw_queues_match A B N NSA NSB   queue q of the pwire writing --json to A
#                                   sent what queue q of B's received, and
#                                   back, short only where the kernel counted
#                                   drops (pids[0] writes A, pids[1] writes B)
#   pw_tcp_copy FROM TO ADDR BYTES  BYTES of random data sent over TCP from ns FROM to
#                                   ADDR (IPv4 or IPv6) port 5001 in ns TO (socat,
#                                   bounded): 0 when they arrived intact, 1 when
#                                   the transfer did not complete, 2 when they
#                                   arrived altered
#   run CMD...                      print the command, then run it
# Everything created is removed on exit: the pwires started (by PID), the
# namespaces, $tmp.
tmp=$(mktemp -d)
pids=()
namespaces=()

pw_cleanup() {
	local p n
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in "${namespaces[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap pw_cleanup EXIT

run() {
	echo "+ $*" >&2
	"$@"
}

pw_pair() {
	local a=$1 b=$2 ua=$3 ub=$4 plen=$5 ns
	run ip netns add "$a"
	namespaces+=("$a")
	run ip netns add "$b"
	namespaces+=("$b")
	run ip -n "$a" link add ul0 type veth peer name ul0 netns "$b"
	for ns in "$a" "$b"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set ul0 up
	done
	# No duplicate address detection to wait for; IPv6 only (ip warns on IPv4).
	local dad=()
	[[ $ua == *:* ]] && dad=(nodad)
	run ip -n "$a" addr add "$ua/$plen" dev ul0 "${dad[@]}"
	run ip -n "$b" addr add "$ub/$plen" dev ul0 "${dad[@]}"
}

pw_start() {
	local ns=$1 out=$2
	shift 2
	echo "+ ip netns exec $ns pwire $* &" >&2
	ip netns exec "$ns" "$PWIRE" "$@" >"$out" 2>"$out.err" &
	pids+=($!)
}

pw_wait_up() {
	local _
	for _ in $(seq 50); do
		ip -n "$1" link show "$2" 2>/dev/null | grep -q ',UP' && return 0
		sleep 0.1
	done
	echo "$2 did not come up in $1" >&2
	return 1
}

pw_wait_fast() {
	local err=$1 ns
	shift
	for ns in "$@"; do
		pw_wait_up "$ns" pw0 && continue
		cat "$tmp"/*.err
		if grep -q 'refused the programs: Operation not permitted' "$err"; then
			echo "SKIP: the kernel refuses BPF programs here (EPERM)"
			exit 77
		fi
		echo "FAIL: pwire did not start in $ns"
		exit 1
	done
}

pw_stop() {
	local p
	for p in "${pids[@]}"; do
		kill -INT "$p"
		wait "$p" || { echo "FAIL: pwire exited $?"; cat "$tmp"/*.err; exit 1; }
	done
	pids=()
}

pw_report() {
	local n _
	n=$(wc -l <"$2")
	kill -USR1 "${pids[$1]}"
	for _ in $(seq 50); do
		[ "$(wc -l <"$2")" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "FAIL: no report in $2 after SIGUSR1"
	exit 1
}

pw_tcp_copy() {
	local from=$1 to=$2 listen=TCP-LISTEN:5001 dst=TCP:$3:5001 sink
	[[ $3 == *:* ]] && listen=TCP6-LISTEN:5001 dst=TCP6:[$3]:5001
	head -c "$4" /dev/urandom >"$tmp/tcp-send"
	ip netns exec "$to" timeout 40 socat -u "$listen,reuseaddr" \
		"OPEN:$tmp/tcp-recv,creat,trunc" &
	sink=$!
	sleep 0.3
	ip netns exec "$from" timeout 30 socat -u "OPEN:$tmp/tcp-send" \
		"$dst,retry=20,interval=0.1" || { kill "$sink" 2>/dev/null; return 1; }
	wait "$sink" || return 1
	cmp -s "$tmp/tcp-send" "$tmp/tcp-recv" || return 2
}

pw_rcvbuf_errors() {
	ip netns exec "$1" awk '/^Udp:/ { if (h) { print $6 + 0 } else { h = 1 } }' /proc/net/snmp
}

# Succeeds with no line when the hook holds none of pwire's programs; tc's
# own errors (no such device) go to stderr.
pw_filters() {
	ip netns exec "$1" tc filter show dev "$2" "$3" | grep -E 'pw_(en|de)cap' || true
}

# The datagrams the kernel dropped, and counted, on their way from FROM's ul0
# to a UDP socket in TO: FROM's veth could not hand them over (its tx
# dropped), TO's veth dropped them, or TO's UDP (v4 or v6) refused them (a
# full receive buffer is the common one: InErrors includes RcvbufErrors), or
# found no socket yet (NoPorts: the MLD report a TAP sends as it comes up,
# before the other side has bound its port).
pw_kernel_lost() {
	local from=$1 to=$2 tx rx udp
	tx=$(ip -n "$from" -s -j link show ul0 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])')
	rx=$(ip -n "$to" -s -j link show ul0 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])')
	udp=$(ip netns exec "$to" awk '/^Udp:/ { if (h) { n += $3 + $4 } else { h = 1 } } /^Udp6(InErrors|NoPorts)/ { n += $2 } END { print n + 0 }' /proc/net/snmp /proc/net/snmp6)
	echo $((tx + rx + udp))
}

# Compared in reports both pwires print at the same moment on a quiet link,
# not in exit counters: the kernel may send a frame (an IPv6 neighbour or
# MLD message) after one pwire has stopped and before the other has. A
# snapshot that caught a frame in flight is taken again, five times at most.
# A datagram the kernel dropped under load is no pwire's loss, but it is
# counted: frames may be missing one way only if the kernel counted drops
# (at least one per skb: a UDP GRO train is one), and no queue of B may have
# received more than the same queue of A sent (a frame steered to another
# queue would show there). Counted from pw_queues_base's snapshot when one
# was taken: frames the peer sent while a pwire was still joining its
# sockets into one group (before the steering program was attached: the
# kernel's own choice) are not the steering's.
pw_queues_match() {
	local a=$1 b=$2 n=$3 nsa=$4 nsb=$5 _
	for _ in 1 2 3 4 5; do
		sleep 0.5
		kill -USR1 "${pids[0]}" "${pids[1]}"
		sleep 0.2
		python3 - "$a" "$b" "$n" "$(pw_kernel_lost "$nsa" "$nsb")" "$(pw_kernel_lost "$nsb" "$nsa")" <<'PY' && return 0
import json, os, sys
def queues(path):
    now = json.loads(open(path).read().splitlines()[-1])["queues"]
    if not os.path.exists(path + ".base"):
        return now, 0
    base = json.loads(open(path + ".base").read())
    return [{k: q[k] - b[k] for k in ("tx_packets", "rx_packets")}
            for q, b in zip(now, base["queues"])], base["lost"]
A, lost_a = queues(sys.argv[1])
B, lost_b = queues(sys.argv[2])
n = int(sys.argv[3])
lost_ab, lost_ba = int(sys.argv[4]) - lost_a, int(sys.argv[5]) - lost_b
for q in range(n):
    print(f"queue {q}: A tx {A[q]['tx_packets']} rx {A[q]['rx_packets']}, "
          f"B tx {B[q]['tx_packets']} rx {B[q]['rx_packets']}")
print(f"the kernel dropped {lost_ab} datagrams A to B, {lost_ba} B to A")
# The kernel counts a dropped skb once, and under UDP GRO one skb holds a
# train of datagrams: a loss needs at least one counted drop per train.
def matched(S, R, lost):
    missing = sum(S[q]["tx_packets"] - R[q]["rx_packets"] for q in range(n))
    return (all(R[q]["rx_packets"] <= S[q]["tx_packets"] for q in range(n)) and
            (missing == 0 if lost == 0 else missing >= lost))
sys.exit(0 if matched(A, B, lost_ab) and matched(B, A, lost_ba) else 1)
PY
	done
	return 1
}

# pw_queues_base A_FILE B_FILE NS_A NS_B: the base pw_queues_match counts
# from (A_FILE.base, B_FILE.base): both pwires' queue counters and the
# kernel's drops, taken when two reports in a row agree (nothing in flight).
pw_queues_base() {
	local a=$1 b=$2 nsa=$3 nsb=$4 _
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -USR1 "${pids[0]}" "${pids[1]}"
		sleep 0.3
		python3 - "$a" "$b" "$(pw_kernel_lost "$nsa" "$nsb")" "$(pw_kernel_lost "$nsb" "$nsa")" <<'PY' && return 0
import json, os, sys
a, b, lost_ab, lost_ba = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now = {f: json.loads(open(f).read().splitlines()[-1])["queues"] for f in (a, b)}
seen = {f: json.loads(open(f + ".seen").read()) if os.path.exists(f + ".seen") else None for f in (a, b)}
for f in (a, b):
    open(f + ".seen", "w").write(json.dumps(now[f]))
if any(seen[f] != now[f] for f in (a, b)):
    sys.exit(1)
open(a + ".base", "w").write(json.dumps({"queues": now[a], "lost": lost_ab}))
open(b + ".base", "w").write(json.dumps({"queues": now[b], "lost": lost_ba}))
PY
	done
	echo "FAIL: no quiet moment for the queues' base in 10 reports"
	return 1
}
