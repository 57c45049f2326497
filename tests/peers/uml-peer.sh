#!/bin/bash
# uml-peer.sh: a User Mode Linux guest whose NIC vec0 is UML's own static
# L2TPv3 pseudowire (the vector driver's transport=l2tpv3), for the interop
# tests. Debian 12's user-mode-linux package; the guest runs the host's / over
# hostfs with static busybox as its only program (busybox-static).
#
#   uml-peer.sh check
#   uml-peer.sh start RUNDIR --local ADDR --remote ADDR [--local-port P --remote-port P]
#       --tx-session N --rx-session N [--tx-cookie X --rx-cookie Y [--cookie64]]
#       [--counter] [--ip-encap] [--v6] --guest-ip CIDR [--echo] [--timeout SEC]
#   uml-peer.sh exec RUNDIR [--timeout SEC] -- 'CMD'
#   uml-peer.sh stop RUNDIR
#
# The words map one to one onto UML's vec0 spec (arch/um/drivers/
# vector_transports.c): rx_session/tx_session (UML ignores QEMU's rxsession and
# then panics at ifup), rx_cookie/tx_cookie/cookie64, counter (a plain 32-bit
# counter), udp=0 for IP protocol 115, v6=1 for an IPv6 underlay. --guest-ip
# is vec0's address, --echo runs a TCP echo server on port 7. RUNDIR: lib.sh.
# Installs nothing (tests/install-deps.sh does); `check` names what is missing.
set -u
peer_kind=uml
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

peer_check() {
	command -v linux.uml >/dev/null || { echo "no linux.uml (Debian package user-mode-linux)"; return 1; }
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		{ echo "no static /bin/busybox (Debian package busybox-static)"; return 1; }
	command -v gcc >/dev/null || { echo "no gcc (to build the UML ptrace shim)"; return 1; }
	return 0
}

# The ptrace shim (uml-xstate.c), built once per version of its source.
shim_build() {
	local dir=/var/tmp/pwire-tests sum so
	sum=$(sha256sum "$here/uml-xstate.c" | cut -c1-16)
	so=$dir/uml-xstate-$sum.so
	if [ ! -f "$so" ]; then
		mkdir -p "$dir" &&
			gcc -O2 -Wall -shared -fPIC -o "$so.$$" "$here/uml-xstate.c" -ldl &&
			mv "$so.$$" "$so" || { rm -f "$so.$$"; peer_die "cannot build $so"; }
	fi
	echo "$so"
}

peer_start() {
	local rundir=$1 spec shim pid
	[ -z "$P_TAP$P_VHOST" ] || peer_die "--tap and --vhost-user are qemu-peer.sh's"
	shim=$(shim_build) || exit 1
	spec="transport=l2tpv3,udp=$P_UDP,v6=$P_V6,src=$P_LOCAL,dst=$P_REMOTE"
	spec+=",rx_session=$P_RXS,tx_session=$P_TXS"
	[ "$P_UDP" = 1 ] && spec+=",srcport=$P_LPORT,dstport=$P_RPORT"
	[ -n "$P_TXC" ] && spec+=",rx_cookie=$P_RXC,tx_cookie=$P_TXC,cookie64=$P_COOKIE64"
	[ "$P_COUNTER" = 1 ] && spec+=",counter=1"
	echo "$spec" >"$rundir/vec0.spec"

	# Only static busybox runs in the guest (host programs over hostfs are
	# very slow under UML 6.1), and init never exits (UML would panic).
	{
		echo '#!/bin/busybox sh'
		echo '/bin/busybox mount -t proc proc /proc'
		echo '/bin/busybox mount -t sysfs sys /sys'
		echo '/bin/busybox mount -t tmpfs run /run'
		echo '/bin/busybox mkdir /run/bb && /bin/busybox --install -s /run/bb'
		echo 'export PATH=/run/bb'
		peer_guest_script "$rundir" vec0 /run/bb
	} >"$rundir/init.sh"
	chmod +x "$rundir/init.sh"

	echo "+ linux.uml ... vec0:$spec" >&2
	LD_PRELOAD=$shim linux.uml mem=128M root=/dev/root rootfstype=hostfs rootflags=/ rw \
		uml_dir="$rundir" umid=peer init="$rundir/init.sh" con=null con0=null,fd:1 \
		"vec0:$spec" </dev/null >"$rundir/console.log" 2>&1 &
	pid=$!
	echo "$pid" >"$rundir/pid"
	peer_wait "$rundir" "$pid" "$P_TIMEOUT"
}

peer_main "$@"
