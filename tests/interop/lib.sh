# shellcheck shell=bash
# tests/interop/lib.sh: what peer.sh, linux.sh, vhost.sh and vhost-peer.sh share. Source it, then:
#   interop_require SCRIPT [ARGS]  SKIP (exit 77) when SCRIPT check says the
#                                  peer cannot run here, with its reason
#   interop_guest SCRIPT START_ARGS...  boot the guest in $ns (FAIL with its log)
#   pw_up ARGS...                  pwire up pw0 ARGS in $ns, wait for its start-up line and pw0 up
#   pw_down                        SIGINT pwire; FAIL unless it exits 0
#   traffic HOST_IP GUEST_IP       ping both ways, TCP echo of a line and of 128 KiB
#   fail MESSAGE                   print FAIL, the logs, exit 1
#   peer_words PEER CFG            the pseudowire's words for pwire (pw) and the
#                                  peer script (peer_args, addr), mirrored
# pwire A on a vhost-user vNIC ($dev: vhost-user or vhost-user-client, at $sock):
#   vu_up ARGS...                  start it in $ns, wait for its socket and 'up' line
#   snapshot                       SIGUSR1: one more JSON line of counters
#   vu_counters MID_C AFTER_C AFTER_D [nosuper]  its last three JSON lines: no
#                                  vNIC or vhost-user drop, super-frames both ways,
#                                  `connects` MID_C then AFTER_C, `disconnects` AFTER_D
# Everything is removed on exit: the guests and pwire (by PID), $ns, $tmp.
tmp=$(mktemp -d)
rundir=$tmp/run
ns=
script=
pwpid=
apid=
# A second guest (a vhost-user one, next to a peer guest): qemu-peer.sh's.
vu_rundir=

interop_cleanup() {
	[ -n "$vu_rundir" ] && "$PEERS/qemu-peer.sh" stop "$vu_rundir"
	if [ -n "$apid" ]; then
		kill "$apid" 2>/dev/null
		wait "$apid" 2>/dev/null
	fi
	[ -n "$script" ] && "$script" stop "$rundir"
	if [ -n "$pwpid" ]; then
		kill "$pwpid" 2>/dev/null
		wait "$pwpid" 2>/dev/null
	fi
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap interop_cleanup EXIT
trap 'exit 1' INT TERM

run() {
	echo "+ $*" >&2
	"$@"
}

fail() {
	echo "FAIL: $*"
	local f d
	for f in "$tmp/a.err" "$tmp/a.out" "$tmp/pwire.err" "$tmp/pwire.out" "$tmp/peer.log" \
		"$tmp/vu.log" "$rundir/qemu.log" ${vu_rundir:+"$vu_rundir/qemu.log"}; do
		[ -s "$f" ] && echo "--- $f:" && cat "$f"
	done
	for d in "$rundir" $vu_rundir; do
		[ -f "$d/console.log" ] && echo "--- guest console $d (end):" && tail -n 15 "$d/console.log"
	done
	exit 1
}

# Skip only for what the peer script itself detects as missing here (exit
# 77 with the reason); a missing or broken script is a failure.
interop_require() {
	local why rc
	[ -x "$1" ] || fail "no peer script $1"
	script=$1
	shift
	why=$("$script" check "$@")
	rc=$?
	case $rc in
	0) ;;
	77) echo "SKIP: $why"; exit 77 ;;
	*) fail "$script check exited $rc: $why" ;;
	esac
}

interop_guest() {
	run ip netns exec "$ns" "$script" start "$rundir" "$@" >"$tmp/peer.log" 2>&1 ||
		fail "the peer did not start"
}

pw_up() {
	local _
	echo "+ ip netns exec $ns $PWIRE up pw0 $* &" >&2
	ip netns exec "$ns" "$PWIRE" up pw0 "$@" >"$tmp/pwire.out" 2>"$tmp/pwire.err" &
	pwpid=$!
	# Its start-up line comes once everything is open (after pw0 is up:
	# the fast path's programs, which the default may load, come later).
	for _ in $(seq 50); do
		grep -q ' up: ' "$tmp/pwire.err" &&
			ip -n "$ns" link show pw0 2>/dev/null | grep -q ',UP' && return 0
		kill -0 "$pwpid" 2>/dev/null || break
		sleep 0.1
	done
	# `fastpath on` where the kernel will not load programs at all.
	if grep -q 'refused the programs: Operation not permitted' "$tmp/pwire.err"; then
		echo "SKIP: the kernel refuses BPF programs here (EPERM)"
		exit 77
	fi
	fail "pwire did not bring pw0 up"
}

