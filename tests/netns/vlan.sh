#!/bin/bash
# TCP inside a VLAN over a pwire <-> pwire pseudowire: the kernel hands pwire
# VLAN-tagged TSO super-frames, which it must cut (not refuse), and pwire
# joins tagged segments back for the TAP. iperf3 for 3 s untagged, then in
# 802.1Q, then in QinQ (802.1ad outside 802.1Q); each tagged run must move at
# least a third of the untagged rate. Then IPv6 TCP with a Destination
# Options header (IPV6_DSTOPTS on the sender's socket), against the same
# sender without it: at least a third as fast. Both pwires must end with
# rx_bad_offload 0 and rx_too_big 0. They run 2 queues and iperf3 4
# streams: queue q of one pwire receives what queue q of the other sent,
# tagged or not (the steering program finds the IP header behind the tags).
#
#   netns A                                   netns B
#   pw0[.5] 10.99.0.1 -- pwire ==[veth]== pwire -- pw0[.5] 10.99.0.2
#
# The tags come from VLAN devices on pw0 where the kernel has 8021q;
# otherwise from a BPF program on pw0 (tc clsact: push on egress, pop on
# ingress), which the stack cannot tell from a NIC that tags in hardware.
# As over any tunnel, the tagged interface's MTU leaves 4 bytes per tag:
# pwire's MTU leaves room for the encapsulation of an untagged frame, so a
# full-size tagged frame would leave as a fragmented datagram (it arrives,
# but 4 to 5 times slower: no UDP GSO, two datagrams each).
set -eu
: "${PWIRE:?}"
a=pwvlA$$ b=pwvlB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }

