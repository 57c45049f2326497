#!/bin/bash
# pwired's kernel fast path (docs/fastpath.md, "pwired"): sections with
# `fastpath = on|auto` run as `pwire up` runs them, the programs kept by
# pwired's privileged helper.
#
#   ns A                                                 ns B
#   pwf0 10.96.1.1 [fast] on, cookie 4                   pw0 10.96.1.2 (pwire up, on)
#   pws0 10.96.2.1 [slow] auto, seq both                 pw1 10.96.2.2 (pwire up, off)
#   pwg0 10.96.3.1 [fast2] on, no cookie                 pw2 10.96.3.2 (pwire up, on)
#        pwired -- ul0 10.212.0.1 ====veth==== 10.212.0.2 ul0
#
# 1. pwired -n prints `fastpath = on`, not `= auto` (the default); a section asking for
#    `on` that cannot have it (encap ip) passes -n but pwired refuses to
#    start (exit 2, the reason named).
# 2. pwired runs [fast] on the kernel (its line: path kernel, TC programs on
#    pwf0 and ul0; pw_encap on pwf0's egress, pw_decap on ul0's ingress),
#    [fast2] too (its pw_decap beside [fast]'s on ul0: each passes on what is
#    not its own) and [slow] on the userspace engine (auto: its line why, path user); pwire
#    show (text, --json) and --prometheus say so; pings cross both; 2 MB over
#    TCP on [fast] with equal sha256; show --json's fastpath counters carry
#    them (tx_packets and rx_packets at least the pings).
# 3. Reloads: one that changes only [slow] leaves [fast]'s programs as they
#    are (the same program ids); one adding a section with `on` that cannot
#    have it is refused whole (the old configuration runs on); one changing
#    [fast]'s cookie detaches and re-attaches (new program ids; a ping with
#    B's new peer_cookie).
# 4. pwire del fast: only [fast2]'s filters left (its TAP gone); a reload
#    brings it back on the kernel; SIGTERM: pwired exits 0 and no pwire
#    filter is left on any device of A.
# 5. pwired again, then SIGKILL: no pwire filter left (within 5 s): the
#    privileged helper ends with pwired and each detach helper's pipe closes.
# Skips (77) only when the kernel refuses BPF programs (EPERM).
set -eu -o pipefail
: "${PWIRE:?}" "${PWIRED:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: not root: no namespaces or TAPs"; exit 77; }
a=pwxfA$$ b=pwxfB$$
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
daemon=
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true; pw_cleanup' EXIT
ua=10.212.0.1 ub=10.212.0.2
sock=$tmp/control.sock
fail() { echo "FAIL: $*"; cat "$tmp/daemon.err" 2>/dev/null || true; exit 1; }

pw_pair "$a" "$b" "$ua" "$ub" 24

