#!/bin/bash
# tests/cli/make-demo.sh: `make demo` is a newcomer's first command. It must
# install only what building and the demo need (no QEMU, UML or kernel
# image: those are `make check`'s), and run clean: exit 0, the ping and the
# sha256 through, and not one warning in its output.
#   1. tests/install-deps.sh build|check on a machine where nothing is
#      installed (dpkg-query and id faked on PATH): which packages each asks for;
#   2. make -n demo / check: which set each target installs;
#   3. tests/demo.sh with this build's pwire (root: namespaces, TAPs).
# Needs PWIRE and TESTS.
set -u
src=$TESTS/..
fail=0
bad() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/dpkg-query"
printf '#!/bin/sh\necho 1000\n' >"$tmp/bin/id"
chmod +x "$tmp/bin/dpkg-query" "$tmp/bin/id"
wants() { PATH=$tmp/bin:$PATH sh "$src/tests/install-deps.sh" "$1" 2>&1 | sed -n 's/.*need root to install://p'; }
build=$(wants build)
check=$(wants check)
echo "build/demo: $build"
echo "check adds: $(comm -13 <(tr ' ' '\n' <<<"$build" | sort) <(tr ' ' '\n' <<<"$check" | sort) | xargs)"
for p in meson gcc liburing-dev iproute2 socat clang libbpf-dev; do
	grep -qw -- "$p" <<<"$build" || bad "install-deps.sh build does not install $p"
done
for p in qemu-system-x86 user-mode-linux linux-image-amd64 busybox-static iperf3; do
	grep -qw -- "$p" <<<"$build" && bad "install-deps.sh build installs $p (only make check needs it)"
	grep -qw -- "$p" <<<"$check" || bad "install-deps.sh check does not install $p"
done

demo=$(make -n -C "$src" demo BUILD=build-nothing 2>&1 | grep install-deps)
grep -q 'install-deps.sh build$' <<<"$demo" && ! grep -q 'install-deps.sh check' <<<"$demo" ||
	bad "make demo runs '$demo' (expected tests/install-deps.sh build only)"
grep -q 'install-deps.sh check' <<<"$(make -n -C "$src" check BUILD=build-nothing 2>&1)" ||
	bad "make check does not run tests/install-deps.sh check"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the demo needs root (namespaces, TAP devices)"
	[ "$fail" = 0 ] && exit 77
	exit 1
fi
timeout 120 bash "$src/tests/demo.sh" "$PWIRE" >"$tmp/demo.out" 2>&1
rc=$?
[ "$rc" = 0 ] || { cat "$tmp/demo.out"; bad "demo.sh exited $rc"; }
grep -in 'warn' "$tmp/demo.out" && bad "the demo's output has warnings (above)"
grep -q '3 received, 0% packet loss' "$tmp/demo.out" || bad "the demo's ping did not get 3 of 3"
grep -q '^demo done$' "$tmp/demo.out" || bad "the demo did not finish"
[ "$fail" = 0 ] && echo "ok: make demo installs $(wc -w <<<"$build") packages, none of the peers'; the demo ran clean"
exit "$fail"
