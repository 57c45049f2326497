# shellcheck shell=bash disable=SC2034
# tests/peers/lib.sh: what uml-peer.sh and qemu-peer.sh share: the options of
# `start`, the run directory, `exec` and `stop`, and the guest's side of both.
# Sourced, never run; the script sets peer_kind (uml, qemu) first.
# shellcheck disable=SC2154 # peer_kind
#
# A run directory RUNDIR (given to every command; the caller owns it) holds:
#   pid          the one host process to stop (linux.uml's main process, or qemu)
#   console.log  the guest's console
#   ready        written by the guest once its NIC is up with its addresses
#   failed       written by the guest when that failed (with the reason)
#   cmd/         the drop box the guest polls: N.sh in, N.out and N.rc back

peer_die() {
	echo "$peer_kind-peer: $*" >&2
	exit 2
}

# peer_parse ARGS...: the options of `start` into P_* variables.
peer_parse() {
	P_LOCAL='' P_REMOTE='' P_LPORT='' P_RPORT='' P_TXS='' P_RXS='' P_TXC='' P_RXC=''
	P_COOKIE64=0 P_COUNTER=0 P_UDP=1 P_V6=0 P_ECHO=0 P_TIMEOUT=60 P_TAP='' P_IPS=()
	P_VHOST='' P_VHOST_SERVER=0 P_QUEUES=1 P_MTU=
	while [ $# -gt 0 ]; do
		case $1 in
		--cookie64) P_COOKIE64=1 ;;
		--counter) P_COUNTER=1 ;;
		--ip-encap) P_UDP=0 ;;
		--v6) P_V6=1 ;;
		--echo) P_ECHO=1 ;;
		--vhost-server) P_VHOST_SERVER=1 ;;
		--local | --remote | --local-port | --remote-port | --tx-session | --rx-session | \
			--tx-cookie | --rx-cookie | --guest-ip | --timeout | --tap | --vhost-user | --queues | \
			--mtu)
			[ $# -ge 2 ] || peer_die "$1 needs a value"
			case $1 in
			--local) P_LOCAL=$2 ;;
			--remote) P_REMOTE=$2 ;;
			--local-port) P_LPORT=$2 ;;
			--remote-port) P_RPORT=$2 ;;
			--tx-session) P_TXS=$2 ;;
			--rx-session) P_RXS=$2 ;;
			--tx-cookie) P_TXC=$2 ;;
			--rx-cookie) P_RXC=$2 ;;
			--guest-ip) P_IPS+=("$2") ;;
			--timeout) P_TIMEOUT=$2 ;;
			--tap) P_TAP=$2 ;;
			--vhost-user) P_VHOST=$2 ;;
			--queues) P_QUEUES=$2 ;;
			--mtu) P_MTU=$2 ;;
			esac
			shift ;;
		*) peer_die "unknown option '$1'" ;;
		esac
		shift
	done
	[ "${#P_IPS[@]}" -gt 0 ] || peer_die "--guest-ip is required"
	case $P_QUEUES in [1-9] | [1-9][0-9]) ;; *) peer_die "--queues $P_QUEUES: a number from 1 to 99" ;; esac
	[ -z "$P_VHOST" ] || [ -z "$P_TAP" ] || peer_die "give --tap or --vhost-user, not both"
	[ -z "$P_VHOST" ] && [ "$P_VHOST_SERVER$P_QUEUES$P_MTU" != 01 ] &&
		peer_die "--vhost-server, --queues and --mtu go with --vhost-user"
	[ -n "$P_TAP" ] || [ -n "$P_VHOST" ] && return 0
	[ -n "$P_LOCAL" ] && [ -n "$P_REMOTE" ] || peer_die "--local and --remote are required"
	[ -n "$P_TXS" ] && [ -n "$P_RXS" ] || peer_die "--tx-session and --rx-session are required"
	if [ "$P_UDP" = 1 ] && { [ -z "$P_LPORT" ] || [ -z "$P_RPORT" ]; }; then
		peer_die "UDP needs --local-port and --remote-port"
	fi
	{ [ -z "$P_TXC" ] && [ -z "$P_RXC" ]; } || { [ -n "$P_TXC" ] && [ -n "$P_RXC" ]; } ||
		peer_die "give both --tx-cookie and --rx-cookie, or neither"
}