pw_down() {
	local rc=0
	kill -INT "$pwpid"
	wait "$pwpid" || rc=$?
	pwpid=
	[ "$rc" = 0 ] || fail "pwire exited $rc"
	cat "$tmp/pwire.err" "$tmp/pwire.out"
}

traffic() {
	local host=$1 guest=$2 replies got
	replies=$(ip netns exec "$ns" ping -c 5 -i 0.3 -W 2 "$guest" | grep -c 'bytes from')
	echo "host -> guest: $replies/5 replies"
	[ "$replies" -ge 3 ] || fail "host -> guest ping: $replies/5"
	# Once more before failing: a UML guest's kernel under load was seen to
	# WARN in its own sendto path (tomoyo) and lose all three, while the
	# pseudowire carried everything else (one CI run, 2026-11-29).
	run "$script" exec "$rundir" --timeout 20 -- "ping -c 3 -W 2 $host" ||
		{ echo "guest -> host ping: none back, trying once more"; \
		  run "$script" exec "$rundir" --timeout 20 -- "ping -c 3 -W 2 $host"; } ||
		fail "guest -> host ping"
	got=$(echo "hello through the pseudowire" | ip netns exec "$ns" timeout 20 nc -N -w 5 "$guest" 7)
	[ "$got" = "hello through the pseudowire" ] || fail "TCP echo returned '$got'"
	head -c 131072 /dev/urandom >"$tmp/bulk"
	ip netns exec "$ns" timeout 30 nc -N -w 5 "$guest" 7 <"$tmp/bulk" >"$tmp/back"
	cmp "$tmp/bulk" "$tmp/back" || fail "TCP echo of 128 KiB: $(stat -c %s "$tmp/back") bytes came back, not the same"
	echo "TCP echo: a line and 128 KiB came back intact"
}

# peer_words PEER CFG: pwire's words (pw) and the peer script's (peer_args)
# for one pseudowire over $addr, pwire at :17001 and the peer at :17002,
# the one's tx the other's rx; CFG udp|udp-c64-ctr|ip|udp6-c32|ip6. In
# udp-c64-ctr pwire takes the peer's own spelling (--qemu or --uml).
peer_words() {
	local peer=$1
	addr=127.0.0.1
	peer_args=(--local-port 17002 --remote-port 17001)
	case $2 in
	udp) pw=(peer "$peer" local "$addr" remote "$addr" udp_sport 17001 udp_dport 17002) ;;
	udp-c64-ctr)
		peer_args+=(--cookie64 --tx-cookie 0x8877665544332211 --rx-cookie 0x1122334455667788 --counter)
		if [ "$peer" = qemu ]; then
			pw=(--qemu "src=$addr,dst=$addr,udp=on,srcport=17001,dstport=17002,txsession=1,rxsession=2,cookie64=on,txcookie=0x1122334455667788,rxcookie=0x8877665544332211,counter=on")
		else
			pw=(--uml "transport=l2tpv3,udp=1,src=$addr,dst=$addr,srcport=17001,dstport=17002,tx_session=1,rx_session=2,cookie64=1,tx_cookie=0x1122334455667788,rx_cookie=0x8877665544332211,counter=1")
		fi ;;
	ip) peer_args=(--ip-encap); pw=(peer "$peer" encap ip local "$addr" remote "$addr") ;;
	udp6-c32)
		addr=::1
		peer_args+=(--v6 --tx-cookie 0xcafef00d --rx-cookie 0xdeadbeef)
		pw=(peer "$peer" local "$addr" remote "$addr" udp_sport 17001 udp_dport 17002
			cookie deadbeef peer_cookie cafef00d) ;;
	ip6) addr=::1; peer_args=(--ip-encap --v6); pw=(peer "$peer" encap ip local "$addr" remote "$addr") ;;
	*) echo "unknown config $2"; exit 2 ;;
	esac
	[ "${pw[0]}" = peer ] && pw+=(session_id 2 peer_session_id 1)
	peer_args+=(--local "$addr" --remote "$addr" --tx-session 2 --rx-session 1)
}

