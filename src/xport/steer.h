/* SPDX-License-Identifier: MIT */
/*
 * steer.h: the program that steers frames to queues by their inner flow,
 * for the TAP and for the queues' sockets alike (steer.c).
 */
#ifndef PWIRE_XPORT_STEER_H
#define PWIRE_XPORT_STEER_H

#include <stdint.h>

/* Load the steering program for `queues` queues, the Ethernet frame
 * starting frame_offset bytes into what it is given. map < 0: the modulus
 * is `queues`; else a map from pw_steer_map() whose value (the queues in
 * use, 1..queues; anything else counts as 1) is the modulus. A BPF program
 * fd (close it once attached; it keeps the map), or -errno (EPERM: needs
 * CAP_BPF or CAP_SYS_ADMIN). */
int pw_steer_load(uint16_t frame_offset, unsigned queues, int map);

/* A one-element BPF_F_MMAPABLE array for pw_steer_load: an fd or -errno. */
int pw_steer_map(void);

/* Its value, mapped shared (read by the program as it is stored); NULL
 * with errno. pw_steer_map_unmap(NULL) does nothing. */
_Atomic uint32_t *pw_steer_map_value(int map);
void pw_steer_map_unmap(_Atomic uint32_t *value);

#endif