pw_pair "$a" "$b" 10.213.0.1 10.213.0.2 24
common=(udp_sport 1701 udp_dport 1701 queues 2 --json)
pw_start "$a" "$tmp/a" up pw0 local 10.213.0.1 remote 10.213.0.2 session_id 1 peer_session_id 2 "${common[@]}"
pw_start "$b" "$tmp/b" up pw0 local 10.213.0.2 remote 10.213.0.1 session_id 2 peer_session_id 1 "${common[@]}"
pw_wait_up "$a" pw0
pw_wait_up "$b" pw0
mtu=$(ip -n "$a" -j link show pw0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')

# How to tag: VLAN devices, or the BPF program (probed on a veth of our own).
mode=
ip netns add "pwvlP$$" && namespaces+=("pwvlP$$")
ip -n "pwvlP$$" link add p0 type veth peer name p1
if ip -n "pwvlP$$" link add link p0 name p0.5 type vlan id 5 2>/dev/null &&
	ip -n "pwvlP$$" link add link p0 name p0.100 type vlan proto 802.1ad id 100 2>/dev/null; then
	mode=dev
else
	cat >"$tmp/vlan.c" <<'EOF'
/* Tag what leaves pw0 (802.1Q VLAN 5; QinQ: 802.1ad VLAN 100 outside it) and
 * untag what arrives, as a NIC with VLAN offload would. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#define SEC(name) __attribute__((section(name), used))
static long (*vlan_push)(struct __sk_buff *, __u16, __u16) = (void *)BPF_FUNC_skb_vlan_push;
static long (*vlan_pop)(struct __sk_buff *) = (void *)BPF_FUNC_skb_vlan_pop;
SEC("tc/q") int q(struct __sk_buff *skb)
{
	return vlan_push(skb, __builtin_bswap16(0x8100), 5) ? TC_ACT_SHOT : TC_ACT_OK;
}
SEC("tc/qinq") int qinq(struct __sk_buff *skb)
{
	if (vlan_push(skb, __builtin_bswap16(0x8100), 5))
		return TC_ACT_SHOT;
	return vlan_push(skb, __builtin_bswap16(0x88a8), 100) ? TC_ACT_SHOT : TC_ACT_OK;
}
SEC("tc/pop") int pop(struct __sk_buff *skb)
{
	vlan_pop(skb);
	vlan_pop(skb);
	return TC_ACT_OK;
}
char _license[] SEC("license") = "GPL";
EOF
	bpfcc=(clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)")
	if ! command -v clang >/dev/null || ! echo '#include <linux/bpf.h>
int f(struct __sk_buff *s) { return 0; }' | "${bpfcc[@]}" -x c -c - -o "$tmp/probe.o" 2>/dev/null; then
		echo "SKIP: no 8021q module and clang cannot build BPF (clang with the bpf target, linux headers)"
		exit 77
	fi
	run "${bpfcc[@]}" -c "$tmp/vlan.c" -o "$tmp/vlan.o"
	if ! tc -n "pwvlP$$" qdisc add dev p0 clsact 2>/dev/null ||
		! tc -n "pwvlP$$" filter add dev p0 egress bpf da obj "$tmp/vlan.o" sec tc/q 2>/dev/null; then
		echo "SKIP: no 8021q module and no tc clsact with BPF (cls_bpf) in this kernel"
		exit 77
	fi
	mode=bpf
fi
echo "tagging with: $mode"

# untag: remove what tag TAGS (0, 1, 2) set up; tag TAGS: VLAN devices or
# BPF on pw0 of both sides; prints the device that carries the addresses.
untag() {
	local ns
	for ns in "$a" "$b"; do
		ip -n "$ns" link del pw0.5 2>/dev/null || true
		ip -n "$ns" link del pw0.100 2>/dev/null || true
		tc -n "$ns" qdisc del dev pw0 clsact 2>/dev/null || true
		ip -n "$ns" addr flush dev pw0
		ip -n "$ns" link set pw0 mtu "$mtu"
	done
}
tag() {
	local tags=$1 ns dev=pw0
	for ns in "$a" "$b"; do
		if [ "$tags" = 0 ]; then
			:
		elif [ "$mode" = dev ] && [ "$tags" = 1 ]; then
			run ip -n "$ns" link add link pw0 name pw0.5 mtu $((mtu - 4)) type vlan id 5
			dev=pw0.5
		elif [ "$mode" = dev ]; then
			run ip -n "$ns" link add link pw0 name pw0.100 mtu $((mtu - 4)) type vlan proto 802.1ad id 100
			run ip -n "$ns" link set pw0.100 up
			run ip -n "$ns" link add link pw0.100 name pw0.5 mtu $((mtu - 8)) type vlan id 5
			dev=pw0.5
		else
			run ip -n "$ns" link set pw0 mtu $((mtu - 4 * tags))
			run tc -n "$ns" qdisc add dev pw0 clsact
			run tc -n "$ns" filter add dev pw0 egress bpf da obj "$tmp/vlan.o" sec "tc/$([ "$tags" = 1 ] && echo q || echo qinq)"
			run tc -n "$ns" filter add dev pw0 ingress bpf da obj "$tmp/vlan.o" sec tc/pop
		fi
		ip -n "$ns" link set "$dev" up
	done
	echo "$dev"
}

# iperf3 -t 3 from A to B's ADDR; prints bits/s received.
rate() {
	local addr=$1 i
	ip netns exec "$b" timeout 20 iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
	local srv=$!
	for i in $(seq 50); do
		ip netns exec "$b" ss -Hltn "sport = :5201" | grep -q . && break
		sleep 0.1
	done
	echo "+ ip netns exec $a iperf3 -c $addr -t 3 -P 4 -J" >&2
	ip netns exec "$a" timeout 20 iperf3 -c "$addr" -t 3 -P 4 -J >"$tmp/iperf.json"
	wait "$srv" || true
	python3 -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$tmp/iperf.json"
}

declare -A bps
for tags in 0 1 2; do
	untag
	dev=$(tag "$tags")
	run ip -n "$a" addr add 10.99.0.1/24 dev "$dev"
	run ip -n "$b" addr add 10.99.0.2/24 dev "$dev"
	run ip netns exec "$a" ping -c 2 -i 0.2 -W 2 10.99.0.2 >/dev/null
	bps[$tags]=$(rate 10.99.0.2)
	echo "tags=$tags: $((bps[$tags] / 1000000)) Mbit/s"
	pw_queues_match "$tmp/a" "$tmp/b" 2 "$a" "$b" || { echo "FAIL: tags=$tags: a queue of B received what another queue of A sent"; exit 1; }
done
untag

# IPv6 TCP with and without a Destination Options header (a small sender:
# iperf3 cannot set IPV6_DSTOPTS).
cat >"$tmp/sink.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5301))
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.settimeout(10)
n = 0
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    n += len(d)
print(n)
PY
cat >"$tmp/send.py" <<'PY'
import socket, sys, time
dst, dstopts = sys.argv[1], sys.argv[2] == "1"
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
if dstopts:  # next header (filled in by the kernel), length 0, PadN of 6
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.connect((dst, 5301))
buf, end = bytes(1 << 20), time.monotonic() + 3
while time.monotonic() < end:
    s.sendall(buf)
s.close()
PY
run ip -n "$a" addr add fd00:99::1/64 dev pw0 nodad
run ip -n "$b" addr add fd00:99::2/64 dev pw0 nodad
run ip netns exec "$a" ping -6 -c 2 -i 0.2 -W 2 fd00:99::2 >/dev/null
for opt in 0 1; do
	ip netns exec "$b" timeout 20 python3 "$tmp/sink.py" fd00:99::2 >"$tmp/sink" &
	sink=$!
	for i in $(seq 50); do
		ip netns exec "$b" ss -Hltn "sport = :5301" | grep -q . && break
		sleep 0.1
	done
	run ip netns exec "$a" timeout 20 python3 "$tmp/send.py" fd00:99::2 "$opt"
	wait "$sink"
	bps[v6-$opt]=$(($(cat "$tmp/sink") * 8 / 3))
	echo "IPv6 destination options=$opt: $((bps[v6-$opt] / 1000000)) Mbit/s"
done

pw_stop
fail=0
for t in 1 2; do
	if [ $((bps[$t] * 3)) -lt "${bps[0]}" ]; then
		echo "FAIL: $t VLAN tag(s): $((bps[$t] / 1000000)) Mbit/s, under a third of untagged $((bps[0] / 1000000))"
		fail=1
	fi
done
if [ $((bps[v6-1] * 3)) -lt "${bps[v6-0]}" ]; then
	echo "FAIL: IPv6 with destination options: $((bps[v6-1] / 1000000)) Mbit/s, under a third of $((bps[v6-0] / 1000000)) without"
	fail=1
fi
python3 - "$tmp/a" "$tmp/b" <<'PY' || fail=1
import json, sys
bad = []
for path in sys.argv[1:]:
    v = json.loads(open(path).read().splitlines()[-1])["vnic"]
    print(path[-1], "vnic", json.dumps(v))
    bad += [f"{path[-1]}: {k} {v[k]}" for k in ("rx_bad_offload", "rx_too_big") if v[k]]
print("\n".join("FAIL: " + b for b in bad) if bad else "no super-frame refused on either side")
sys.exit(1 if bad else 0)
PY
exit $fail
