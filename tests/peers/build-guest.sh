#!/bin/bash
# build-guest.sh: the guest qemu-peer.sh boots, made at test time from the
# Debian packages installed here: the kernel (linux-image-amd64) and an
# initramfs of static busybox (busybox-static), iproute2's ip with its
# libraries (busybox's ip has no `ip l2tp`), and the modules the guest needs:
# virtio-net, 9p over virtio (the run directory), and Linux's L2TPv3
# (l2tp_eth, l2tp_ip, l2tp_ip6) when the kernel has them; and iperf3 with its
# libraries (Debian package iperf3) when it is installed here, as the guest's
# /usr/local/bin/iperf3 on its PATH (bench/guests.sh measures with it).
#
#   build-guest.sh          print the directory holding vmlinuz + initramfs.gz
#   build-guest.sh check [l2tp]   exit 0 if a guest can be built, else 77 and the reason
#                                 (l2tp: Linux's L2TPv3 modules and iproute2's ip too)
#
# The image is cached in /var/tmp/pwire-tests/guest-KEY, KEY a hash of this script
# and of every file copied in: any change to them builds a new one.
# The initramfs's init loads the modules, mounts the 9p share "peer" at /pw
# and runs /pw/guest.sh (which qemu-peer.sh writes). Installs nothing.
set -u
cache=/var/tmp/pwire-tests
modules_base="virtio_pci virtio_net 9pnet_virtio 9p"
modules_l2tp="l2tp_eth l2tp_ip l2tp_ip6"

# The newest kernel with both an image and virtio_net.
kver=
for k in $(ls /lib/modules 2>/dev/null | sort -rV); do
	if [ -r "/boot/vmlinuz-$k" ] && modprobe -S "$k" -n virtio_net 2>/dev/null; then
		kver=$k
		break
	fi
done
ip_bin=$(command -v /usr/sbin/ip /sbin/ip 2>/dev/null | head -n 1)
iperf_bin=$(command -v /usr/bin/iperf3 2>/dev/null)
has_l2tp() {
	local m
	for m in $modules_l2tp; do modprobe -S "$kver" -n "$m" 2>/dev/null || return 1; done
}

missing() {
	[ -n "$kver" ] || { echo "no kernel: /boot/vmlinuz-K with virtio_net under /lib/modules/K (Debian package linux-image-amd64)"; return; }
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		{ echo "no static /bin/busybox (Debian package busybox-static)"; return; }
	local t
	for t in cpio gzip modprobe ldd; do
		command -v $t >/dev/null || { echo "no $t"; return; }
	done
	[ "${1:-}" = l2tp ] || return 0
	has_l2tp || { echo "kernel $kver has no $modules_l2tp"; return; }
	[ -n "$ip_bin" ] || echo "no iproute2 ip"
}

if [ "${1:-}" = check ]; then
	why=$(missing "${2:-}")
	[ -z "$why" ] && exit 0
	echo "$why"
	exit 77
fi
[ $# -eq 0 ] || { echo "usage: build-guest.sh [check [l2tp]]" >&2; exit 2; }
why=$(missing)
[ -z "$why" ] || { echo "build-guest: $why" >&2; exit 1; }

# Every input file, in the order the image needs them.
mods=$modules_base
has_l2tp && mods="$mods $modules_l2tp"
kos=$(for m in $mods; do modprobe -S "$kver" --show-depends "$m"; done |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
libs=
[ -n "$ip_bin$iperf_bin" ] && libs=$(ldd $ip_bin $iperf_bin |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)
key=$({ cat "$0"; sha256sum "/boot/vmlinuz-$kver" /bin/busybox $ip_bin $iperf_bin $libs $kos; } |
	sha256sum | cut -c1-16)
out=$cache/guest-$key
if [ -f "$out/initramfs.gz" ]; then
	echo "$out"
	exit 0
fi

set -e
mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,pw,lib/modules,usr/local/sbin,usr/local/bin}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
[ -n "$ip_bin" ] && cp "$ip_bin" "$root/usr/local/sbin/ip"
[ -n "$iperf_bin" ] && cp "$iperf_bin" "$root/usr/local/bin/iperf3"
for f in $libs; do
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
done
for ko in $kos; do
	name=$(basename "$ko")
	case $ko in
	*.xz) xz -dc "$ko" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*) cp "$ko" "$root/lib/modules/$name" ;;
	esac
	echo "$name" >>"$root/lib/modules/order"
done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/local/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m || echo "GUEST: insmod $m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L peer /pw && exec sh /pw/guest.sh
echo "GUEST: no /pw/guest.sh"
while :; do sleep 3600; done
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initramfs.gz"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"
echo "kernel $kver, modules: $mods${iperf_bin:+, iperf3}" >"$work/contents"
rm -rf "$work/root"
# Publish whole, and drop the images older inputs made.
if ! mv -T "$work" "$out" 2>/dev/null; then
	[ -f "$out/initramfs.gz" ] # another build finished first
fi
find "$cache" -mindepth 1 -maxdepth 1 -name 'guest-*' ! -name "guest-$key" -exec rm -rf {} +
echo "$out"
