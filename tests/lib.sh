# shellcheck shell=bash
# tests/lib.sh: what the namespace tests share. Source it, then:
#   pw_pair A B ADDR_A ADDR_B PLEN  two namespaces joined by a veth (ul0 in each)
#   pw_start NS OUT ARGS...         a pwire in NS (stdout to OUT, stderr to OUT.err)
#   pw_wait_up NS DEV               wait (bounded) until DEV is up in NS
#   pw_stop                         SIGINT every pwire started; fail unless each exits 0
#   pw_rcvbuf_errors NS             the UDP RcvbufErrors count of NS (/proc/net/snmp)
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
	run ip -n "$a" addr add "$ua/$plen" dev ul0 nodad
	run ip -n "$b" addr add "$ub/$plen" dev ul0 nodad
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

pw_stop() {
	local p
	for p in "${pids[@]}"; do
		kill -INT "$p"
		wait "$p" || { echo "FAIL: pwire exited $?"; cat "$tmp"/*.err; exit 1; }
	done
	pids=()
}

pw_rcvbuf_errors() {
	ip netns exec "$1" awk '/^Udp:/ { if (h) { print $6 + 0 } else { h = 1 } }' /proc/net/snmp
}
