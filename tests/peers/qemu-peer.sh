#!/bin/bash
# qemu-peer.sh: a QEMU x86-64 guest (TCG) for the interop tests, booting the
# image build-guest.sh makes from Debian's kernel and busybox. Its virtio NIC
# eth0 is either
#   - QEMU's static L2TPv3 pseudowire (-netdev l2tpv3): QEMU is the peer, or
#   - with --tap IFNAME, a TAP device QEMU creates in the caller's network
#     namespace (-netdev tap): the guest's own kernel is then the peer, its
#     l2tp_eth driven through `exec` with iproute2's ip, which the guest has
#     as /usr/local/sbin/ip (busybox sh runs its own applet for a bare `ip`), or
#   - with --vhost-user PATH, a vhost-user back end (pwire up vhost-user:PATH)
#     serving the NIC's queues: QEMU connects to PATH (reconnect=1, so start
#     the back end first or within a second), or listens on it with
#     --vhost-server; --queues N pairs. Guest RAM is then a shared memfd
#     (the back end maps it), and under TCG the NIC gets vectors=0: QEMU 7.2
#     without KVM crashes in msix_set_vector_notifiers otherwise.
#
#   qemu-peer.sh check [--tap]
#   qemu-peer.sh start RUNDIR --local ADDR --remote ADDR [--local-port P --remote-port P]
#       --tx-session N --rx-session N [--tx-cookie X --rx-cookie Y [--cookie64]]
#       [--counter] [--ip-encap] [--v6] --guest-ip CIDR... [--echo] [--timeout SEC]
#   qemu-peer.sh start RUNDIR --tap IFNAME --guest-ip CIDR... [--echo] [--timeout SEC]
#   qemu-peer.sh start RUNDIR --vhost-user PATH [--vhost-server] [--queues N] [--mtu N]
#       --guest-ip CIDR... [--echo] [--timeout SEC]
#   qemu-peer.sh exec RUNDIR [--timeout SEC] -- 'CMD'
#   qemu-peer.sh stop RUNDIR
#
# QEMU 7.2's words (net/l2tpv3.c): txsession/rxsession, txcookie/rxcookie,
# cookie64=on (any cookie64=, even =off, means 64-bit cookies: it is given
# only when wanted), counter=on (a plain 32-bit counter), udp=off for IP
# protocol 115, ipv6=on. --guest-ip (repeatable) gives eth0 its addresses,
# --echo runs a TCP echo server on port 7. RUNDIR (see lib.sh) is the guest's
# /pw over virtio-9p. KVM is not used: TCG boots in about 10 s. QEMU's threads
# carry names (debug-threads=on: the vCPU's is "CPU 0/TCG"), which
# bench/guests.sh reads to tell the vCPU's CPU time from QEMU's I/O threads'.
# Installs nothing (tests/install-deps.sh does); `check` names what is missing.
set -u
peer_kind=qemu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

peer_check() {
	local why
	[ $# -eq 0 ] || [ "$1" = --tap ] || { echo "check takes only --tap" >&2; return 2; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "no qemu-system-x86_64 (Debian package qemu-system-x86)"; return 1; }
	if [ "${1:-}" = --tap ]; then
		[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return 1; }
		why=$("$here/build-guest.sh" check l2tp) && return 0
	else
		why=$("$here/build-guest.sh" check) && return 0
	fi
	[ -n "$why" ] || return 2
	echo "$why"
	return 1
}

peer_start() {
	local rundir=$1 guest net mac pid nic_opts='' mem=()
	guest=$("$here/build-guest.sh") || exit 1
	if [ -n "$P_TAP" ]; then
		net="tap,id=n0,ifname=$P_TAP,script=no,downscript=no"
	elif [ -n "$P_VHOST" ]; then
		local chardev="socket,id=vu0,path=$P_VHOST,reconnect=1"
		[ "$P_VHOST_SERVER" = 1 ] && chardev="socket,id=vu0,path=$P_VHOST,server=on,wait=off"
		net="vhost-user,id=n0,chardev=vu0,queues=$P_QUEUES"
		mem=(-object "memory-backend-memfd,id=mem,size=256M,share=on" -numa "node,memdev=mem"
			-chardev "$chardev")
		[ "$P_QUEUES" -gt 1 ] && nic_opts=",mq=on"
		nic_opts+=",vectors=0" # TCG: no MSI-X (see the top of this file)
		[ -n "$P_MTU" ] && nic_opts+=",host_mtu=$P_MTU" # the guest's MTU, told to the back end
	else
		net="l2tpv3,id=n0,src=$P_LOCAL,dst=$P_REMOTE,txsession=$P_TXS,rxsession=$P_RXS"
		if [ "$P_UDP" = 1 ]; then
			net+=",udp=on,srcport=$P_LPORT,dstport=$P_RPORT"
		else
			net+=",udp=off"
		fi
		[ "$P_V6" = 1 ] && net+=",ipv6=on"
		[ -n "$P_TXC" ] && net+=",txcookie=$P_TXC,rxcookie=$P_RXC"
		[ -n "$P_TXC" ] && [ "$P_COOKIE64" = 1 ] && net+=",cookie64=on"
		[ "$P_COUNTER" = 1 ] && net+=",counter=on"
	fi
	echo "$net" >"$rundir/netdev.spec"
	# A MAC of its own per run directory: two guests never share one.
	mac=$(printf '%s' "$rundir" | md5sum | sed 's/^\(..\)\(..\)\(..\).*/52:54:00:\1:\2:\3/')
	peer_guest_script /pw eth0 /bin >"$rundir/guest.sh"

	echo "+ qemu-system-x86_64 ... -netdev $net" >&2
	qemu-system-x86_64 -accel tcg -m 256 -smp 1 -nodefaults -no-user-config \
		-name pwire-peer,debug-threads=on \
		-display none -monitor none -no-reboot \
		-kernel "$guest/vmlinuz" -initrd "$guest/initramfs.gz" \
		-append "console=ttyS0 panic=-1 quiet" -serial "file:$rundir/console.log" \
		"${mem[@]}" -netdev "$net" -device "virtio-net-pci,netdev=n0,mac=$mac$nic_opts" \
		-virtfs "local,path=$rundir,mount_tag=peer,security_model=none,id=fs0" \
		</dev/null >"$rundir/qemu.log" 2>&1 &
	pid=$!
	echo "$pid" >"$rundir/pid"
	peer_wait "$rundir" "$pid" "$P_TIMEOUT" || { cat "$rundir/qemu.log" >&2; return 1; }
}

peer_main "$@"