# conf FILE FAST_COOKIE SLOW_EXTRA...: A's configuration.
conf() {
	cat >"$1" <<CONF
[fast]
vnic = tap:pwf0
local = $ua
remote = $ub
udp_sport = 1901
udp_dport = 1901
session_id = 1
peer_session_id = 11
cookie = $2
peer_cookie = 55667788
fastpath = on

[slow]
vnic = tap:pws0
local = $ua
remote = $ub
udp_sport = 1902
udp_dport = 1902
session_id = 2
peer_session_id = 12
seq = both
fastpath = auto

[fast2]
vnic = tap:pwg0
local = $ua
remote = $ub
udp_sport = 1903
udp_dport = 1903
session_id = 4
peer_session_id = 14
fastpath = on
${3:-}
CONF
}
# B's pwire up for [fast], its peer_cookie A's cookie.
b_fast() {
	pw_start "$b" "$tmp/b0" up pw0 local "$ub" remote "$ua" udp_sport 1901 udp_dport 1901 \
		session_id 11 peer_session_id 1 cookie 55667788 peer_cookie "$1" fastpath on
	if ! pw_wait_up "$b" pw0; then
		cat "$tmp/b0.err"
		if grep -q 'refused the programs: Operation not permitted' "$tmp/b0.err"; then
			echo "SKIP: the kernel refuses BPF programs here (EPERM)"
			exit 77
		fi
		fail "B's pw0 did not start"
	fi
	run ip -n "$b" addr add 10.96.1.2/24 dev pw0
}
ping3() {
	local o
	o=$(ip netns exec "$a" ping -c 3 -i 0.2 -W 2 "$1") || true
	echo "$o" | tail -n 2
	grep -q '^3 packets transmitted, 3 received' <<<"$o" || fail "ping $1 from A"
}
# Lines of `tc filter show` naming pwire's programs on A's devices, each
# after its device and hook.
a_filters() {
	local dev dir
	for dev in $(ip -n "$a" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		for dir in ingress egress; do
			# || true: a reader that has seen enough (grep -q) ends sed.
			pw_filters "$a" "$dev" "$dir" 2>/dev/null | sed "s/^/$dev $dir: /" || true
		done
	done
}
# The program ids of pw_encap on pwf0 and of every pw_decap on ul0.
prog_ids() {
	{
		pw_filters "$a" pwf0 egress
		pw_filters "$a" ul0 ingress
	} | grep -o 'pw_[a-z]*:.* id [0-9]*' | awk '{ print $NF }' | sort -n | xargs
}
start_daemon() {
	echo "+ ip netns exec $a pwired -f -c $tmp/pwire.conf -s $sock &" >&2
	ip netns exec "$a" "$PWIRED" -f -c "$tmp/pwire.conf" -s "$sock" >"$tmp/daemon" \
		2>"$tmp/daemon.err" &
	daemon=$!
}
# wait_log TEXT: until pwired's log has TEXT (bounded).
wait_log() {
	local _
	for _ in $(seq 50); do
		grep -qF -- "$1" "$tmp/daemon.err" && return 0
		sleep 0.1
	done
	fail "pwired never said: $1"
}
reload() {
	local rc=0
	ip netns exec "$a" "$PWIRE" -s "$sock" reload >"$tmp/reload" 2>&1 || rc=$?
	cat "$tmp/reload"
	return $rc
}

echo "== 1. pwired -n, and a section that cannot have fastpath on"
conf "$tmp/pwire.conf" 11223344
run ip netns exec "$a" "$PWIRED" -n -c "$tmp/pwire.conf" >"$tmp/n"
grep -qx 'fastpath = on' "$tmp/n" || { cat "$tmp/n"; fail "-n: no 'fastpath = on'"; }
! grep -q 'fastpath = auto' "$tmp/n" || { cat "$tmp/n"; fail "-n: 'fastpath = auto' printed (the default)"; }
# A section that asks for the fast path and cannot have it (encap ip).
bad="
[bad]
vnic = tap:pwb0
encap = ip
local = $ua
remote = $ub
session_id = 3
peer_session_id = 13
fastpath = on"
conf "$tmp/bad.conf" 11223344 "$bad"
run ip netns exec "$a" "$PWIRED" -n -c "$tmp/bad.conf" >/dev/null
rc=0
ip netns exec "$a" timeout 20 "$PWIRED" -f -c "$tmp/bad.conf" -s "$sock" >/dev/null \
	2>"$tmp/bad.err" || rc=$?
cat "$tmp/bad.err"
[ "$rc" = 2 ] || fail "pwired with [bad] exited $rc, not 2"
grep -qF 'pwire: [bad] fastpath on: the session does not qualify: encap ip (the fast path carries encap udp)' \
	"$tmp/bad.err" || fail "pwired did not name [bad]'s reason"
[ -z "$(a_filters)" ] || fail "filters left after the refusal: $(a_filters)"
! ip -n "$a" link show pwf0 >/dev/null 2>&1 || fail "pwf0 left after the refusal"

echo "== 2. [fast] on the kernel, [slow] on pwire"
start_daemon
b_fast 11223344
pw_start "$b" "$tmp/b1" up pw1 local "$ub" remote "$ua" udp_sport 1902 udp_dport 1902 \
	session_id 12 peer_session_id 2 seq both
pw_wait_up "$b" pw1
run ip -n "$b" addr add 10.96.2.2/24 dev pw1
pw_start "$b" "$tmp/b2" up pw2 local "$ub" remote "$ua" udp_sport 1903 udp_dport 1903 \
	session_id 14 peer_session_id 4 fastpath on
pw_wait_up "$b" pw2 || { cat "$tmp/b2.err"; fail "B's pw2 did not start"; }
run ip -n "$b" addr add 10.96.3.2/24 dev pw2
for _ in $(seq 50); do
	kill -0 "$daemon" 2>/dev/null || break
	ip -n "$a" link show pws0 2>/dev/null | grep -q ',UP' && break
	sleep 0.1
done
if ! kill -0 "$daemon" 2>/dev/null; then
	cat "$tmp/daemon.err"
	if grep -q 'refused the programs: Operation not permitted' "$tmp/daemon.err"; then
		echo "SKIP: the kernel refuses BPF programs here (EPERM)"
		exit 77
	fi
	fail "pwired ended at start-up"
fi
wait_log '[fast] pwf0 up: '
wait_log '[slow] pws0 up: '
wait_log '[fast2] pwg0 up: '
cat "$tmp/daemon.err"
grep -F '[fast] pwf0 up: ' "$tmp/daemon.err" | grep -qF ', path kernel (TC programs on pwf0 and ul0)' ||
	fail "[fast] does not say path kernel"
grep -qF 'pwired: [slow] pws0: fastpath auto: the userspace engine: sequence numbers' "$tmp/daemon.err" ||
	fail "[slow]: no line why"
grep -F '[slow] pws0 up: ' "$tmp/daemon.err" | grep -q ', path user$' || fail "[slow] does not say path user"
run ip -n "$a" addr add 10.96.1.1/24 dev pwf0
run ip -n "$a" addr add 10.96.2.1/24 dev pws0
run ip -n "$a" addr add 10.96.3.1/24 dev pwg0
a_filters
a_filters | grep -q '^pwf0 egress: .*pw_encap' || fail "no pw_encap on pwf0's egress"
a_filters | grep -q '^pwg0 egress: .*pw_encap' || fail "no pw_encap on pwg0's egress"
[ "$(a_filters | grep -c '^ul0 ingress: .*pw_decap')" = 2 ] || fail "not two pw_decap on ul0's ingress"
[ "$(a_filters | wc -l)" = 4 ] || fail "not exactly four pwire filters (auto's section attached?)"
ping3 10.96.1.2
ping3 10.96.2.2
ping3 10.96.3.2

head -c 2000000 /dev/urandom >"$tmp/send"
ip netns exec "$b" timeout 40 socat -u TCP-LISTEN:5001,reuseaddr "OPEN:$tmp/recv,creat,trunc" &
sink=$!
sleep 0.3
run ip netns exec "$a" timeout 30 socat -u "OPEN:$tmp/send" "TCP:10.96.1.2:5001,retry=20,interval=0.1"
wait "$sink"
sent=$(sha256sum <"$tmp/send" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/recv" | cut -d' ' -f1)
echo "sha256 sent $sent recv $got (2000000 bytes over [fast])"
[ "$sent" = "$got" ] || fail "the transfer arrived altered"

run ip netns exec "$a" "$PWIRE" -s "$sock" show >"$tmp/show"
cat "$tmp/show"
awk '/^fast: /{ f = 1; next } f { print; exit }' "$tmp/show" | grep -q ' path kernel$' ||
	fail "show: [fast] not path kernel"
awk '/^slow: /{ f = 1; next } f { print; exit }' "$tmp/show" | grep -q ' path user$' ||
	fail "show: [slow] not path user"
grep -q '^  fastpath: tx_packets [0-9]' "$tmp/show" || fail "show: no fastpath group"
[ "$(grep -c '^  fastpath:' "$tmp/show")" = 2 ] || fail "show: not one fastpath group each on [fast], [fast2]"
run ip netns exec "$a" "$PWIRE" -s "$sock" show --json >"$tmp/json"
python3 - "$tmp/json" <<'PY' || fail "show --json"
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["sessions"]}
f, sl, f2 = s["fast"], s["slow"], s["fast2"]
fp = f["counters"]["fastpath"]
fp2 = f2["counters"]["fastpath"]
print("fast2:", f2["path"], json.dumps(fp2))
# [fast2]'s pings by its own programs, behind or ahead of [fast]'s on ul0
assert f2["path"] == "kernel" and fp2["tx_packets"] >= 3 and fp2["rx_packets"] >= 3, "fast2"
# the transfer's ACKs (dozens) came back on [fast]: none of them [fast2]'s
assert fp2["rx_packets"] <= 20 < fp["rx_packets"], "[fast]'s ACKs counted by [fast2]"
print("fast:", f["path"], json.dumps(fp))
print("slow:", sl["path"], sorted(sl["counters"]))
assert f["path"] == "kernel" and sl["path"] == "user", "paths"
assert "fastpath" not in sl["counters"], "slow has a fastpath group"
# 3 pings each way at least, and the 2 MB (about 1400 frames) out
assert fp["tx_packets"] >= 3 and fp["rx_packets"] >= 3, "the pings not carried by the programs"
assert fp["tx_bytes"] >= 2000000, "the transfer not carried by the programs"
assert fp["tx_errors"] == 0, "tx_errors"
# the session's own counters include what the kernel carried
assert f["counters"]["session"]["tx_bytes"] >= fp["tx_bytes"], "session lacks the fast share"
PY
run ip netns exec "$a" "$PWIRE" -s "$sock" show --prometheus >"$tmp/prom"
grep -qx 'pwire_path_info{session="fast",path="kernel"} 1' "$tmp/prom" || fail "prometheus: fast's path"
grep -qx 'pwire_path_info{session="slow",path="user"} 1' "$tmp/prom" || fail "prometheus: slow's path"
grep -q '^pwire_fastpath_tx_packets_total{session="fast"} [1-9]' "$tmp/prom" ||
	fail "prometheus: fast's fastpath tx_packets"

echo "== 3. reloads"
ids=$(prog_ids)
echo "program ids: $ids"
[ "$(wc -w <<<"$ids")" = 3 ] || fail "program ids: '$ids'"
conf "$tmp/pwire.conf" 11223344
sed -i 's/^seq = both$/seq = both\nbusy_poll = 10/' "$tmp/pwire.conf"
reload || fail "reload changing [slow]"
grep -q 'changed slow' "$tmp/reload" || fail "the reload did not change [slow]"
pw_wait_up "$a" pws0
run ip -n "$a" addr add 10.96.2.1/24 dev pws0
[ "$(prog_ids)" = "$ids" ] || fail "[fast]'s programs changed ($(prog_ids)) when only [slow] did"
ping3 10.96.1.2
ping3 10.96.2.2
cp "$tmp/pwire.conf" "$tmp/good.conf"
printf '%s\n' "$bad" >>"$tmp/pwire.conf"
rc=0
reload || rc=$?
[ "$rc" != 0 ] || fail "a reload adding [bad] was not refused"
grep -qF '[bad] fastpath on: the session does not qualify: encap ip' "$tmp/reload" ||
	fail "the refusal does not name [bad]'s reason"
[ "$(prog_ids)" = "$ids" ] || fail "[fast]'s programs changed by a refused reload"
! ip -n "$a" link show pwb0 >/dev/null 2>&1 || fail "pwb0 made by a refused reload"
ping3 10.96.1.2
# [fast]'s cookie changed: B restarted with the new peer_cookie.
cp "$tmp/good.conf" "$tmp/pwire.conf"
sed -i 's/^cookie = 11223344$/cookie = 99aabbcc/' "$tmp/pwire.conf"
kill -INT "${pids[0]}"
wait "${pids[0]}" || fail "B's pw0 exited $?"
pids[0]=
b_fast 99aabbcc
reload || fail "reload changing [fast]"
grep -q 'changed fast' "$tmp/reload" || fail "the reload did not change [fast]"
new=$(prog_ids)
echo "program ids: $new"
[ "$(wc -w <<<"$new")" = 3 ] || fail "[fast]'s programs not attached again: '$new'"
[ "$new" != "$ids" ] || fail "[fast]'s programs not replaced"
[ "$(a_filters | wc -l)" = 4 ] || { a_filters; fail "not four pwire filters after the reload"; }
pw_wait_up "$a" pwf0
run ip -n "$a" addr add 10.96.1.1/24 dev pwf0
ping3 10.96.1.2
ping3 10.96.2.2
# The reopened programs' counters, mapped by pwired after its privilege drop.
ip netns exec "$a" "$PWIRE" -s "$sock" show --json >"$tmp/json2"
python3 - "$tmp/json2" <<'PY' || fail "show --json after the reload"
import json, sys
f = {x["name"]: x for x in json.load(open(sys.argv[1]))["sessions"]}["fast"]
fp = f["counters"]["fastpath"]
print("fast after the reload:", f["path"], json.dumps(fp))
assert f["path"] == "kernel" and fp["tx_packets"] >= 3 and fp["rx_packets"] >= 3
assert fp["tx_bytes"] < 2000000, "the old programs' counters"
PY

echo "== 4. del, back again, SIGTERM"
run ip netns exec "$a" "$PWIRE" -s "$sock" del fast
a_filters
if [ "$(a_filters | wc -l)" != 2 ] || [ "$(a_filters | grep -c '^pwg0 egress\|^ul0 ingress')" != 2 ]; then
	fail "not [fast2]'s filters alone after del fast"
fi
ping3 10.96.3.2
reload || fail "reload bringing [fast] back"
grep -q 'added fast' "$tmp/reload" || fail "[fast] not added back"
[ "$(a_filters | wc -l)" = 4 ] || { a_filters; fail "[fast]'s filters not back"; }
run kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ "$rc" = 0 ] || fail "pwired exited $rc on SIGTERM"
left=$(a_filters)
[ -z "$left" ] || fail "pwire filters left after pwired ended: $left"

echo "== 5. SIGKILL"
start_daemon
wait_log '[fast2] pwg0 up: '
[ "$(a_filters | wc -l)" = 4 ] || { a_filters; fail "not four pwire filters after a restart"; }
run kill -KILL "$daemon"
wait "$daemon" || true
daemon=
for _ in $(seq 50); do
	[ -z "$(a_filters)" ] && break
	sleep 0.1
done
left=$(a_filters)
[ -z "$left" ] || fail "pwire filters left 5 s after pwired was killed: $left"
for p in "${pids[@]}"; do [ -z "$p" ] || kill -INT "$p"; done
wait || true
pids=()
echo "ok: pwired ran [fast] on the kernel and [slow] on pwire, reloaded, deleted and ended clean"
