/* What systemd is told (sd_notify(3): READY, RELOADING, STOPPING, STATUS,
 * WATCHDOG), through libsystemd; built --without-systemd, nothing is
 * said and there is no watchdog, so the loop calls these unconditionally. */
#ifndef AGENDAD_NOTIFY_H
#define AGENDAD_NOTIFY_H

#include <stdint.h>

/* One notification, such as "READY=1" or "STATUS=..."; outside systemd
 * (no NOTIFY_SOCKET) it goes nowhere. */
void notify_send(const char *state);
/* 1 and *usec set when systemd expects WATCHDOG=1 at least every *usec
 * microseconds, else 0. */
int notify_watchdog(uint64_t *usec);

#endif
