/* SPDX-License-Identifier: MIT */
/*
 * notify.h: telling systemd how pwired is doing (Type=notify): READY=1 once
 * every pseudowire runs, RELOADING=1 and READY=1 around a reload,
 * STOPPING=1, with a STATUS= line. The protocol of sd_notify(3): one
 * datagram of NAME=VALUE lines to the AF_UNIX socket NOTIFY_SOCKET names
 * (a path, or @ for the abstract namespace).
 *
 * Written here rather than through libsystemd's sd_notify(), which opens a
 * socket at every call: pwired's socket is opened before it drops its
 * privileges, so the system-call filter needs no socket() (docs/control.md).
 */
#ifndef PWIRE_DAEMON_NOTIFY_H
#define PWIRE_DAEMON_NOTIFY_H

#include <stdbool.h>

#include "core/err.h"

struct pw_notify;

/* From NOTIFY_SOCKET (unset from the environment, as sd_notify's
 * unset_environment does, so that nothing pwired starts inherits it).
 * NULL without error when it is not set; NULL with err set when it is
 * unusable. */
struct pw_notify *pw_notify_open(struct pw_err *err);

/* Send the lines (e.g. "READY=1\nSTATUS=3 pseudowires up"); a NULL n does
 * nothing. false with errno when the datagram was not sent. */
bool pw_notify(struct pw_notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void pw_notify_close(struct pw_notify *n);

#endif
