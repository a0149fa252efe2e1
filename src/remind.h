/* The reminder scheduler: keeps the plan of the published snapshot in the
 * ledger, starts each delivery when it is due (on the daemon's clock,
 * real or simulated), retries with backoff until the session starts, and
 * records every attempt and outcome (doc/reference.md §6). */
#ifndef AGENDAD_REMIND_H
#define AGENDAD_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"

struct remind;

/* Watches its timers and curl's sockets through epfd.  dry_run: log what
 * would be sent, send and record nothing.  Returns 0 or a negative errno. */
int remind_new(int epfd, const char *state_dir, int dry_run, struct remind **out);
/* Waits (running the deliveries only) up to timeout_ms for those in
 * flight, then frees.  Accepts NULL. */
void remind_free(struct remind *r, int64_t timeout_ms);

/* A new snapshot: plans its reminders, records them, and schedules what
 * is pending.  Takes a reference to cat. */
void remind_publish(struct remind *r, struct catalogue *cat);

/* How many reminders wait to be sent (for the service status). */
size_t remind_pending(const struct remind *r);

/* The loop brackets each wake-up with these: every ledger write of it is
 * one transaction.  Accept NULL. */
void remind_batch_begin(struct remind *r);
void remind_batch_end(struct remind *r);

/* The loop hands over events on these. */
int remind_is_fd(const struct remind *r, int fd);
void remind_on_fd(struct remind *r, int fd);
void remind_on_socket(struct remind *r, int fd, uint32_t epoll_events);

#endif
