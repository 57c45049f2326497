#!/bin/sh
# Install the Debian 12 packages that building and testing pwire need, only
# those missing. apt-get update runs once, and only if something is missing.
set -eu
pkgs="meson ninja-build gcc clang libclang-rt-14-dev pkg-config libcmocka-dev liburing-dev libcap-ng-dev libseccomp-dev libinih-dev libmicrohttpd-dev python3 iproute2
iputils-ping netcat-openbsd socat coreutils procps kmod ethtool
qemu-system-x86 user-mode-linux busybox-static linux-image-amd64 cpio iperf3 systemd"
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