# vu_up ARGS...: pwire A, `pwire up $dev:$sock ARGS --json` in $ns (JSON
# lines in $tmp/a.out, the rest in $tmp/a.err), until the socket exists and
# pwire has printed its "up" line (it makes the socket first; in client
# mode QEMU made it).
# shellcheck disable=SC2154 # dev, sock: the caller's
vu_up() {
	local _ rc
	echo "+ ip netns exec $ns $PWIRE up $dev:$sock $* --json &" >&2
	ip netns exec "$ns" "$PWIRE" up "$dev:$sock" "$@" --json >"$tmp/a.out" 2>"$tmp/a.err" &
	apid=$!
	for _ in $(seq 50); do
		[ -S "$sock" ] && grep -q ' up: ' "$tmp/a.err" && return 0
		kill -0 "$apid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$apid" 2>/dev/null && fail "pwire A: no socket $sock and 'up' line within 5 s"
	rc=0
	wait "$apid" || rc=$?
	apid=
	fail "pwire A exited $rc before it was up"
}

# snapshot: SIGUSR1 to pwire A, until it has printed one more JSON line.
snapshot() {
	local lines _
	lines=$(wc -l <"$tmp/a.out")
	kill -USR1 "$apid"
	for _ in $(seq 50); do
		[ "$(wc -l <"$tmp/a.out")" -gt "$lines" ] && return 0
		sleep 0.1
	done
	fail "pwire A printed no counters on SIGUSR1"
}

# vu_counters MID_CONNECTS AFTER_CONNECTS AFTER_DISCONNECTS [nosuper]: pwire
# A's last three JSON lines (a snapshot once the guest was up, one after the
# traffic, the line at exit): the vNIC's rx_short, rx_bad_offload, rx_too_big
# and tx_errors 0, at least 100 frames each way, every vhost-user violation
# counter 0, the drops that may move before the guest's rings run
# (tx_no_guest, rx_disabled) unmoved while the traffic ran, super-frames cut
# from and joined for the guest (unless nosuper), and the connections.
vu_counters() {
	python3 - "$tmp/a.out" "$@" <<'PY' || fail "pwire A's counters"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = tuple(int(a) for a in sys.argv[2:5])
supers = sys.argv[5:6] != ["nosuper"]
if len(lines) < 3:
    sys.exit("FAIL: pwire A printed no counters at exit")
before, mid, after = (json.loads(l) for l in lines[-3:])
bad = []
vnic = after["vnic"]
print("pwire A vnic:", vnic)
bad += [f"vnic {k} {vnic[k]}" for k in ("rx_short", "rx_bad_offload", "rx_too_big", "tx_errors")
        if vnic[k]]
s = after["session"]
print(f"pwire A session: tx_packets {s['tx_packets']}, rx_packets {s['rx_packets']}")
if s["tx_packets"] < 100 or s["rx_packets"] < 100:
    bad.append("pwire A carried under 100 frames each way: the traffic did not go through it")
# The vhost-user counters (docs/vhost-user.md section 4), where pwire prints them.
vu = next((k for k, v in after.items() if isinstance(v, dict) and "tx_no_guest" in v), None)
if vu is None:
    print("pwire A prints no vhost-user counters (yet): the vnic ones only")
else:
    v, v0, vm = after[vu], before[vu], mid[vu]
    print(f"pwire A {vu}:", v)
    violations = ("tx_guest_buf_short", "bad_msg", "bad_mem_table", "bad_ring_addr",
                  "desc_out_of_region", "desc_bad_index", "desc_chain_too_long", "desc_zero_len",
                  "desc_wrong_dir", "desc_bad_indirect", "avail_idx_jump")
    bad += [f"{vu} {k} {v[k]}" for k in violations if v.get(k)]
    # Before the guest's rings run, frames for it are dropped as they should be.
    bad += [f"{vu} {k} moved from {v0[k]} to {vm[k]} while the traffic ran"
            for k in ("tx_no_guest", "rx_disabled") if k in vm and vm[k] != v0[k]]
    # The guest's TSO frames were cut, and segments joined for it.
    if supers:
        bad += [f"{vu} {k} 0: no super-frame went {way}" for k, way in
                (("rx_super", "from the guest"), ("tx_super", "to the guest")) if not vm.get(k)]
    got = (vm["connects"], v["connects"], v["disconnects"])
    if got != want:
        bad.append(f"{vu} connects {got[0]} then {got[1]}, disconnects {got[2]}: "
                   f"want {want[0]} then {want[1]}, and {want[2]}")
print("\n".join("FAIL: " + b for b in bad) if bad else "pwire A: no vNIC or vhost-user drop")
sys.exit(1 if bad else 0)
PY
}
