#!/bin/bash
# pwired serving two QEMU guests over vhost-user, each on its own pseudowire,
# both on one UDP socket (port 17001, sessions 1 and 3), against two
# `pwire up` on TAPs (ports 17002 and 17003), in one throw-away namespace
# (loopback only):
#
#   netns pwdv$$ (lo)
#   guest 1 10.99.1.2 =vhost-user $run/vm1.sock=\
#                                                pwired [:17001] <==> [:17002] pwire -- pw1 10.99.1.1
#   guest 2 10.99.2.2 =vhost-user $run/vm2.sock=/                <==> [:17003] pwire -- pw2 10.99.2.1
#
# Checks (issue 15, M4): `pwired -n` prints both vNICs back; a section whose
# socket is outside pwired's run directory (the control socket's) is refused
# naming it; both guests answer pings; guest 2 is killed (-9) and started
# again while guest 1 is pinged (200 pings at 0.02 s, none lost): pwired
# logs it gone and attached again, serves it (ping), and `pwire show --json`
# has each pseudowire's vhost counters (connects 1 and 2, every violation
# 0), as do its Prometheus metrics; pwired runs unprivileged (CapEff 0). Skips (exit 77) only when
# qemu-peer.sh check finds something missing here.
set -u
: "${PWIRE:?}" "${PWIRED:?}" "${PEERS:?}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
interop_require "$PEERS/qemu-peer.sh"
ns=pwdv$$
run=$tmp/rundir
daemon= b1= b2= rundir2=$tmp/run2

pwired_cleanup() {
	local p
	for p in "$daemon" "$b1" "$b2"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	"$PEERS/qemu-peer.sh" stop "$rundir2" 2>/dev/null
	interop_cleanup
}
trap pwired_cleanup EXIT

fail() {
	echo "FAIL: $*"
	local f
	for f in "$tmp/daemon.err" "$tmp/daemon.out" "$tmp/b1.err" "$tmp/b2.err" "$tmp/peer.log"; do
		[ -s "$f" ] && echo "--- $f:" && cat "$f"
	done
	exit 1
}

# section N: pwired's pseudowire to pwire B's port 1700(N+1).
section() {
	cat <<CONF
[vm$1]
vnic = vhost-user:$run/vm$1.sock
local = 127.0.0.1
remote = 127.0.0.1
udp_sport = 17001
udp_dport = 1700$(($1 + 1))
session_id = $((2 * $1 - 1))
peer_session_id = $((2 * $1))
mtu = 1400

CONF
}

mkdir -m 700 "$run"
run ip netns add "$ns" || fail "cannot create namespace $ns"
run ip -n "$ns" link set lo up
{ section 1; section 2; } >"$tmp/pwire.conf"
run "$PWIRED" -n -c "$tmp/pwire.conf" >"$tmp/normal" || fail "pwired -n refused the file"
for n in 1 2; do
	grep -qx "vnic = vhost-user:$run/vm$n.sock" "$tmp/normal" ||
		fail "pwired -n does not print vm$n's vNIC back: $(cat "$tmp/normal")"
done

# A socket outside the run directory: refused, naming the rule.
sed "s|$run/vm2.sock|$tmp/elsewhere.sock|" "$tmp/pwire.conf" >"$tmp/outside.conf"
ip netns exec "$ns" timeout 20 "$PWIRED" -f -c "$tmp/outside.conf" -s "$run/control.sock" \
	>/dev/null 2>"$tmp/outside.err" && fail "pwired ran with a socket outside its run directory"
grep -q "vm2.*makes vhost-user sockets in $run only" "$tmp/outside.err" ||
	fail "pwired's refusal does not name the rule: $(cat "$tmp/outside.err")"
[ -e "$tmp/elsewhere.sock" ] && fail "the helper made $tmp/elsewhere.sock"

echo "+ ip netns exec $ns $PWIRED -f -c $tmp/pwire.conf -s $run/control.sock &" >&2
ip netns exec "$ns" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$run/control.sock" \
	>"$tmp/daemon.out" 2>"$tmp/daemon.err" &
daemon=$!
for _ in $(seq 50); do
	[ -S "$run/vm1.sock" ] && [ -S "$run/vm2.sock" ] && break
	kill -0 "$daemon" 2>/dev/null || fail "pwired ended"
	sleep 0.1
done
[ -S "$run/vm2.sock" ] || fail "pwired made no vhost-user sockets within 5 s"

for n in 1 2; do
	echo "+ ip netns exec $ns $PWIRE up pw$n ... &" >&2
	ip netns exec "$ns" "$PWIRE" up "pw$n" local 127.0.0.1 remote 127.0.0.1 \
		udp_sport "1700$((n + 1))" udp_dport 17001 session_id $((2 * n)) \
		peer_session_id $((2 * n - 1)) mtu 1400 >"$tmp/b$n.out" 2>"$tmp/b$n.err" &
	eval "b$n=\$!"
done
for n in 1 2; do
	for _ in $(seq 50); do
		ip -n "$ns" link show "pw$n" 2>/dev/null | grep -q ',UP' && break
		sleep 0.1
	done
	run ip -n "$ns" addr add "10.99.$n.1/24" dev "pw$n" || fail "cannot address pw$n"
