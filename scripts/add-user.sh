#!/bin/sh
# scripts/add-user.sh: run by `meson install` (meson.add_install_script):
# create the `pwire` system user and group that `pwire up` drops to once
# its TAP and sockets are open (no home, no shell, no password). Nothing to
# do when it exists. Into a staging DESTDIR (a package being built) nothing
# is created on this machine: the package's postinst must do it.
set -eu
if getent passwd pwire >/dev/null; then
	exit 0
fi
if [ -n "${DESTDIR:-}" ]; then
	echo "add-user: DESTDIR is set: not creating the pwire system user here;" \
		"create it where pwire is installed: adduser --system --group --no-create-home pwire"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "add-user: not root: the pwire system user is not created; pwire up will run as" \
		"nobody (as root: adduser --system --group --no-create-home pwire)"
	exit 0
fi
if command -v adduser >/dev/null; then
	adduser --quiet --system --group --no-create-home --home /nonexistent pwire
else
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin pwire
fi
echo "add-user: created the pwire system user"