# peer_guest_script DIR NIC BINDIR: the guest's side (busybox sh), which DIR
# is the run directory as the guest sees it: bring NIC up with the addresses,
# start the echo server, say ready, then run what arrives in DIR/cmd for ever
# (a UML init must never exit).
peer_guest_script() {
	local dir=$1 nic=$2 bindir=$3 a fam
	cat <<-EOF
		fail() { echo "PEER: \$*"; echo "\$*" >$dir/failed; while :; do sleep 3600; done; }
		ip link set lo up
		echo 0 >/proc/sys/net/ipv6/conf/$nic/accept_dad 2>/dev/null
		ip link set $nic up || fail "$nic did not come up"
	EOF
	for a in "${P_IPS[@]}"; do
		fam=-4
		case $a in *:*) fam=-6 ;; esac
		echo "ip $fam addr add $a dev $nic || fail 'ip addr add $a dev $nic failed'"
	done
	[ "$P_ECHO" = 1 ] && echo "nc -ll -p 7 -e $bindir/cat >/dev/null 2>&1 &"
	cat <<-EOF
		ip addr show dev $nic
		echo "PEER: ready"
		touch $dir/ready
		while :; do
			for f in $dir/cmd/*.sh; do
				[ -f "\$f" ] || continue
				b=\${f%.sh}
				sh "\$f" >"\$b.out" 2>&1
				echo \$? >"\$b.rc.tmp"
				mv "\$b.rc.tmp" "\$b.rc"
				rm -f "\$f"
			done
			usleep 200000
		done
	EOF
}

# peer_prepare RUNDIR: a clean run directory, nothing of a guest still running.
peer_prepare() {
	if [ -s "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null; then
		peer_die "a guest already runs in $1 (pid $(cat "$1/pid"))"
	fi
	mkdir -p "$1/cmd" || exit 1
	rm -f "$1/pid" "$1/ready" "$1/failed" "$1/console.log" "$1"/cmd/*
}

# peer_wait RUNDIR PID TIMEOUT: until the guest says ready (0) or failed,
# died or ran out of time (1, with the reason and the console's end).
peer_wait() {
	local rundir=$1 pid=$2 end=$((SECONDS + $3)) why=
	while [ ! -f "$rundir/ready" ]; do
		if [ -f "$rundir/failed" ]; then
			why="guest: $(cat "$rundir/failed")"
		elif ! kill -0 "$pid" 2>/dev/null; then
			why="guest exited"
		elif [ "$SECONDS" -ge "$end" ]; then
			why="guest not ready after $3 s"
		fi
		if [ -n "$why" ]; then
			echo "$peer_kind-peer: $why; console:" >&2
			tail -n 20 "$rundir/console.log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "$peer_kind-peer: ready in $rundir (pid $pid)" >&2
}

# peer_exec RUNDIR TIMEOUT CMD: run CMD in the guest, print its output,
# return its status (124 when it did not finish in TIMEOUT seconds).
peer_exec() {
	local rundir=$1 end=$((SECONDS + $2)) id rc
	[ -f "$rundir/ready" ] || peer_die "no guest ready in $rundir"
	id=$rundir/cmd/$$.$RANDOM
	printf '%s\n' "$3" >"$id.tmp"
	mv "$id.tmp" "$id.sh"
	while [ ! -f "$id.rc" ]; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "$peer_kind-peer: '$3' did not finish in $2 s" >&2
			return 124
		fi
		sleep 0.1
	done
	cat "$id.out"
	rc=$(cat "$id.rc")
	rm -f "$id".*
	return "$rc"
}

# peer_stop RUNDIR: SIGTERM the guest's process, SIGKILL after 5 s.
peer_stop() {
	local pid _
	[ -s "$1/pid" ] || return 0
	pid=$(cat "$1/pid")
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$1/pid" "$1/ready"
	return 0
}

# peer_main ARGS...: the command line every peer script takes.
#   check                 exit 0 if this peer can run here, else 77 with the reason
#   start RUNDIR OPTIONS  boot the guest, return once it is ready
#   exec RUNDIR [--timeout SEC] -- CMD
#   stop RUNDIR
# The script defines peer_kind, peer_check (prints what is missing and
# returns 1 when the peer cannot run here) and peer_start.
peer_main() {
	local cmd=${1:-} rundir=${2:-} timeout=20 why rc
	case $cmd in
	check)
		shift
		why=$(peer_check "$@")
		rc=$?
		[ "$rc" = 1 ] && echo "$why" && exit 77
		exit "$rc" ;;
	start | exec | stop) [ -n "$rundir" ] || peer_die "$cmd needs a run directory" ;;
	*) peer_die "usage: $peer_kind-peer.sh check|start RUNDIR OPTIONS|exec RUNDIR -- CMD|stop RUNDIR" ;;
	esac
	shift 2
	case $cmd in
	start)
		peer_parse "$@"
		peer_prepare "$rundir"
		rundir=$(cd "$rundir" && pwd)
		peer_start "$rundir" || { peer_stop "$rundir"; exit 1; } ;;
	exec)
		if [ "${1:-}" = --timeout ]; then
			timeout=${2:?}
			shift 2
		fi
		[ "${1:-}" = -- ] && [ $# -eq 2 ] || peer_die "usage: exec RUNDIR [--timeout SEC] -- 'CMD'"
		peer_exec "$rundir" "$timeout" "$2" ;;
	stop) peer_stop "$rundir" ;;
	esac
}