done

# Both guests boot at once (each is started in the background, then waited for).
rundir=$tmp/run1
"$PEERS/qemu-peer.sh" start "$rundir" --vhost-user "$run/vm1.sock" --mtu 1400 \
	--guest-ip 10.99.1.2/24 --timeout 150 >"$tmp/peer.log" 2>&1 &
g1=$!
"$PEERS/qemu-peer.sh" start "$rundir2" --vhost-user "$run/vm2.sock" --mtu 1400 \
	--guest-ip 10.99.2.2/24 --timeout 150 >"$tmp/peer2.log" 2>&1 &
g2=$!
script=$PEERS/qemu-peer.sh
wait "$g1" || { cat "$tmp/peer.log"; fail "guest 1 did not start"; }
wait "$g2" || { cat "$tmp/peer2.log"; fail "guest 2 did not start"; }
for n in 1 2; do
	replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 "10.99.$n.2" | grep -c 'bytes from')
	echo "pw$n -> guest $n: $replies/5 replies"
	[ "$replies" = 5 ] || fail "ping guest $n: $replies/5"
done

# Guest 2 dies and comes back while guest 1 is pinged.
ip netns exec "$ns" ping -q -c 200 -i 0.02 -W 2 10.99.1.2 >"$tmp/ping1" 2>&1 &
pp=$!
kill -9 "$(cat "$rundir2/pid")"
for _ in $(seq 50); do
	grep -q 'vm2.sock: guest gone' "$tmp/daemon.err" && break
	sleep 0.1
done
grep -q 'vm2.sock: guest gone' "$tmp/daemon.err" || fail "pwired did not say guest 2 was gone"
rundir2=$tmp/run2b
"$PEERS/qemu-peer.sh" start "$rundir2" --vhost-user "$run/vm2.sock" --mtu 1400 \
	--guest-ip 10.99.2.2/24 --timeout 150 >"$tmp/peer2.log" 2>&1 ||
	{ cat "$tmp/peer2.log"; fail "guest 2 did not start again"; }
wait "$pp"
cat "$tmp/ping1"
grep -q ' 0% packet loss' "$tmp/ping1" || fail "guest 1 lost pings while guest 2 came back"
run ip -n "$ns" neigh flush dev pw2
replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 10.99.2.2 | grep -c 'bytes from')
echo "pw2 -> restarted guest 2: $replies/5 replies"
[ "$replies" -ge 3 ] || fail "ping restarted guest 2: $replies/5"
[ "$(grep -c 'vm2.sock: guest attached' "$tmp/daemon.err")" -ge 2 ] ||
	fail "pwired did not say guest 2 attached again"

st=/proc/$daemon/status
grep -qx $'CapEff:\t0000000000000000' "$st" || fail "pwired kept capabilities: $(grep CapEff "$st")"
run "$PWIRE" -s "$run/control.sock" show --json >"$tmp/show" || fail "pwire show"
python3 - "$tmp/show" <<'PY' || fail "pwired's vhost counters"
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text)
sessions = doc if isinstance(doc, list) else doc.get("sessions", doc)
bad = []
want = {"vm1": 1, "vm2": 2}
for s in sessions:
    v = s["counters"].get("vhost")
    print(s["name"], s["vnic"], v)
    if v is None:
        bad.append(f"{s['name']}: no vhost counters")
        continue
    if v["connects"] != want[s["name"]]:
        bad.append(f"{s['name']}: connects {v['connects']}, want {want[s['name']]}")
    for k in ("bad_msg", "bad_mem_table", "bad_ring_addr", "desc_out_of_region",
              "desc_bad_index", "desc_chain_too_long", "desc_zero_len", "desc_wrong_dir",
              "desc_bad_indirect", "avail_idx_jump", "tx_guest_buf_short"):
        if v[k]:
            bad.append(f"{s['name']}: {k} {v[k]}")
    if s["counters"]["session"]["rx_packets"] < 5:
        bad.append(f"{s['name']}: rx_packets {s['counters']['session']['rx_packets']}")
print("\n".join("FAIL: " + b for b in bad) if bad else "pwired: both guests served, no violation")
sys.exit(1 if bad else 0)
PY
run "$PWIRE" -s "$run/control.sock" show --prometheus >"$tmp/prom" || fail "pwire show --prometheus"
grep -qx 'pwire_vhost_connects_total{session="vm2"} 2' "$tmp/prom" ||
	fail "no pwire_vhost_connects_total 2 for vm2 in the metrics: $(grep vhost_connects "$tmp/prom")"
grep -q 'pwire_tx_dropped_total{session="vm1",reason="vhost_tx_no_guest"}' "$tmp/prom" ||
	fail "the vhost drops are not among pwire_tx_dropped_total's reasons"
grep -qx 'pwire_vhost_bad_msg_total{session="vm2"} 0' "$tmp/prom" ||
	fail "a front end's faults (bad_msg) have no family in the metrics"
run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ "$rc" = 0 ] || fail "pwired exited $rc"
echo "PASS: two QEMU guests on one pwired's vhost-user sockets, one restarted"
