#!/bin/sh
# Install the Debian 12 packages pwire needs, only those missing; apt-get
# update runs once, and only if something is missing.
#   tests/install-deps.sh build   building pwire and `make demo` (make build, make demo):
#                                 clang and libbpf-dev too (the fast path's BPF programs)
#   tests/install-deps.sh check   that, plus what `make check` and `make fuzz` run:
#                                 the sanitizer runtime, the QEMU, UML and kernel-image
#                                 peers, iperf3...
#   tests/install-deps.sh bench   what bench/guests.sh needs: QEMU, the guest's kernel,
#                                 busybox and cpio, and iperf3 (on the host; the guest
#                                 image copies it in)
set -eu
build="meson ninja-build gcc pkg-config libcmocka-dev liburing-dev libcap-ng-dev libseccomp-dev
libinih-dev libmicrohttpd-dev libmnl-dev clang libbpf-dev
iproute2 iputils-ping socat coreutils python3"
check="libclang-rt-14-dev netcat-openbsd procps kmod ethtool iperf3 systemd libcap2-bin
qemu-system-x86 user-mode-linux busybox-static linux-image-amd64 cpio"
bench="iperf3 qemu-system-x86 busybox-static linux-image-amd64 cpio kmod iproute2 iputils-ping
python3 coreutils"
case "${1:-}" in
build) pkgs=$build ;;
check) pkgs="$build $check" ;;
bench) pkgs=$bench ;;
*)
	echo "usage: tests/install-deps.sh build|check|bench" >&2
	exit 2
	;;
esac
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
