/* The reminder scheduler: keeps the plan of the published snapshot in the
 * ledger, starts each delivery when it is due (on the daemon's clock,
 * real or simulated), retries with backoff until the session starts, and
 * records every attempt and outcome (doc/reference.md §6). */
#ifndef AGENDAD_REMIND_H
#define AGENDAD_REMIND_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "watch.h"

struct remind;

/* Registers its timers and curl's sockets with w, which outlives it.
 * dry_run: log what would be sent, send and record nothing.  Returns 0
 * or a negative errno. */
int remind_new(struct watcher *w, const char *state_dir, int dry_run, struct remind **out);
/* Stops scheduling and waits up to timeout_ms for the deliveries in
 * flight, running w's dispatch (so the caller first removes its own
 * registrations), then frees.  Accepts NULL. */
void remind_free(struct remind *r, int64_t timeout_ms);

/* A new snapshot: plans its reminders, records them, and schedules what
 * is pending.  Takes a reference to cat. */
void remind_publish(struct remind *r, struct catalogue *cat);

/* How many reminders wait to be sent (for the service status). */
size_t remind_pending(const struct remind *r);

/* The loop brackets each dispatch of the watcher with these: every ledger
 * write of a wake-up is one transaction.  Accept NULL. */
void remind_batch_begin(struct remind *r);
void remind_batch_end(struct remind *r);

#endif
