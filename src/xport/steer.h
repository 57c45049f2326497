/* SPDX-License-Identifier: MIT */
/*
 * steer.h: the program that steers frames to queues by their inner flow,
 * for the TAP and for the queues' sockets alike (steer.c).
 */
#ifndef PWIRE_XPORT_STEER_H
#define PWIRE_XPORT_STEER_H

#include <stdint.h>

/* Load the steering program for `queues` queues, the Ethernet frame
 * starting frame_offset bytes into what it is given. A BPF program fd
 * (close it once attached), or -errno (EPERM: needs CAP_BPF or
 * CAP_SYS_ADMIN). */
int pw_steer_load(uint16_t frame_offset, unsigned queues);

#endif
